package app

import (
	"errors"
	"fmt"
	"strings"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/tx"
)

// TypeSeparator splits a transaction type into module and method.
const TypeSeparator = "."

var (
	// ErrInvalidModule is returned by New for a nil, unnamed, dotted or
	// repeated module.
	ErrInvalidModule = errors.New("invalid module")
	// ErrWrongBlockInfo is returned when a BlockInfo names another chain or
	// InitChain is asked to run above height 0.
	ErrWrongBlockInfo = errors.New("block info does not match the app")
)

// App runs a fixed list of modules against a State. It holds no state of its
// own besides configuration, so one App may execute any number of blocks
// (sequentially or, on separate States, concurrently).
type App struct {
	gen     *chains.Genesis
	chainID string
	genesis attest.Hash
	cache   *SigCache
	modules []Module
	byName  map[string]Module
	gates   []SenderGate
	obs     []RejectionObserver
}

// New builds an App for the chain described by g. cache is shared with the
// mempool; nil gives the App a private cache of DefaultSigCacheSize.
func New(g *chains.Genesis, cache *SigCache, modules ...Module) (*App, error) {
	if g == nil {
		return nil, fmt.Errorf("new app: %w", chains.ErrInvalidGenesis)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("new app: %w", err)
	}
	if cache == nil {
		cache = NewSigCache(DefaultSigCacheSize)
	}
	byName := make(map[string]Module, len(modules))
	for i, m := range modules {
		if err := checkModule(m, byName); err != nil {
			return nil, fmt.Errorf("new app: module %d: %w", i, err)
		}
		byName[m.Name()] = m
	}
	var gates []SenderGate
	var obs []RejectionObserver
	for _, m := range modules {
		if g, ok := m.(SenderGate); ok {
			gates = append(gates, g)
		}
		if o, ok := m.(RejectionObserver); ok {
			obs = append(obs, o)
		}
	}
	return &App{
		gen:     g,
		chainID: g.ChainID,
		genesis: g.Hash(),
		cache:   cache,
		modules: append([]Module(nil), modules...),
		byName:  byName,
		gates:   gates,
		obs:     obs,
	}, nil
}

// ChainID is the chain this App executes.
func (a *App) ChainID() string { return a.chainID }

// GenesisHash is the hash mixed into every signature on the chain.
func (a *App) GenesisHash() attest.Hash { return a.genesis }

// Cache is the signature cache the App verifies senders through.
func (a *App) Cache() *SigCache { return a.cache }

// InitChain runs every module's InitGenesis in order, at height 0.
func (a *App) InitChain(st State, info BlockInfo) error {
	if err := a.checkInfo(info); err != nil {
		return fmt.Errorf("init chain: %w", err)
	}
	if info.Height != 0 {
		return fmt.Errorf("init chain at height %d: %w", info.Height, ErrWrongBlockInfo)
	}
	for _, m := range a.modules {
		ctx := &Context{BlockInfo: info, State: st}
		if err := m.InitGenesis(ctx, a.gen); err != nil {
			return fmt.Errorf("init genesis of %s: %w", m.Name(), err)
		}
	}
	return nil
}

// Check runs the admission check of the module t.Type names against a
// read-only view of kv. The caller has already checked chain, signature and
// nonce. A rejection is coded; any other error is internal.
func (a *App) Check(kv KV, hash attest.Hash, sender attest.Address, t *tx.Tx) error {
	m, method, err := a.route(t.Type)
	if err != nil {
		return err
	}
	ctx := &Context{
		BlockInfo: BlockInfo{ChainID: a.chainID, Genesis: a.genesis},
		TxHash:    hash,
		State:     ReadOnly(kv),
	}
	if err := a.admit(ctx, sender, t.Type); err != nil {
		return err
	}
	err = m.Check(ctx, sender, method, t.Payload)
	if err == nil || !IsRejection(err) {
		return err
	}
	for _, o := range a.obs {
		penal, perr := o.Penalizes(ctx, sender, t.Type, err)
		if perr != nil {
			return perr
		}
		if penal {
			return nil // admitted to be rejected, and penalised, in a block
		}
	}
	return err
}

// admit asks every sender gate about sender sending a txType.
func (a *App) admit(ctx *Context, sender attest.Address, txType string) error {
	for _, g := range a.gates {
		if err := g.AdmitSender(ctx, sender, txType); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) checkInfo(info BlockInfo) error {
	if info.ChainID != a.chainID || info.Genesis != a.genesis {
		return fmt.Errorf("chain %q genesis %s, app runs %q genesis %s: %w",
			info.ChainID, info.Genesis, a.chainID, a.genesis, ErrWrongBlockInfo)
	}
	return nil
}

// route splits "module.method" and finds the module.
func (a *App) route(txType string) (Module, string, error) {
	name, method, ok := strings.Cut(txType, TypeSeparator)
	if !ok || method == "" {
		return nil, "", Errorf(CodeUnknownTxType, "tx type %q is not module.method", txType)
	}
	m, ok := a.byName[name]
	if !ok {
		return nil, "", Errorf(CodeUnknownTxType, "no module %q", name)
	}
	return m, method, nil
}

func checkModule(m Module, seen map[string]Module) error {
	if m == nil {
		return fmt.Errorf("nil: %w", ErrInvalidModule)
	}
	name := m.Name()
	if name == "" || strings.Contains(name, TypeSeparator) {
		return fmt.Errorf("name %q: %w", name, ErrInvalidModule)
	}
	if _, dup := seen[name]; dup {
		return fmt.Errorf("name %q registered twice: %w", name, ErrInvalidModule)
	}
	return nil
}
