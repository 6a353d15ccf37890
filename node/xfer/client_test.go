package xfer_test

import (
	"crypto/ecdsa"

	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
)

// handoffFixture: beta's set v0 signs height 1, which hands over to v1; v1
// signs height 2, where beta committed a packet to alpha.
type handoffFixture struct {
	alpha, beta *testChain
	v1          *valSet
	handoff     attest.CertifiedHeader // height 1
	after       attest.CertifiedHeader // height 2, signed by v1
}

func newHandoffFixture(t *testing.T) *handoffFixture {
	t.Helper()
	alpha, beta := newPair(t, chainOpts{}, chainOpts{})
	f := &handoffFixture{alpha: alpha, beta: beta, v1: newValSet(t, "beta-v1", testVals)}
	f.handoff = *beta.commit(f.v1)
	beta.send(0, usd("alpha", alpha.user(1), 10))
	f.after = *beta.commit(nil)
	return f
}

func (f *handoffFixture) recvAfter(t *testing.T) error {
	t.Helper()
	typ, p := xfer.NewRecv("beta", f.after, f.beta.packetProofs(f.after.Header.Height, "alpha", 1))
	_, err := f.alpha.deliver(f.alpha.user(2), typ, p)
	return err
}

func (f *handoffFixture) update(t *testing.T, h attest.CertifiedHeader, next []attest.Validator) ([]app.Event, error) {
	t.Helper()
	typ, p := xfer.NewUpdateClient("beta", h, next)
	return f.alpha.deliver(f.alpha.user(2), typ, p)
}

func TestHandoffThenLaterHeadersVerify(t *testing.T) {
	t.Parallel()
	f := newHandoffFixture(t)
	requireCode(t, app.Code(attest.CodeWrongValidators), f.recvAfter(t))

	evs, err := f.update(t, f.handoff, f.v1.set.Validators)
	require.NoError(t, err)
	require.Equal(t, []string{xfer.EventClientUpdate}, eventTypes(evs))
	require.Equal(t, "2", evs[0].Attr(xfer.AttrFromHeight))
	c, err := xfer.GetClient(f.alpha.st, "beta")
	require.NoError(t, err)
	require.Len(t, c.Sets, 2)
	require.Equal(t, uint64(2), c.Sets[1].FromHeight)
	require.Equal(t, f.v1.set.Validators, c.Sets[1].Validators)

	require.NoError(t, f.recvAfter(t))
	require.Equal(t, u(10), balance(t, f.alpha, f.alpha.user(1), "beta/USD"))

	// The same handoff again changes nothing.
	before := f.alpha.st.Dump()
	evs, err = f.update(t, f.handoff, f.v1.set.Validators)
	require.NoError(t, err)
	require.Empty(t, evs)
	require.Equal(t, before, f.alpha.st.Dump())

	// The old set no longer signs heights the new set owns.
	old, err := f.beta.gen.ValidatorSet()
	require.NoError(t, err)
	h := f.after.Header
	h.ValidatorsHash, h.NextValidatorsHash = old.Hash(), old.Hash()
	stale := certifyWith(t, f.beta.gen.Hash(), old, validatorKeys(f.beta), h, allSigners(testVals))
	typ, p := xfer.NewRecv("beta", *stale, f.beta.packetProofs(f.after.Header.Height, "alpha", 1))
	_, err = f.alpha.deliver(f.alpha.user(2), typ, p)
	requireCode(t, app.Code(attest.CodeWrongValidators), err)
}

