package attest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// schnorrKey is reproducible test key i.
func schnorrKey(t testing.TB, i byte) *SchnorrPrivateKey {
	t.Helper()
	k, err := SchnorrKeyFromBytes(bytes.Repeat([]byte{i}, 32))
	require.NoError(t, err)
	return k
}

var (
	genesisA = Keccak([]byte("genesis a"))
	genesisB = Keccak([]byte("genesis b"))
)

func TestSchnorrSignVerify(t *testing.T) {
	k := schnorrKey(t, 1)
	pub := SchnorrPublic(k)
	d := Keccak([]byte("message"))
	sig, err := SignSchnorr(k, d)
	require.NoError(t, err)
	require.NoError(t, VerifySchnorr(pub, d, sig))

	require.ErrorIs(t, VerifySchnorr(pub, Keccak([]byte("other")), sig), ErrBadSignature, "another digest")
	require.ErrorIs(t, VerifySchnorr(SchnorrPublic(schnorrKey(t, 2)), d, sig), ErrBadSignature, "another key")
	bad := sig
	bad[10] ^= 1
	require.ErrorIs(t, VerifySchnorr(pub, d, bad), ErrBadSignature, "a flipped bit")
	var offCurve SchnorrKey
	offCurve[31] = 5 // x = 5 has no point on secp256k1
	require.ErrorIs(t, VerifySchnorr(offCurve, d, sig), ErrBadSignature, "a key off the curve")
	var high SchnorrSig
	for i := range high {
		high[i] = 0xff // r and s above the field and group order
	}
	require.ErrorIs(t, VerifySchnorr(pub, d, high), ErrBadSignature, "values out of range")

	_, err = SchnorrKeyFromBytes(make([]byte, 32))
	require.Error(t, err, "zero scalar")
	_, err = SchnorrKeyFromBytes([]byte{1})
	require.Error(t, err, "short scalar")
}

func TestSchnorrKeyText(t *testing.T) {
	pub := SchnorrPublic(schnorrKey(t, 3))
	b, err := json.Marshal(pub)
	require.NoError(t, err)
	var back SchnorrKey
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, pub, back)
	same, err := ParseSchnorrKey(pub.String()[2:])
	require.NoError(t, err, "without 0x")
	require.Equal(t, pub, same)

	for _, s := range []string{"", "0x12", "zz" + pub.String()[4:], "0x0000000000000000000000000000000000000000000000000000000000000005"} {
		_, err := ParseSchnorrKey(s)
		require.Error(t, err, "%q", s)
	}
}

func TestRegistrationDigestBindsEveryField(t *testing.T) {
	base := Registration{Member: Address{1}, Role: RoleExchange, Parent: "acme/treasury", IdentityHash: Hash{2}, ExpiresMs: 1000}
	d := base.Digest(genesisA)
	require.NotEqual(t, d, base.Digest(genesisB), "another chain")
	changes := []func(r *Registration){
		func(r *Registration) { r.Member[0] = 9 },
		func(r *Registration) { r.Role = RoleRelayer },
		func(r *Registration) { r.Parent = "acme" },
		func(r *Registration) { r.IdentityHash[0] = 9 },
		func(r *Registration) { r.ExpiresMs++ },
	}
	for i, change := range changes {
		r := base
		change(&r)
		require.NotEqual(t, d, r.Digest(genesisA), "change %d", i)
	}
	// The tag separates purposes: the same bytes signed as an action differ.
	require.NotEqual(t, d, Digest(TagRegulate, genesisA, mustRLP(&base)))
}

func TestActionAndRotationDigests(t *testing.T) {
	a := RegulatoryAction{Method: MethodBlacklist, Target: Address{7}, Nonce: 1, ExpiresMs: 50}
	b := a
	b.Nonce = 2
	require.NotEqual(t, a.Digest(genesisA), b.Digest(genesisA), "the nonce makes each act distinct")
	require.NotEqual(t, a.Digest(genesisA), a.Digest(genesisB))
	c := a
	c.Params = []byte{1}
	require.NotEqual(t, a.Digest(genesisA), c.Digest(genesisA))

	r := KeyRotation{Kind: KeyCA, Holder: "ca-1", NewVersion: 2, NewKey: SchnorrPublic(schnorrKey(t, 4))}
	s := r
	s.Kind = KeyRegulator
	require.NotEqual(t, r.Digest(genesisA), s.Digest(genesisA), "a CA's rotation is not a regulator's")
}

// keyring is a KeyLookup over fixed versions.
type keyring map[string]map[uint32]SchnorrKey

