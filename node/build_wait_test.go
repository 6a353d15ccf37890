package node

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBuildWait(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	const idle, gap = time.Second, 50 * time.Millisecond
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	tests := []struct {
		name    string
		since   time.Duration // from the last commit to now
		lastTxs int
		pending int
		gap     time.Duration
		want    time.Duration
	}{
		{"idle chain waits out the block interval", ms(300), 0, 0, gap, ms(700)},
		{"idle interval over: build the empty block", ms(1200), 5, 0, gap, ms(-200)},
		{"light load after an empty block builds at once", ms(10), 0, 1, gap, 0},
		{"light load after a block of one builds at once", ms(10), 1, 3, gap, 0},
		{"under load the gap fills the block", ms(10), 40, 7, gap, ms(40)},
		{"gap already over", ms(80), 40, 7, gap, ms(-30)},
		{"no gap configured", ms(10), 40, 7, 0, ms(-10)},
		{"a gap of the idle interval or more is held to half of it", ms(100), 40, 7, time.Hour, ms(400)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := buildWait(at.Add(tc.since), lastBlock{at: at, txs: tc.lastTxs}, tc.pending, idle, tc.gap)
			require.Equal(t, tc.want, got)
		})
	}
}
