package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// Endpoint connection tuning.
const (
	// DialTimeout bounds dialling one endpoint and reading its status.
	DialTimeout = 5 * time.Second
	// redialInterval spaces connection attempts to an endpoint that did
	// not answer, so a dead node costs one failed dial per interval rather
	// than one per request.
	redialInterval = 2 * time.Second
)

// Endpoint errors. Neither is a node's answer, so a call moves on to the
// chain's next endpoint.
var (
	// ErrEndpointDown: the endpoint could not be dialled recently.
	ErrEndpointDown = errors.New("endpoint down")
	// ErrWrongChain: the endpoint serves another chain or genesis than
	// configured; it is never used.
	ErrWrongChain = errors.New("endpoint serves another chain")
)

// Node is what the gateway needs from one node of a chain. *chains.Client
// provides it; Options.Nodes takes others (tests use fakes).
type Node interface {
	Status(ctx context.Context) (*chains.Status, error)
	Validators(ctx context.Context) (*chains.Validators, error)
	Account(ctx context.Context, addr attest.Address) (*chains.Account, error)
	Member(ctx context.Context, addr attest.Address) (*chains.Member, error)
	Members(ctx context.Context, q chains.MemberQuery) (*chains.MemberPage, error)
	Relayers(ctx context.Context) (*chains.RelayerList, error)
	Slashes(ctx context.Context, q chains.SlashQuery) (*chains.SlashPage, error)
	Route(ctx context.Context, chain string) (*chains.Route, error)
	ClientState(ctx context.Context, chain string) (*chains.LightClient, error)
	SendRawTransaction(ctx context.Context, raw []byte) (attest.Hash, error)
	TransactionReceipt(ctx context.Context, txHash attest.Hash) (*chains.Receipt, error)
}

// endpoint is a Node over one configured URL that connects on demand: an
// endpoint down when the gateway starts is dialled again later, and its
// chain id and genesis are checked on every new connection before it is
// used. Once connected, the RPC client reconnects by itself.
type endpoint struct {
	url     string
	chainID string
	genesis attest.Hash

	mu       sync.Mutex // guards the fields below
	client   *chains.Client
	wrong    error // set once the endpoint proved to serve another chain
	nextDial time.Time
}

func newEndpoint(url, chainID string, genesis attest.Hash) *endpoint {
	return &endpoint{url: url, chainID: chainID, genesis: genesis}
}

// connect dials the endpoint unless it is connected, and returns its
// client. A dial that failed is not retried before redialInterval.
func (e *endpoint) connect(ctx context.Context) (*chains.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.wrong != nil:
		return nil, e.wrong
	case e.client != nil:
		return e.client, nil
	case time.Now().Before(e.nextDial):
		return nil, fmt.Errorf("%s: %w", e.url, ErrEndpointDown)
	}
	c, err := e.dial(ctx)
	if err != nil {
		if !errors.Is(err, ErrWrongChain) {
			e.nextDial = time.Now().Add(redialInterval)
		}
		return nil, err
	}
	e.client = c
	return c, nil
}

// dial connects and checks chain id and genesis hash.
func (e *endpoint) dial(ctx context.Context) (*chains.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	c, err := chains.Dial(ctx, e.url)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEndpointDown, err)
	}
	st, err := c.Status(ctx)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: %s: status: %w", ErrEndpointDown, e.url, err)
	}
	switch {
	case st.ChainID != e.chainID:
		e.wrong = fmt.Errorf("%w: %s serves chain %q, not %q", ErrWrongChain, e.url, st.ChainID, e.chainID)
	case st.GenesisHash != e.genesis:
		e.wrong = fmt.Errorf("%w: %s serves genesis %s, config says %s", ErrWrongChain, e.url, st.GenesisHash.Hex(), e.genesis.Hex())
	}
	if e.wrong != nil {
		c.Close()
		return nil, e.wrong
	}
	return c, nil
}

// close ends the connection, if any.
func (e *endpoint) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		e.client.Close()
		e.client = nil
	}
}

// use runs call on the endpoint's client.
func use[T any](ctx context.Context, e *endpoint, call func(*chains.Client) (T, error)) (T, error) {
	c, err := e.connect(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return call(c)
}

func (e *endpoint) Status(ctx context.Context) (*chains.Status, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.Status, error) { return c.Status(ctx) })
}

func (e *endpoint) Validators(ctx context.Context) (*chains.Validators, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.Validators, error) { return c.Validators(ctx) })
}

func (e *endpoint) Account(ctx context.Context, addr attest.Address) (*chains.Account, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.Account, error) { return c.Account(ctx, addr) })
}

func (e *endpoint) Member(ctx context.Context, addr attest.Address) (*chains.Member, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.Member, error) { return c.Member(ctx, addr) })
}

func (e *endpoint) Members(ctx context.Context, q chains.MemberQuery) (*chains.MemberPage, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.MemberPage, error) { return c.Members(ctx, q) })
}

func (e *endpoint) Relayers(ctx context.Context) (*chains.RelayerList, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.RelayerList, error) { return c.Relayers(ctx) })
}

func (e *endpoint) Slashes(ctx context.Context, q chains.SlashQuery) (*chains.SlashPage, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.SlashPage, error) { return c.Slashes(ctx, q) })
}

func (e *endpoint) Route(ctx context.Context, chain string) (*chains.Route, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.Route, error) { return c.Route(ctx, chain) })
}

func (e *endpoint) ClientState(ctx context.Context, chain string) (*chains.LightClient, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.LightClient, error) { return c.ClientState(ctx, chain) })
}

func (e *endpoint) SendRawTransaction(ctx context.Context, raw []byte) (attest.Hash, error) {
	return use(ctx, e, func(c *chains.Client) (attest.Hash, error) { return c.SendRawTransaction(ctx, raw) })
}

func (e *endpoint) TransactionReceipt(ctx context.Context, txHash attest.Hash) (*chains.Receipt, error) {
	return use(ctx, e, func(c *chains.Client) (*chains.Receipt, error) { return c.TransactionReceipt(ctx, txHash) })
}
