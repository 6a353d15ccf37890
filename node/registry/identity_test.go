package registry_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/chains/identitytest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/xfer"
)

// An outsider cannot send on a chain with a rule; registered with K
// endorsements it can, and its record says who endorsed it.
func TestRegisterAdmitsMember(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	typ, p := sendTx(c.addr(5), 1)
	c.requireRefused(registry.CodeNotMember, 4, typ, p)
	require.ErrorIs(t, c.check(4, typ, p), &app.Error{Code: registry.CodeNotMember}, "the mempool refuses it too")

	reg := c.registration(4, attest.RoleExchange)
	rtyp, rp := registerTx(reg, c.keys.Endorse(c.g.Hash(), reg, 1, "ca-3", "ca-1"))
	require.NoError(t, c.check(4, rtyp, rp), "the mempool admits a registration from an outsider")
	r := c.requireOK(4, rtyp, rp)
	require.Equal(t, registry.EventRegistered, r.Events[0].Type)
	require.Equal(t, "exchange", r.Events[0].Attr(registry.AttrRole))

	m := c.member(4)
	require.Equal(t, registry.StatusActive, m.Status)
	require.Equal(t, attest.RoleExchange, m.Role)
	require.Equal(t, identitytest.Dept, m.Parent)
	require.Equal(t, reg.IdentityHash, m.IdentityHash)
	require.Equal(t, []string{"ca-3", "ca-1"}, m.Endorsers)
	require.Equal(t, registry.PermAll, m.Permissions)
	c.requireOK(4, typ, p)
}

// Every refused registration has its own stable code and changes nothing.
func TestRegisterRefusals(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	g := c.g.Hash()
	other := attest.Keccak([]byte("another chain's genesis"))
	base := c.registration(4, attest.RoleRelayer)
	with := func(change func(r *attest.Registration)) attest.Registration {
		r := base
		change(&r)
		return r
	}
	expired := with(func(r *attest.Registration) { r.ExpiresMs = 1 })
	noRole := with(func(r *attest.Registration) { r.Role = 0 })
	badParent := with(func(r *attest.Registration) { r.Parent = "globex" })
	forFive := with(func(r *attest.Registration) { r.Member = c.addr(5) })
	cases := []struct {
		name string
		reg  attest.Registration
		ends []attest.Endorsement
		code app.Code
	}{
		{"one endorsement short", base, c.keys.Endorse(g, base, 1, "ca-1"), registry.CodeTooFewEndorse},
		{"no endorsements", base, nil, registry.CodeTooFewEndorse},
		{"a CA not allowed for the role", base, c.keys.Endorse(g, base, 1, "ca-1", "ca-3"), registry.CodeCANotAllowed},
		{"expired endorsements", expired, c.keys.Endorse(g, expired, 1, "ca-1", "ca-2"), registry.CodeEndorsementExpire},
		{"endorsed for another chain", base, c.keys.Endorse(other, base, 1, "ca-1", "ca-2"), registry.CodeBadEndorsement},
		{"a CA twice", base, append(c.keys.Endorse(g, base, 1, "ca-1"), c.keys.Endorse(g, base, 1, "ca-1")...), registry.CodeBadEndorsement},
		{"a key version the CA never had", base, c.keys.Endorse(g, base, 2, "ca-1", "ca-2"), registry.CodeBadEndorsement},
		{"endorsements of other content", base, c.keys.Endorse(g, expired, 1, "ca-1", "ca-2"), registry.CodeBadEndorsement},
		{"for another account", forFive, c.keys.Endorse(g, forFive, 1, "ca-1", "ca-2"), registry.CodeWrongMember},
		{"no role", noRole, c.keys.Endorse(g, noRole, 1, "ca-1", "ca-2"), registry.CodeRoleNotAdmitted},
		{"outside the account tree", badParent, c.keys.Endorse(g, badParent, 1, "ca-1", "ca-2"), registry.CodeUnknownAccount},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			typ, p := registerTx(tc.reg, tc.ends)
			c.t = t
			c.requireRefused(tc.code, 4, typ, p)
			require.Nil(t, c.member(4))
		})
	}
	c.t = t
	c.register(4, attest.RoleRelayer)
	typ, p := registerTx(base, c.keys.Endorse(g, base, 1, "ca-1", "ca-2"))
	c.requireRefused(registry.CodeAlreadyMember, 4, typ, p)

	_, p = registerTx(base, []attest.Endorsement{{Signer: "ca-1"}})
	c.requireRefused(app.CodeMalformed, 5, typ, p[:len(p)-1])
}

