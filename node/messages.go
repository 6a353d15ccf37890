package node

import (
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
)

// Message types on the validator transport.
const (
	msgProposal      uint8 = 1 // consensus.EncodeProposal
	msgVote          uint8 = 2 // RLP attest.Vote
	msgTxs           uint8 = 3 // RLP [][]byte of encoded transactions
	msgEvidence      uint8 = 4 // RLP attest.DuplicateVote
	msgBlockRequest  uint8 = 5 // RLP blockRequest
	msgBlockResponse uint8 = 6 // block.EncodeCertified
	msgStatus        uint8 = 7 // RLP peerStatus
)

// Gossip and sync limits.
const (
	maxTxsPerGossip   = 2048 // transactions per gossip message
	maxBlocksPerSync  = 64   // certified blocks a peer asks for in one request
	maxBlocksInFlight = 256  // certified blocks buffered ahead of the consensus height
)

type blockRequest struct {
	From  uint64
	Count uint64
}

type peerStatus struct {
	Height uint64
	Hash   attest.Hash
}

func encodeRLP(v any) []byte {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		panic(fmt.Sprintf("node: encode %T: %v", v, err))
	}
	return b
}

func decodeTxs(b []byte) ([][]byte, error) {
	var txs [][]byte
	if err := rlp.DecodeBytes(b, &txs); err != nil {
		return nil, fmt.Errorf("decode tx gossip: %w", err)
	}
	if len(txs) > maxTxsPerGossip {
		return nil, fmt.Errorf("decode tx gossip: %d txs exceeds %d", len(txs), maxTxsPerGossip)
	}
	return txs, nil
}

func decodeBlockRequest(b []byte) (*blockRequest, error) {
	var r blockRequest
	if err := rlp.DecodeBytes(b, &r); err != nil {
		return nil, fmt.Errorf("decode block request: %w", err)
	}
	if r.Count == 0 || r.Count > maxBlocksPerSync {
		r.Count = maxBlocksPerSync
	}
	return &r, nil
}

func decodePeerStatus(b []byte) (*peerStatus, error) {
	var s peerStatus
	if err := rlp.DecodeBytes(b, &s); err != nil {
		return nil, fmt.Errorf("decode peer status: %w", err)
	}
	return &s, nil
}
