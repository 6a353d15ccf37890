package xfertest

import (
	"crypto/ecdsa"
	"fmt"
	"strconv"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// Network defaults.
const (
	// DefaultValidators is the size of a chain's validator set.
	DefaultValidators = 4
	// DefaultBalance is what each user holds of each native denomination.
	DefaultBalance = "1000000000"
	// validatorPower is every harness validator's voting power.
	validatorPower = 1
)

// ChainSpec describes one chain of a network. Zero values take the defaults
// noted on each field.
type ChainSpec struct {
	ID string // required
	// Validators is the size of the genesis set: validator keys 0..n-1 of
	// the chain, power 1 each. Default DefaultValidators.
	Validators int
	// Natives are the denominations issued at genesis; each of users
	// 0..Users-1 holds Balance of every one.
	Natives []string
	Users   int
	Balance string // default DefaultBalance
	// Blocked are users (by index) who may not receive on this chain.
	Blocked []int
	// Routes limit packets this chain receives (chains.XferParams.Routes).
	Routes []chains.RouteParams
	// Rotations change the validator set at fixed heights through the
	// genesis ValidatorSchedule (the registry module applies it).
	Rotations []Rotation
	// TimeStepMs is the block time step; default DefaultTimeStepMs.
	TimeStepMs uint64
	// GenesisTimeMs defaults to DefaultGenesisTimeMs.
	GenesisTimeMs uint64
	// MaxTransferTimeoutMs defaults to chains.DefaultParams'.
	MaxTransferTimeoutMs uint64
	// Edit, when set, adjusts the genesis before the chains are linked.
	Edit func(g *chains.Genesis)
}

// Rotation replaces the validator set after Height with validator keys
// Validators (indexes of ValidatorKey, power 1 each).
type Rotation struct {
	Height     uint64
	Validators []int
}

// Network is a set of chains linked as each other's counterparties.
type Network struct {
	Chains []*Chain
	byID   map[string]*Chain
}

// NewNetwork builds the chains of specs, links every pair and commits each
// chain's genesis state.
func NewNetwork(specs ...ChainSpec) (*Network, error) {
	gens := make([]*chains.Genesis, len(specs))
	keys := make([]map[attest.Address]*ecdsa.PrivateKey, len(specs))
	for i := range specs {
		var err error
		if gens[i], keys[i], err = buildGenesis(&specs[i]); err != nil {
			return nil, err
		}
	}
	for i := range gens {
		for j := i + 1; j < len(gens); j++ {
			if err := chains.LinkCounterparties(gens[i], gens[j]); err != nil {
				return nil, fmt.Errorf("new network: %w", err)
			}
		}
	}
	n := &Network{byID: map[string]*Chain{}}
	for i, g := range gens {
		c, err := newChain(g, keys[i], withDefault(specs[i].TimeStepMs, DefaultTimeStepMs))
		if err != nil {
			return nil, fmt.Errorf("new network: %w", err)
		}
		n.Chains = append(n.Chains, c)
		n.byID[c.ID] = c
	}
	return n, nil
}

// Chain returns the chain with id, or nil.
func (n *Network) Chain(id string) *Chain { return n.byID[id] }

// CommitAll commits every chain once, in order.
func (n *Network) CommitAll() error {
	for _, c := range n.Chains {
		if _, err := c.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Heights lists every chain's height, in chain order.
func (n *Network) Heights() []uint64 {
	out := make([]uint64, len(n.Chains))
	for i, c := range n.Chains {
		out[i] = c.Height()
	}
	return out
}

func buildGenesis(s *ChainSpec) (*chains.Genesis, map[attest.Address]*ecdsa.PrivateKey, error) {
	params := chains.DefaultParams()
	if s.MaxTransferTimeoutMs != 0 {
		params.MaxTransferTimeoutMs = s.MaxTransferTimeoutMs
	}
	g := &chains.Genesis{
		ChainID:       s.ID,
		GenesisTimeMs: withDefault(s.GenesisTimeMs, DefaultGenesisTimeMs),
		Params:        params,
		Xfer:          chains.XferParams{Routes: s.Routes},
	}
	keys := map[attest.Address]*ecdsa.PrivateKey{}
	g.Validators = validators(s.ID, seq(withDefault(s.Validators, DefaultValidators)), keys)
	for _, r := range s.Rotations {
		g.ValidatorSchedule = append(g.ValidatorSchedule,
			chains.ScheduledValidators{Height: r.Height, Validators: validators(s.ID, r.Validators, keys)})
	}
	balance := s.Balance
	if balance == "" {
		balance = DefaultBalance
	}
	for i := range s.Users {
		acct := chains.GenesisAccount{Address: User(i).Address}
		for _, d := range s.Natives {
			acct.Balances = append(acct.Balances, chains.Coin{Denom: d, Amount: balance})
		}
		g.Accounts = append(g.Accounts, acct)
	}
	for _, u := range s.Blocked {
		g.Xfer.Blocked = append(g.Xfer.Blocked, User(u).Address)
	}
	if s.Edit != nil {
		s.Edit(g)
	}
	if err := g.Validate(); err != nil {
		return nil, nil, fmt.Errorf("chain %s: %w", s.ID, err)
	}
	return g, keys, nil
}

// validators lists validator keys idx of chain as genesis validators and
// records their keys.
func validators(chain string, idx []int, keys map[attest.Address]*ecdsa.PrivateKey) []chains.GenesisValidator {
	out := make([]chains.GenesisValidator, len(idx))
	for i, k := range idx {
		acct := ValidatorKey(chain, k)
		keys[acct.Address] = acct.Key
		out[i] = chains.GenesisValidator{Name: "v" + strconv.Itoa(k), Address: acct.Address, Power: validatorPower}
	}
	return out
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func withDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
