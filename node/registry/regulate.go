package registry

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
)

// regulate collects regulator signatures on an action and applies it once
// they reach the rule's threshold. Signatures arrive in any number of
// transactions until the action expires; each is checked against the
// signer's current key, and one already collected adds nothing. An
// applied action's nonce is spent: the same action cannot apply twice.
func regulate(ctx *app.Context, rule *Rule, payload []byte, deliver bool) error {
	s, err := attest.DecodeSignedAction(payload)
	if err != nil {
		return app.Errorf(app.CodeMalformed, "regulatory action: %v", err)
	}
	a := &s.Action
	if !rule.Permits(a.Method) {
		return rejectf(CodeMethodNotAllowed, "the rule does not permit %s", a.Method)
	}
	if deliver && a.ExpiresMs < ctx.TimeMs {
		return rejectf(CodeActionExpired, "the action expired at %d, block time is %d", a.ExpiresMs, ctx.TimeMs)
	}
	if spent, err := ctx.State.Get(nonceKey(a.Nonce)); err != nil {
		return err
	} else if spent != nil {
		return rejectf(CodeActionReplayed, "nonce %d was applied at height %s", a.Nonce, spent)
	}
	d := a.Digest(ctx.Genesis)
	signers, err := newKeyring(ctx.State, attest.KeyRegulator).verify(d, s.Signatures, CodeBadRegulatorSig)
	if err != nil {
		return err
	}
	var p pending
	if _, err := read(ctx.State, pendingKey(d), &p); err != nil {
		return err
	}
	added := 0
	for _, id := range signers {
		if !slices.Contains(p.Signers, id) {
			p.Signers = append(p.Signers, id)
			added++
		}
	}
	if added == 0 {
		return rejectf(CodeNothingNew, "every signature is already collected (%s)", strings.Join(p.Signers, ","))
	}
	ids, err := holderIDs(ctx.State, attest.KeyRegulator)
	if err != nil {
		return err
	}
	required := rule.Threshold.Required(len(ids))
	if len(p.Signers) < required {
		if !deliver {
			return nil
		}
		p.Action = *a
		if err := write(ctx.State, pendingKey(d), &p); err != nil {
			return err
		}
		ctx.Emit(actionEvent(EventActionPending, a, p.Signers, required))
		return nil
	}
	// The threshold is met. Whether the effect can apply (its target, its
	// parameters) is judged at delivery, against the block's state.
	if !deliver {
		return nil
	}
	if err := apply(ctx, a); err != nil {
		return err
	}
	if err := ctx.State.Set(nonceKey(a.Nonce), []byte(strconv.FormatUint(ctx.Height, 10))); err != nil {
		return err
	}
	if err := del(ctx.State, pendingKey(d)); err != nil {
		return err
	}
	ctx.Emit(actionEvent(EventActionApplied, a, p.Signers, required))
	return nil
}

func actionEvent(typ string, a *attest.RegulatoryAction, signers []string, required int) app.Event {
	return app.Event{Type: typ, Attrs: []app.Attr{
		{Key: AttrMethod, Value: a.Method.String()}, {Key: AttrTarget, Value: a.Target.Hex()},
		{Key: AttrNonce, Value: strconv.FormatUint(a.Nonce, 10)},
		{Key: AttrSigners, Value: strings.Join(signers, ",")}, {Key: attrSignersRequired, Value: strconv.Itoa(required)},
	}}
}

// apply carries out an action whose signatures are complete.
func apply(ctx *app.Context, a *attest.RegulatoryAction) error {
	switch a.Method {
	case attest.MethodBlacklist:
		return blacklist(ctx, a.Target)
	case attest.MethodRemove:
		return setStatus(ctx, a.Target, StatusRemoved)
	case attest.MethodLimit:
		var perms uint64
		if err := rlp.DecodeBytes(a.Params, &perms); err != nil || perms&^PermAll != 0 {
			return rejectf(CodeBadParams, "limit takes the permission bits to keep (a subset of %#x)", PermAll)
		}
		return updateMember(ctx, a.Target, func(m *Member) error { m.Permissions &= perms; return nil })
	case attest.MethodDemote:
		var role attest.Role
		if err := rlp.DecodeBytes(a.Params, &role); err != nil || !role.Valid() {
			return rejectf(CodeBadParams, "demote takes the new role")
		}
		return updateMember(ctx, a.Target, func(m *Member) error {
			if role >= m.Role {
				return rejectf(CodeBadParams, "%s is not below %s", role, m.Role)
			}
			if m.Role == attest.RoleValidator {
				if err := leaveValidators(ctx, m.Address); err != nil {
					return err
				}
			}
			m.Role = role
			return nil
		})
	case attest.MethodChangeRule:
		return changeRule(ctx, a.Params)
	case attest.MethodUnfreeze:
		var chain string
		if err := rlp.DecodeBytes(a.Params, &chain); err != nil || chain == "" {
			return rejectf(CodeBadParams, "unfreeze takes the counterparty chain id")
		}
		return xfer.Unfreeze(ctx, chain)
	}
	return rejectf(CodeMethodNotAllowed, "%s is not a method this registry applies", a.Method)
}

