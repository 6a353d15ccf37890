package chains

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
)

// Genesis is a chain's genesis document. Its hash is mixed into every signed
// digest on the chain (see Hash).
type Genesis struct {
	ChainID        string             `json:"chain_id"`
	GenesisTimeMs  uint64             `json:"genesis_time_ms"`
	Validators     []GenesisValidator `json:"validators"`
	Accounts       []GenesisAccount   `json:"accounts"`
	Params         Params             `json:"params"`
	Counterparties []Counterparty     `json:"counterparties"`
	Xfer           XferParams         `json:"xfer"`
	// ValidatorSchedule changes the validator set at fixed heights. It is
	// how a consortium without the registry (or a test) rotates validators.
	ValidatorSchedule []ScheduledValidators `json:"validator_schedule,omitempty"`
	// Identity is the chain's contract rule; nil is an open chain.
	Identity *IdentityRule `json:"identity,omitempty"`
}

// ScheduledValidators replaces the validator set from Height+1 on: the block
// at Height carries the new set's hash as NextValidatorsHash.
type ScheduledValidators struct {
	Height     uint64             `json:"height"`
	Validators []GenesisValidator `json:"validators"`
}

// XferParams configure the cross-chain transfer module.
type XferParams struct {
	// Routes set per-counterparty, per-denomination limits on packets this
	// chain receives. A counterparty without an entry has no limits.
	Routes []RouteParams `json:"routes,omitempty"`
	// Blocked receivers get a failed receipt instead of a credit.
	Blocked []attest.Address `json:"blocked,omitempty"`
	// RecvFeePermille is the share of each packet's relay fee, in
	// thousandths, that goes to the relayer whose recv delivered it; the
	// relayer whose ack lands gets the rest. 0 pays the ack's relayer alone.
	RecvFeePermille uint32 `json:"recv_fee_permille,omitempty"`
}

// RouteParams are the limits on packets received from one counterparty.
type RouteParams struct {
	Chain  string       `json:"chain"`
	Limits []DenomLimit `json:"limits"`
}

// DenomLimit caps one denomination (as named in the packet) on a route:
// the largest single packet, and the amount per window of this chain's block
// time. Empty amounts mean no cap.
type DenomLimit struct {
	Denom        string `json:"denom"`
	MaxPerPacket string `json:"max_per_packet,omitempty"`
	WindowAmount string `json:"window_amount,omitempty"`
	WindowMs     uint64 `json:"window_ms,omitempty"`
}

// GenesisValidator is one validator in the initial set.
type GenesisValidator struct {
	Name    string         `json:"name"`
	Address attest.Address `json:"address"`
	Power   uint64         `json:"power"`
}

// GenesisAccount is an initially funded account.
type GenesisAccount struct {
	Address  attest.Address `json:"address"`
	Balances []Coin         `json:"balances"`
}

// Coin is an amount of one denomination; Amount is a decimal uint256 string.
type Coin struct {
	Denom  string `json:"denom"`
	Amount string `json:"amount"`
}

// Counterparty seeds the light client of another chain.
type Counterparty struct {
	ChainID     string             `json:"chain_id"`
	GenesisHash attest.Hash        `json:"genesis_hash"`
	Validators  []GenesisValidator `json:"validators"`
}

// Params are the chain's consensus and execution parameters.
type Params struct {
	BlockIntervalMs      uint64 `json:"block_interval_ms"`       // idle chains commit an empty block this often
	MaxBlockBytes        uint64 `json:"max_block_bytes"`         // cap on an encoded block
	MaxBlockTxs          uint64 `json:"max_block_txs"`           // cap on transactions per block
	MaxTransferTimeoutMs uint64 `json:"max_transfer_timeout_ms"` // longest cross-chain timeout a packet may ask for
}

// DefaultParams are the parameters `causeway init` writes.
func DefaultParams() Params {
	return Params{
		BlockIntervalMs:      1000,
		MaxBlockBytes:        4 << 20,
		MaxBlockTxs:          2000,
		MaxTransferTimeoutMs: 24 * 60 * 60 * 1000,
	}
}

