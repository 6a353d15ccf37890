package store

import (
	"encoding/binary"
	"fmt"

	"github.com/causeway/causeway/attest"
)

// Key layout. Every key starts with one byte naming its kind; heights are
// 8-byte big-endian so that keys of one kind sort by height.
//
//	'n' ‖ node hash   → trie node blob
//	'b' ‖ height      → certified block (block.EncodeCertified)
//	'h' ‖ block hash  → height
//	't' ‖ tx hash     → height ‖ index (8 + 4 bytes)
//	'r' ‖ height      → receipts (opaque)
//	'm' ‖ height      → metadata (opaque)
//	0x00 'H'          → latest committed height
const (
	kindNode     byte = 'n'
	kindBlock    byte = 'b'
	kindHash     byte = 'h'
	kindTx       byte = 't'
	kindReceipts byte = 'r'
	kindMeta     byte = 'm'
	kindSingle   byte = 0x00

	heightBytes   = 8
	indexBytes    = 4
	locationBytes = heightBytes + indexBytes
)

// latestKey holds the latest committed height.
var latestKey = []byte{kindSingle, 'H'}

func hashKey(kind byte, h attest.Hash) []byte {
	k := make([]byte, 1+len(h))
	k[0] = kind
	copy(k[1:], h[:])
	return k
}

func heightKey(kind byte, height uint64) []byte {
	k := make([]byte, 1+heightBytes)
	k[0] = kind
	binary.BigEndian.PutUint64(k[1:], height)
	return k
}

func encodeHeight(height uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, height)
}

func decodeHeight(v []byte) (uint64, error) {
	if len(v) != heightBytes {
		return 0, fmt.Errorf("decode height: %d bytes, want %d: %w", len(v), heightBytes, ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

func encodeLocation(height uint64, index uint32) []byte {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, locationBytes), height)
	return binary.BigEndian.AppendUint32(v, index)
}

func decodeLocation(v []byte) (uint64, uint32, error) {
	if len(v) != locationBytes {
		return 0, 0, fmt.Errorf("decode tx location: %d bytes, want %d: %w", len(v), locationBytes, ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v), binary.BigEndian.Uint32(v[heightBytes:]), nil
}
