package relay

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/holiman/uint256"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/internal/admin"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/queue"
	"github.com/causeway/causeway/settlement/store/migrate"
)

// Service timeouts.
const (
	// DialTimeout bounds dialling one endpoint and reading its status.
	DialTimeout = 10 * time.Second
	// ShutdownTimeout bounds draining the admin server when Run ends.
	ShutdownTimeout = 5 * time.Second
)

// readinessCheck is the name of the engine's check on /readyz.
const readinessCheck = "relay_engine"

// Service is a relay process wired from a Config: the chain clients, the
// store and queue, the engine over them and the admin server. Open builds
// it, Run runs it, Close releases it.
type Service struct {
	Engine *Engine
	Store  settlement.Store
	Queue  queue.Queue
	// Registry holds the relay's metrics and the admin server's runtime
	// collectors.
	Registry *prometheus.Registry

	cfg     *Config
	log     *zap.Logger
	summary Summary
	clients []*chains.Client
	admin   *admin.Server // nil when admin_listen is ""

	closeOnce sync.Once
	closeErr  error
}

// Summary is what Open and Check found, for the line a command prints.
type Summary struct {
	Chains []ChainSummary
	// Store and Queue are the schemes in use ("postgres", "memory", …).
	Store, Queue string
	// StorePending is set by Check when the store lacks migrations that a
	// start applies (migrate = true).
	StorePending bool
}

// ChainSummary is one chain as the relay found it.
type ChainSummary struct {
	ID        string
	Height    uint64 // latest height its first endpoint reported
	Endpoints int
	Signers   []attest.Address
	// Consortium is set when the chain admits only registered members; each
	// signer is then an active member allowed to relay.
	Consortium bool
	// Bonds follows Signers on a chain whose relayers must bond: each
	// signer's bond, as "<amount> <denom>"; nil on other chains.
	Bonds []string
}

// Open checks cfg against the world and wires the service: it validates
// cfg, decrypts every signer key, dials every endpoint and checks that it
// serves the configured chain and genesis, checks that every chain holds a
// light client of every other, then opens the store (migrating when
// cfg.Migrate) and the queue and builds the engine and admin server.
// Errors name the config field at fault. On error nothing stays open.
func Open(ctx context.Context, cfg *Config, log *zap.Logger) (*Service, error) {
	return open(ctx, cfg, log, false)
}

// Check runs Open's checks, builds nothing and closes everything. It does
// not migrate a Postgres store: a schema behind is reported in
// Summary.StorePending when cfg.Migrate would bring it up to date at start,
// and refused otherwise. A SQLite store is created and migrated as Open
// would, since opening one always does.
func Check(ctx context.Context, cfg *Config, log *zap.Logger) (*Summary, error) {
	s, err := open(ctx, cfg, log, true)
	if err != nil {
		return nil, err
	}
	sum := s.summary
	if err := s.Close(); err != nil {
		return nil, err
	}
	return &sum, nil
}

func open(ctx context.Context, cfg *Config, log *zap.Logger, checkOnly bool) (svc *Service, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: log.Named("relay")}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	keys, err := loadKeys(cfg)
	if err != nil {
		return nil, err
	}
	eps, err := s.dialChains(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkLightClients(ctx, cfg, eps, s.log); err != nil {
		return nil, err
	}
	for i := range cfg.Chains {
		for _, k := range keys[i] {
			s.summary.Chains[i].Signers = append(s.summary.Chains[i].Signers, attest.AddressOf(k))
		}
		if err := checkSigners(ctx, eps[i][0], i, &s.summary.Chains[i]); err != nil {
			return nil, err
		}
	}
	if err := s.openBackends(ctx, checkOnly); err != nil {
		return nil, err
	}
	if checkOnly {
		return s, nil
	}
	if err := s.wire(eps, keys); err != nil {
		return nil, err
	}
	s.log.Info("relay opened", zap.String("consumer", cfg.Consumer), zap.Strings("chains", s.chainIDs()),
		zap.String("store", s.summary.Store), zap.String("queue", s.summary.Queue))
	return s, nil
}

