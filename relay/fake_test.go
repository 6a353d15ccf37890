package relay_test

import (
	"context"
	"sync"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/relay"
)

// fakeChain is a hand-written Chain: a list of headers and events, a heads
// stream the test drives, and a nonce-checking mempool that commits at
// once. Methods a test does not need panic through the nil embedded Chain.
type fakeChain struct {
	relay.Chain
	id      string
	genesis attest.Hash

	mu       sync.Mutex
	headers  map[uint64]*attest.CertifiedHeader
	events   map[uint64]*chains.BlockEvents
	latest   uint64
	subs     []*fakeSub
	nonces   map[attest.Address]uint64
	receipts map[attest.Hash]*chains.Receipt
	code     uint32 // code of every committed transaction's receipt
}

func newFakeChain(id string) *fakeChain {
	return &fakeChain{id: id, genesis: attest.Keccak([]byte(id)), headers: map[uint64]*attest.CertifiedHeader{},
		events: map[uint64]*chains.BlockEvents{}, nonces: map[attest.Address]uint64{}, receipts: map[attest.Hash]*chains.Receipt{}}
}

// fakeHeader is a header of height whose hash depends on salt.
func fakeHeader(id string, height uint64, salt byte) *attest.CertifiedHeader {
	return &attest.CertifiedHeader{Header: attest.Header{ChainID: id, Height: height, StateRoot: attest.Hash{salt}}}
}

// commit adds heights up to h, each with events when given.
func (f *fakeChain) commit(h uint64, events map[uint64][]chains.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ; f.latest < h; f.latest++ {
		height := f.latest + 1
		if _, ok := f.headers[height]; !ok {
			f.headers[height] = fakeHeader(f.id, height, 1)
		}
		f.events[height] = &chains.BlockEvents{Height: height,
			Receipts: []chains.Receipt{{Height: height, Events: events[height]}}}
	}
}

// publish sends the head of h to every live subscription.
func (f *fakeChain) publish(h uint64) {
	f.mu.Lock()
	head := &chains.CertifiedHeader{Certified: f.headers[h]}
	subs := append([]*fakeSub(nil), f.subs...)
	f.mu.Unlock()
	for _, s := range subs {
		select {
		case s.out <- head:
		case <-s.done:
		}
	}
}

// drop ends every subscription with err, as a lost connection does.
func (f *fakeChain) drop(err error) {
	f.mu.Lock()
	subs := f.subs
	f.subs = nil
	f.mu.Unlock()
	for _, s := range subs {
		s.err <- err
	}
}

func (f *fakeChain) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *fakeChain) Status(context.Context) (*chains.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &chains.Status{ChainID: f.id, LatestHeight: f.latest}, nil
}

func (f *fakeChain) CertifiedHeader(_ context.Context, h uint64) (*chains.CertifiedHeader, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h > f.latest {
		return nil, rpc.Errorf(rpc.CodeNotFound, "height %d", h)
	}
	return &chains.CertifiedHeader{Certified: f.headers[h]}, nil
}

func (f *fakeChain) BlockEvents(_ context.Context, h uint64) (*chains.BlockEvents, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h > f.latest {
		return nil, rpc.Errorf(rpc.CodeNotFound, "height %d", h)
	}
	return f.events[h], nil
}

func (f *fakeChain) SubscribeHeads(_ context.Context, ch chan<- *chains.CertifiedHeader) (relay.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &fakeSub{out: ch, err: make(chan error, 1), done: make(chan struct{})}
	f.subs = append(f.subs, s)
	return s, nil
}

func (f *fakeChain) Account(_ context.Context, addr attest.Address) (*chains.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &chains.Account{Nonce: f.nonces[addr]}, nil
}

// SendRawTransaction admits a transaction at the sender's next nonce and
// commits it at once.
func (f *fakeChain) SendRawTransaction(_ context.Context, raw []byte) (attest.Hash, error) {
	t, err := tx.Decode(raw)
	if err != nil {
		return attest.Hash{}, rpc.Errorf(int(app.CodeMalformed), "%v", err)
	}
	sender, err := t.Sender(f.genesis)
	if err != nil {
		return attest.Hash{}, rpc.Errorf(int(app.CodeBadSignature), "%v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch want := f.nonces[sender]; {
	case t.Nonce < want:
		return attest.Hash{}, rpc.Errorf(int(app.CodeNonceTooLow), "nonce %d, want %d", t.Nonce, want)
	case t.Nonce > want:
		return attest.Hash{}, rpc.Errorf(int(app.CodeNonceTooHigh), "nonce %d, want %d", t.Nonce, want)
	}
	f.nonces[sender]++
	h := t.Hash()
	f.receipts[h] = &chains.Receipt{TxHash: h, Sender: rpc.Address(sender), Type: t.Type, Code: f.code}
	return h, nil
}

func (f *fakeChain) TransactionReceipt(_ context.Context, h attest.Hash) (*chains.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.receipts[h], nil
}

// useNonce spends addr's next nonce, as another process would.
func (f *fakeChain) useNonce(addr attest.Address) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nonces[addr]++
}

type fakeSub struct {
	out  chan<- *chains.CertifiedHeader
	err  chan error
	done chan struct{}
	once sync.Once
}

func (s *fakeSub) Err() <-chan error { return s.err }
func (s *fakeSub) Unsubscribe()      { s.once.Do(func() { close(s.done) }) }