func TestRoleNotAdmitted(t *testing.T) {
	t.Parallel()
	c := newChain(t, func(r *chains.IdentityRule) {
		r.Roles = []attest.Role{attest.RoleUser, attest.RoleValidator}
		r.CAs[0].Roles = []attest.Role{attest.RoleUser}
		r.CAs[1].Roles = []attest.Role{attest.RoleUser}
		r.CAs[2].Roles = []attest.Role{attest.RoleUser}
	})
	reg := c.registration(4, attest.RoleExchange)
	typ, p := registerTx(reg, c.keys.Endorse(c.g.Hash(), reg, 1, "ca-1", "ca-2"))
	c.requireRefused(registry.CodeRoleNotAdmitted, 4, typ, p)
}

// A regulatory action takes effect only once more than half the
// regulators signed identical content; signatures may arrive in separate
// transactions; the applied action cannot be replayed, and the
// blacklisted key can neither send, receive a transfer nor register again.
func TestBlacklist(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	c.register(4, attest.RoleUser)
	a := c.action(attest.MethodBlacklist, c.addr(4), nil, 1)

	r := c.regulate(a, "reg-1")
	require.Equal(t, registry.EventActionPending, r.Events[0].Type, "one signature short")
	require.Equal(t, "2", r.Events[0].Attr("required"))
	require.Equal(t, registry.StatusActive, c.member(4).Status)
	typ, p := regulateTx(a, c.keys.Regulate(c.g.Hash(), a, "reg-1"))
	c.requireRefused(registry.CodeNothingNew, 0, typ, p)

	r = c.regulate(a, "reg-3")
	require.Equal(t, registry.EventActionApplied, r.Events[0].Type)
	require.Equal(t, "reg-1,reg-3", r.Events[0].Attr(registry.AttrSigners))
	require.Equal(t, registry.StatusBlacklisted, c.member(4).Status)
	blocked, err := xfer.IsBlocked(c.st, c.addr(4))
	require.NoError(t, err)
	require.True(t, blocked, "transfers to it get a failed receipt")

	typ, p = regulateTx(a, c.keys.Regulate(c.g.Hash(), a, "reg-1", "reg-2"))
	c.requireRefused(registry.CodeActionReplayed, 0, typ, p)
	typ, p = sendTx(c.addr(5), 1)
	c.requireRefused(registry.CodeBlacklisted, 4, typ, p)
	reg := c.registration(4, attest.RoleUser)
	typ, p = registerTx(reg, c.keys.Endorse(c.g.Hash(), reg, 1, "ca-1", "ca-2"))
	c.requireRefused(registry.CodeBlacklisted, 4, typ, p)

	// A key that never registered can be barred before it tries.
	c.regulate(c.action(attest.MethodBlacklist, c.addr(6), nil, 2), "reg-1", "reg-2")
	reg = c.registration(6, attest.RoleUser)
	typ, p = registerTx(reg, c.keys.Endorse(c.g.Hash(), reg, 1, "ca-1", "ca-2"))
	c.requireRefused(registry.CodeBlacklisted, 6, typ, p)
}