// blacklist bars addr for good: member or not, it can never send or
// register, and as a receiver its transfers get failed receipts.
func blacklist(ctx *app.Context, addr attest.Address) error {
	m, err := GetMember(ctx.State, addr)
	if err != nil {
		return err
	}
	if m == nil {
		m = &Member{Address: addr, Height: ctx.Height}
	}
	if m.Status == StatusActive && m.Role == attest.RoleValidator {
		if err := leaveValidators(ctx, addr); err != nil {
			return err
		}
	}
	m.Status = StatusBlacklisted
	if err := write(ctx.State, memberKey(addr), m); err != nil {
		return err
	}
	return xfer.Block(ctx.State, addr)
}

// setStatus moves an active member to status; a validator leaves the set.
func setStatus(ctx *app.Context, addr attest.Address, st Status) error {
	return updateMember(ctx, addr, func(m *Member) error {
		if m.Role == attest.RoleValidator {
			if err := leaveValidators(ctx, addr); err != nil {
				return err
			}
		}
		m.Status = st
		return xfer.Block(ctx.State, addr)
	})
}

// updateMember changes an active member's record.
func updateMember(ctx *app.Context, addr attest.Address, change func(m *Member) error) error {
	m, err := GetMember(ctx.State, addr)
	if err != nil {
		return err
	}
	if m == nil || m.Status != StatusActive {
		return rejectf(CodeUnknownMember, "%s is not an active member", addr)
	}
	if err := change(m); err != nil {
		return err
	}
	return write(ctx.State, memberKey(addr), m)
}

// leaveValidators marks a validator to leave the set when this block
// ends. The chain keeps at least one validator.
func leaveValidators(ctx *app.Context, addr attest.Address) error {
	cur, err := getValidators(ctx.State, validatorsKey)
	if err != nil {
		return err
	}
	staying := 0
	in := false
	for _, v := range cur {
		switch leaving, err := ctx.State.Get(leavingKey(v.Address)); {
		case err != nil:
			return err
		case v.Address == addr:
			in = true
		case leaving == nil:
			staying++
		}
	}
	if !in {
		return nil
	}
	if staying == 0 {
		return rejectf(CodeLastValidator, "%s is the last validator", addr)
	}
	return ctx.State.Set(leavingKey(addr), []byte{1})
}

// changeRule replaces the rule's terms (K, threshold, methods, rotation
// policy, roles, account tree) with params, an RLP Rule, checked as
// genesis checks a rule against the CAs and regulators the chain has. The
// CAs, regulators and members stay; a rule that would leave the
// regulators unable to act, or drop change_rule itself, is refused.
func changeRule(ctx *app.Context, params []byte) error {
	var next Rule
	if err := rlp.DecodeBytes(params, &next); err != nil {
		return rejectf(CodeBadParams, "change_rule takes the new rule: %v", err)
	}
	cas, err := holderIDs(ctx.State, attest.KeyCA)
	if err != nil {
		return err
	}
	regs, err := holderIDs(ctx.State, attest.KeyRegulator)
	if err != nil {
		return err
	}
	if err := next.validate(len(cas), len(regs)); err != nil {
		return rejectf(CodeBadParams, "the new rule: %v", err)
	}
	if !next.Permits(attest.MethodChangeRule) {
		return rejectf(CodeBadParams, "the new rule must keep change_rule, or it could never change again")
	}
	return write(ctx.State, []byte(ruleKey), &next)
}
