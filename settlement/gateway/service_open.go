package gateway

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/gateway/ratelimit"
	redislimit "github.com/causeway/causeway/settlement/gateway/ratelimit/redis"
	"github.com/causeway/causeway/settlement/store/migrate"
)

// redisPrefixParam is the query parameter of the redis URL that namespaces
// the gateway's keys; go-redis does not know it.
const redisPrefixParam = "prefix"

// RedisPingTimeout bounds the first round trip to Redis at Open.
const RedisPingTimeout = 5 * time.Second

// Summary is what Open and Check found, for the lines a command prints.
type Summary struct {
	Chains []ChainSummary
	// Store is the store's scheme ("postgres", "sqlite"); StorePending is
	// set by Check when a start would apply migrations.
	Store        string
	StorePending bool
	Redis        bool
	Signers      []SignerSummary
}

// ChainSummary is one chain as the gateway found it.
type ChainSummary struct {
	ID          string
	Height      uint64 // latest height the first answering endpoint reported
	Endpoints   int
	EndpointsUp int
}

// SignerSummary is one key the gateway holds for a client.
type SignerSummary struct {
	Client  string
	Address attest.Address
}

// loadSigners decrypts every signer key.
func loadSigners(cfg *Config, sum *Summary) (*signerSet, error) {
	clients := make([]string, len(cfg.Signers))
	keys := make([]*ecdsa.PrivateKey, len(cfg.Signers))
	seen := make(map[SignerSummary]int)
	for i, sg := range cfg.Signers {
		key := "signers[" + strconv.Itoa(i) + "]"
		k, err := loadSigner(cfg, key, sg)
		if err != nil {
			return nil, err
		}
		ss := SignerSummary{Client: sg.Client, Address: attest.AddressOf(k)}
		if j, dup := seen[ss]; dup {
			return nil, fmt.Errorf("%s: key %s of client %s is signers[%d] again", key, ss.Address.Hex(), sg.Client, j)
		}
		seen[ss] = i
		clients[i], keys[i] = sg.Client, k
		sum.Signers = append(sum.Signers, ss)
	}
	return newSignerSet(clients, keys), nil
}

func loadSigner(cfg *Config, key string, sg SignerConfig) (*ecdsa.PrivateKey, error) {
	if sg.Key != nil {
		return sg.Key, nil
	}
	k, err := chains.LoadKeystore(cfg.Path(sg.Keystore), cfg.Path(sg.PasswordFile), sg.PasswordEnv)
	if err != nil {
		return nil, fmt.Errorf("%s.%w", key, err)
	}
	return k, nil
}

// openChains builds every chain over its nodes: the ones given, or
// endpoints dialled from the config. An endpoint serving another chain or
// genesis is an error; one that does not answer is a warning.
func (s *Service) openChains(ctx context.Context, given map[string][]Node) error {
	list := make([]*chain, len(s.cfg.Chains))
	for i, ch := range s.cfg.Chains {
		genesis, _ := ch.Genesis() // Validate checked it
		nodes := given[ch.ID]
		if nodes == nil {
			for j, u := range ch.Endpoints {
				e := newEndpoint(u, ch.ID, genesis)
				s.eps = append(s.eps, e)
				if _, err := e.connect(ctx); errors.Is(err, ErrWrongChain) {
					return fmt.Errorf("chains[%d].endpoints[%d]: %w", i, j, err)
				} else if err != nil {
					s.log.Warn("chain endpoint down; dialling again later", zap.String("chain_id", ch.ID),
						zap.String("url", u), zap.Error(err))
				}
				nodes = append(nodes, e)
			}
		}
		list[i] = newChain(ch.ID, genesis, nodes)
	}
	s.chains = newChainSet(list)
	s.chains.refreshAll(ctx)
	for _, c := range list {
		v, _ := c.snapshot()
		s.summary.Chains = append(s.summary.Chains, ChainSummary{ID: c.id, Height: v.Height,
			Endpoints: v.Endpoints, EndpointsUp: v.EndpointsUp})
	}
	return nil
}

// openStore opens cfg.Store unless one was given. In checkOnly mode the
// store is not migrated, and a schema behind is noted instead of refused
// when a start would migrate it.
func (s *Service) openStore(ctx context.Context, given settlement.Store, checkOnly bool) error {
	if given != nil {
		s.store = given
		s.summary.Store = "given"
		return nil
	}
	s.summary.Store, _ = backend.StoreScheme(s.cfg.Store)
	st, err := backend.OpenStore(ctx, s.cfg.Store, backend.StoreOptions{Migrate: s.cfg.Migrate && !checkOnly, Dir: s.cfg.Dir})
	if checkOnly && s.cfg.Migrate && errors.Is(err, migrate.ErrPending) {
		s.summary.StorePending = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	s.store, s.ownStore = st, true
	return nil
}

// openRedis connects to cfg.Redis and returns the rate limiter on it, or
// the in-process one without Redis.
func (s *Service) openRedis(ctx context.Context) (ratelimit.Limiter, error) {
	if s.cfg.Redis == "" {
		return ratelimit.NewMemory(), nil
	}
	opts, prefix, err := parseRedisURL(s.cfg.Redis)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	s.rdb = goredis.NewClient(opts)
	s.summary.Redis = true
	pctx, cancel := context.WithTimeout(ctx, RedisPingTimeout)
	defer cancel()
	if err := s.rdb.Ping(pctx).Err(); err != nil {
		return nil, fmt.Errorf("redis: %s unreachable: %w", opts.Addr, err)
	}
	l, err := redislimit.New(s.rdb, prefix)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	return l, nil
}

// parseRedisURL splits redis://…?prefix=P into go-redis options and P.
func parseRedisURL(raw string) (*goredis.Options, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", errors.New("the URL does not parse")
	}
	q := u.Query()
	prefix := q.Get(redisPrefixParam)
	q.Del(redisPrefixParam)
	u.RawQuery = q.Encode()
	opts, err := goredis.ParseURL(u.String())
	if err != nil {
		return nil, "", fmt.Errorf("%s://%s: %w", u.Scheme, u.Host, err)
	}
	return opts, prefix, nil
}

// redisPrefix is the key prefix of a valid redis URL ("" for the default).
func redisPrefix(raw string) string {
	_, p, _ := parseRedisURL(raw)
	return p
}
