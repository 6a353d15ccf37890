package registry

import (
	"fmt"
	"strconv"
	"sync/atomic"

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
type Module struct {
	// rule caches whether the chain has an identity rule, which its genesis
	// fixes for good: on an open chain the sender gate then skips the state
	// read on every transaction. ruleUnknown until the first one asks.
	rule atomic.Int32
}

// Values of Module.rule.
const (
	ruleUnknown int32 = iota
	ruleAbsent
	rulePresent
)

// NewModule returns the registry module.
func NewModule() *Module { return &Module{} }

// Name is "registry".
func (*Module) Name() string { return ModuleName }

// InitGenesis records the initial validator set and the schedule of changes.
func (*Module) InitGenesis(ctx *app.Context, g *chains.Genesis) error {
	if err := putValidators(ctx.State, validatorsKey, toValidators(g.Validators)); err != nil {
		return err
	}
	if g.Identity != nil {
		if err := initIdentity(ctx.State, g.Identity); err != nil {
			return err
		}
		if g.Identity.Bonds != nil {
			if err := initBonds(ctx, g.Identity.Bonds); err != nil {
				return err
			}
		}
	}
	for _, sv := range g.ValidatorSchedule {
		if err := putValidators(ctx.State, scheduleKey(sv.Height), toValidators(sv.Validators)); err != nil {
			return err
		}
	}
	return nil
}

// Check is the mempool's admission check of a registry transaction.
func (m *Module) Check(ctx *app.Context, sender attest.Address, method string, payload []byte) error {
	return m.run(ctx, sender, method, payload, false)
}

// Deliver executes a registry transaction.
func (m *Module) Deliver(ctx *app.Context, sender attest.Address, method string, payload []byte) error {
	return m.run(ctx, sender, method, payload, true)
}

func (*Module) run(ctx *app.Context, sender attest.Address, method string, payload []byte, deliver bool) error {
	switch method {
	case MethodRegister, MethodRegulate, MethodRotate, MethodBond, MethodUnbond:
	case MethodRegisterIssuer, MethodPublish, MethodIssue, MethodRevoke:
	default:
		return app.Errorf(app.CodeUnknownTxType, "registry has no method %q", method)
	}
	rule, err := GetRule(ctx.State)
	if err != nil {
		return err
	}
	if rule == nil {
		return rejectf(CodeNoRule, "this chain has no identity rule: it is open, with no members to register or regulate")
	}
	switch method {
	case MethodRegister:
		return register(ctx, rule, sender, payload, deliver)
	case MethodRegulate:
		return regulate(ctx, rule, payload, deliver)
	case MethodBond:
		return bond(ctx, sender, payload, deliver)
	case MethodUnbond:
		return unbond(ctx, sender, deliver)
	case MethodRegisterIssuer, MethodPublish, MethodIssue, MethodRevoke:
		return certs(ctx, sender, method, payload, deliver)
	default:
		return rotateKey(ctx, rule, payload, deliver)
	}
}

// EndBlock returns the updates that turn the current set into the next
// one: the set scheduled for after this height, if any, less the
// validators the registry removed during the block (removed, blacklisted
// or demoted members). New powers for kept and added validators, power 0
// for removed ones.
func (*Module) EndBlock(ctx *app.Context) ([]attest.Validator, error) {
	if err := releaseBonds(ctx); err != nil {
		return nil, err
	}
	cur, err := getValidators(ctx.State, validatorsKey)
	if err != nil {
		return nil, err
	}
	next, err := getValidators(ctx.State, scheduleKey(ctx.Height))
	if err != nil {
		return nil, err
	}
	changed := next != nil
	if next == nil {
		next = cur
	} else if err := ctx.State.Delete([]byte(scheduleKey(ctx.Height))); err != nil {
		return nil, fmt.Errorf("registry: clear schedule at %d: %w", ctx.Height, err)
	}
	leaving := map[attest.Address]bool{} // only validators of the current set are ever marked
	for _, v := range cur {
		mark, err := ctx.State.Get(leavingKey(v.Address))
		if err != nil {
			return nil, err
		}
		if mark != nil {
			leaving[v.Address] = true
			if err := ctx.State.Delete(leavingKey(v.Address)); err != nil {
				return nil, fmt.Errorf("registry: clear leaving mark: %w", err)
			}
		}
	}
	kept := make([]attest.Validator, 0, len(next))
	for _, v := range next {
		if leaving[v.Address] {
			changed = true
			continue
		}
		kept = append(kept, v)
	}
	if !changed {
		return nil, nil
	}
	if err := putValidators(ctx.State, validatorsKey, kept); err != nil {
		return nil, err
	}
	return diff(cur, kept), nil
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
