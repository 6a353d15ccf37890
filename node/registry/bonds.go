package registry

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/xfer"
)

// Method names of the bonding transactions.
const (
	MethodBond   = "bond"   // payload: RLP amount (uint256) added to the sender's bond
	MethodUnbond = "unbond" // payload: empty; the bond comes back after the rule's delay
)

// Bond state keys.
const (
	bondParamsKey = "registry/bonds"
	bondPrefix    = "registry/bond/"     // <0xaddr> → Bond
	unbondingKey  = "registry/unbonding" // addresses whose bonds are waiting to come back, in request order
	slashPrefix   = "registry/slash/"    // <tx hash> → Slash: the evidence of one slashing
)

// Bonding events.
const (
	EventBonded   = "registry.bonded"
	EventUnbond   = "registry.unbonding"
	EventReleased = "registry.bond_released"
	AttrRelayer   = "relayer"
	AttrAmount    = "amount"
	AttrReleaseMs = "release_ms"
)

// Bond is a relayer's locked stake.
type Bond struct {
	Amount  *uint256.Int
	Slashed *uint256.Int // burned so far
	// ReleaseMs is 0 while bonded; once the relayer unbonds, the block time
	// from which the amount is returned. An unbonding relayer may not relay.
	ReleaseMs uint64
}

// Slash is the record of one slashing: the relayer, the transaction that
// failed verification, its code and what was burned.
type Slash struct {
	Relayer attest.Address
	TxHash  attest.Hash
	Type    string
	Code    uint32
	Height  uint64
	Amount  *uint256.Int
}

// BondAddress is the module account holding every relayer's bond.
func BondAddress() attest.Address {
	return attest.Address(attest.Keccak([]byte("causeway/module/registry-bonds")).Bytes()[12:])
}

func bondKey(a attest.Address) []byte {
	return append([]byte(bondPrefix), app.AddressKey(a)...)
}

func slashKey(h attest.Hash) []byte { return []byte(slashPrefix + h.Hex()) }

// GetBondParams returns the chain's bonding terms, nil when relayers need
// no bond.
func GetBondParams(kv app.KV) (*chains.BondParams, error) {
	var p chains.BondParams
	ok, err := read(kv, []byte(bondParamsKey), &p)
	if !ok || err != nil {
		return nil, err
	}
	return &p, nil
}

// GetBond returns addr's bond, nil when it never bonded.
func GetBond(kv app.KV, addr attest.Address) (*Bond, error) {
	var b Bond
	ok, err := read(kv, bondKey(addr), &b)
	if !ok || err != nil {
		return nil, err
	}
	return &b, nil
}

// GetSlash returns the slashing a transaction caused, nil when none.
func GetSlash(kv app.KV, tx attest.Hash) (*Slash, error) {
	var s Slash
	ok, err := read(kv, slashKey(tx), &s)
	if !ok || err != nil {
		return nil, err
	}
	return &s, nil
}

func initBonds(ctx *app.Context, p *chains.BondParams) error {
	if err := write(ctx.State, []byte(bondParamsKey), p); err != nil {
		return err
	}
	if err := bank.MarkModuleAccount(ctx.State, BondAddress()); err != nil {
		return err
	}
	return xfer.Block(ctx.State, BondAddress())
}

// bonded refuses a relay message from a relayer without a bond of at least
// the rule's minimum, or whose bond is coming back.
func bonded(kv app.KV, sender attest.Address) error {
	p, err := GetBondParams(kv)
	if err != nil || p == nil {
		return err
	}
	b, err := GetBond(kv, sender)
	switch {
	case err != nil:
		return err
	case b == nil:
		return rejectf(CodeNotBonded, "%s has no bond; relaying here takes at least %s %s", sender, p.Min, p.Denom)
	case b.ReleaseMs != 0:
		return rejectf(CodeNotBonded, "%s is unbonding", sender)
	}
	min, err := chains.ParseAmount(p.Min)
	if err != nil {
		return fmt.Errorf("%w: bond minimum %q: %w", ErrCorruptState, p.Min, err)
	}
	if b.Amount.Lt(min) {
		return rejectf(CodeNotBonded, "%s bonds %s %s, below the minimum %s", sender, b.Amount.Dec(), p.Denom, p.Min)
	}
	return nil
}

