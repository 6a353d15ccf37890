// Package relaytest runs two linked in-process chains for relay tests and
// benchmarks: it starts them, drives load through xfer transfers, builds
// relay engines over them and checks the settlement invariants afterwards.
// It does no assertions of its own; callers get errors.
package relaytest

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/holiman/uint256"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/settlement"
)

// Denom is the native denomination every chain of a pair funds its accounts
// with and transfers.
const Denom = "USD"

// nonceWindow stays under the mempool's per-sender window (64).
const nonceWindow = 60

// PairOptions shapes a pair of chains.
type PairOptions struct {
	Dir             string
	Validators      int    // per chain; default 4
	Senders         int    // funded sender accounts per chain; default 4
	BlockIntervalMs uint64 // default 300
	Transport       string // localnet.TransportMem (default) or TransportTCP
	Seed            int64
	Logger          *zap.Logger
	// Edit, when set, changes a chain's genesis before it starts.
	Edit func(chainID string, g *chains.Genesis)
}

// Chain is one running chain of a pair.
type Chain struct {
	ID string
	// Net is the in-process chain; nil for a chain reached only over RPC
	// (NewRemotePair).
	Net *localnet.Net
	// RPC is an HTTP client of validator 0 (of RemoteChain.RPC for a
	// remote chain).
	RPC *chains.Client
	// Endpoints are WebSocket clients of validators 0 and 1.
	Endpoints []relay.Chain
	// Senders are funded accounts that send transfers; Relayers are funded
	// accounts reserved for relay signers (two per chain).
	Senders  []*ecdsa.PrivateKey
	Relayers []*ecdsa.PrivateKey

	mu      sync.Mutex
	nonces  map[attest.Address]uint64
	turn    int
	genesis attest.Hash // of a remote chain; Net's genesis otherwise
}

// Pair is two linked chains, alpha and beta.
type Pair struct {
	Alpha, Beta *Chain
	clients     []*chains.Client
}

// relayersPerChain is how many funded accounts are kept for relay signers.
const relayersPerChain = 2