// ListenAdmin binds the admin listener, so AdminAddr is known before Run;
// Run calls it when it has not been. It does nothing when admin_listen is "".
func (s *Service) ListenAdmin() error {
	if s.admin == nil {
		return nil
	}
	if err := s.admin.Start(); err != nil && !errors.Is(err, admin.ErrStarted) {
		return fmt.Errorf("admin_listen %s: %w", s.cfg.AdminListen, err)
	}
	return nil
}

// Run serves the admin endpoints and runs the engine until ctx ends, then
// drains the admin server. It returns nil after a clean shutdown. Call it
// once, and Close after it returns.
func (s *Service) Run(ctx context.Context) error {
	if err := s.ListenAdmin(); err != nil {
		return err
	}
	err := s.Engine.Run(ctx)
	if s.admin != nil {
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		if serr := s.admin.Shutdown(sctx); err == nil {
			err = serr
		}
	}
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	s.log.Info("relay stopped", zap.String("consumer", s.cfg.Consumer))
	return nil
}

// Close releases the store, the queue and the chain connections. It is
// idempotent.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.Queue != nil {
			errs = append(errs, s.Queue.Close())
		}
		if s.Store != nil {
			errs = append(errs, s.Store.Close())
		}
		for _, c := range s.clients {
			c.Close()
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// AdminAddr is the admin listener's bound address, "" before it listens or
// when admin_listen is "".
func (s *Service) AdminAddr() string {
	if s.admin == nil {
		return ""
	}
	return s.admin.Addr()
}

// Summary is what Open found.
func (s *Service) Summary() Summary { return s.summary }

// loadKeys decrypts every chain's signer keys and appends the in-memory
// ones, refusing a key listed twice for one chain (two signers sharing a
// nonce sequence would trip over each other).
func loadKeys(cfg *Config) ([][]*ecdsa.PrivateKey, error) {
	out := make([][]*ecdsa.PrivateKey, len(cfg.Chains))
	for i, ch := range cfg.Chains {
		seen := make(map[attest.Address]string)
		add := func(key string, k *ecdsa.PrivateKey) error {
			a := attest.AddressOf(k)
			if first, dup := seen[a]; dup {
				return fmt.Errorf("%s: key %s is %s again", key, a.Hex(), first)
			}
			seen[a] = key
			out[i] = append(out[i], k)
			return nil
		}
		for j, sg := range ch.Signers {
			key := fmt.Sprintf("chains[%d].signers[%d]", i, j)
			k, err := loadSigner(cfg, key, sg)
			if err != nil {
				return nil, err
			}
			if err := add(key, k); err != nil {
				return nil, err
			}
		}
		for j, k := range ch.Keys {
			if err := add(fmt.Sprintf("chains[%d].keys[%d]", i, j), k); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func loadSigner(cfg *Config, key string, sg SignerConfig) (*ecdsa.PrivateKey, error) {
	k, err := chains.LoadKeystore(cfg.Path(sg.Keystore), cfg.Path(sg.PasswordFile), sg.PasswordEnv)
	if err != nil {
		return nil, fmt.Errorf("%s.%w", key, err)
	}
	return k, nil
}

// dialChains dials every endpoint and checks its chain id and genesis. It
// returns the endpoints per chain, in config order.
func (s *Service) dialChains(ctx context.Context) ([][]*chains.Client, error) {
	out := make([][]*chains.Client, len(s.cfg.Chains))
	for i, ch := range s.cfg.Chains {
		genesis, _ := ch.Genesis() // Validate checked it
		sum := ChainSummary{ID: ch.ID, Endpoints: len(ch.Endpoints)}
		for j, url := range ch.Endpoints {
			c, st, err := s.dial(ctx, url)
			key := "chains[" + strconv.Itoa(i) + "].endpoints[" + strconv.Itoa(j) + "]"
			if err != nil {
				return nil, fmt.Errorf("%s %s: unreachable: %w", key, url, err)
			}
			switch {
			case st.ChainID != ch.ID:
				return nil, fmt.Errorf("%s: serves chain %q, not %q", key, st.ChainID, ch.ID)
			case st.GenesisHash != genesis:
				return nil, fmt.Errorf("chains[%d].genesis_hash: endpoint %s serves genesis %s, config says %s",
					i, url, st.GenesisHash.Hex(), genesis.Hex())
			}
			if j == 0 {
				sum.Height = st.LatestHeight
			}
			out[i] = append(out[i], c)
		}
		s.summary.Chains = append(s.summary.Chains, sum)
	}
	return out, nil
}

// dial connects to one endpoint and reads its status; the client is kept
// for Close even when the status fails.
func (s *Service) dial(ctx context.Context, url string) (*chains.Client, *chains.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	c, err := chains.Dial(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	s.clients = append(s.clients, c)
	st, err := c.Status(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("status: %w", err)
	}
	return c, st, nil
}

// checkLightClients checks that every chain holds a light client of every
// other configured chain, pinned to that chain's configured genesis. A
// frozen client is only logged: its route is halted on chain until
// governance unfreezes it, and the other routes still run.
func checkLightClients(ctx context.Context, cfg *Config, eps [][]*chains.Client, log *zap.Logger) error {
	for i, ch := range cfg.Chains {
		for k, other := range cfg.Chains {
			if k == i {
				continue
			}
			want, _ := other.Genesis()
			lc, err := eps[i][0].ClientState(ctx, other.ID)
			switch {
			case err != nil:
				return fmt.Errorf("chains[%d]: read %s's light client of %s: %w", i, ch.ID, other.ID, err)
			case lc == nil:
				return fmt.Errorf("chains[%d]: %s has no light client of %s", i, ch.ID, other.ID)
			case lc.GenesisHash != want:
				return fmt.Errorf("chains[%d]: %s's light client of %s trusts genesis %s, chains[%d].genesis_hash is %s",
					i, ch.ID, other.ID, lc.GenesisHash.Hex(), k, want.Hex())
			case lc.Frozen:
				log.Warn("light client frozen: route halted until governance unfreezes it",
					zap.String("chain_id", ch.ID), zap.String("counterparty", other.ID), zap.Uint64("height", lc.FrozenHeight))
			}
		}
	}
	return nil
}

// checkSigners checks that the relay may relay on a consortium chain with
// every signer it holds: each must be an active member allowed to relay
// and, where the chain makes relayers bond, bonded at the minimum and not
// unbonding. Otherwise every delivery would be refused on chain, so the
// relay refuses to start and says how to fix it.
func checkSigners(ctx context.Context, c *chains.Client, i int, sum *ChainSummary) error {
	id, err := c.Identity(ctx)
	if err != nil {
		return fmt.Errorf("chains[%d]: read %s's identity rule: %w", i, sum.ID, err)
	}
	if id == nil {
		return nil // an open chain: anyone relays
	}
	sum.Consortium = true
	var min *uint256.Int
	if t := id.BondTerms; t != nil {
		if min, err = chains.ParseAmount(t.Min); err != nil {
			return fmt.Errorf("chains[%d]: %s's bond minimum %q: %w", i, sum.ID, t.Min, err)
		}
		sum.Bonds = make([]string, len(sum.Signers))
	}
	for j, addr := range sum.Signers {
		key := fmt.Sprintf("chains[%d].signers[%d] %s", i, j, addr.Hex())
		m, err := c.Member(ctx, addr)
		switch {
		case err != nil:
			return fmt.Errorf("%s: read its membership of %s: %w", key, sum.ID, err)
		case m == nil:
			return fmt.Errorf("%s is not a member of %s, which admits only registered members: register it "+
				"with the relayer role (causeway tx register) and bond (causeway tx bond)", key, sum.ID)
		case m.Status != "active":
			return fmt.Errorf("%s is %s on %s and may not send", key, m.Status, sum.ID)
		case !slices.Contains(m.Permissions, "relay"):
			return fmt.Errorf("%s may not relay on %s: its permissions are %v", key, sum.ID, m.Permissions)
		}
		if min == nil {
			continue
		}
		t := id.BondTerms
		if m.Role != attest.RoleRelayer {
			return fmt.Errorf("%s is a %s on %s, where only bonded relayers relay: register a key with the relayer role",
				key, m.Role, sum.ID)
		}
		if m.Bond == nil {
			return fmt.Errorf("%s has no bond on %s: bond at least %s %s (causeway tx bond)", key, sum.ID, t.Min, t.Denom)
		}
		if m.Bond.ReleaseMs != 0 {
			return fmt.Errorf("%s is unbonding on %s and may not relay: its bond returns at %s; bond a new relayer key",
				key, sum.ID, time.UnixMilli(int64(m.Bond.ReleaseMs)).UTC().Format(time.RFC3339))
		}
		amt, err := chains.ParseAmount(m.Bond.Amount)
		if err != nil {
			return fmt.Errorf("%s: its bond on %s reads %q: %w", key, sum.ID, m.Bond.Amount, err)
		}
		if amt.Lt(min) {
			return fmt.Errorf("%s has %s %s bonded on %s, below the minimum %s: bond the difference (causeway tx bond)",
				key, m.Bond.Amount, t.Denom, sum.ID, t.Min)
		}
		sum.Bonds[j] = m.Bond.Amount + " " + t.Denom
	}
	return nil
}

// openBackends opens the store and the queue. In checkOnly mode the store
// is not migrated, and a schema behind is noted instead of refused when a
// start would migrate it.
func (s *Service) openBackends(ctx context.Context, checkOnly bool) error {
	var err error
	s.summary.Store, _ = backend.StoreScheme(s.cfg.Store)
	s.summary.Queue, _ = backend.QueueScheme(s.cfg.Queue)
	opts := backend.StoreOptions{Migrate: s.cfg.Migrate && !checkOnly, Dir: s.cfg.Dir}
	s.Store, err = backend.OpenStore(ctx, s.cfg.Store, opts)
	if checkOnly && s.cfg.Migrate && errors.Is(err, migrate.ErrPending) {
		s.summary.StorePending, err = true, nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if s.Queue, err = backend.OpenQueue(ctx, s.cfg.Queue); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	return nil
}

// wire builds the submitters, metrics, engine and admin server.
func (s *Service) wire(eps [][]*chains.Client, keys [][]*ecdsa.PrivateKey) error {
	chs := make([]EngineChain, len(s.cfg.Chains))
	for i, ch := range s.cfg.Chains {
		genesis, _ := ch.Genesis()
		ec := EngineChain{ID: ch.ID, Watch: DefaultWatcherConfig(ch.ID), Denoms: ch.Denoms}
		ec.Watch.StartHeight = ch.StartHeight
		for _, c := range eps[i] {
			ec.Endpoints = append(ec.Endpoints, FromClient(c))
		}
		scfg := DefaultSubmitterConfig(ch.ID, genesis)
		scfg.InclusionTimeout = s.cfg.Engine.InclusionTimeout.Duration()
		sub, err := NewSubmitter(scfg, Failover(ec.Endpoints...), keys[i], s.log)
		if err != nil {
			return fmt.Errorf("chains[%d]: %w", i, err)
		}
		ec.Submitter = sub
		chs[i] = ec
	}
	s.Registry = prometheus.NewRegistry()
	var err error
	if s.Engine, err = NewEngine(s.cfg.EngineConfig(), chs, s.Store, s.Queue, NewMetrics(s.Registry), s.log); err != nil {
		return err
	}
	if s.cfg.AdminListen != "" {
		s.admin = admin.New(s.cfg.AdminListen, s.Registry, s.log)
		s.admin.AddReadiness(readinessCheck, s.Engine.Ready)
	}
	return nil
}

func (s *Service) chainIDs() []string {
	ids := make([]string, len(s.cfg.Chains))
	for i, ch := range s.cfg.Chains {
		ids[i] = ch.ID
	}
	return ids
}
