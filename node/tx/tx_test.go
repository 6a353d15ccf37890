package tx_test

import (
	"crypto/ecdsa"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/tx"
)

var (
	testGenesis  = attest.Keccak([]byte("causeway/tx/test-genesis"))
	otherGenesis = attest.Keccak([]byte("causeway/tx/other-genesis"))
)

func testKey(tb testing.TB) (*ecdsa.PrivateKey, attest.Address) {
	tb.Helper()
	k, err := crypto.ToECDSA(attest.Keccak([]byte("causeway/tx/test-key")).Bytes())
	require.NoError(tb, err)
	return k, attest.AddressOf(k)
}

func signedTx(tb testing.TB) *tx.Tx {
	tb.Helper()
	key, _ := testKey(tb)
	t := &tx.Tx{ChainID: "alpha", Nonce: 7, Type: "bank.send", Payload: []byte{0xc2, 0x01, 0x02}}
	require.NoError(tb, t.Sign(testGenesis, key))
	return t
}

func TestSender(t *testing.T) {
	t.Parallel()
	_, want := testKey(t)
	cases := []struct {
		name    string
		genesis attest.Hash
		mutate  func(*tx.Tx)
		same    bool
	}{
		{"as signed", testGenesis, func(*tx.Tx) {}, true},
		{"another chain's genesis", otherGenesis, func(*tx.Tx) {}, false},
		{"chain id changed", testGenesis, func(x *tx.Tx) { x.ChainID = "beta" }, false},
		{"nonce changed", testGenesis, func(x *tx.Tx) { x.Nonce++ }, false},
		{"type changed", testGenesis, func(x *tx.Tx) { x.Type = "xfer.transfer" }, false},
		{"payload changed", testGenesis, func(x *tx.Tx) { x.Payload = append(x.Payload, 0) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := signedTx(t)
			tc.mutate(x)
			got, err := x.Sender(tc.genesis)
			if tc.same {
				require.NoError(t, err)
				require.Equal(t, want, got)
				return
			}
			// A changed digest recovers some other key, or nothing.
			if err == nil {
				require.NotEqual(t, want, got)
			}
		})
	}
}

func TestSenderRefusesBadSignatures(t *testing.T) {
	t.Parallel()
	for name, sig := range map[string][]byte{
		"missing":  nil,
		"short":    make([]byte, 64),
		"zero":     make([]byte, attest.SignatureLength),
		"bad V":    append(append([]byte(nil), signedTx(t).Sig[:64]...), 5),
		"trailing": append(append([]byte(nil), signedTx(t).Sig...), 0),
	} {
		x := signedTx(t)
		x.Sig = sig
		_, err := x.Sender(testGenesis)
		require.ErrorIs(t, err, attest.ErrBadSignature, name)
	}
}

func TestSigningDigestExcludesSignature(t *testing.T) {
	t.Parallel()
	x := signedTx(t)
	d := x.SigningDigest(testGenesis)
	x.Sig = nil
	require.Equal(t, d, x.SigningDigest(testGenesis))
	require.NotEqual(t, d, x.SigningDigest(otherGenesis))
}

func TestDecode(t *testing.T) {
	t.Parallel()
	good := signedTx(t).Encode()
	big := &tx.Tx{ChainID: "alpha", Payload: make([]byte, tx.MaxTxBytes)}
	cases := []struct {
		name    string
		data    []byte
		tooBig  bool
		wantErr bool
	}{
		{"signed", good, false, false},
		{"unsigned", (&tx.Tx{ChainID: "alpha"}).Encode(), false, false},
		{"trailing byte", append(append([]byte(nil), good...), 0), false, true},
		{"truncated", good[:len(good)-1], false, true},
		{"empty", nil, false, true},
		{"not a list", []byte{0x80}, false, true},
		{"too few fields", mustRLP(t, []any{"alpha", uint64(1)}), false, true},
		{"too many fields", mustRLP(t, []any{"alpha", uint64(1), "t", []byte{}, []byte{}, []byte{}}), false, true},
		{"non-canonical nonce", mustRLP(t, []any{"alpha", []byte{0, 1}, "t", []byte{}, []byte{}}), false, true},
		{"over the size cap", big.Encode(), true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tx.Decode(tc.data)
			if !tc.wantErr {
				require.NoError(t, err)
				require.Equal(t, tc.data, got.Encode())
				return
			}
			require.Error(t, err)
			if tc.tooBig {
				require.ErrorIs(t, err, tx.ErrTooLarge)
			}
		})
	}
}

func TestHashIsKeccakOfEncoding(t *testing.T) {
	t.Parallel()
	x := signedTx(t)
	require.Equal(t, attest.Keccak(x.Encode()), x.Hash())
	y := signedTx(t)
	y.Nonce++
	require.NotEqual(t, x.Hash(), y.Hash())
}

func FuzzDecode(f *testing.F) {
	f.Add(signedTx(f).Encode())
	f.Add((&tx.Tx{}).Encode())
	f.Add([]byte{0xc5, 0x80, 0x80, 0x80, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := tx.Decode(data)
		if err != nil {
			return
		}
		require.Equal(t, data, x.Encode(), "decode accepted a non-canonical encoding")
		require.Equal(t, attest.Keccak(data), x.Hash())
		_, _ = x.Sender(testGenesis)
	})
}

func mustRLP(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := rlp.EncodeToBytes(v)
	require.NoError(tb, err)
	return b
}
