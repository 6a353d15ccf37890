package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

func sampleReceipts() []app.Receipt {
	return []app.Receipt{
		{
			TxHash: attest.Keccak([]byte("a")), Height: 7, Index: 0,
			Sender: attest.Address{1}, Type: "bank.send",
			Events: []app.Event{{Type: "transfer", Attrs: []app.Attr{{"from", "0x01"}, {"amount", "5"}}}},
		},
		{TxHash: attest.Keccak([]byte("b")), Height: 7, Index: 1, Code: app.CodeNonceTooLow, Log: "nonce_too_low: x"},
	}
}

func TestReceiptsRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   []app.Receipt
	}{
		{"none", nil},
		{"two", sampleReceipts()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := app.DecodeReceipts(app.EncodeReceipts(tc.in))
			require.NoError(t, err)
			require.Len(t, got, len(tc.in))
			if len(tc.in) > 0 {
				require.Equal(t, tc.in, got)
			}
		})
	}
}

func TestDecodeReceiptsRejects(t *testing.T) {
	t.Parallel()
	good := app.EncodeReceipts(sampleReceipts())
	cases := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"trailing byte", append(append([]byte(nil), good...), 0x00)},
		{"truncated", good[:len(good)-1]},
		{"not a list", []byte{0x82, 0x01, 0x02}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := app.DecodeReceipts(tc.in)
			require.Error(t, err)
		})
	}
}

func FuzzDecodeReceipts(f *testing.F) {
	f.Add(app.EncodeReceipts(sampleReceipts()))
	f.Add(app.EncodeReceipts(nil))
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := app.DecodeReceipts(b)
		if err != nil {
			return
		}
		// RLP decoding is canonical: what decodes re-encodes to the input.
		require.Equal(t, b, app.EncodeReceipts(rs))
	})
}
