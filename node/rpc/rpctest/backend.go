package rpctest

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/trie"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/rpc"
)

// Shape of the fake chain.
const (
	// DefaultValidators is the size of the validator set New builds.
	DefaultValidators = 4
	// GenesisTimeMs is the fake genesis time; block h is GenesisTimeMs + h*BlockIntervalMs.
	GenesisTimeMs   = 1_700_000_000_000
	BlockIntervalMs = 1000
	// Peers is what Status reports.
	Peers = 3
)

// State key prefixes of the fake chain (readable, like the node's).
const (
	AccountPrefix = "acct/"
	BalancePrefix = "bal/"
)

// Fake admission codes, numbered like the node's app registry (2xx).
const (
	CodeMalformed    = 200
	CodeWrongChain   = 201
	CodeBadSignature = 202
	CodeNonceTooLow  = 203
	CodeNonceTooHigh = 204
)

// Backend is an in-memory rpc.Backend. It is safe for concurrent use.
type Backend struct {
	chainID string
	genesis attest.Hash
	keys    []*ecdsa.PrivateKey
	vals    *attest.ValidatorSet

	heads  *rpc.Feed[*attest.CertifiedHeader]
	events *rpc.Feed[*rpc.BlockEvents]

	mu       sync.Mutex
	blocks   []*block.Certified // blocks[h-1]
	states   []map[string][]byte
	tries    []*trie.Trie // tries[h] holds states[h]
	evs      []*rpc.BlockEvents
	receipts map[attest.Hash]*rpc.Receipt
	working  map[string][]byte // state the next block starts from
	pending  [][]byte
	evidence []attest.DuplicateVote
}

// New returns a chain with DefaultValidators validators and only the genesis
// state (height 0). Fund accounts, then Commit blocks.
func New(chainID string) *Backend {
	b := &Backend{
		chainID:  chainID,
		genesis:  attest.Keccak([]byte("rpctest/genesis/" + chainID)),
		heads:    rpc.NewFeed[*attest.CertifiedHeader](),
		events:   rpc.NewFeed[*rpc.BlockEvents](),
		receipts: map[attest.Hash]*rpc.Receipt{},
		working:  map[string][]byte{"chain/" + chainID: []byte(chainID)},
	}
	vals := make([]attest.Validator, DefaultValidators)
	for i := range vals {
		b.keys = append(b.keys, Key(fmt.Sprintf("validator/%s/%d", chainID, i)))
		vals[i] = attest.Validator{Address: attest.AddressOf(b.keys[i]), Power: 10}
	}
	set, err := attest.NewValidatorSet(vals)
	if err != nil {
		panic("rpctest: validator set: " + err.Error())
	}
	b.vals = set
	b.snapshotLocked()
	return b
}

// Key derives a deterministic secp256k1 key from seed.
func Key(seed string) *ecdsa.PrivateKey {
	k, err := crypto.ToECDSA(attest.Keccak([]byte("rpctest/key/" + seed)).Bytes())
	if err != nil {
		panic("rpctest: derive key: " + err.Error())
	}
	return k
}

// ChainID is the fake chain's id.
func (b *Backend) ChainID() string { return b.chainID }

// GenesisHash is mixed into every digest the fake chain signs.
func (b *Backend) GenesisHash() attest.Hash { return b.genesis }

// ValidatorSet is the (fixed) validator set.
func (b *Backend) ValidatorSet() *attest.ValidatorSet { return b.vals.Copy() }

// Status implements rpc.Backend; the node is validator 0.
func (b *Backend) Status(context.Context) (*rpc.Status, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	self := rpc.Address(b.vals.Validators[0].Address)
	st := &rpc.Status{ChainID: b.chainID, GenesisHash: b.genesis, Validator: &self, Peers: Peers, LatestTimeMs: GenesisTimeMs}
	if n := len(b.blocks); n > 0 {
		h := &b.blocks[n-1].Block.Header
		st.LatestHeight, st.LatestHash, st.LatestTimeMs = h.Height, h.Hash(), h.TimeMs
	}
	return st, nil
}

// LatestHeight implements rpc.Backend.
func (b *Backend) LatestHeight() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return uint64(len(b.blocks))
}

// Block implements rpc.Backend.
func (b *Backend) Block(_ context.Context, height uint64) (*block.Certified, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height == 0 || height > uint64(len(b.blocks)) {
		return nil, rpc.Errorf(rpc.CodeNotFound, "no block at height %d", height)
	}
	return b.blocks[height-1], nil
}

