package registry

import (
	"slices"
	"strings"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
)

// Method names of the registry's transactions (type "registry.<method>").
const (
	MethodRegister = "register"   // payload: attest.Endorsed
	MethodRegulate = "regulate"   // payload: attest.SignedAction
	MethodRotate   = "rotate_key" // payload: attest.SignedRotation
)

// Event types.
const (
	EventRegistered     = "registry.registered"
	EventActionPending  = "registry.action_pending"
	EventActionApplied  = "registry.action_applied"
	EventKeyRotated     = "registry.key_rotated"
	AttrMember          = "member"
	AttrRole            = "role"
	AttrMethod          = "method"
	AttrTarget          = "target"
	AttrNonce           = "nonce"
	AttrSigners         = "signers"
	AttrHolder          = "holder"
	AttrKeyVersion      = "key_version"
	attrSignersRequired = "required"
)

// register admits the sender as a member when its registration carries K
// valid endorsements by CAs allowed to endorse its role. It writes only
// when every check passed.
func register(ctx *app.Context, rule *Rule, sender attest.Address, payload []byte, deliver bool) error {
	e, err := attest.DecodeEndorsed(payload)
	if err != nil {
		return app.Errorf(app.CodeMalformed, "registration: %v", err)
	}
	reg := &e.Registration
	if reg.Member != sender {
		return rejectf(CodeWrongMember, "the registration is for %s, the transaction is from %s", reg.Member, sender)
	}
	old, err := GetMember(ctx.State, sender)
	switch {
	case err != nil:
		return err
	case old != nil && old.Status == StatusBlacklisted:
		return rejectf(CodeBlacklisted, "%s is blacklisted and may not register again", sender)
	case old != nil && old.Status == StatusActive:
		return rejectf(CodeAlreadyMember, "%s is already a %s member", sender, old.Role)
	}
	if !slices.Contains(rule.Roles, reg.Role) {
		return rejectf(CodeRoleNotAdmitted, "this chain admits no %s members", reg.Role)
	}
	if !slices.Contains(rule.Accounts, reg.Parent) {
		return rejectf(CodeUnknownAccount, "%q is not in the account tree", reg.Parent)
	}
	// Expiry is judged against the block being executed; the mempool's
	// check has no block time and leaves it to delivery.
	if deliver && reg.ExpiresMs < ctx.TimeMs {
		return rejectf(CodeEndorsementExpire, "the endorsements expired at %d, block time is %d", reg.ExpiresMs, ctx.TimeMs)
	}
	cas := newKeyring(ctx.State, attest.KeyCA)
	signers, err := cas.verify(reg.Digest(ctx.Genesis), e.Endorsements, CodeBadEndorsement)
	if err != nil {
		return err
	}
	for _, id := range signers {
		if !slices.Contains(cas.holders[id].Roles, reg.Role) {
			return rejectf(CodeCANotAllowed, "CA %q may not endorse the %s role", id, reg.Role)
		}
	}
	if len(signers) < int(rule.Endorsements) {
		return rejectf(CodeTooFewEndorse, "%d endorsements, the rule asks for %d", len(signers), rule.Endorsements)
	}
	if !deliver {
		return nil
	}
	m := &Member{Address: sender, Role: reg.Role, Parent: reg.Parent, IdentityHash: reg.IdentityHash,
		Status: StatusActive, Permissions: PermAll, Height: ctx.Height, Endorsers: signers}
	if err := write(ctx.State, memberKey(sender), m); err != nil {
		return err
	}
	if old != nil { // removed before: its transfers were refused while it was out
		if err := xfer.Unblock(ctx.State, sender); err != nil {
			return err
		}
	}
	ctx.Emit(app.Event{Type: EventRegistered, Attrs: []app.Attr{
		{Key: AttrMember, Value: sender.Hex()}, {Key: AttrRole, Value: reg.Role.String()},
		{Key: AttrSigners, Value: strings.Join(signers, ",")},
	}})
	return nil
}