func TestHandoffRejections(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		build func(t *testing.T, f *handoffFixture) (attest.CertifiedHeader, []attest.Validator)
		code  app.Code
	}{
		{"header keeps its set", func(t *testing.T, f *handoffFixture) (attest.CertifiedHeader, []attest.Validator) {
			_, err := f.update(t, f.handoff, f.v1.set.Validators)
			require.NoError(t, err)
			return f.after, f.v1.set.Validators
		}, xfer.CodeNotHandoff},
		{"next set does not match", func(t *testing.T, f *handoffFixture) (attest.CertifiedHeader, []attest.Validator) {
			return f.handoff, newValSet(t, "beta-v2", testVals).set.Validators
		}, xfer.CodeHandoffMismatch},
		{"next set is empty", func(*testing.T, *handoffFixture) (attest.CertifiedHeader, []attest.Validator) {
			return attest.CertifiedHeader{}, nil
		}, app.Code(attest.CodeMalformed)},
		{"header without quorum", func(t *testing.T, f *handoffFixture) (attest.CertifiedHeader, []attest.Validator) {
			old, err := f.beta.gen.ValidatorSet()
			require.NoError(t, err)
			h := certifyWith(t, f.beta.gen.Hash(), old, validatorKeys(f.beta), f.handoff.Header, []int{0, 1})
			return *h, f.v1.set.Validators
		}, app.Code(attest.CodeInsufficientVote)},
		{"handoff below a newer one", func(t *testing.T, f *handoffFixture) (attest.CertifiedHeader, []attest.Validator) {
			_, err := f.update(t, f.handoff, f.v1.set.Validators)
			require.NoError(t, err)
			// v1 hands over to v2 at height 5; then a v1-signed handoff at
			// height 3 arrives late.
			v2 := newValSet(t, "beta-v2", testVals)
			f.beta.height = 5
			h5 := f.beta.commit(v2)
			_, err = f.update(t, *h5, v2.set.Validators)
			require.NoError(t, err)
			v3 := newValSet(t, "beta-v3", testVals)
			h3 := attest.Header{ChainID: "beta", Height: 3, ValidatorsHash: f.v1.set.Hash(), NextValidatorsHash: v3.set.Hash()}
			return *certifyWith(t, f.beta.gen.Hash(), f.v1.set, f.v1.keys, h3, allSigners(testVals)), v3.set.Validators
		}, xfer.CodeStaleHandoff},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newHandoffFixture(t)
			h, next := tc.build(t, f)
			_, err := f.update(t, h, next)
			requireCode(t, tc.code, err)
		})
	}
}

func TestUpdateClientRefusesUnknownAndFrozen(t *testing.T) {
	t.Parallel()
	f := newHandoffFixture(t)
	typ, p := xfer.NewUpdateClient("delta", f.handoff, f.v1.set.Validators)
	_, err := f.alpha.deliver(f.alpha.user(2), typ, p)
	requireCode(t, xfer.CodeUnknownChain, err)
	freezeClientAt(t, f.alpha, f.beta, 1)
	_, err = f.update(t, f.handoff, f.v1.set.Validators)
	requireCode(t, xfer.CodeClientFrozen, err)
}

func TestMisbehaviourFreezesClient(t *testing.T) {
	t.Parallel()
	alpha, beta := newPair(t, chainOpts{}, chainOpts{})
	beta.send(0, usd("alpha", alpha.user(1), 10))
	h := *beta.commit(nil)

	m := conflict(t, beta, 7)
	typ, p := xfer.NewSubmitMisbehaviour("beta", *m)
	evs := alpha.mustDeliver(alpha.user(0), typ, p)
	require.Equal(t, []string{xfer.EventClientFrozen}, eventTypes(evs))
	require.Equal(t, xfer.ReasonMisbehaviour, evs[0].Attr(xfer.AttrReason))
	require.Equal(t, "7", evs[0].Attr(xfer.AttrHeight))
	c, err := xfer.GetClient(alpha.st, "beta")
	require.NoError(t, err)
	require.True(t, c.Frozen)
	require.Equal(t, uint64(7), c.FrozenHeight)

	// The route halts both ways.
	typ, p = xfer.NewRecv("beta", h, beta.packetProofs(h.Header.Height, "alpha", 1))
	_, err = alpha.deliver(alpha.user(2), typ, p)
	requireCode(t, xfer.CodeClientFrozen, err)
	typ, p = xfer.NewTransfer(usd("beta", beta.user(0), 1))
	_, err = alpha.deliver(alpha.user(0), typ, p)
	requireCode(t, xfer.CodeClientFrozen, err)
	typ, p = xfer.NewSubmitMisbehaviour("beta", *m)
	_, err = alpha.deliver(alpha.user(0), typ, p)
	requireCode(t, xfer.CodeClientFrozen, err)

	// Unfreezing (governance) reopens it.
	ctx := alpha.ctx()
	require.NoError(t, xfer.Unfreeze(ctx, "beta"))
	require.Equal(t, []string{xfer.EventClientUnfrozen}, eventTypes(ctx.Events()))
	typ, p = xfer.NewRecv("beta", h, beta.packetProofs(h.Header.Height, "alpha", 1))
	alpha.mustDeliver(alpha.user(2), typ, p)
	requireCode(t, xfer.CodeUnknownChain, xfer.Unfreeze(ctx, "delta"))
}

