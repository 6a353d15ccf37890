package rpc

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

const checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

func TestParseAddress(t *testing.T) {
	t.Parallel()
	want := common.HexToAddress(checksummed)
	tests := []struct {
		in string
		ok bool
	}{
		{checksummed, true},
		{strings.ToLower(checksummed), true},
		{"0x" + strings.ToUpper(checksummed[2:]), true},
		{"0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", false}, // one letter's case flipped
		{checksummed[2:], false},
		{checksummed[:41], false},
		{checksummed + "00", false},
		{"0xzzAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseAddress(tt.in)
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
}

func TestAddressJSONIsEIP55(t *testing.T) {
	t.Parallel()
	a := Address(common.HexToAddress(checksummed))
	b, err := a.MarshalText()
	require.NoError(t, err)
	require.Equal(t, checksummed, string(b))
	var back Address
	require.NoError(t, back.UnmarshalText(b))
	require.Equal(t, a, back)
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	lower := strings.ToLower(checksummed)
	tests := []struct {
		in   string
		want string // "" means refused
	}{
		{"acct/" + lower, "acct/" + lower},
		{"bal/" + checksummed + "/USD", "bal/" + lower + "/USD"},
		{"bal/" + lower + "/alpha/USD", "bal/" + lower + "/alpha/USD"},
		{"xout/beta/17", "xout/beta/17"},
		{"client/0xABC", "client/0xABC"}, // not address-shaped: left alone
		{"", ""},
		{"/acct", ""},
		{"acct/", ""},
		{"a//b", ""},
		{"acct/with space", ""},
		{"acct/\x00", ""},
		{"acct/é", ""},
		{strings.Repeat("k", MaxKeyBytes), strings.Repeat("k", MaxKeyBytes)},
		{strings.Repeat("k", MaxKeyBytes+1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseKey(tt.in)
			if tt.want == "" {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
		})
	}
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{checksummed, strings.ToLower(checksummed), "0x", "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			return
		}
		// Whatever parses re-encodes to a checksummed form that parses back
		// to the same address and matches the input up to case.
		require.True(t, strings.EqualFold(s, a.Hex()))
		back, err := ParseAddress(a.Hex())
		require.NoError(t, err)
		require.Equal(t, a, back)
	})
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"acct/" + checksummed, "bal/" + checksummed + "/USD", "xout/beta/1", "a//b", "/", "k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			return
		}
		// Accepted keys are bounded, printable, unchanged up to case, and
		// parsing is idempotent.
		require.LessOrEqual(t, len(k), MaxKeyBytes)
		require.True(t, strings.EqualFold(s, string(k)))
		for _, c := range k {
			require.True(t, c > ' ' && c <= '~')
		}
		again, err := ParseKey(string(k))
		require.NoError(t, err)
		require.Equal(t, k, again)
	})
}