// StartPair starts alpha and beta, linked as counterparties at genesis, and
// waits until both commit.
func StartPair(ctx context.Context, o PairOptions) (*Pair, error) {
	if o.Validators == 0 {
		o.Validators = 4
	}
	if o.Senders == 0 {
		o.Senders = 4
	}
	if o.BlockIntervalMs == 0 {
		o.BlockIntervalMs = 300
	}
	if o.Transport == "" {
		o.Transport = localnet.TransportMem
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	params := chains.DefaultParams()
	params.BlockIntervalMs = o.BlockIntervalMs
	p := &Pair{}
	chs := make([]*Chain, 2)
	for i, id := range []string{"alpha", "beta"} {
		lo := localnet.Options{ChainID: id, Validators: o.Validators, Accounts: o.Senders + relayersPerChain,
			Seed: o.Seed + int64(i) + 1, Dir: o.Dir + "/" + id, Transport: o.Transport, ShareSigCache: true,
			Logger: o.Logger.Named(id), Params: &params} // RPC ports picked once, kept across restarts
		if o.Transport == localnet.TransportMem {
			lo.P2PPorts = make([]int, o.Validators)
			for v := range lo.P2PPorts {
				lo.P2PPorts[v] = v + 1 // unbound: the in-memory transport only names them
			}
		}
		if o.Edit != nil {
			lo.Edit = func(g *chains.Genesis) { o.Edit(id, g) }
		}
		ln, err := localnet.New(lo)
		if err != nil {
			return nil, err
		}
		chs[i] = &Chain{ID: id, Net: ln, Senders: ln.Accounts[:o.Senders], Relayers: ln.Accounts[o.Senders:],
			nonces: make(map[attest.Address]uint64)}
	}
	p.Alpha, p.Beta = chs[0], chs[1]
	if err := chains.LinkCounterparties(p.Alpha.Net.Genesis, p.Beta.Net.Genesis); err != nil {
		return nil, err
	}
	for _, c := range chs {
		if err := c.Net.Start(ctx); err != nil {
			p.Stop()
			return nil, err
		}
	}
	for _, c := range chs {
		if err := p.connect(ctx, c); err != nil {
			p.Stop()
			return nil, err
		}
	}
	for _, c := range chs {
		if err := c.WaitHeight(ctx, 2); err != nil {
			p.Stop()
			return nil, err
		}
	}
	return p, nil
}

func (p *Pair) connect(ctx context.Context, c *Chain) error {
	var err error
	if c.RPC, err = p.dial(ctx, "http://"+c.Net.Node(0).RPCAddr()); err != nil {
		return err
	}
	for v := range min(2, len(c.Net.Running())) {
		ws, err := p.dial(ctx, "ws://"+c.Net.Node(v).RPCAddr())
		if err != nil {
			return err
		}
		c.Endpoints = append(c.Endpoints, relay.FromClient(ws))
	}
	return nil
}

func (p *Pair) dial(ctx context.Context, url string) (*chains.Client, error) {
	c, err := chains.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	p.clients = append(p.clients, c)
	return c, nil
}

// Stop closes the clients and stops both chains.
func (p *Pair) Stop() {
	for _, c := range p.clients {
		c.Close()
	}
	for _, c := range []*Chain{p.Alpha, p.Beta} {
		if c != nil && c.Net != nil {
			c.Net.Stop()
		}
	}
}

// Chains returns alpha and beta.
func (p *Pair) Chains() []*Chain { return []*Chain{p.Alpha, p.Beta} }

// Other returns the chain of the pair that is not c.
func (p *Pair) Other(c *Chain) *Chain {
	if c == p.Alpha {
		return p.Beta
	}
	return p.Alpha
}

// GenesisHash is the chain's genesis hash.
func (c *Chain) GenesisHash() attest.Hash {
	if c.Net == nil {
		return c.genesis
	}
	return c.Net.Genesis.Hash()
}

// WaitHeight waits until the chain has committed height h.
func (c *Chain) WaitHeight(ctx context.Context, h uint64) error {
	for {
		st, err := c.RPC.Status(ctx)
		if err == nil && st.LatestHeight >= h {
			return nil
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for height %d: %w", c.ID, h, ctx.Err())
		}
	}
}

// Submitter returns a submitter signing on c with its relayer account i.
func (c *Chain) Submitter(i int, log *zap.Logger) (*relay.Submitter, error) {
	return relay.NewSubmitter(relay.DefaultSubmitterConfig(c.ID, c.GenesisHash()), relay.Failover(c.Endpoints...),
		[]*ecdsa.PrivateKey{c.Relayers[i]}, log)
}

// EngineChains describes both chains for relay.NewEngine, each signed by
// relayer account i, with conservation of Denom checked on both routes.
func (p *Pair) EngineChains(i int, log *zap.Logger) ([]relay.EngineChain, error) {
	var out []relay.EngineChain
	for _, c := range p.Chains() {
		sub, err := c.Submitter(i, log)
		if err != nil {
			return nil, err
		}
		w := relay.DefaultWatcherConfig(c.ID)
		w.PollInterval = 500 * time.Millisecond
		out = append(out, relay.EngineChain{ID: c.ID, Endpoints: c.Endpoints, Submitter: sub, Watch: w,
			Denoms: []string{Denom}})
	}
	return out, nil
}

// Sent is one transfer a load generator committed on its source.
type Sent struct {
	Src, Dst string
	Seq      uint64
	TxHash   attest.Hash
	Receiver attest.Address
	Amount   uint64
	SentAt   time.Time // when it was broadcast
}

// ID is the transfer's settlement id.
func (s Sent) ID() string { return string(settlement.PacketTransferID(s.Src, s.Dst, s.Seq)) }

// Send commits n transfers of amount from src to the other chain, spread
// over src's senders, to receiver, each expiring ttl after src's latest
// block time. It broadcasts in waves that respect the mempool's nonce
// window and returns once every transfer is included, in send order.
func (p *Pair) Send(ctx context.Context, src *Chain, receiver attest.Address, n int, amount uint64, ttl time.Duration) ([]Sent, error) {
	dst := p.Other(src)
	st, err := src.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	deadline := st.LatestTimeMs + uint64(ttl.Milliseconds())
	typ, payload := xfer.NewTransfer(xfer.Transfer{Dst: dst.ID, Receiver: receiver, Denom: Denom,
		Amount: uint256.NewInt(amount), RelayFee: uint256.NewInt(1), TimeoutTimeMs: deadline})
	wave := nonceWindow * len(src.Senders)
	out := make([]Sent, 0, n)
	for len(out) < n {
		k := min(wave, n-len(out))
		hashes := make([]attest.Hash, k)
		sentAt := make([]time.Time, k)
		for i := range k {
			raw, err := src.sign(ctx, typ, payload)
			if err != nil {
				return out, err
			}
			sentAt[i] = time.Now()
			if hashes[i], err = src.RPC.SendRawTransaction(ctx, raw); err != nil {
				src.resetNonces()
				return out, fmt.Errorf("%s: broadcast transfer: %w", src.ID, err)
			}
		}
		for i, h := range hashes {
			seq, err := src.waitSeq(ctx, h)
			if err != nil {
				return out, err
			}
			out = append(out, Sent{Src: src.ID, Dst: dst.ID, Seq: seq, TxHash: h, Receiver: receiver, Amount: amount,
				SentAt: sentAt[i]})
		}
	}
	return out, nil
}

// sign signs a transaction with the next sender, round-robin, tracking
// nonces locally.
func (c *Chain) sign(ctx context.Context, typ string, payload []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := c.Senders[c.turn%len(c.Senders)]
	c.turn++
	addr := attest.AddressOf(key)
	nonce, ok := c.nonces[addr]
	if !ok {
		acct, err := c.RPC.Account(ctx, addr)
		if err != nil {
			return nil, err
		}
		nonce = acct.Nonce
	}
	t := &tx.Tx{ChainID: c.ID, Nonce: nonce, Type: typ, Payload: payload}
	if err := t.Sign(c.GenesisHash(), key); err != nil {
		return nil, err
	}
	c.nonces[addr] = nonce + 1
	return t.Encode(), nil
}

func (c *Chain) resetNonces() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.nonces)
}

// waitSeq waits for a transfer's receipt and returns its packet sequence.
func (c *Chain) waitSeq(ctx context.Context, h attest.Hash) (uint64, error) {
	r, err := c.RPC.WaitReceipt(ctx, h)
	if err != nil {
		return 0, fmt.Errorf("%s: transfer %s: %w", c.ID, h, err)
	}
	if r.Code != 0 {
		return 0, fmt.Errorf("%s: transfer %s rejected: code %d: %s", c.ID, h, r.Code, r.Log)
	}
	for _, e := range r.Events {
		if e.Type != xfer.EventSend {
			continue
		}
		v, _ := e.Attr(xfer.AttrSeq)
		return strconv.ParseUint(v, 10, 64)
	}
	return 0, errors.New(c.ID + ": transfer " + h.Hex() + " emitted no xfer.send")
}

// Balance is addr's balance of denom on c (zero when none).
func (c *Chain) Balance(ctx context.Context, addr attest.Address, denom string) (*uint256.Int, error) {
	acct, err := c.RPC.Account(ctx, addr)
	if err != nil {
		return nil, err
	}
	for _, b := range acct.Balances {
		if b.Denom == denom {
			return b.Int()
		}
	}
	return uint256.NewInt(0), nil
}
