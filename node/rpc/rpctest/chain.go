package rpctest

import (
	"context"
	"crypto/ecdsa"
	"maps"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/ethereum/go-ethereum/triedb/database"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/tx"
)

// EventTx is the type of the event every fake transaction emits.
const EventTx = "tx"

// Fund sets a balance in the state the next block commits.
func (b *Backend) Fund(addr attest.Address, denom, amount string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.working[BalanceKey(addr, denom)] = []byte(amount)
}

// SignTx builds and signs a transaction for this chain.
func (b *Backend) SignTx(key *ecdsa.PrivateKey, nonce uint64, typ string, payload []byte) []byte {
	t := &tx.Tx{ChainID: b.chainID, Nonce: nonce, Type: typ, Payload: payload}
	if err := t.Sign(b.genesis, key); err != nil {
		panic("rpctest: sign tx: " + err.Error())
	}
	return t.Encode()
}

// SendRawTransaction implements rpc.Backend: it checks encoding, chain,
// signature and nonce, and queues the transaction for the next Commit.
func (b *Backend) SendRawTransaction(_ context.Context, raw []byte) (attest.Hash, error) {
	t, err := tx.Decode(raw)
	if err != nil {
		return attest.Hash{}, &rpc.Error{Code: CodeMalformed, Name: "malformed", Msg: err.Error()}
	}
	if t.ChainID != b.chainID {
		return attest.Hash{}, &rpc.Error{Code: CodeWrongChain, Name: "wrong_chain", Msg: "transaction is for chain " + t.ChainID}
	}
	sender, err := t.Sender(b.genesis)
	if err != nil {
		return attest.Hash{}, &rpc.Error{Code: CodeBadSignature, Name: "bad_signature", Msg: err.Error()}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.checkNonceLocked(sender, t.Nonce); err != nil {
		return attest.Hash{}, err
	}
	b.pending = append(b.pending, raw)
	return t.Hash(), nil
}

// Equivocate makes validator 0 sign two precommits at height, and puts the
// evidence in the next block.
func (b *Backend) Equivocate(height uint64) attest.DuplicateVote {
	ev := attest.DuplicateVote{
		A: attest.Vote{Type: attest.Precommit, Height: height, BlockHash: attest.Keccak([]byte("a"))},
		B: attest.Vote{Type: attest.Precommit, Height: height, BlockHash: attest.Keccak([]byte("b"))},
	}
	for _, v := range []*attest.Vote{&ev.A, &ev.B} {
		if err := attest.SignVote(b.genesis, v, b.keys[0]); err != nil {
			panic("rpctest: sign vote: " + err.Error())
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.evidence = append(b.evidence, ev)
	return ev
}

// Commit executes the pending transactions into a new block signed by every
// validator, publishes it on the feeds and returns it. blockEvents are the
// block's own events.
func (b *Backend) Commit(blockEvents ...rpc.Event) *block.Certified {
	b.mu.Lock()
	c, ev := b.commitLocked(blockEvents)
	b.mu.Unlock()
	b.heads.Publish(&attest.CertifiedHeader{Header: c.Block.Header, QC: c.QC})
	b.events.Publish(ev)
	return c
}

func (b *Backend) commitLocked(blockEvents []rpc.Event) (*block.Certified, *rpc.BlockEvents) {
	height := uint64(len(b.blocks)) + 1
	ev := &rpc.BlockEvents{Height: height, Receipts: []rpc.Receipt{}, Events: append([]rpc.Event{}, blockEvents...)}
	for i, raw := range b.pending {
		r := b.executeLocked(raw, height, uint32(i))
		b.receipts[r.TxHash] = r
		ev.Receipts = append(ev.Receipts, *r)
	}
	blk := block.Block{
		Header:   b.nextHeaderLocked(height),
		Txs:      b.pending,
		Evidence: b.evidence,
	}
	if height > 1 {
		blk.LastCommit = []attest.QC{b.blocks[height-2].QC}
	}
	b.pending, b.evidence = nil, nil
	b.snapshotLocked()
	blk.Header.StateRoot = b.tries[height].Hash()
	blk.Seal()
	c := &block.Certified{Block: blk, QC: *b.signQC(height, blk.Hash())}
	b.blocks = append(b.blocks, c)
	b.evs = append(b.evs, ev)
	return c, ev
}

func (b *Backend) nextHeaderLocked(height uint64) attest.Header {
	h := attest.Header{
		ChainID:            b.chainID,
		Height:             height,
		TimeMs:             GenesisTimeMs + height*BlockIntervalMs,
		Proposer:           b.vals.Validators[height%uint64(b.vals.Size())].Address,
		ValidatorsHash:     b.vals.Hash(),
		NextValidatorsHash: b.vals.Hash(),
	}
	if height > 1 {
		h.ParentHash = b.blocks[height-2].Block.Hash()
	}
	return h
}

// executeLocked applies an admitted transaction: it bumps the sender's nonce
// and emits one EventTx event.
func (b *Backend) executeLocked(raw []byte, height uint64, index uint32) *rpc.Receipt {
	t, err := tx.Decode(raw)
	if err != nil {
		panic("rpctest: admitted tx does not decode: " + err.Error())
	}
	sender, err := t.Sender(b.genesis)
	if err != nil {
		panic("rpctest: admitted tx has no sender: " + err.Error())
	}
	next := nonceIn(b.working, sender) + 1
	b.working[AccountKey(sender)] = []byte(strconv.FormatUint(next, 10))
	return &rpc.Receipt{
		TxHash: t.Hash(),
		Height: height,
		Index:  index,
		Sender: rpc.Address(sender),
		Type:   t.Type,
		Events: []rpc.Event{{Type: EventTx, Attrs: []rpc.Attr{{Key: "type", Value: t.Type}, {Key: "sender", Value: sender.Hex()}}}},
	}
}

func (b *Backend) checkNonceLocked(sender attest.Address, nonce uint64) error {
	want := nonceIn(b.working, sender)
	for _, raw := range b.pending {
		t, _ := tx.Decode(raw)
		if s, _ := t.Sender(b.genesis); s == sender {
			want++
		}
	}
	switch {
	case nonce < want:
		return &rpc.Error{Code: CodeNonceTooLow, Name: "nonce_too_low", Msg: "nonce " + strconv.FormatUint(nonce, 10) + " already used"}
	case nonce > want:
		return &rpc.Error{Code: CodeNonceTooHigh, Name: "nonce_too_high", Msg: "nonce " + strconv.FormatUint(nonce, 10) + " skips " + strconv.FormatUint(want, 10)}
	}
	return nil
}

// snapshotLocked freezes the working state as the state of the next height.
func (b *Backend) snapshotLocked() {
	st := maps.Clone(b.working)
	t := trie.NewEmpty(memoryNodes{})
	for k, v := range st {
		t.MustUpdate([]byte(k), v)
	}
	t.Hash()
	b.states = append(b.states, st)
	b.tries = append(b.tries, t)
}

func (b *Backend) signQC(height uint64, hash attest.Hash) *attest.QC {
	votes := make(map[attest.Address]*attest.Vote, len(b.keys))
	for _, k := range b.keys {
		v := &attest.Vote{Type: attest.Precommit, Height: height, BlockHash: hash}
		if err := attest.SignVote(b.genesis, v, k); err != nil {
			panic("rpctest: sign precommit: " + err.Error())
		}
		votes[v.Validator] = v
	}
	return attest.NewQC(b.vals, height, 0, hash, votes)
}

// memoryNodes is the node database of tries that never leave memory: the
// trie holds every node itself, so a lookup means a bug.
type memoryNodes struct{}

func (memoryNodes) NodeReader(common.Hash) (database.NodeReader, error) { return memoryNodes{}, nil }

func (memoryNodes) Node(_ common.Hash, _ []byte, hash common.Hash) ([]byte, error) {
	panic("rpctest: in-memory trie looked up node " + hash.Hex())
}
