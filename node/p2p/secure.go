package p2p

import (
	"bufio"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"

	"golang.org/x/crypto/chacha20poly1305"
)

// Sizes of the encrypted framing.
const (
	tagBytes  = chacha20poly1305.Overhead
	typeBytes = 1
	// frameOverhead is what a frame body adds to a message payload.
	frameOverhead = typeBytes + tagBytes
	// ioBufferBytes sizes the buffered reader and writer of a connection.
	ioBufferBytes = 64 << 10
	// keepBufferBytes is the largest write buffer kept between messages;
	// a bigger one, grown for a large message, is released.
	keepBufferBytes = 256 << 10
)

// sessionKeys are the two directions' ChaCha20-Poly1305 keys of a session.
type sessionKeys struct {
	send, recv []byte
}

// secureConn seals and opens frames of one session. Writes and reads may
// run concurrently with each other, but not with themselves.
type secureConn struct {
	r         *bufio.Reader
	w         *bufio.Writer
	seal      cipher.AEAD
	open      cipher.AEAD
	sendNonce uint64
	recvNonce uint64
	maxFrame  int
	wbuf      []byte
	// Nonce buffers live here so that handing them to the AEAD does not
	// allocate per frame.
	sendNonceBuf [chacha20poly1305.NonceSize]byte
	recvNonceBuf [chacha20poly1305.NonceSize]byte
}

func newSecureConn(r *bufio.Reader, w io.Writer, keys sessionKeys, maxFrame int) (*secureConn, error) {
	seal, err := chacha20poly1305.New(keys.send)
	if err != nil {
		return nil, fmt.Errorf("new send cipher: %w", err)
	}
	open, err := chacha20poly1305.New(keys.recv)
	if err != nil {
		return nil, fmt.Errorf("new receive cipher: %w", err)
	}
	return &secureConn{r: r, w: bufio.NewWriterSize(w, ioBufferBytes), seal: seal, open: open, maxFrame: maxFrame}, nil
}

// maxPayload is the largest payload a message may carry on this session.
func (c *secureConn) maxPayload() int { return c.maxFrame - frameOverhead }

// writeMessage seals m into the write buffer; Flush sends it.
func (c *secureConn) writeMessage(m Message) error {
	if len(m.Payload) > c.maxPayload() {
		return fmt.Errorf("write message of %d bytes, limit %d: %w", len(m.Payload), c.maxPayload(), ErrFrameTooLarge)
	}
	if err := nextNonce(&c.sendNonce, &c.sendNonceBuf); err != nil {
		return err
	}
	body := len(m.Payload) + frameOverhead
	buf := slices.Grow(c.wbuf[:0], frameHeaderBytes+body)
	buf = binary.BigEndian.AppendUint32(buf, uint32(body))
	buf = append(buf, m.Type)
	buf = append(buf, m.Payload...)
	hdr := buf[:frameHeaderBytes]
	sealed := c.seal.Seal(buf[frameHeaderBytes:frameHeaderBytes], c.sendNonceBuf[:], buf[frameHeaderBytes:], hdr)
	_, err := c.w.Write(buf[:frameHeaderBytes+len(sealed)])
	if cap(buf) <= keepBufferBytes {
		c.wbuf = buf
	} else {
		c.wbuf = nil
	}
	if err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// flush sends buffered frames.
func (c *secureConn) flush() error {
	if err := c.w.Flush(); err != nil {
		return fmt.Errorf("flush frames: %w", err)
	}
	return nil
}

// readMessage reads and opens one frame of at most the session's limit.
func (c *secureConn) readMessage() (Message, error) {
	return c.readMessageLimit(c.maxFrame)
}

func (c *secureConn) readMessageLimit(max int) (Message, error) {
	n, hdr, err := readFrameHeader(c.r, max)
	if err != nil {
		return Message{}, err
	}
	if n < frameOverhead {
		return Message{}, fmt.Errorf("read frame of %d bytes, shorter than its overhead: %w", n, ErrDecrypt)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return Message{}, fmt.Errorf("read frame body: %w", unexpectedEOF(err))
	}
	if err := nextNonce(&c.recvNonce, &c.recvNonceBuf); err != nil {
		return Message{}, err
	}
	plain, err := c.open.Open(body[:0], c.recvNonceBuf[:], body, hdr[:])
	if err != nil {
		return Message{}, fmt.Errorf("open frame %d: %w", c.recvNonce-1, ErrDecrypt)
	}
	return Message{Type: plain[0], Payload: plain[typeBytes:]}, nil
}

// nextNonce writes the nonce for counter *ctr into nonce and advances the
// counter. The last counter value is never used, so a session cannot wrap.
func nextNonce(ctr *uint64, nonce *[chacha20poly1305.NonceSize]byte) error {
	if *ctr == math.MaxUint64 {
		return ErrNonceExhausted
	}
	binary.BigEndian.PutUint64(nonce[chacha20poly1305.NonceSize-8:], *ctr)
	*ctr++
	return nil
}
