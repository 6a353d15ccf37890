package consensus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/ethereum/go-ethereum/rlp"
)

// Frame layout: length (4 bytes, big endian, of type+payload), CRC-32C of
// type+payload (4 bytes), type (1 byte), RLP payload.
const (
	frameHeaderBytes = 8
	frameTypeBytes   = 1
	// MaxRecordBytes bounds one record: a proposal with its block is the largest.
	MaxRecordBytes = MaxProposalBytes + frameTypeBytes
)

// recordType tags a frame's payload.
type recordType uint8

const (
	recordMark      recordType = 1 // a height began; payload is the height
	recordProposal  recordType = 2
	recordVote      recordType = 3
	recordBuilt     recordType = 4
	recordTimeout   recordType = 5
	recordCertified recordType = 6
)

var (
	// ErrCorruptRecord is returned for a frame whose length, checksum, type
	// or payload is wrong.
	ErrCorruptRecord = errors.New("corrupt wal record")
	// ErrShortRecord is returned when the input ends inside a frame.
	ErrShortRecord = errors.New("truncated wal record")

	crcTable = crc32.MakeTable(crc32.Castagnoli)
)

// Record is one WAL entry: an event that was fed to the machine.
type Record struct {
	Event Event
}

// RecordOf wraps ev for the WAL.
func RecordOf(ev Event) Record { return Record{Event: ev} }

// Height is the height of the record's event (0 for events without one).
func (r Record) Height() uint64 {
	switch e := r.Event.(type) {
	case ProposalReceived:
		return e.Proposal.Height
	case VoteReceived:
		return e.Vote.Height
	case BlockBuilt:
		return e.Height
	case TimeoutFired:
		return e.Height
	case CertifiedCommit:
		return e.Height
	}
	return 0
}

// loggable reports whether the record's event changes machine state and so
// belongs in the WAL (Tick and StartHeight do not: the driver knows them).
func (r Record) loggable() bool {
	_, ok := recordTypeOf(r.Event)
	return ok
}

func recordTypeOf(ev Event) (recordType, bool) {
	switch ev.(type) {
	case ProposalReceived:
		return recordProposal, true
	case VoteReceived:
		return recordVote, true
	case BlockBuilt:
		return recordBuilt, true
	case TimeoutFired:
		return recordTimeout, true
	case CertifiedCommit:
		return recordCertified, true
	}
	return 0, false
}

// EncodeRecord returns the frame for r.
func EncodeRecord(r Record) ([]byte, error) {
	t, ok := recordTypeOf(r.Event)
	if !ok {
		return nil, fmt.Errorf("encode wal record: event %T is not logged: %w", r.Event, ErrCorruptRecord)
	}
	payload, err := rlp.EncodeToBytes(r.Event)
	if err != nil {
		return nil, fmt.Errorf("encode wal record %T: %w", r.Event, err)
	}
	return frame(t, payload), nil
}

// DecodeRecord decodes the first frame of b and returns its record and the
// number of bytes it took.
func DecodeRecord(b []byte) (Record, int, error) {
	t, payload, n, err := readFrame(b)
	if err != nil {
		return Record{}, 0, err
	}
	ev, err := decodeEvent(t, payload)
	if err != nil {
		return Record{}, 0, err
	}
	return Record{Event: ev}, n, nil
}

func frame(t recordType, payload []byte) []byte {
	out := make([]byte, frameHeaderBytes+frameTypeBytes+len(payload))
	binary.BigEndian.PutUint32(out[0:4], uint32(frameTypeBytes+len(payload)))
	out[frameHeaderBytes] = byte(t)
	copy(out[frameHeaderBytes+frameTypeBytes:], payload)
	binary.BigEndian.PutUint32(out[4:8], crc32.Checksum(out[frameHeaderBytes:], crcTable))
	return out
}

func markFrame(height uint64) []byte {
	payload, err := rlp.EncodeToBytes(height)
	if err != nil {
		panic("consensus: encode wal mark: " + err.Error())
	}
	return frame(recordMark, payload)
}

// readFrame checks the first frame of b and returns its type, payload and size.
func readFrame(b []byte) (recordType, []byte, int, error) {
	if len(b) < frameHeaderBytes {
		return 0, nil, 0, ErrShortRecord
	}
	size := binary.BigEndian.Uint32(b[0:4])
	if size < frameTypeBytes || size > MaxRecordBytes {
		return 0, nil, 0, fmt.Errorf("wal record of %d bytes: %w", size, ErrCorruptRecord)
	}
	end := frameHeaderBytes + int(size)
	if len(b) < end {
		return 0, nil, 0, ErrShortRecord
	}
	body := b[frameHeaderBytes:end]
	if crc32.Checksum(body, crcTable) != binary.BigEndian.Uint32(b[4:8]) {
		return 0, nil, 0, fmt.Errorf("wal record checksum: %w", ErrCorruptRecord)
	}
	return recordType(body[0]), body[frameTypeBytes:], end, nil
}

func decodeMark(payload []byte) (uint64, error) {
	var h uint64
	if err := rlp.DecodeBytes(payload, &h); err != nil {
		return 0, fmt.Errorf("decode wal mark: %w: %w", ErrCorruptRecord, err)
	}
	return h, nil
}

func decodeEvent(t recordType, payload []byte) (Event, error) {
	var ev Event
	var err error
	switch t {
	case recordProposal:
		ev, err = decodeAs[ProposalReceived](payload)
	case recordVote:
		ev, err = decodeAs[VoteReceived](payload)
	case recordBuilt:
		ev, err = decodeAs[BlockBuilt](payload)
	case recordTimeout:
		var e TimeoutFired
		if e, err = decodeAs[TimeoutFired](payload); err == nil && (e.Step < StepPropose || e.Step > StepPrecommit) {
			err = fmt.Errorf("timeout step %d", e.Step)
		}
		ev = e
	case recordCertified:
		ev, err = decodeAs[CertifiedCommit](payload)
	default:
		err = fmt.Errorf("record type %d", t)
	}
	if err != nil {
		return nil, fmt.Errorf("decode wal record: %w: %w", ErrCorruptRecord, err)
	}
	return ev, nil
}

func decodeAs[T any](payload []byte) (T, error) {
	var v T
	err := rlp.DecodeBytes(payload, &v)
	return v, err
}
