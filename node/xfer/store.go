package xfer

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

var (
	// ErrNotFound is returned by the read helpers for an absent record.
	ErrNotFound = errors.New("not found")
	// ErrCorruptState is returned when a stored record does not decode. It
	// is an internal failure: the node halts.
	ErrCorruptState = errors.New("corrupt xfer state")
)

// sequenceBytes is the width of a stored sequence.
const sequenceBytes = 8

// readRLP decodes the record at key into v; found is false when it is absent.
func readRLP(kv app.KV, key []byte, v any) (found bool, err error) {
	b, err := kv.Get(key)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	if b == nil {
		return false, nil
	}
	if err := rlp.DecodeBytes(b, v); err != nil {
		return false, fmt.Errorf("decode %s: %w: %w", key, ErrCorruptState, err)
	}
	return true, nil
}

func writeRLP(kv app.KV, key []byte, v any) error {
	if err := kv.Set(key, encode(v)); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

func deleteKey(kv app.KV, key []byte) error {
	if err := kv.Delete(key); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

func loadClient(kv app.KV, chain string) (*ClientState, error) {
	var c ClientState
	found, err := readRLP(kv, ClientKey(chain), &c)
	if err != nil || !found {
		return nil, err
	}
	return &c, nil
}

func storeClient(kv app.KV, c *ClientState) error { return writeRLP(kv, ClientKey(c.ChainID), c) }

func loadHeader(kv app.KV, chain string, height uint64) (*VerifiedHeader, error) {
	var h VerifiedHeader
	found, err := readRLP(kv, HeaderKey(chain, height), &h)
	if err != nil || !found {
		return nil, err
	}
	return &h, nil
}

func loadTask(kv app.KV, dst string, seq uint64) (*Task, error) {
	var t Task
	found, err := readRLP(kv, TaskKey(dst, seq), &t)
	if err != nil || !found {
		return nil, err
	}
	return &t, nil
}

func loadRoute(kv app.KV, chain string) (*Route, error) {
	var r Route
	found, err := readRLP(kv, RouteKey(chain), &r)
	if err != nil || !found {
		return nil, err
	}
	return &r, nil
}

func loadParams(kv app.KV) (*Params, error) {
	var p Params
	found, err := readRLP(kv, []byte(ParamsKey), &p)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("read %s: %w: module parameters missing", ParamsKey, ErrCorruptState)
	}
	return &p, nil
}

// lastSequence is the sequence of the last packet sent to dst (0 for none).
func lastSequence(kv app.KV, dst string) (uint64, error) {
	key := SequenceKey(dst)
	b, err := kv.Get(key)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", key, err)
	}
	if b == nil {
		return 0, nil
	}
	if len(b) != sequenceBytes {
		return 0, fmt.Errorf("decode %s: %w: %d bytes", key, ErrCorruptState, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

func storeSequence(kv app.KV, dst string, seq uint64) error {
	key := SequenceKey(dst)
	if err := kv.Set(key, binary.BigEndian.AppendUint64(nil, seq)); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

func isBlocked(kv app.KV, addr attest.Address) (bool, error) {
	key := BlockedKey(addr)
	b, err := kv.Get(key)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	return b != nil, nil
}
