package consensus

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestProposerRoundRobin(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	for h := uint64(0); h < 4; h++ {
		for r := uint32(0); r < 4; r++ {
			require.Equal(t, f.addr(int((h+uint64(r))%4)), ProposerFor(f.vals, h, r, nil))
		}
	}
}

func TestProposerSkipBoundedByF(t *testing.T) {
	t.Parallel()
	f4, f7 := newFixture(t, 4), newFixture(t, 7)
	stranger := attest.Address{0xee}
	tests := []struct {
		name    string
		f       *fixture
		skipped []int // indexes; -1 is a non-member
		want    []int // proposers for rounds 0.. at height 0
	}{
		{"no skips", f4, nil, []int{0, 1, 2, 3}},
		{"skip one of four", f4, []int{1}, []int{0, 2, 3, 0}},
		{"only f=1 honoured", f4, []int{1, 2}, []int{0, 2, 3, 0}},
		{"non-member ignored", f4, []int{-1, 2}, []int{0, 1, 3, 0}},
		{"duplicates count once", f7, []int{1, 1, 2, 3}, []int{0, 3, 4, 5, 6, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var skipped []attest.Address
			for _, i := range tc.skipped {
				if i < 0 {
					skipped = append(skipped, stranger)
				} else {
					skipped = append(skipped, tc.f.addr(i))
				}
			}
			for r, want := range tc.want {
				require.Equal(t, tc.f.addr(want), ProposerFor(tc.f.vals, 0, uint32(r), skipped), "round %d", r)
			}
		})
	}
}

func TestFailedProposers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	require.Empty(t, FailedProposers(f.vals, 1, 0, nil))
	require.Equal(t, []attest.Address{f.addr(1), f.addr(2)}, FailedProposers(f.vals, 1, 2, nil))
	require.Len(t, FailedProposers(f.vals, 1, 100, nil), 4, "each validator at most once")
}