func TestRegulateRefusals(t *testing.T) {
	t.Parallel()
	c := newChain(t, func(r *chains.IdentityRule) {
		r.Methods = []attest.Method{attest.MethodBlacklist, attest.MethodRemove, attest.MethodLimit}
	})
	c.register(4, attest.RoleExchange)
	g := c.g.Hash()
	a := c.action(attest.MethodRemove, c.addr(4), nil, 7)
	expired := a
	expired.ExpiresMs = 1
	demote := c.action(attest.MethodDemote, c.addr(4), attest.RoleUser, 8)
	forged := c.keys.Regulate(g, a, "reg-1", "reg-2")
	forged[1].Sig[3] ^= 1
	cases := []struct {
		name string
		a    attest.RegulatoryAction
		sigs []attest.GroupSig
		code app.Code
	}{
		{"a method the rule does not permit", demote, c.keys.Regulate(g, demote, "reg-1", "reg-2"), registry.CodeMethodNotAllowed},
		{"expired", expired, c.keys.Regulate(g, expired, "reg-1", "reg-2"), registry.CodeActionExpired},
		{"a forged signature", a, forged, registry.CodeBadRegulatorSig},
		{"a CA signing as regulator", a, append(c.keys.Regulate(g, a, "reg-1"), attest.GroupSig{Signer: "ca-1", KeyVersion: 1, Sig: forged[0].Sig}), registry.CodeBadRegulatorSig},
		{"signed for another chain", a, c.keys.Regulate(attest.Keccak([]byte("x")), a, "reg-1", "reg-2"), registry.CodeBadRegulatorSig},
		{"no signatures", a, nil, registry.CodeNothingNew},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			typ, p := regulateTx(tc.a, tc.sigs)
			c.requireRefused(tc.code, 0, typ, p)
			require.Equal(t, registry.StatusActive, c.member(4).Status)
		})
	}
	c.t = t
	// A complete action whose target is no member is refused whole.
	gone := c.action(attest.MethodRemove, c.addr(9), nil, 9)
	typ, p := regulateTx(gone, c.keys.Regulate(g, gone, "reg-1", "reg-2"))
	c.requireRefused(registry.CodeUnknownMember, 0, typ, p)
	bad := c.action(attest.MethodLimit, c.addr(4), uint64(1<<40), 10)
	typ, p = regulateTx(bad, c.keys.Regulate(g, bad, "reg-1", "reg-2"))
	c.requireRefused(registry.CodeBadParams, 0, typ, p)
}

// Limit narrows what a member may send; demote lowers its role.
func TestLimitAndDemote(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	c.register(4, attest.RoleExchange)
	c.regulate(c.action(attest.MethodLimit, c.addr(4), registry.PermTransfer|registry.PermRegistry, 1), "reg-1", "reg-2")
	require.Equal(t, registry.PermTransfer|registry.PermRegistry, c.member(4).Permissions)
	typ, p := sendTx(c.addr(5), 1)
	c.requireRefused(registry.CodePermissionDenied, 4, typ, p)

	c.regulate(c.action(attest.MethodDemote, c.addr(4), attest.RoleUser, 2), "reg-2", "reg-3")
	require.Equal(t, attest.RoleUser, c.member(4).Role)
	up := c.action(attest.MethodDemote, c.addr(4), attest.RoleRelayer, 3)
	typ, p = regulateTx(up, c.keys.Regulate(c.g.Hash(), up, "reg-1", "reg-2"))
	c.requireRefused(registry.CodeBadParams, 0, typ, p)

	// Unfreeze reaches the transfer module's light clients: this chain
	// has none of "gamma".
	unfreeze := c.action(attest.MethodUnfreeze, attest.Address{}, "gamma", 4)
	typ, p = regulateTx(unfreeze, c.keys.Regulate(c.g.Hash(), unfreeze, "reg-1", "reg-2"))
	c.requireRefused(xfer.CodeUnknownChain, 0, typ, p)
	noChain := c.action(attest.MethodUnfreeze, attest.Address{}, nil, 5)
	typ, p = regulateTx(noChain, c.keys.Regulate(c.g.Hash(), noChain, "reg-1", "reg-2"))
	c.requireRefused(registry.CodeBadParams, 0, typ, p)
}

