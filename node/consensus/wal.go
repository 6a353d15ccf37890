package consensus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WAL sizing.
const (
	// walRotateBytes is the file size past which StartHeight rewrites the
	// file with only the records still needed.
	walRotateBytes = 16 << 20
	// walRetainHeights is how many heights past the current one a rotation
	// keeps: messages for the next height arrive before it starts.
	walRetainHeights = 1
	walFileMode      = 0o600
)

var (
	// ErrHeightRegressed is returned by StartHeight for a height below the
	// log's current one.
	ErrHeightRegressed = errors.New("wal height went backwards")
	// ErrWALClosed is returned for writes after Close (or a failed rotation).
	ErrWALClosed = errors.New("wal closed")
)

// Log is the consensus write-ahead log. The driver appends every event it
// feeds the machine (own signed messages with sync before sending them),
// marks each new height, and on restart replays Records of the height it
// resumes. WAL is the file implementation, MemWAL the in-memory one.
type Log interface {
	// Append adds rec; with sync it is durable when Append returns, together
	// with everything appended before it. Events that are not logged (Tick,
	// StartHeight) are accepted and dropped.
	Append(rec Record, sync bool) error
	// StartHeight records that height began; records of lower heights may
	// be discarded from now on. A height equal to the current one is a no-op.
	StartHeight(height uint64) error
	// Records returns the records of height, in append order.
	Records(height uint64) ([]Record, error)
	Close() error
}

// WAL is a Log in an append-only file of checksummed frames (see record.go).
type WAL struct {
	path    string
	f       *os.File
	size    int64
	height  uint64
	dropped int64
}

var _ Log = (*WAL)(nil)

// OpenWAL opens or creates the log at path. A torn or corrupt tail (a crash
// mid-write) is cut off; Dropped reports how many bytes that removed.
func OpenWAL(path string) (*WAL, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open wal %s: %w", path, err)
	}
	w := &WAL{path: path}
	good := w.scan(data)
	if good < len(data) {
		w.dropped = int64(len(data) - good)
		if err := os.Truncate(path, int64(good)); err != nil {
			return nil, fmt.Errorf("truncate wal %s: %w", path, err)
		}
	}
	w.size = int64(good)
	if err := w.openAppend(); err != nil {
		return nil, err
	}
	if w.dropped > 0 {
		if err := w.f.Sync(); err != nil {
			return nil, fmt.Errorf("sync truncated wal %s: %w", path, err)
		}
	}
	return w, nil
}

// Dropped is the number of bytes of torn or corrupt tail OpenWAL removed.
func (w *WAL) Dropped() int64 { return w.dropped }

// Height is the last height started.
func (w *WAL) Height() uint64 { return w.height }

// Append implements Log.
func (w *WAL) Append(rec Record, sync bool) error {
	if !rec.loggable() {
		return nil
	}
	b, err := EncodeRecord(rec)
	if err != nil {
		return err
	}
	return w.write(b, sync)
}

// StartHeight implements Log: it appends a mark and, once the file has
// grown past walRotateBytes, rewrites it with the records of heights
// height..height+1 only.
func (w *WAL) StartHeight(height uint64) error {
	switch {
	case height == w.height:
		return nil
	case height < w.height:
		return fmt.Errorf("start wal height %d at %d: %w", height, w.height, ErrHeightRegressed)
	}
	w.height = height
	if w.size < walRotateBytes {
		return w.write(markFrame(height), false)
	}
	return w.rotate()
}

// Records implements Log.
func (w *WAL) Records(height uint64) ([]Record, error) {
	data, err := os.ReadFile(w.path)
	if err != nil {
		return nil, fmt.Errorf("read wal %s: %w", w.path, err)
	}
	return recordsAt(data, func(h uint64) bool { return h == height })
}

// Close implements Log.
func (w *WAL) Close() error {
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if err != nil {
		return fmt.Errorf("close wal %s: %w", w.path, err)
	}
	return nil
}

func (w *WAL) write(b []byte, sync bool) error {
	if w.f == nil {
		return fmt.Errorf("append wal %s: %w", w.path, ErrWALClosed)
	}
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("append wal %s: %w", w.path, err)
	}
	w.size += int64(len(b))
	if sync {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("sync wal %s: %w", w.path, err)
		}
	}
	return nil
}

// scan walks data, tracking the last height mark, and returns the length of
// the prefix made of whole, valid frames.
func (w *WAL) scan(data []byte) int {
	off := 0
	for off < len(data) {
		t, payload, n, err := readFrame(data[off:])
		if err != nil {
			break
		}
		if t == recordMark {
			h, err := decodeMark(payload)
			if err != nil {
				break
			}
			w.height = h
		} else if _, err := decodeEvent(t, payload); err != nil {
			break
		}
		off += n
	}
	return off
}

// rotate writes a new file holding a mark and the records still needed,
// syncs it, and renames it over the old one.
func (w *WAL) rotate() error {
	data, err := os.ReadFile(w.path)
	if err != nil {
		return fmt.Errorf("rotate wal %s: %w", w.path, err)
	}
	out := markFrame(w.height)
	err = eachFrame(data, func(rec Record, frame []byte) {
		if h := rec.Height(); h >= w.height && h-w.height <= walRetainHeights {
			out = append(out, frame...)
		}
	})
	if err != nil {
		return fmt.Errorf("rotate wal %s: %w", w.path, err)
	}
	tmp := w.path + ".tmp"
	if err := writeFileSync(tmp, out); err != nil {
		return fmt.Errorf("rotate wal %s: %w", w.path, err)
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, w.path); err != nil {
		return fmt.Errorf("rotate wal %s: %w", w.path, err)
	}
	if err := syncDir(filepath.Dir(w.path)); err != nil {
		return fmt.Errorf("rotate wal %s: %w", w.path, err)
	}
	w.size = int64(len(out))
	return w.openAppend()
}

func (w *WAL) openAppend() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, walFileMode)
	if err != nil {
		return fmt.Errorf("open wal %s: %w", w.path, err)
	}
	w.f = f
	return nil
}

// eachFrame calls fn with the record and bytes of every event frame in data.
func eachFrame(data []byte, fn func(rec Record, frame []byte)) error {
	for off := 0; off < len(data); {
		t, payload, n, err := readFrame(data[off:])
		if err != nil {
			return err
		}
		if t != recordMark {
			ev, err := decodeEvent(t, payload)
			if err != nil {
				return err
			}
			fn(Record{Event: ev}, data[off:off+n])
		}
		off += n
	}
	return nil
}

// recordsAt decodes the event frames of data whose height keep accepts.
func recordsAt(data []byte, keep func(uint64) bool) ([]Record, error) {
	var out []Record
	err := eachFrame(data, func(rec Record, _ []byte) {
		if keep(rec.Height()) {
			out = append(out, rec)
		}
	})
	return out, err
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, walFileMode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