var (
	chainIDRe = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)
	denomRe   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9/._-]{0,127}$`)

	// ErrInvalidGenesis wraps every genesis validation failure.
	ErrInvalidGenesis = errors.New("invalid genesis")
)

// ValidChainID reports whether id is a well-formed chain id.
func ValidChainID(id string) bool { return chainIDRe.MatchString(id) }

// ValidDenom reports whether d is a well-formed denomination.
func ValidDenom(d string) bool { return denomRe.MatchString(d) }

// ParseAmount parses a canonical decimal uint256 (no sign, no leading zeros, no fraction).
func ParseAmount(s string) (*uint256.Int, error) {
	if s == "" || len(s) > 78 || (len(s) > 1 && s[0] == '0') {
		return nil, fmt.Errorf("amount %q is not a canonical decimal integer", s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("amount %q is not a canonical decimal integer", s)
		}
	}
	v, err := uint256.FromDecimal(s)
	if err != nil {
		return nil, fmt.Errorf("amount %q: %w", s, err)
	}
	return v, nil
}

// Hash is the chain's genesis hash: keccak256 of the RLP encoding of g with
// Counterparties left out.
//
// Counterparties are left out so that two chains can each record the other's
// genesis hash (each hash would otherwise depend on the other). They still
// bind the chain: they seed its light clients in the genesis state, so a
// validator started with a different list computes a different state root
// and cannot agree with the others on the first block.
func (g *Genesis) Hash() attest.Hash {
	own := *g
	own.Counterparties = nil
	b, err := rlp.EncodeToBytes(&own)
	if err != nil {
		panic("chains: encode genesis: " + err.Error())
	}
	return attest.Keccak(b)
}

// ValidatorSet returns the initial validator set.
func (g *Genesis) ValidatorSet() (*attest.ValidatorSet, error) {
	return validatorSet(g.Validators)
}

// ValidatorSet returns the counterparty's initial validator set.
func (c *Counterparty) ValidatorSet() (*attest.ValidatorSet, error) {
	return validatorSet(c.Validators)
}

func validatorSet(gv []GenesisValidator) (*attest.ValidatorSet, error) {
	vals := make([]attest.Validator, len(gv))
	for i, v := range gv {
		vals[i] = attest.Validator{Address: v.Address, Power: v.Power}
	}
	return attest.NewValidatorSet(vals)
}

// Validate checks every field and names the one that is wrong.
func (g *Genesis) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidGenesis, fmt.Sprintf(format, args...))
	}
	if !ValidChainID(g.ChainID) {
		return bad("chain_id %q must match [a-z0-9-]{1,32}", g.ChainID)
	}
	if _, err := g.ValidatorSet(); err != nil {
		return bad("validators: %v", err)
	}
	seen := map[attest.Address]bool{}
	for i, a := range g.Accounts {
		if seen[a.Address] {
			return bad("accounts[%d]: address %s listed twice", i, a.Address)
		}
		seen[a.Address] = true
		denoms := map[string]bool{}
		for j, c := range a.Balances {
			if !ValidDenom(c.Denom) || denoms[c.Denom] {
				return bad("accounts[%d].balances[%d]: denom %q invalid or repeated", i, j, c.Denom)
			}
			denoms[c.Denom] = true
			if _, err := ParseAmount(c.Amount); err != nil {
				return bad("accounts[%d].balances[%d]: %v", i, j, err)
			}
		}
	}
	p := g.Params
	if p.BlockIntervalMs == 0 || p.BlockIntervalMs > 60_000 {
		return bad("params.block_interval_ms %d must be in 1..60000", p.BlockIntervalMs)
	}
	if p.MaxBlockBytes < 1<<10 || p.MaxBlockBytes > 16<<20 {
		return bad("params.max_block_bytes %d must be in 1KiB..16MiB", p.MaxBlockBytes)
	}
	if p.MaxBlockTxs == 0 {
		return bad("params.max_block_txs must be positive")
	}
	if p.MaxTransferTimeoutMs == 0 {
		return bad("params.max_transfer_timeout_ms must be positive")
	}
	if err := g.validateXfer(bad); err != nil {
		return err
	}
	if g.Identity != nil {
		if err := g.Identity.Validate(g.Validators); err != nil {
			return bad("identity.%v", err)
		}
	}
	last := uint64(0)
	for i, sv := range g.ValidatorSchedule {
		if sv.Height <= last {
			return bad("validator_schedule[%d].height %d must increase and be positive", i, sv.Height)
		}
		last = sv.Height
		if _, err := validatorSet(sv.Validators); err != nil {
			return bad("validator_schedule[%d].validators: %v", i, err)
		}
	}
	for i, c := range g.Counterparties {
		if !ValidChainID(c.ChainID) || c.ChainID == g.ChainID {
			return bad("counterparties[%d].chain_id %q invalid or this chain's own", i, c.ChainID)
		}
		if _, err := c.ValidatorSet(); err != nil {
			return bad("counterparties[%d].validators: %v", i, err)
		}
	}
	return nil
}

func (g *Genesis) validateXfer(bad func(string, ...any) error) error {
	if g.Xfer.RecvFeePermille > 1000 {
		return bad("xfer.recv_fee_permille %d must be in 0..1000", g.Xfer.RecvFeePermille)
	}
	for i, r := range g.Xfer.Routes {
		if !ValidChainID(r.Chain) || r.Chain == g.ChainID {
			return bad("xfer.routes[%d].chain %q invalid or this chain's own", i, r.Chain)
		}
		for j, l := range r.Limits {
			if l.Denom == "" || len(l.Denom) > attest.MaxDenomBytes {
				return bad("xfer.routes[%d].limits[%d].denom %q", i, j, l.Denom)
			}
			for name, amt := range map[string]string{"max_per_packet": l.MaxPerPacket, "window_amount": l.WindowAmount} {
				if amt == "" {
					continue
				}
				if _, err := ParseAmount(amt); err != nil {
					return bad("xfer.routes[%d].limits[%d].%s: %v", i, j, name, err)
				}
			}
			if (l.WindowAmount == "") != (l.WindowMs == 0) {
				return bad("xfer.routes[%d].limits[%d]: window_amount and window_ms go together", i, j)
			}
		}
	}
	return nil
}

// LoadGenesis reads and validates a genesis JSON file. Unknown fields are refused.
func LoadGenesis(path string) (*Genesis, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load genesis: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var g Genesis
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("load genesis %s: %w", path, err)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("load genesis %s: %w", path, err)
	}
	return &g, nil
}

// Save writes g as indented JSON.
func (g *Genesis) Save(path string) error {
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