// CertifiedHeader implements rpc.Backend.
func (b *Backend) CertifiedHeader(ctx context.Context, height uint64) (*attest.CertifiedHeader, error) {
	c, err := b.Block(ctx, height)
	if err != nil {
		return nil, err
	}
	return &attest.CertifiedHeader{Header: c.Block.Header, QC: c.QC}, nil
}

// Receipt implements rpc.Backend.
func (b *Backend) Receipt(_ context.Context, txHash attest.Hash) (*rpc.Receipt, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.receipts[txHash], nil
}

// BlockEvents implements rpc.Backend.
func (b *Backend) BlockEvents(_ context.Context, height uint64) (*rpc.BlockEvents, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height == 0 || height > uint64(len(b.evs)) {
		return nil, rpc.Errorf(rpc.CodeNotFound, "no block at height %d", height)
	}
	return b.evs[height-1], nil
}

// Validators implements rpc.Backend.
func (b *Backend) Validators(_ context.Context, height uint64) (*attest.ValidatorSet, error) {
	if err := b.checkHeight(height); err != nil {
		return nil, err
	}
	return b.vals.Copy(), nil
}

// Account implements rpc.Backend from the acct/ and bal/ keys at height.
func (b *Backend) Account(_ context.Context, addr attest.Address, height uint64) (*rpc.Account, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height >= uint64(len(b.states)) {
		return nil, rpc.Errorf(rpc.CodeNotFound, "no state at height %d", height)
	}
	st := b.states[height]
	acct := &rpc.Account{Nonce: nonceIn(st, addr)}
	prefix := BalanceKey(addr, "")
	for k, v := range st {
		if denom, ok := strings.CutPrefix(k, prefix); ok {
			acct.Balances = append(acct.Balances, rpc.Coin{Denom: denom, Amount: string(v)})
		}
	}
	sort.Slice(acct.Balances, func(i, j int) bool { return acct.Balances[i].Denom < acct.Balances[j].Denom })
	return acct, nil
}

// Prove implements rpc.Backend with proofs from the trie of height.
func (b *Backend) Prove(_ context.Context, height uint64, keys [][]byte) (attest.Hash, []rpc.StateProof, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height >= uint64(len(b.tries)) {
		return attest.Hash{}, nil, rpc.Errorf(rpc.CodeNotFound, "no state at height %d", height)
	}
	t := b.tries[height]
	out := make([]rpc.StateProof, len(keys))
	for i, k := range keys {
		var nodes proofNodes
		if err := t.Prove(k, &nodes); err != nil {
			return attest.Hash{}, nil, fmt.Errorf("prove %q at %d: %w", k, height, err)
		}
		out[i] = rpc.StateProof{Value: b.states[height][string(k)], Proof: nodes}
	}
	return t.Hash(), out, nil
}

// SubscribeHeads implements rpc.Backend.
func (b *Backend) SubscribeHeads(buffer int) (<-chan *attest.CertifiedHeader, func()) {
	return b.heads.Subscribe(buffer)
}

// SubscribeEvents implements rpc.Backend.
func (b *Backend) SubscribeEvents(buffer int) (<-chan *rpc.BlockEvents, func()) {
	return b.events.Subscribe(buffer)
}

// Subscribers is the number of live feed subscriptions (heads + events).
func (b *Backend) Subscribers() int { return b.heads.Size() + b.events.Size() }

// InterruptFeeds closes every feed subscription, as a node does to a
// subscriber that lags.
func (b *Backend) InterruptFeeds() {
	b.heads.Interrupt()
	b.events.Interrupt()
}

func (b *Backend) checkHeight(height uint64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height > uint64(len(b.blocks)) {
		return rpc.Errorf(rpc.CodeNotFound, "height %d not committed", height)
	}
	return nil
}

// AccountKey is the fake state key of an account's nonce.
func AccountKey(addr attest.Address) string {
	return AccountPrefix + strings.ToLower(addr.Hex())
}

// BalanceKey is the fake state key of a balance.
func BalanceKey(addr attest.Address, denom string) string {
	return BalancePrefix + strings.ToLower(addr.Hex()) + "/" + denom
}

func nonceIn(st map[string][]byte, addr attest.Address) uint64 {
	v, ok := st[AccountKey(addr)]
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		panic("rpctest: nonce " + string(v))
	}
	return n
}

// proofNodes collects proof nodes from trie.Prove.
type proofNodes [][]byte

func (p *proofNodes) Put(_, value []byte) error {
	*p = append(*p, append([]byte(nil), value...))
	return nil
}

func (p *proofNodes) Delete([]byte) error { return nil }
