package app_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

func TestParseAddressKey(t *testing.T) {
	a := attest.Address{0xab, 1, 2, 0xff}
	got, err := app.ParseAddressKey(app.AddressKey(a))
	require.NoError(t, err)
	require.Equal(t, a, got)
	for _, bad := range []string{
		"", "0x", "ab0102ff00000000000000000000000000000000",
		"0x" + strings.ToUpper(a.Hex()[2:]), // uppercase is not how keys are written
		"0x" + strings.Repeat("0", 39), "0x" + strings.Repeat("0", 41), "0x" + strings.Repeat("g", 40),
	} {
		_, err := app.ParseAddressKey([]byte(bad))
		require.Error(t, err, "%q", bad)
	}
}

// FuzzParseAddressKey: whatever parses writes back to the same bytes.
func FuzzParseAddressKey(f *testing.F) {
	f.Add(app.AddressKey(attest.Address{1}))
	f.Add([]byte("0xZZ"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := app.ParseAddressKey(b)
		if err != nil {
			return
		}
		if !bytes.Equal(app.AddressKey(a), b) {
			t.Fatalf("%q parsed to %s, which writes as %q", b, a, app.AddressKey(a))
		}
	})
}