func TestMisbehaviourRejections(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(t *testing.T, beta *testChain, m *attest.Misbehaviour)
		code app.Code
	}{
		{"same header twice", func(_ *testing.T, _ *testChain, m *attest.Misbehaviour) { m.B = m.A }, app.Code(attest.CodeBadEvidence)},
		{"different heights", func(t *testing.T, beta *testChain, m *attest.Misbehaviour) {
			h := m.B.Header
			h.Height++
			m.B = *beta.certify(h, allSigners(testVals))
		}, app.Code(attest.CodeBadEvidence)},
		{"one header without quorum", func(_ *testing.T, beta *testChain, m *attest.Misbehaviour) {
			m.B = *beta.certify(m.B.Header, []int{0})
		}, app.Code(attest.CodeInsufficientVote)},
		{"signed by strangers", func(t *testing.T, _ *testChain, m *attest.Misbehaviour) {
			s := newValSet(t, "strangers", testVals)
			for _, h := range []*attest.CertifiedHeader{&m.A, &m.B} {
				hd := h.Header
				hd.ValidatorsHash = s.set.Hash()
				*h = *certifyWith(t, attest.Hash{}, s.set, s.keys, hd, allSigners(testVals))
			}
		}, app.Code(attest.CodeWrongValidators)},
		{"height below every set", func(t *testing.T, beta *testChain, m *attest.Misbehaviour) {
			m.A.Header.Height, m.B.Header.Height = 0, 0
		}, xfer.CodeNoTrustedSet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alpha, beta := newPair(t, chainOpts{}, chainOpts{})
			m := conflict(t, beta, 3)
			tc.edit(t, beta, m)
			typ, p := xfer.NewSubmitMisbehaviour("beta", *m)
			_, err := alpha.deliver(alpha.user(0), typ, p)
			requireCode(t, tc.code, err)
			c, err := xfer.GetClient(alpha.st, "beta")
			require.NoError(t, err)
			require.False(t, c.Frozen)
		})
	}
}

func freezeClientAt(tb testing.TB, alpha, beta *testChain, height uint64) {
	tb.Helper()
	old, err := beta.gen.ValidatorSet()
	require.NoError(tb, err)
	h := attest.Header{ChainID: beta.id(), Height: height, ValidatorsHash: old.Hash(), NextValidatorsHash: old.Hash(),
		StateRoot: attest.Keccak([]byte("fork a"))}
	a := certifyWith(tb, beta.gen.Hash(), old, validatorKeys(beta), h, allSigners(old.Size()))
	h.StateRoot = attest.Keccak([]byte("fork b"))
	b := certifyWith(tb, beta.gen.Hash(), old, validatorKeys(beta), h, allSigners(old.Size()))
	typ, p := xfer.NewSubmitMisbehaviour(beta.id(), attest.Misbehaviour{A: *a, B: *b})
	alpha.mustDeliver(alpha.user(2), typ, p)
}

// validatorKeys are the chain's genesis validators' keys, in set order.
func validatorKeys(c *testChain) []*ecdsa.PrivateKey {
	out := make([]*ecdsa.PrivateKey, len(c.tn.Validators))
	for i, v := range c.tn.Validators {
		out[i] = v.Key
	}
	return out
}