// A removed validator leaves the set at the next height; the chain keeps
// its last validator.
func TestRemoveValidator(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	before := c.vals.Hash()
	c.regulate(c.action(attest.MethodRemove, c.addr(2), nil, 1), "reg-1", "reg-2")
	require.NotEqual(t, before, c.vals.Hash())
	require.Len(t, c.vals.Validators, nValidators-1)
	for _, v := range c.vals.Validators {
		require.NotEqual(t, c.addr(2), v.Address)
	}
	require.Equal(t, registry.StatusRemoved, c.member(2).Status)
	typ, p := sendTx(c.addr(5), 1)
	c.requireRefused(registry.CodeNotMember, 2, typ, p)

	// It may register again (removed, not blacklisted) and is no longer
	// blocked as a receiver; it does not come back as a validator.
	c.register(2, attest.RoleUser)
	blocked, err := xfer.IsBlocked(c.st, c.addr(2))
	require.NoError(t, err)
	require.False(t, blocked)
	require.Len(t, c.vals.Validators, nValidators-1)

	for i, n := range []int{0, 1} {
		c.regulate(c.action(attest.MethodRemove, c.addr(n), nil, uint64(10+i)), "reg-1", "reg-2")
	}
	require.Len(t, c.vals.Validators, 1)
	last := c.action(attest.MethodRemove, c.addr(3), nil, 20)
	typ, p = regulateTx(last, c.keys.Regulate(c.g.Hash(), last, "reg-1", "reg-2"))
	c.requireRefused(registry.CodeLastValidator, 3, typ, p)
}

// A CA rotates its key with its current key; what the old key signs is
// refused from then on, and a rotation signed by a stale key is refused.
func TestRotateKey(t *testing.T) {
	t.Parallel()
	c := newChain(t, func(r *chains.IdentityRule) { r.Rotation.MinIntervalMs = 10 * blockMs })
	g := c.g.Hash()
	v2 := identitytest.Key(50)
	rot := func(holder string, version uint32, key attest.SchnorrKey, signer *attest.SchnorrPrivateKey) (string, []byte) {
		r := attest.KeyRotation{Kind: attest.KeyCA, Holder: holder, NewVersion: version, NewKey: key}
		sig, err := attest.SignSchnorr(signer, r.Digest(g))
		require.NoError(t, err)
		return "registry.rotate_key", (&attest.SignedRotation{Rotation: r, Sig: sig}).Encode()
	}
	typ, p := rot("ca-1", 2, attest.SchnorrPublic(v2), v2)
	c.requireRefused(registry.CodeStaleKey, 0, typ, p) // signed by the new key, not the current one
	typ, p = rot("ca-1", 3, attest.SchnorrPublic(v2), c.keys.CAs["ca-1"])
	c.requireRefused(registry.CodeStaleKey, 0, typ, p) // skips a version
	typ, p = rot("ca-1", 2, attest.SchnorrPublic(c.keys.CAs["ca-2"]), c.keys.CAs["ca-1"])
	c.requireRefused(registry.CodeKeyInUse, 0, typ, p)
	typ, p = rot("ca-9", 2, attest.SchnorrPublic(v2), c.keys.CAs["ca-1"])
	c.requireRefused(registry.CodeUnknownHolder, 0, typ, p)

	typ, p = rot("ca-1", 2, attest.SchnorrPublic(v2), c.keys.CAs["ca-1"])
	c.requireOK(0, typ, p)
	h, err := registry.GetHolder(c.st, attest.KeyCA, "ca-1")
	require.NoError(t, err)
	require.Equal(t, uint32(2), h.Current().Version)
	old, ok := h.KeyAt(1)
	require.True(t, ok, "history is kept")
	require.Equal(t, attest.SchnorrPublic(c.keys.CAs["ca-1"]), old)

	reg := c.registration(4, attest.RoleUser)
	rtyp, rp := registerTx(reg, c.keys.Endorse(g, reg, 1, "ca-1", "ca-2"))
	c.requireRefused(registry.CodeBadEndorsement, 4, rtyp, rp) // the retired key signs nothing new
	c.keys.CAs["ca-1"] = v2
	rtyp, rp = registerTx(reg, append(c.keys.Endorse(g, reg, 2, "ca-1"), c.keys.Endorse(g, reg, 1, "ca-2")...))
	c.requireOK(4, rtyp, rp)

	typ, p = rot("ca-1", 3, attest.SchnorrPublic(c.keys.CAs["ca-1"]), identitytest.Key(0))
	c.requireRefused(registry.CodeStaleKey, 0, typ, p) // the stale version-1 key
	typ, p = rot("ca-1", 3, attest.SchnorrPublic(identitytest.Key(51)), v2)
	c.requireRefused(registry.CodeRotationRefused, 0, typ, p) // within min_interval_ms of the last
}

