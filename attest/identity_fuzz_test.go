package attest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzRing is the keyring the identity fuzz targets verify against: two
// CAs, one with a rotated key.
func fuzzRing(t testing.TB) (keyring, []*SchnorrPrivateKey) {
	keys := []*SchnorrPrivateKey{schnorrKey(t, 21), schnorrKey(t, 22), schnorrKey(t, 23)}
	return keyring{
		"ca-1": {1: SchnorrPublic(keys[0]), 2: SchnorrPublic(keys[1])},
		"ca-2": {1: SchnorrPublic(keys[2])},
	}, keys
}

// A decoded registration re-encodes to its input, and its endorsements
// verify only if each is a real signature of its CA over the digest.
func FuzzDecodeEndorsed(f *testing.F) {
	ring, keys := fuzzRing(f)
	reg := Registration{Member: Address{1}, Role: RoleRelayer, Parent: "acme/ops", IdentityHash: Hash{3}, ExpiresMs: 99}
	d := reg.Digest(genesisA)
	s1, _ := SignSchnorr(keys[0], d)
	s2, _ := SignSchnorr(keys[2], d)
	good := &Endorsed{Registration: reg, Endorsements: []Endorsement{{"ca-1", 1, s1}, {"ca-2", 1, s2}}}
	f.Add(good.Encode())
	f.Add((&Endorsed{}).Encode())
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEndorsed(b)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
			return
		}
		require.Equal(t, b, e.Encode(), "one byte form")
		signers, err := VerifyGroupSigs(e.Registration.Digest(genesisA), e.Endorsements, ring.lookup)
		if err == nil && len(e.Endorsements) > 0 {
			require.Len(t, signers, len(e.Endorsements))
			// What verified is exactly the genuine endorsement set: no
			// other digest, signer or key version passes.
			require.Equal(t, good.Registration, e.Registration)
		}
	})
}

func FuzzDecodeSignedAction(f *testing.F) {
	ring, keys := fuzzRing(f)
	a := RegulatoryAction{Method: MethodRemove, Target: Address{5}, Params: []byte{1, 2}, Nonce: 3, ExpiresMs: 7}
	sig, _ := SignSchnorr(keys[1], a.Digest(genesisA))
	f.Add((&SignedAction{Action: a, Signatures: []GroupSig{{"ca-1", 2, sig}}}).Encode())
	f.Add([]byte{0xc2, 0xc0, 0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSignedAction(b)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
			return
		}
		require.Equal(t, b, s.Encode())
		if _, err := VerifyGroupSigs(s.Action.Digest(genesisA), s.Signatures, ring.lookup); err == nil && len(s.Signatures) > 0 {
			require.Equal(t, a, s.Action, "only the signed action verifies")
		}
	})
}

func FuzzDecodeSignedRotation(f *testing.F) {
	_, keys := fuzzRing(f)
	r := KeyRotation{Kind: KeyCA, Holder: "ca-1", NewVersion: 2, NewKey: SchnorrPublic(keys[1])}
	sig, _ := SignSchnorr(keys[0], r.Digest(genesisA))
	f.Add((&SignedRotation{Rotation: r, Sig: sig}).Encode())
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSignedRotation(b)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
			return
		}
		require.Equal(t, b, s.Encode())
		if VerifySchnorr(SchnorrPublic(keys[0]), s.Rotation.Digest(genesisA), s.Sig) == nil {
			require.Equal(t, r, s.Rotation, "only the signed rotation verifies")
		}
	})
}

// Any 32+64+32 bytes: verification never panics, and a signature that
// verifies stops verifying when any bit of it changes.
func FuzzVerifySchnorr(f *testing.F) {
	k := schnorrKey(f, 31)
	d := Keccak([]byte("fuzz"))
	sig, _ := SignSchnorr(k, d)
	pub := SchnorrPublic(k)
	f.Add(pub[:], d[:], sig[:], uint8(0))
	f.Add(make([]byte, 32), make([]byte, 32), make([]byte, 64), uint8(9))
	f.Fuzz(func(t *testing.T, keyB, digestB, sigB []byte, flip uint8) {
		if len(keyB) != SchnorrKeyLength || len(digestB) != 32 || len(sigB) != SchnorrSigLength {
			return
		}
		var key SchnorrKey
		var s SchnorrSig
		copy(key[:], keyB)
		copy(s[:], sigB)
		digest := Hash(digestB)
		if VerifySchnorr(key, digest, s) != nil {
			return
		}
		s[int(flip)%SchnorrSigLength] ^= 1 << (flip % 8)
		require.ErrorIs(t, VerifySchnorr(key, digest, s), ErrBadSignature)
	})
}

// A valid threshold asks for at least one and at most all of the group,
// and a fraction asks for the least count strictly above it.
func FuzzThreshold(f *testing.F) {
	f.Add(uint32(0), uint32(1), uint32(2), uint16(4))
	f.Add(uint32(3), uint32(0), uint32(0), uint16(5))
	f.Fuzz(func(t *testing.T, count, num, den uint32, n uint16) {
		th := Threshold{Count: count, Num: num, Den: den}
		if n == 0 || th.Validate(int(n)) != nil {
			return
		}
		m := th.Required(int(n))
		require.GreaterOrEqual(t, m, 1)
		require.LessOrEqual(t, m, int(n))
		if count == 0 {
			require.Greater(t, uint64(m)*uint64(den), uint64(n)*uint64(num))
			require.LessOrEqual(t, uint64(m-1)*uint64(den), uint64(n)*uint64(num))
		}
	})
}
