package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// Chain reads are cached so that the tracker's polling and a burst of
// submissions cost the chains little.
const (
	// ChainRefreshInterval is how often Run refreshes every chain's status
	// and validators for GET /v1/chains.
	ChainRefreshInterval = time.Second
	// viewMaxAge is how old a chain's view may get before a request
	// refreshes it itself (when Run's refresher is not running or behind).
	viewMaxAge = 2 * ChainRefreshInterval
	// RouteCacheTTL is how long a route read from its source chain is
	// trusted by submissions and GET /v1/routes.
	RouteCacheTTL = 2 * time.Second
	// NodeCallTimeout bounds one call to one node, so a hung node costs a
	// request this long before the next endpoint is tried.
	NodeCallTimeout = 5 * time.Second
	// statusTimeout bounds one endpoint's status read during a refresh.
	statusTimeout = 2 * time.Second
)

// ErrChainUnavailable: no endpoint of the chain answered.
var ErrChainUnavailable = errors.New("chain unavailable")

// chain is one configured chain: its endpoints in failover order and what
// the gateway caches of it.
type chain struct {
	id      string
	genesis attest.Hash
	nodes   []Node
	cur     atomic.Int64 // the node that answered last

	mu     sync.Mutex // guards view, viewAt and routes
	view   api.Chain
	viewAt time.Time
	routes map[string]routeEntry // by destination
}

// routeEntry is a route read from the chain; route nil means none.
type routeEntry struct {
	route *chains.Route
	at    time.Time
}

func newChain(id string, genesis attest.Hash, nodes []Node) *chain {
	return &chain{id: id, genesis: genesis, nodes: nodes, routes: make(map[string]routeEntry),
		view: api.Chain{ID: id, GenesisHash: genesis, Validators: []api.Validator{}, Endpoints: len(nodes)}}
}

// try runs call on each node in turn, starting with the one that answered
// last, until one answers. An error the node returned (an RPC error code)
// is an answer. When none answers the error wraps ErrChainUnavailable.
func try[T any](ctx context.Context, c *chain, call func(context.Context, Node) (T, error)) (T, error) {
	start := int(c.cur.Load())
	var errs []error
	for i := range c.nodes {
		k := (start + i) % len(c.nodes)
		nctx, cancel := context.WithTimeout(ctx, NodeCallTimeout)
		v, err := call(nctx, c.nodes[k])
		cancel()
		if !unreachable(ctx, err) {
			if i > 0 {
				c.cur.Store(int64(k))
			}
			return v, err
		}
		errs = append(errs, err)
	}
	var zero T
	if ctx.Err() != nil {
		return zero, ctx.Err()
	}
	return zero, fmt.Errorf("%s: %w: %w", c.id, ErrChainUnavailable, errors.Join(errs...))
}

// unreachable reports whether err means the node did not answer: a
// transport failure rather than an RPC error, and not the caller giving up.
func unreachable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	_, answered := chains.ErrorCode(err)
	return !answered
}

func (c *chain) status(ctx context.Context) (*chains.Status, error) {
	return try(ctx, c, func(ctx context.Context, n Node) (*chains.Status, error) { return n.Status(ctx) })
}

func (c *chain) account(ctx context.Context, addr attest.Address) (*chains.Account, error) {
	return try(ctx, c, func(ctx context.Context, n Node) (*chains.Account, error) { return n.Account(ctx, addr) })
}

func (c *chain) member(ctx context.Context, addr attest.Address) (*chains.Member, error) {
	return try(ctx, c, func(ctx context.Context, n Node) (*chains.Member, error) { return n.Member(ctx, addr) })
}

func (c *chain) members(ctx context.Context, q chains.MemberQuery) (*chains.MemberPage, error) {
	return try(ctx, c, func(ctx context.Context, n Node) (*chains.MemberPage, error) { return n.Members(ctx, q) })
}

func (c *chain) relayers(ctx context.Context) (*chains.RelayerList, error) {
	return try(ctx, c, func(ctx context.Context, n Node) (*chains.RelayerList, error) { return n.Relayers(ctx) })
}

func (c *chain) slashes(ctx context.Context, q chains.SlashQuery) (*chains.SlashPage, error) {
	return try(ctx, c, func(ctx context.Context, n Node) (*chains.SlashPage, error) { return n.Slashes(ctx, q) })
}

func (c *chain) clientState(ctx context.Context, of string) (*chains.LightClient, error) {
	return try(ctx, c, func(ctx context.Context, n Node) (*chains.LightClient, error) { return n.ClientState(ctx, of) })
}

// send submits raw. A node that took the transaction and lost the answer
// may hold it while the next node gets it too: both hold the same
// transaction, which commits once.
func (c *chain) send(ctx context.Context, raw []byte) (attest.Hash, error) {
	return try(ctx, c, func(ctx context.Context, n Node) (attest.Hash, error) { return n.SendRawTransaction(ctx, raw) })
}

func (c *chain) receipt(ctx context.Context, h attest.Hash) (*chains.Receipt, error) {
	return try(ctx, c, func(ctx context.Context, n Node) (*chains.Receipt, error) { return n.TransactionReceipt(ctx, h) })
}

