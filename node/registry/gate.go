package registry

import (
	"strings"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// permissionOf is the permission bit a transaction type needs; 0 for types
// any active member may send.
func permissionOf(txType string) uint64 {
	module, method, _ := strings.Cut(txType, app.TypeSeparator)
	switch module {
	case "bank":
		return PermSend
	case "xfer":
		if method == "transfer" {
			return PermTransfer
		}
		return PermRelay
	case ModuleName:
		return PermRegistry
	}
	return 0
}

// AdmitSender implements app.SenderGate. On a chain with an identity rule
// only active members send, within their permissions; anyone may send a
// registration (which judges its sender itself). An open chain admits
// everyone.
func (mod *Module) AdmitSender(ctx *app.Context, sender attest.Address, txType string) error {
	if txType == ModuleName+app.TypeSeparator+MethodRegister {
		return nil
	}
	switch mod.rule.Load() {
	case ruleAbsent:
		return nil
	case ruleUnknown:
		rule, err := GetRule(ctx.State)
		if err != nil {
			return err
		}
		if rule == nil {
			mod.rule.Store(ruleAbsent)
			return nil
		}
		mod.rule.Store(rulePresent)
	}
	m, err := GetMember(ctx.State, sender)
	switch {
	case err != nil:
		return err
	case m == nil:
		return rejectf(CodeNotMember, "%s is not a member of this chain", sender)
	case m.Status == StatusBlacklisted:
		return rejectf(CodeBlacklisted, "%s is blacklisted", sender)
	case m.Status != StatusActive:
		return rejectf(CodeNotMember, "%s is %s", sender, m.Status)
	}
	need := permissionOf(txType)
	if m.Permissions&need != need {
		return rejectf(CodePermissionDenied, "%s may not send %s (permissions %#x)", sender, txType, m.Permissions)
	}
	if need == PermRelay {
		return bonded(ctx.State, sender)
	}
	return nil
}