func bond(ctx *app.Context, sender attest.Address, payload []byte, deliver bool) error {
	p, err := GetBondParams(ctx.State)
	if err != nil {
		return err
	}
	if p == nil {
		return rejectf(CodeNoBonds, "this chain's rule has no bonding terms")
	}
	var amt uint256.Int
	if err := rlp.DecodeBytes(payload, &amt); err != nil || amt.IsZero() {
		return app.Errorf(app.CodeMalformed, "bond takes a positive amount")
	}
	m, err := GetMember(ctx.State, sender)
	if err != nil {
		return err
	}
	if m == nil || m.Role != attest.RoleRelayer {
		return rejectf(CodeNotRelayer, "only members with the relayer role bond")
	}
	b, err := GetBond(ctx.State, sender)
	if err != nil {
		return err
	}
	if b == nil {
		b = &Bond{Amount: new(uint256.Int), Slashed: new(uint256.Int)}
	}
	if b.ReleaseMs != 0 {
		return rejectf(CodeUnbonding, "the bond is coming back at %d; bond again after that", b.ReleaseMs)
	}
	if !deliver {
		return nil
	}
	if err := bank.Transfer(ctx, sender, BondAddress(), p.Denom, &amt); err != nil {
		return err
	}
	b.Amount.Add(b.Amount, &amt)
	if err := write(ctx.State, bondKey(sender), b); err != nil {
		return err
	}
	ctx.Emit(app.Event{Type: EventBonded, Attrs: []app.Attr{{Key: AttrRelayer, Value: sender.Hex()},
		{Key: AttrAmount, Value: b.Amount.Dec()}}})
	return nil
}

func unbond(ctx *app.Context, sender attest.Address, deliver bool) error {
	p, err := GetBondParams(ctx.State)
	if err != nil {
		return err
	}
	if p == nil {
		return rejectf(CodeNoBonds, "this chain's rule has no bonding terms")
	}
	b, err := GetBond(ctx.State, sender)
	switch {
	case err != nil:
		return err
	case b == nil || b.Amount.IsZero():
		return rejectf(CodeNotBonded, "%s has no bond", sender)
	case b.ReleaseMs != 0:
		return rejectf(CodeUnbonding, "already unbonding until %d", b.ReleaseMs)
	case !deliver:
		return nil
	}
	b.ReleaseMs = ctx.TimeMs + p.UnbondDelayMs
	if err := write(ctx.State, bondKey(sender), b); err != nil {
		return err
	}
	var queue []attest.Address
	if _, err := read(ctx.State, []byte(unbondingKey), &queue); err != nil {
		return err
	}
	if err := write(ctx.State, []byte(unbondingKey), append(queue, sender)); err != nil {
		return err
	}
	ctx.Emit(app.Event{Type: EventUnbond, Attrs: []app.Attr{{Key: AttrRelayer, Value: sender.Hex()},
		{Key: AttrReleaseMs, Value: strconv.FormatUint(b.ReleaseMs, 10)}}})
	return nil
}