// route returns the route toward dst as the chain holds it (nil when there
// is none), from the cache when it is younger than RouteCacheTTL.
func (c *chain) route(ctx context.Context, dst string) (*chains.Route, error) {
	c.mu.Lock()
	e, ok := c.routes[dst]
	c.mu.Unlock()
	if ok && time.Since(e.at) < RouteCacheTTL {
		return e.route, nil
	}
	r, err := try(ctx, c, func(ctx context.Context, n Node) (*chains.Route, error) { return n.Route(ctx, dst) })
	if err != nil {
		return nil, fmt.Errorf("read route %s→%s: %w", c.id, dst, err)
	}
	c.mu.Lock()
	c.routes[dst] = routeEntry{route: r, at: time.Now()}
	c.mu.Unlock()
	return r, nil
}

// cachedRoute is the last route read toward dst, however old; ok is false
// when none was read.
func (c *chain) cachedRoute(dst string) (r *chains.Route, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.routes[dst]
	return e.route, ok
}

// snapshot is the chain's cached view and its age.
func (c *chain) snapshot() (api.Chain, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.view
	v.Validators = append([]api.Validator(nil), v.Validators...)
	return v, time.Since(c.viewAt)
}

// refresh reads every endpoint's status and takes the chain's height, block
// time and validators from the one furthest ahead: a node restarted empty
// answers while it syncs from its peers, far behind, and its block time
// must not become the base of an intent's deadline. A chain with no
// endpoint up keeps its identity and shows up=false with zero live fields.
func (c *chain) refresh(ctx context.Context) {
	sts := make([]*chains.Status, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Go(func() {
			sctx, cancel := context.WithTimeout(ctx, statusTimeout)
			defer cancel()
			if st, err := n.Status(sctx); err == nil {
				sts[i] = st
			}
		})
	}
	wg.Wait()
	v := api.Chain{ID: c.id, GenesisHash: c.genesis, Validators: []api.Validator{}, Endpoints: len(c.nodes)}
	best := -1
	for i, st := range sts {
		if st != nil {
			v.EndpointsUp++
			if best < 0 || st.LatestHeight > sts[best].LatestHeight {
				best = i
			}
		}
	}
	if best >= 0 {
		st := sts[best]
		v.Up, v.Height, v.BlockTime = true, st.LatestHeight, time.UnixMilli(int64(st.LatestTimeMs)).UTC()
		v.Validators, v.TotalPower = c.validators(ctx, c.nodes[best])
	}
	c.mu.Lock()
	c.view, c.viewAt = v, time.Now()
	c.mu.Unlock()
}

// validators reads the set from n, falling back to the last one read when
// n does not answer (the set rarely changes).
func (c *chain) validators(ctx context.Context, n Node) ([]api.Validator, uint64) {
	vctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	vs, err := n.Validators(vctx)
	if err != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		return append([]api.Validator{}, c.view.Validators...), c.view.TotalPower
	}
	out := make([]api.Validator, len(vs.Validators))
	for i, x := range vs.Validators {
		out[i] = api.Validator{Address: x.Address.Attest(), Power: x.Power}
	}
	return out, vs.TotalPower
}

// chainSet is every configured chain, in config order.
type chainSet struct {
	list []*chain
	byID map[string]*chain

	refreshMu sync.Mutex // one refresh of every view at a time
}

func newChainSet(list []*chain) *chainSet {
	s := &chainSet{list: list, byID: make(map[string]*chain, len(list))}
	for _, c := range list {
		s.byID[c.id] = c
	}
	return s
}

// get returns the chain with id, nil when the gateway does not serve it.
func (s *chainSet) get(id string) *chain { return s.byID[id] }

// refreshAll refreshes every chain's view concurrently.
func (s *chainSet) refreshAll(ctx context.Context) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	s.refreshLocked(ctx)
}

func (s *chainSet) refreshLocked(ctx context.Context) {
	var wg sync.WaitGroup
	for _, c := range s.list {
		wg.Go(func() { c.refresh(ctx) })
	}
	wg.Wait()
}

// stale reports whether a view is older than viewMaxAge.
func (s *chainSet) stale() bool {
	for _, c := range s.list {
		c.mu.Lock()
		age := time.Since(c.viewAt)
		c.mu.Unlock()
		if age > viewMaxAge {
			return true
		}
	}
	return false
}

// views returns every chain's view, refreshing them first when one is
// older than viewMaxAge; concurrent callers share one refresh.
func (s *chainSet) views(ctx context.Context) []api.Chain {
	if s.stale() {
		s.refreshMu.Lock()
		if s.stale() {
			s.refreshLocked(ctx)
		}
		s.refreshMu.Unlock()
	}
	out := make([]api.Chain, len(s.list))
	for i, c := range s.list {
		out[i], _ = c.snapshot()
	}
	return out
}

// refreshLoop keeps the views fresh until ctx ends.
func (s *chainSet) refreshLoop(ctx context.Context) {
	t := time.NewTicker(ChainRefreshInterval)
	defer t.Stop()
	for {
		s.refreshAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
