package xfertest

import (
	"crypto/ecdsa"
	"errors"
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/state"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
)

// Chain defaults.
const (
	// DefaultTimeStepMs is how far each block's time moves past its parent's.
	DefaultTimeStepMs = 1000
	// DefaultGenesisTimeMs is every chain's genesis time unless told otherwise.
	DefaultGenesisTimeMs = 1_700_000_000_000
	// stateCacheBytes sizes each chain's trie node cache.
	stateCacheBytes = 16 << 20
	// commitRound is the consensus round every harness block commits in.
	commitRound = 0
)

var (
	// ErrPanic wraps a panic raised while executing a block: a module (or
	// the bank) found a broken invariant, such as a negative balance.
	ErrPanic = errors.New("block execution panicked")
	// ErrNoKey is returned when a validator the chain must sign with has no
	// key in the harness.
	ErrNoKey = errors.New("no key for validator")
	// ErrNoBlock is returned for a height the chain has not committed.
	ErrNoBlock = errors.New("no such block")
)

// Block is one committed block as the harness keeps it.
type Block struct {
	Header   attest.CertifiedHeader
	Txs      [][]byte
	Receipts []app.Receipt
	Signers  *attest.ValidatorSet // the set that signed it (Header.ValidatorsHash)
	Next     *attest.ValidatorSet // the set that signs the next block
}

// Handoff reports whether the block hands the chain to a new validator set.
func (b *Block) Handoff() bool {
	return b.Header.Header.NextValidatorsHash != b.Header.Header.ValidatorsHash
}

// Chain is one in-memory chain: its app, state, validator keys and the
// blocks committed so far. It is not safe for concurrent use.
type Chain struct {
	ID          string
	Genesis     *chains.Genesis
	GenesisHash attest.Hash
	App         *app.App
	DB          *state.DB
	TimeStepMs  uint64

	nodes       *state.MemNodes
	keys        map[attest.Address]*ecdsa.PrivateKey
	signers     *attest.ValidatorSet // signs the next block
	genesisRoot attest.Hash
	blocks      []*Block // blocks[h-1]
	byTx        map[attest.Hash]*app.Receipt
	queue       [][]byte
	queued      map[attest.Address]uint64 // transactions signed by SignTx since the last commit
}

// newChain builds the chain of g (with its counterparties already linked)
// and commits its genesis state. keys must hold every validator the
// genesis and its schedule name.
func newChain(g *chains.Genesis, keys map[attest.Address]*ecdsa.PrivateKey, stepMs uint64) (*Chain, error) {
	a, err := app.New(g, nil, bank.NewModule(), registry.NewModule(), xfer.NewModule())
	if err != nil {
		return nil, fmt.Errorf("chain %s: %w", g.ChainID, err)
	}
	vals, err := g.ValidatorSet()
	if err != nil {
		return nil, fmt.Errorf("chain %s: %w", g.ChainID, err)
	}
	c := &Chain{
		ID: g.ChainID, Genesis: g, GenesisHash: g.Hash(), App: a, TimeStepMs: stepMs,
		nodes: state.NewMemNodes(), keys: keys, signers: vals,
		byTx: map[attest.Hash]*app.Receipt{}, queued: map[attest.Address]uint64{},
	}
	c.DB = state.New(c.nodes, stateCacheBytes)
	overlay, err := c.DB.Fork(state.EmptyRoot())
	if err != nil {
		return nil, fmt.Errorf("chain %s: %w", g.ChainID, err)
	}
	info := app.BlockInfo{ChainID: g.ChainID, Genesis: c.GenesisHash, TimeMs: g.GenesisTimeMs}
	if err := a.InitChain(overlay, info); err != nil {
		return nil, fmt.Errorf("chain %s: %w", g.ChainID, err)
	}
	if c.genesisRoot, err = c.persist(overlay); err != nil {
		return nil, fmt.Errorf("chain %s genesis: %w", g.ChainID, err)
	}
	return c, nil
}

// Height is the last committed height (0 before the first block).
func (c *Chain) Height() uint64 { return uint64(len(c.blocks)) }

// TimeMs is the time of the last committed block (the genesis time before
// the first).
func (c *Chain) TimeMs() uint64 {
	if len(c.blocks) == 0 {
		return c.Genesis.GenesisTimeMs
	}
	return c.blocks[len(c.blocks)-1].Header.Header.TimeMs
}

// NextTimeMs is the time the next block will carry.
func (c *Chain) NextTimeMs() uint64 { return c.TimeMs() + c.TimeStepMs }

// Block returns the committed block at height h.
func (c *Chain) Block(h uint64) (*Block, error) {
	if h == 0 || h > c.Height() {
		return nil, fmt.Errorf("%s block %d (height %d): %w", c.ID, h, c.Height(), ErrNoBlock)
	}
	return c.blocks[h-1], nil
}

