package registry

import (
	"fmt"
	"strconv"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
)

// ModuleName is the module's name and transaction type prefix.
const ModuleName = "registry"

// State keys.
const (
	validatorsKey  = "registry/validators"
	schedulePrefix = "registry/schedule/"
)

// Module is the registry module.
type Module struct{}

// NewModule returns the registry module.
func NewModule() *Module { return &Module{} }

// Name is "registry".
func (*Module) Name() string { return ModuleName }

// InitGenesis records the initial validator set and the schedule of changes.
func (*Module) InitGenesis(ctx *app.Context, g *chains.Genesis) error {
	if err := putValidators(ctx.State, validatorsKey, toValidators(g.Validators)); err != nil {
		return err
	}
	for _, sv := range g.ValidatorSchedule {
		if err := putValidators(ctx.State, scheduleKey(sv.Height), toValidators(sv.Validators)); err != nil {
			return err
		}
	}
	return nil
}

// Check refuses every transaction: the registry has no methods yet.
func (*Module) Check(_ *app.Context, _ attest.Address, method string, _ []byte) error {
	return app.Errorf(app.CodeUnknownTxType, "registry has no method %q", method)
}

// Deliver refuses every transaction: the registry has no methods yet.
func (m *Module) Deliver(ctx *app.Context, sender attest.Address, method string, payload []byte) error {
	return m.Check(ctx, sender, method, payload)
}

// EndBlock returns the updates that turn the current set into the one
// scheduled for after this height: new powers for kept and added validators,
// power 0 for removed ones.
func (*Module) EndBlock(ctx *app.Context) ([]attest.Validator, error) {
	next, err := getValidators(ctx.State, scheduleKey(ctx.Height))
	if err != nil || next == nil {
		return nil, err
	}
	cur, err := getValidators(ctx.State, validatorsKey)
	if err != nil {
		return nil, err
	}
	if err := putValidators(ctx.State, validatorsKey, next); err != nil {
		return nil, err
	}
	if err := ctx.State.Delete([]byte(scheduleKey(ctx.Height))); err != nil {
		return nil, fmt.Errorf("registry: clear schedule at %d: %w", ctx.Height, err)
	}
	return diff(cur, next), nil
}

// diff lists removals (power 0) in the current set's order, then the new set
// in its order.
func diff(cur, next []attest.Validator) []attest.Validator {
	keep := make(map[attest.Address]bool, len(next))
	for _, v := range next {
		keep[v.Address] = true
	}
	var out []attest.Validator
	for _, v := range cur {
		if !keep[v.Address] {
			out = append(out, attest.Validator{Address: v.Address})
		}
	}
	return append(out, next...)
}

func scheduleKey(h uint64) string { return schedulePrefix + strconv.FormatUint(h, 10) }

func toValidators(gv []chains.GenesisValidator) []attest.Validator {
	out := make([]attest.Validator, len(gv))
	for i, v := range gv {
		out[i] = attest.Validator{Address: v.Address, Power: v.Power}
	}
	return out
}

func putValidators(kv app.KV, key string, vals []attest.Validator) error {
	b, err := rlp.EncodeToBytes(vals)
	if err != nil {
		return fmt.Errorf("registry: encode validators: %w", err)
	}
	if err := kv.Set([]byte(key), b); err != nil {
		return fmt.Errorf("registry: write %s: %w", key, err)
	}
	return nil
}

func getValidators(kv app.KV, key string) ([]attest.Validator, error) {
	b, err := kv.Get([]byte(key))
	if err != nil {
		return nil, fmt.Errorf("registry: read %s: %w", key, err)
	}
	if b == nil {
		return nil, nil
	}
	var vals []attest.Validator
	if err := rlp.DecodeBytes(b, &vals); err != nil {
		return nil, fmt.Errorf("registry: decode %s: %w", key, err)
	}
	return vals, nil
}
