package p2p

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Frame layout: a 4-byte big-endian body length, then the body.
const (
	frameHeaderBytes = 4
	// maxFrameLimit is the ceiling any configured MaxFrameBytes must respect.
	maxFrameLimit = 1 << 28
)

// readFrame reads one frame whose body is at most max bytes. The body is
// freshly allocated, so the caller may keep it.
func readFrame(r io.Reader, max int) ([]byte, error) {
	n, _, err := readFrameHeader(r, max)
	if err != nil {
		return nil, err
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("read frame body: %w", unexpectedEOF(err))
	}
	return body, nil
}

// readFrameHeader reads a length prefix and checks it against max.
func readFrameHeader(r io.Reader, max int) (int, [frameHeaderBytes]byte, error) {
	var hdr [frameHeaderBytes]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, hdr, fmt.Errorf("read frame header: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(max) {
		return 0, hdr, fmt.Errorf("read frame: %d bytes, limit %d: %w", n, max, ErrFrameTooLarge)
	}
	return int(n), hdr, nil
}

// appendFrame appends the frame carrying body to dst.
func appendFrame(dst, body []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	return append(dst, body...)
}

// writeFrame writes one frame carrying body.
func writeFrame(w io.Writer, body []byte) error {
	if _, err := w.Write(appendFrame(make([]byte, 0, frameHeaderBytes+len(body)), body)); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// unexpectedEOF turns a clean EOF inside a frame into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
