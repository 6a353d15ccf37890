package consensus

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTimeoutsGrowAndCap(t *testing.T) {
	t.Parallel()
	to := TimeoutsFor(time.Second)
	tests := []struct {
		step  Step
		round uint32
		want  time.Duration
	}{
		{StepPropose, 0, 400 * time.Millisecond},
		{StepPropose, 1, 600 * time.Millisecond},
		{StepPropose, 10, 2400 * time.Millisecond},
		{StepPrevote, 0, 100 * time.Millisecond},
		{StepPrevote, 3, 400 * time.Millisecond},
		{StepPrecommit, 0, 100 * time.Millisecond},
		{StepPrecommit, 99, 10 * time.Second},
		{StepPropose, 48, 10 * time.Second},
		{StepPropose, 47, 9800 * time.Millisecond},
		{StepPropose, math.MaxUint32, 10 * time.Second},
		{StepCommit, 0, 0},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, to.Duration(tc.step, tc.round), "%s round %d", tc.step, tc.round)
	}
}

func TestTimeoutsScaleWithInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		interval    time.Duration
		wantPropose time.Duration
		wantMax     time.Duration
	}{
		{time.Second, 400 * time.Millisecond, 10 * time.Second},
		{200 * time.Millisecond, 80 * time.Millisecond, 2 * time.Second},
		{0, 4 * time.Millisecond, 100 * time.Millisecond}, // floored at 10 ms
	}
	for _, tc := range tests {
		to := TimeoutsFor(tc.interval)
		require.Equal(t, tc.wantPropose, to.Propose, "interval %s", tc.interval)
		require.Equal(t, tc.wantMax, to.Max, "interval %s", tc.interval)
	}
}
