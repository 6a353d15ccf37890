package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/state"
)

// backend serves the JSON-RPC API from the node's store, state and mempool.
type backend struct{ n *Node }

var _ rpc.Backend = (*backend)(nil)

func (b *backend) Status(context.Context) (*rpc.Status, error) {
	n := b.n
	n.mu.RLock()
	c := n.chain
	n.mu.RUnlock()
	s := &rpc.Status{ChainID: n.genesis.ChainID, GenesisHash: n.genesisHash, LatestHeight: c.height,
		Peers: len(n.transport.Peers()), Syncing: n.syncing()}
	if c.tip != nil {
		s.LatestHash, s.LatestTimeMs = c.tip.Block.Hash(), c.tip.Block.Header.TimeMs
	}
	if n.key != nil {
		a := rpc.Address(n.self)
		s.Validator = &a
	}
	next := rpc.Address(n.NextProposer())
	s.NextProposer = &next
	return s, nil
}

// syncing reports whether a peer is known to be more than one height ahead.
func (n *Node) syncing() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.peerTop > n.chain.height+1
}

func (b *backend) LatestHeight() uint64 { return b.n.Height() }

func (b *backend) Block(_ context.Context, h uint64) (*block.Certified, error) {
	c, err := b.n.store.Block(h)
	if isNotFound(err) || h == 0 {
		return nil, rpc.Errorf(rpc.CodeNotFound, "no block at height %d", h)
	}
	return c, err
}

func (b *backend) CertifiedHeader(ctx context.Context, h uint64) (*attest.CertifiedHeader, error) {
	c, err := b.Block(ctx, h)
	if err != nil {
		return nil, err
	}
	return &attest.CertifiedHeader{Header: c.Block.Header, QC: c.QC}, nil
}

func (b *backend) Receipt(_ context.Context, hash attest.Hash) (*rpc.Receipt, error) {
	h, idx, err := b.n.store.TxLocation(hash)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// The block is written before the node moves its latest height to it:
	// until then the transaction counts as pending, so a client that sees
	// the receipt and then reads the latest state sees the state after it.
	if h > b.LatestHeight() {
		return nil, nil
	}
	rs, err := b.receipts(h)
	if err != nil {
		return nil, err
	}
	if int(idx) >= len(rs) {
		return nil, fmt.Errorf("receipt %d of block %d missing", idx, h)
	}
	r := toRPCReceipt(&rs[idx])
	return &r, nil
}

func (b *backend) receipts(h uint64) ([]app.Receipt, error) {
	raw, err := b.n.store.Receipts(h)
	if isNotFound(err) {
		return nil, rpc.Errorf(rpc.CodeNotFound, "no block at height %d", h)
	}
	if err != nil {
		return nil, err
	}
	return app.DecodeReceipts(raw)
}

func (b *backend) BlockEvents(_ context.Context, h uint64) (*rpc.BlockEvents, error) {
	rs, err := b.receipts(h)
	if err != nil {
		return nil, err
	}
	return toBlockEvents(h, rs), nil
}

func toBlockEvents(h uint64, rs []app.Receipt) *rpc.BlockEvents {
	out := &rpc.BlockEvents{Height: h, Receipts: make([]rpc.Receipt, len(rs)), Events: []rpc.Event{}}
	for i := range rs {
		out.Receipts[i] = toRPCReceipt(&rs[i])
	}
	return out
}

func toRPCReceipt(r *app.Receipt) rpc.Receipt {
	out := rpc.Receipt{TxHash: r.TxHash, Height: r.Height, Index: r.Index, Sender: rpc.Address(r.Sender),
		Type: r.Type, Code: uint32(r.Code), Log: r.Log, Events: make([]rpc.Event, len(r.Events))}
	for i, e := range r.Events {
		out.Events[i] = toRPCEvent(e)
	}
	return out
}

func toRPCEvent(e app.Event) rpc.Event {
	ev := rpc.Event{Type: e.Type, Attrs: make([]rpc.Attr, len(e.Attrs))}
	for i, a := range e.Attrs {
		ev.Attrs[i] = rpc.Attr{Key: a.Key, Value: a.Value}
	}
	return ev
}

// Validators returns the set that signs the block at h: recorded beside
// committed blocks, and the node's next set for the height being decided.
func (b *backend) Validators(_ context.Context, h uint64) (*attest.ValidatorSet, error) {
	n := b.n
	n.mu.RLock()
	c := n.chain
	n.mu.RUnlock()
	switch {
	case h == 0 || h > c.height+1:
		return nil, rpc.Errorf(rpc.CodeNotFound, "no validator set for height %d", h)
	case h == c.height+1:
		return c.nextVals, nil
	}
	meta, err := n.loadMeta(h)
	if err != nil {
		return nil, err
	}
	return attest.NewValidatorSet(meta.Validators)
}

