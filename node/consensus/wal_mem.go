package consensus

import "fmt"

// MemWAL is a Log in memory for the simulator and tests. It keeps encoded
// frames, so it exercises the same codec as WAL, and tracks which of them
// are durable so that Crash can lose exactly what a power cut would.
type MemWAL struct {
	frames  []memFrame
	durable int // frames[:durable] survive a crash
	height  uint64
	closed  bool
}

type memFrame struct {
	height uint64
	frame  []byte
}

var _ Log = (*MemWAL)(nil)

// NewMemWAL returns an empty in-memory log.
func NewMemWAL() *MemWAL { return &MemWAL{} }

// Append implements Log.
func (w *MemWAL) Append(rec Record, sync bool) error {
	if w.closed {
		return fmt.Errorf("append mem wal: %w", ErrWALClosed)
	}
	if !rec.loggable() {
		return nil
	}
	b, err := EncodeRecord(rec)
	if err != nil {
		return err
	}
	w.frames = append(w.frames, memFrame{height: rec.Height(), frame: b})
	if sync {
		w.durable = len(w.frames)
	}
	return nil
}

// StartHeight implements Log. It drops the records of lower heights at once.
func (w *MemWAL) StartHeight(height uint64) error {
	switch {
	case height == w.height:
		return nil
	case height < w.height:
		return fmt.Errorf("start mem wal height %d at %d: %w", height, w.height, ErrHeightRegressed)
	}
	w.height = height
	kept := w.frames[:0]
	durable := 0
	for i, f := range w.frames {
		if f.height >= height && f.height-height <= walRetainHeights {
			kept = append(kept, f)
			if i < w.durable {
				durable = len(kept)
			}
		}
	}
	clear(w.frames[len(kept):])
	w.frames, w.durable = kept, durable
	return nil
}

// Records implements Log.
func (w *MemWAL) Records(height uint64) ([]Record, error) {
	var out []Record
	for _, f := range w.frames {
		if f.height != height {
			continue
		}
		rec, _, err := DecodeRecord(f.frame)
		if err != nil {
			return nil, fmt.Errorf("read mem wal: %w", err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// Close implements Log.
func (w *MemWAL) Close() error {
	w.closed = true
	return nil
}

// Crash simulates a power cut followed by a reopen: of the records appended
// since the last sync, only the first keep survive.
func (w *MemWAL) Crash(keep int) {
	end := min(len(w.frames), w.durable+max(keep, 0))
	clear(w.frames[end:])
	w.frames = w.frames[:end]
	w.durable = end
	w.closed = false
}

// Unsynced is the number of records a crash could lose.
func (w *MemWAL) Unsynced() int { return len(w.frames) - w.durable }