// Header returns the certified header at height h.
func (c *Chain) Header(h uint64) (attest.CertifiedHeader, error) {
	b, err := c.Block(h)
	if err != nil {
		return attest.CertifiedHeader{}, err
	}
	return b.Header, nil
}

// Root is the state root after height h (h = 0: the genesis state).
func (c *Chain) Root(h uint64) (attest.Hash, error) {
	if h == 0 {
		return c.genesisRoot, nil
	}
	b, err := c.Block(h)
	if err != nil {
		return attest.Hash{}, err
	}
	return b.Header.Header.StateRoot, nil
}

// LatestRoot is the state root after the last committed block.
func (c *Chain) LatestRoot() attest.Hash {
	r, _ := c.Root(c.Height())
	return r
}

// Validators is the set that signs the next block.
func (c *Chain) Validators() *attest.ValidatorSet { return c.signers }

// Key returns the private key of validator addr.
func (c *Chain) Key(addr attest.Address) (*ecdsa.PrivateKey, error) {
	k, ok := c.keys[addr]
	if !ok {
		return nil, fmt.Errorf("%s validator %s: %w", c.ID, addr, ErrNoKey)
	}
	return k, nil
}

// Receipt returns the receipt of a committed transaction by hash.
func (c *Chain) Receipt(hash attest.Hash) (*app.Receipt, bool) {
	r, ok := c.byTx[hash]
	return r, ok
}

// Submit queues signed transactions for the next Commit.
func (c *Chain) Submit(txs ...[]byte) {
	c.queue = append(c.queue, txs...)
}

// Pending is the number of transactions queued for the next Commit.
func (c *Chain) Pending() int { return len(c.queue) }

// Nonce is acct's next nonce in the latest committed state.
func (c *Chain) Nonce(addr attest.Address) (uint64, error) {
	n, err := app.AccountNonce(c.State(), addr)
	if err != nil {
		return 0, fmt.Errorf("%s nonce of %s: %w", c.ID, addr, err)
	}
	return n, nil
}

// SignTxWithNonce signs a transaction from acct with the given nonce and
// leaves SignTx's nonce count alone.
func (c *Chain) SignTxWithNonce(acct Account, nonce uint64, txType string, payload []byte) ([]byte, error) {
	t := &tx.Tx{ChainID: c.ID, Nonce: nonce, Type: txType, Payload: payload}
	if err := t.Sign(c.GenesisHash, acct.Key); err != nil {
		return nil, fmt.Errorf("%s: %w", c.ID, err)
	}
	return t.Encode(), nil
}

// SignTx signs a transaction from acct with the next unused nonce: the
// account's committed nonce plus the transactions SignTx signed for it since
// the last Commit. Submit the result before the next Commit, or later nonces
// of acct are off by one.
func (c *Chain) SignTx(acct Account, txType string, payload []byte) ([]byte, error) {
	nonce, err := c.Nonce(acct.Address)
	if err != nil {
		return nil, err
	}
	raw, err := c.SignTxWithNonce(acct, nonce+c.queued[acct.Address], txType, payload)
	if err != nil {
		return nil, err
	}
	c.queued[acct.Address]++
	return raw, nil
}

// Send signs a transaction from acct and queues it; it returns the hash to
// find its receipt by after Commit.
func (c *Chain) Send(acct Account, txType string, payload []byte) (attest.Hash, error) {
	raw, err := c.SignTx(acct, txType, payload)
	if err != nil {
		return attest.Hash{}, err
	}
	c.Submit(raw)
	return attest.Keccak(raw), nil
}

// Commit executes the queued transactions on the last committed state,
// commits the result and certifies the new header with the validators'
// signatures. A panic during execution (a broken ledger invariant) comes
// back as an error wrapping ErrPanic; on any error the chain does not
// advance and the queued transactions are dropped.
func (c *Chain) Commit() (*Block, error) {
	txs := c.queue
	c.queue, c.queued = nil, map[attest.Address]uint64{}
	h := c.nextHeader(txs)
	overlay, receipts, next, err := c.execute(&h, txs)
	if err != nil {
		return nil, err
	}
	if h.StateRoot, err = c.persist(overlay); err != nil {
		return nil, fmt.Errorf("%s block %d: %w", c.ID, h.Height, err)
	}
	h.NextValidatorsHash = next.Hash()
	qc, err := c.sign(&h, c.signers)
	if err != nil {
		return nil, err
	}
	b := &Block{Header: attest.CertifiedHeader{Header: h, QC: qc}, Txs: txs, Receipts: receipts, Signers: c.signers, Next: next}
	c.blocks = append(c.blocks, b)
	for i := range b.Receipts {
		c.byTx[b.Receipts[i].TxHash] = &b.Receipts[i]
	}
	c.signers = next
	return b, nil
}