// An open chain (no rule) admits every sender and refuses registry
// transactions with no_rule.
func TestOpenChain(t *testing.T) {
	t.Parallel()
	g := apptest.Genesis(nil)
	a, err := app.New(g, nil, registry.NewModule())
	require.NoError(t, err)
	st := apptest.NewMemState()
	require.NoError(t, a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}))
	m := registry.NewModule()
	ctx := &app.Context{BlockInfo: app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash(), Height: 1}, State: st}
	anyone := apptest.Accounts(9)[8].Address
	require.NoError(t, m.AdmitSender(ctx, anyone, "bank.send"))
	reg := attest.Registration{Member: anyone, Role: attest.RoleUser, Parent: identitytest.Dept, ExpiresMs: 1 << 40}
	_, p := registerTx(reg, nil)
	require.ErrorIs(t, m.Deliver(ctx, anyone, registry.MethodRegister, p), &app.Error{Code: registry.CodeNoRule})
	require.ErrorIs(t, m.Check(ctx, anyone, "nosuch", nil), app.ErrUnknownTxType)
}

// Regulators replace the rule's terms; a rule the regulators could not
// act under, or that could never change again, is refused.
func TestChangeRule(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	rule, err := registry.GetRule(c.st)
	require.NoError(t, err)
	stricter := *rule
	stricter.Endorsements = 3
	c.regulate(c.action(attest.MethodChangeRule, attest.Address{}, &stricter, 1), "reg-1", "reg-2")
	now, err := registry.GetRule(c.st)
	require.NoError(t, err)
	require.Equal(t, uint32(3), now.Endorsements)

	reg := c.registration(4, attest.RoleUser)
	typ, p := registerTx(reg, c.keys.Endorse(c.g.Hash(), reg, 1, "ca-1", "ca-2"))
	c.requireRefused(registry.CodeTooFewEndorse, 4, typ, p)
	typ, p = registerTx(reg, c.keys.Endorse(c.g.Hash(), reg, 1, "ca-1", "ca-2", "ca-3"))
	c.requireOK(4, typ, p)

	unworkable := stricter
	unworkable.Threshold = attest.Threshold{Count: 4} // three regulators
	frozen := stricter
	frozen.Methods = []attest.Method{attest.MethodBlacklist}
	for i, bad := range []*registry.Rule{&unworkable, &frozen} {
		a := c.action(attest.MethodChangeRule, attest.Address{}, bad, uint64(10+i))
		typ, p := regulateTx(a, c.keys.Regulate(c.g.Hash(), a, "reg-1", "reg-2"))
		c.requireRefused(registry.CodeBadParams, 0, typ, p)
	}
}
