package attest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func addr(b byte) attest.Address { return attest.Address{19: b} }

func TestNewValidatorSet(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		vals    []attest.Validator
		wantErr bool
	}{
		{"one", []attest.Validator{{addr(1), 1}}, false},
		{"four", []attest.Validator{{addr(1), 1}, {addr(2), 5}, {addr(3), 1}, {addr(4), 9}}, false},
		{"empty", nil, true},
		{"zero power", []attest.Validator{{addr(1), 1}, {addr(2), 0}}, true},
		{"duplicate", []attest.Validator{{addr(1), 1}, {addr(2), 1}, {addr(1), 2}}, true},
		{"power at the cap", []attest.Validator{{addr(1), 1 << 59}, {addr(2), 1 << 59}}, false},
		{"power past the cap", []attest.Validator{{addr(1), 1 << 59}, {addr(2), 1<<59 + 1}}, true},
		{"power wraps uint64", []attest.Validator{{addr(1), 1 << 63}, {addr(2), 1 << 63}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := attest.NewValidatorSet(tc.vals)
			if tc.wantErr {
				requireCode(t, attest.CodeMalformed, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.vals, s.Validators)
		})
	}
}

func TestValidatorSetPower(t *testing.T) {
	t.Parallel()
	cases := []struct {
		powers                  []uint64
		total, quorum, oneThird uint64
		maxFaulty               int
	}{
		{[]uint64{1}, 1, 1, 1, 0},
		{[]uint64{1, 1, 1}, 3, 3, 2, 0},
		{[]uint64{1, 1, 1, 1}, 4, 3, 2, 1},
		{[]uint64{1, 1, 1, 1, 1, 1, 1}, 7, 5, 3, 2},
		{[]uint64{10, 10, 10, 70}, 100, 67, 34, 1},
		{[]uint64{33, 33, 33}, 99, 67, 34, 0}, // exactly 2/3 (66) is not a quorum
	}
	for _, tc := range cases {
		f := newFixture(t, len(tc.powers), tc.powers)
		require.Equal(t, tc.total, f.vals.TotalPower(), "powers %v", tc.powers)
		require.Equal(t, tc.quorum, f.vals.QuorumPower(), "powers %v", tc.powers)
		require.Equal(t, tc.oneThird, f.vals.OneThirdPower(), "powers %v", tc.powers)
		require.Equal(t, tc.maxFaulty, f.vals.MaxFaulty(), "powers %v", tc.powers)
		// Quorum is strictly more than two thirds, and one less is not.
		require.Greater(t, 3*tc.quorum, 2*tc.total)
		require.LessOrEqual(t, 3*(tc.quorum-1), 2*tc.total)
	}
}

func TestValidatorSetHash(t *testing.T) {
	t.Parallel()
	base := []attest.Validator{{addr(1), 1}, {addr(2), 2}, {addr(3), 3}}
	mk := func(vals []attest.Validator) attest.Hash {
		s, err := attest.NewValidatorSet(vals)
		require.NoError(t, err)
		return s.Hash()
	}
	h := mk(base)
	require.Equal(t, h, mk([]attest.Validator{{addr(1), 1}, {addr(2), 2}, {addr(3), 3}}), "stable for equal sets")
	s, err := attest.NewValidatorSet(base)
	require.NoError(t, err)
	require.Equal(t, h, s.Copy().Hash(), "copy hashes the same")
	variants := map[string][]attest.Validator{
		"reordered":       {{addr(2), 2}, {addr(1), 1}, {addr(3), 3}},
		"power changed":   {{addr(1), 1}, {addr(2), 2}, {addr(3), 4}},
		"member replaced": {{addr(1), 1}, {addr(2), 2}, {addr(4), 3}},
		"member removed":  {{addr(1), 1}, {addr(2), 2}},
	}
	for name, vals := range variants {
		require.NotEqual(t, h, mk(vals), name)
	}
}

func TestValidatorSetOwnsItsSlice(t *testing.T) {
	t.Parallel()
	in := []attest.Validator{{addr(1), 1}, {addr(2), 2}}
	s, err := attest.NewValidatorSet(in)
	require.NoError(t, err)
	in[0].Power = 100
	require.Equal(t, uint64(1), s.Validators[0].Power, "constructor copies")
	c := s.Copy()
	c.Validators[1].Power = 100
	require.Equal(t, uint64(2), s.Validators[1].Power, "Copy is deep")
	require.Equal(t, 1, s.IndexOf(addr(2)))
	require.Equal(t, -1, s.IndexOf(addr(9)))
}
