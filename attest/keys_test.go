package attest_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

var secp256k1N = crypto.S256().Params().N

// withS returns sig with S replaced (left-padded to 32 bytes).
func withS(sig []byte, s *big.Int) []byte {
	out := append([]byte(nil), sig...)
	s.FillBytes(out[32:64])
	return out
}

func withR(sig []byte, r *big.Int) []byte {
	out := append([]byte(nil), sig...)
	r.FillBytes(out[:32])
	return out
}

func withV(sig []byte, v byte) []byte {
	out := append([]byte(nil), sig...)
	out[64] = v
	return out
}

func TestRecover(t *testing.T) {
	t.Parallel()
	key := seedKey(t, "recover")
	digest := attest.Keccak([]byte("message"))
	sig, err := attest.Sign(digest, key)
	require.NoError(t, err)
	require.Len(t, sig, attest.SignatureLength)
	s := new(big.Int).SetBytes(sig[32:64])
	// The same signature with S mirrored to the high half and V flipped is
	// mathematically valid; Recover must still refuse it.
	highS := withV(withS(sig, new(big.Int).Sub(secp256k1N, s)), sig[64]^1)

	cases := []struct {
		name string
		sig  []byte
	}{
		{"high S", highS},
		{"V = 2", withV(sig, 2)},
		{"V = 27 (Ethereum legacy)", withV(sig, 27)},
		{"V = 255", withV(sig, 255)},
		{"64 bytes", sig[:64]},
		{"66 bytes", append(append([]byte(nil), sig...), 0)},
		{"empty", nil},
		{"R = 0", withR(sig, big.NewInt(0))},
		{"S = 0", withS(sig, big.NewInt(0))},
		{"R = N", withR(sig, secp256k1N)},
		{"S = N", withS(sig, secp256k1N)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := attest.Recover(digest, tc.sig)
			requireCode(t, attest.CodeBadSignature, err)
			require.ErrorIs(t, err, attest.ErrBadSignature)
		})
	}

	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		got, err := attest.Recover(digest, sig)
		require.NoError(t, err)
		require.Equal(t, attest.AddressOf(key), got)
	})
	t.Run("other digest recovers someone else", func(t *testing.T) {
		t.Parallel()
		got, err := attest.Recover(attest.Keccak([]byte("other")), sig)
		if err == nil {
			require.NotEqual(t, attest.AddressOf(key), got)
		}
	})
}

func TestSignProducesLowS(t *testing.T) {
	t.Parallel()
	half := new(big.Int).Rsh(secp256k1N, 1)
	for i := range 32 {
		key := seedKey(t, "low-s")
		sig, err := attest.Sign(attest.Keccak([]byte{byte(i)}), key)
		require.NoError(t, err)
		require.LessOrEqual(t, new(big.Int).SetBytes(sig[32:64]).Cmp(half), 0)
		require.LessOrEqual(t, sig[64], byte(1))
	}
}