// rootAt is the state root after height h (the genesis root at 0).
func (b *backend) rootAt(h uint64) (attest.Hash, error) {
	n := b.n
	n.mu.RLock()
	c := n.chain
	n.mu.RUnlock()
	if h > c.height {
		return attest.Hash{}, rpc.Errorf(rpc.CodeNotFound, "height %d is above the latest %d", h, c.height)
	}
	if h == c.height {
		return c.root, nil
	}
	if h == 0 {
		blk, err := n.store.Block(1)
		if err != nil {
			return attest.Hash{}, err
		}
		return n.genesisRootFromBlock1(blk)
	}
	blk, err := n.store.Block(h)
	if err != nil {
		return attest.Hash{}, err
	}
	return blk.Block.Header.StateRoot, nil
}

// genesisRootFromBlock1 recomputes the genesis state root; block headers
// carry post-state roots, so height 0 has no header of its own.
func (n *Node) genesisRootFromBlock1(*block.Certified) (attest.Hash, error) {
	overlay, err := n.sdb.Fork(state.EmptyRoot())
	if err != nil {
		return attest.Hash{}, err
	}
	info := app.BlockInfo{ChainID: n.genesis.ChainID, Genesis: n.genesisHash, TimeMs: n.genesis.GenesisTimeMs}
	if err := n.app.InitChain(overlay, info); err != nil {
		return attest.Hash{}, err
	}
	return overlay.Root()
}

func (b *backend) Account(_ context.Context, addr attest.Address, h uint64) (*rpc.Account, error) {
	root, err := b.rootAt(h)
	if err != nil {
		return nil, err
	}
	view, err := b.n.sdb.Fork(root)
	if err != nil {
		return nil, err
	}
	nonce, err := app.AccountNonce(view, addr)
	if err != nil {
		return nil, err
	}
	coins, err := bank.Balances(iterable{view}, addr)
	if err != nil {
		return nil, err
	}
	acct := &rpc.Account{Nonce: nonce, Balances: make([]rpc.Coin, len(coins))}
	for i, c := range coins {
		acct.Balances[i] = rpc.Coin{Denom: c.Denom, Amount: c.Amount.Dec()}
	}
	return acct, nil
}

// iterable adapts a state overlay to the app's iteration interface.
type iterable struct{ *state.Overlay }

func (it iterable) Iterate(prefix []byte, fn func(k, v []byte) error) error {
	var ferr error
	err := it.Overlay.Iterate(prefix, func(k, v []byte) bool {
		ferr = fn(k, v)
		return ferr == nil
	})
	if err != nil {
		return err
	}
	return ferr
}

func (b *backend) Prove(_ context.Context, h uint64, keys [][]byte) (attest.Hash, []rpc.StateProof, error) {
	root, err := b.rootAt(h)
	if err != nil {
		return attest.Hash{}, nil, err
	}
	out := make([]rpc.StateProof, len(keys))
	for i, k := range keys {
		v, proof, err := b.n.sdb.Prove(root, k)
		if err != nil {
			return attest.Hash{}, nil, fmt.Errorf("prove %q: %w", k, err)
		}
		out[i] = rpc.StateProof{Value: v, Proof: proof}
	}
	return root, out, nil
}

func (b *backend) SendRawTransaction(_ context.Context, raw []byte) (attest.Hash, error) {
	h, err := b.n.SubmitTx(raw)
	var appErr *app.Error
	if errors.As(err, &appErr) {
		return attest.Hash{}, &rpc.Error{Code: int(appErr.Code), Name: appErr.Code.String(), Msg: appErr.Msg}
	}
	return h, err
}

func (b *backend) SubscribeHeads(buffer int) (<-chan *attest.CertifiedHeader, func()) {
	return b.n.heads.Subscribe(buffer)
}

// SubscribeEvents adapts the block feed; the adapter goroutine closes its
// channel when the source closes or fills, so the node never blocks.
func (b *backend) SubscribeEvents(buffer int) (<-chan *rpc.BlockEvents, func()) {
	src, cancel := b.n.blockFeed.Subscribe(buffer)
	out := make(chan *rpc.BlockEvents, buffer)
	go func() {
		defer close(out)
		for cb := range src {
			select {
			case out <- toBlockEvents(cb.Certified.Block.Header.Height, cb.Receipts):
			default:
				cancel()
				return
			}
		}
	}()
	return out, cancel
}