// Simulate executes txs as the next block would, without committing, and
// returns the state root and receipts the block would have. The queue is
// left alone. Tests compare roots of two simulations to show that a
// transaction changed nothing but its sender's nonce.
func (c *Chain) Simulate(txs ...[]byte) (attest.Hash, []app.Receipt, error) {
	h := c.nextHeader(txs)
	overlay, receipts, _, err := c.execute(&h, txs)
	if err != nil {
		return attest.Hash{}, nil, err
	}
	root, err := overlay.Root()
	if err != nil {
		return attest.Hash{}, nil, fmt.Errorf("%s simulate %d: %w", c.ID, h.Height, err)
	}
	return root, receipts, nil
}

// SignHeader certifies any header with the keys of the set that signs its
// height on this chain (the current set for a height not yet committed): how
// a test forges what the validators would sign, such as a conflicting header.
func (c *Chain) SignHeader(h attest.Header) (attest.CertifiedHeader, error) {
	set := c.signers
	if h.Height >= 1 && h.Height <= c.Height() {
		set = c.blocks[h.Height-1].Signers
	}
	qc, err := c.sign(&h, set)
	if err != nil {
		return attest.CertifiedHeader{}, err
	}
	return attest.CertifiedHeader{Header: h, QC: qc}, nil
}

// nextHeader is the next block's header without StateRoot and
// NextValidatorsHash, which only execution can fill in.
func (c *Chain) nextHeader(txs [][]byte) attest.Header {
	height := c.Height() + 1
	h := attest.Header{
		ChainID:        c.ID,
		Height:         height,
		Round:          commitRound,
		TimeMs:         c.NextTimeMs(),
		Proposer:       c.signers.Validators[height%uint64(c.signers.Size())].Address,
		TxRoot:         block.TxRoot(txs),
		ValidatorsHash: c.signers.Hash(),
		EvidenceHash:   attest.EvidenceHash(nil),
	}
	if height > 1 {
		parent := c.blocks[height-2]
		h.ParentHash = parent.Header.Header.Hash()
		h.LastCommitHash = block.LastCommitHash([]attest.QC{parent.Header.QC})
	}
	return h
}

// execute runs txs on a fork of the last committed root at h's height and time.
func (c *Chain) execute(h *attest.Header, txs [][]byte) (overlay *state.Overlay, receipts []app.Receipt, next *attest.ValidatorSet, err error) {
	overlay, err = c.DB.Fork(c.LatestRoot())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s block %d: %w", c.ID, h.Height, err)
	}
	defer func() {
		if r := recover(); r != nil {
			overlay, receipts, next = nil, nil, nil
			err = fmt.Errorf("%s block %d: %w: %v", c.ID, h.Height, ErrPanic, r)
		}
	}()
	info := app.BlockInfo{ChainID: c.ID, Genesis: c.GenesisHash, Height: h.Height, TimeMs: h.TimeMs, Proposer: h.Proposer}
	receipts, next, err = c.App.ExecuteBlock(overlay, info, txs, c.signers)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", c.ID, err)
	}
	return overlay, receipts, next, nil
}

// persist commits an overlay into the chain's node store.
func (c *Chain) persist(o *state.Overlay) (attest.Hash, error) {
	root, nodes, err := o.Commit()
	if err != nil {
		return attest.Hash{}, err
	}
	c.nodes.Put(nodes)
	c.DB.Remember(nodes)
	return root, nil
}

// sign builds a QC over h from a precommit of every member of set.
func (c *Chain) sign(h *attest.Header, set *attest.ValidatorSet) (attest.QC, error) {
	keys := make([]*ecdsa.PrivateKey, 0, set.Size())
	for _, v := range set.Validators {
		k, err := c.Key(v.Address)
		if err != nil {
			return attest.QC{}, err
		}
		keys = append(keys, k)
	}
	return SignQC(c.GenesisHash, set, h, keys...)
}

// SignQC builds a QC over h for the set vals from precommits by keys.
// Precommits by keys outside vals are left out, as NewQC leaves them out.
func SignQC(genesis attest.Hash, vals *attest.ValidatorSet, h *attest.Header, keys ...*ecdsa.PrivateKey) (attest.QC, error) {
	hash := h.Hash()
	votes := make(map[attest.Address]*attest.Vote, len(keys))
	for _, k := range keys {
		v := &attest.Vote{Type: attest.Precommit, Height: h.Height, Round: h.Round, BlockHash: hash}
		if err := attest.SignVote(genesis, v, k); err != nil {
			return attest.QC{}, fmt.Errorf("sign precommit for %d: %w", h.Height, err)
		}
		votes[v.Validator] = v
	}
	return *attest.NewQC(vals, h.Height, h.Round, hash, votes), nil
}