func (k keyring) lookup(signer string, version uint32) (SchnorrKey, bool) {
	key, ok := k[signer][version]
	return key, ok
}

func groupSig(t *testing.T, signer string, version uint32, k *SchnorrPrivateKey, d Hash) GroupSig {
	t.Helper()
	sig, err := SignSchnorr(k, d)
	require.NoError(t, err)
	return GroupSig{Signer: signer, KeyVersion: version, Sig: sig}
}

func TestVerifyGroupSigs(t *testing.T) {
	ca1v1, ca1v2, ca2 := schnorrKey(t, 11), schnorrKey(t, 12), schnorrKey(t, 13)
	ring := keyring{
		"ca-1": {1: SchnorrPublic(ca1v1), 2: SchnorrPublic(ca1v2)},
		"ca-2": {1: SchnorrPublic(ca2)},
	}
	reg := Registration{Member: Address{1}, Role: RoleUser, Parent: "acme", ExpiresMs: 10}
	d := reg.Digest(genesisA)

	signers, err := VerifyGroupSigs(d, []GroupSig{groupSig(t, "ca-1", 1, ca1v1, d), groupSig(t, "ca-2", 1, ca2, d)}, ring.lookup)
	require.NoError(t, err)
	require.Equal(t, []string{"ca-1", "ca-2"}, signers)

	// A rotated key: the old version still verifies what it signed, the new
	// one what it signs now, and neither stands in for the other.
	_, err = VerifyGroupSigs(d, []GroupSig{groupSig(t, "ca-1", 2, ca1v2, d)}, ring.lookup)
	require.NoError(t, err)
	_, err = VerifyGroupSigs(d, []GroupSig{groupSig(t, "ca-1", 2, ca1v1, d)}, ring.lookup)
	require.ErrorIs(t, err, ErrBadSignature, "old key claimed as the new version")

	_, err = VerifyGroupSigs(d, []GroupSig{groupSig(t, "ca-1", 1, ca1v1, d), groupSig(t, "ca-1", 2, ca1v2, d)}, ring.lookup)
	require.ErrorIs(t, err, ErrMalformed, "one CA counted twice")
	_, err = VerifyGroupSigs(d, []GroupSig{groupSig(t, "ca-3", 1, ca2, d)}, ring.lookup)
	require.ErrorIs(t, err, ErrUnknownSigner)
	_, err = VerifyGroupSigs(d, []GroupSig{groupSig(t, "ca-2", 7, ca2, d)}, ring.lookup)
	require.ErrorIs(t, err, ErrUnknownSigner, "a version the signer never had")
	_, err = VerifyGroupSigs(reg.Digest(genesisB), []GroupSig{groupSig(t, "ca-2", 1, ca2, d)}, ring.lookup)
	require.ErrorIs(t, err, ErrBadSignature, "an endorsement replayed on another chain")
	signers, err = VerifyGroupSigs(d, nil, ring.lookup)
	require.NoError(t, err)
	require.Empty(t, signers)
}

func TestThreshold(t *testing.T) {
	half := Threshold{Num: 1, Den: 2}
	for n, want := range map[int]int{1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4, 7: 4} {
		require.NoError(t, half.Validate(n))
		require.Equal(t, want, half.Required(n), "more than half of %d", n)
	}
	twoThirds := Threshold{Num: 2, Den: 3}
	require.Equal(t, 3, twoThirds.Required(4))
	require.Equal(t, 7, twoThirds.Required(9))
	require.Equal(t, 2, Threshold{Count: 2}.Required(5))

	for _, bad := range []Threshold{{}, {Count: 2, Num: 1, Den: 2}, {Count: 6}, {Num: 1}, {Num: 2, Den: 2}, {Num: 3, Den: 2}} {
		require.Error(t, bad.Validate(5), "%+v", bad)
	}
}

func TestRoleAndMethodNames(t *testing.T) {
	for r := range roleNames {
		b, err := r.MarshalText()
		require.NoError(t, err)
		var back Role
		require.NoError(t, back.UnmarshalText(b))
		require.Equal(t, r, back)
	}
	for m := range methodNames {
		b, err := m.MarshalText()
		require.NoError(t, err)
		var back Method
		require.NoError(t, back.UnmarshalText(b))
		require.Equal(t, m, back)
	}
	_, err := ParseRole("admin")
	require.Error(t, err)
	_, err = ParseMethod("ban")
	require.Error(t, err)
	_, err = Role(0).MarshalText()
	require.Error(t, err)
	require.False(t, Method(0).Valid())
}