// releaseBonds returns every bond whose delay has passed by this block.
func releaseBonds(ctx *app.Context) error {
	var queue []attest.Address
	ok, err := read(ctx.State, []byte(unbondingKey), &queue)
	if !ok || err != nil {
		return err
	}
	p, err := GetBondParams(ctx.State)
	if err != nil {
		return err
	}
	var waiting []attest.Address
	for _, a := range queue {
		b, err := GetBond(ctx.State, a)
		if err != nil {
			return err
		}
		if b == nil || b.ReleaseMs == 0 {
			return fmt.Errorf("%w: %s is queued to unbond without an unbonding bond", ErrCorruptState, a)
		}
		if ctx.TimeMs < b.ReleaseMs {
			waiting = append(waiting, a)
			continue
		}
		if !b.Amount.IsZero() {
			if err := bank.Transfer(ctx, BondAddress(), a, p.Denom, b.Amount); err != nil {
				return fmt.Errorf("registry: return the bond of %s: %w", a, err)
			}
		}
		if err := del(ctx.State, bondKey(a)); err != nil {
			return err
		}
		ctx.Emit(app.Event{Type: EventReleased, Attrs: []app.Attr{{Key: AttrRelayer, Value: a.Hex()},
			{Key: AttrAmount, Value: b.Amount.Dec()}}})
	}
	if len(waiting) == 0 {
		return del(ctx.State, []byte(unbondingKey))
	}
	return write(ctx.State, []byte(unbondingKey), waiting)
}

// slashable are the relay messages whose failed verification is provable
// misbehaviour, and the verification codes that prove it: a QC that does
// not verify, or a proof that does not match its header. A header whose
// validators hash differs from the trusted set is not among them: an
// honest relayer sends one when it races a handoff the light client has
// not yet followed.
var (
	slashableTypes = []string{"xfer.recv", "xfer.ack", "xfer.update_client"}
	slashableCodes = []attest.Code{attest.CodeBadSignature, attest.CodeUnknownSigner, attest.CodeInsufficientVote,
		attest.CodeHashMismatch, attest.CodeBadProof}
)

// slashable returns the terms and bond of sender when rejection of its
// txType is a slashing offence and it has a bond to slash; nil otherwise.
func slashable(kv app.KV, sender attest.Address, txType string, rejection error) (*chains.BondParams, *Bond, error) {
	if !slices.Contains(slashableTypes, txType) {
		return nil, nil, nil
	}
	if !slices.Contains(slashableCodes, attest.Code(app.CodeOf(rejection))) {
		return nil, nil, nil
	}
	p, err := GetBondParams(kv)
	if err != nil || p == nil {
		return nil, nil, err
	}
	b, err := GetBond(kv, sender)
	if err != nil || b == nil || b.Amount.IsZero() {
		return nil, nil, err
	}
	return p, b, nil
}

// Penalizes implements app.RejectionObserver: the mempool admits a bonded
// relayer's relay message that fails verification, so that a block
// slashes it.
func (*Module) Penalizes(ctx *app.Context, sender attest.Address, txType string, rejection error) (bool, error) {
	_, b, err := slashable(ctx.State, sender, txType, rejection)
	return b != nil, err
}

// OnRejected implements app.RejectionObserver: a bonded relayer whose
// relay message failed cryptographic verification loses the rule's share
// of its bond (burned), and the evidence is recorded under the
// transaction's hash.
func (*Module) OnRejected(ctx *app.Context, sender attest.Address, txType string, rejection error) error {
	p, b, err := slashable(ctx.State, sender, txType, rejection)
	if err != nil || b == nil {
		return err
	}
	cut := new(uint256.Int).Mul(b.Amount, uint256.NewInt(uint64(p.SlashPermille)))
	cut.Div(cut, uint256.NewInt(1000))
	if cut.IsZero() {
		cut.SetOne()
	}
	if err := bank.Burn(ctx, BondAddress(), p.Denom, cut); err != nil {
		return fmt.Errorf("registry: slash %s: %w", sender, err)
	}
	b.Amount.Sub(b.Amount, cut)
	b.Slashed.Add(b.Slashed, cut)
	if err := write(ctx.State, bondKey(sender), b); err != nil {
		return err
	}
	return write(ctx.State, slashKey(ctx.TxHash), &Slash{Relayer: sender, TxHash: ctx.TxHash, Type: txType,
		Code: uint32(app.CodeOf(rejection)), Height: ctx.Height, Amount: cut})
}
