package queue_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/queue"
)

func TestCheckName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"deliver/beta", true},
		{"confirm/alpha-2", true},
		{"sweep", true},
		{"A.b_c:d/e-f", true},
		{strings.Repeat("x", queue.MaxNameLen), true},
		{"", false},
		{strings.Repeat("x", queue.MaxNameLen+1), false},
		{"{cw:x}", false},
		{"has space", false},
		{"é", false},
		{"star*", false},
	} {
		err := queue.CheckName("stream", tc.name)
		if tc.ok {
			require.NoError(t, err, tc.name)
		} else {
			require.ErrorIs(t, err, queue.ErrInvalid, tc.name)
		}
	}
}

func TestCheckJob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		job  queue.Job
		ok   bool
	}{
		{"minimal", queue.Job{Key: "t"}, true},
		{"any key bytes", queue.Job{Key: "a|b\x00c{d}"}, true},
		{"full", queue.Job{Key: "t", Stage: "deliver", Attempt: 9, NotBefore: time.Now()}, true},
		{"empty key", queue.Job{}, false},
		{"long key", queue.Job{Key: strings.Repeat("k", queue.MaxKeyLen+1)}, false},
		{"long stage", queue.Job{Key: "t", Stage: strings.Repeat("s", queue.MaxStageLen+1)}, false},
		{"negative attempt", queue.Job{Key: "t", Attempt: -1}, false},
		{"huge attempt", queue.Job{Key: "t", Attempt: queue.MaxAttempt + 1}, false},
		{"before 1970", queue.Job{Key: "t", NotBefore: time.Unix(-1, 0)}, false},
	} {
		err := queue.CheckJob(tc.job)
		if tc.ok {
			require.NoError(t, err, tc.name)
		} else {
			require.ErrorIs(t, err, queue.ErrInvalid, tc.name)
		}
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 123_456_789, time.FixedZone("x", 3600))
	got := queue.Job{Key: "t", NotBefore: at}.Canonical()
	require.Equal(t, time.Date(2026, 3, 1, 11, 0, 0, 123_000_000, time.UTC), got.NotBefore)
	require.True(t, queue.Job{Key: "t"}.Canonical().NotBefore.IsZero())
}

// countingEnqueuer is a fake that records Enqueue calls and adds every job.
type countingEnqueuer struct {
	calls map[string][]int // stream -> batch sizes
}

func (c *countingEnqueuer) Enqueue(_ context.Context, stream string, jobs ...queue.Job) (int, error) {
	c.calls[stream] = append(c.calls[stream], len(jobs))
	return len(jobs), nil
}

func TestRebuildBatchesPerStream(t *testing.T) {
	t.Parallel()
	const deliverJobs, confirmJobs = queue.RebuildBatch + 3, 2
	fake := &countingEnqueuer{calls: make(map[string][]int)}
	seq := func(yield func(string, queue.Job) bool) {
		for i := range deliverJobs {
			if !yield("deliver/beta", queue.Job{Key: strconv.Itoa(i)}) {
				return
			}
			if i < confirmJobs && !yield("confirm/alpha", queue.Job{Key: strconv.Itoa(i)}) {
				return
			}
		}
	}
	added, err := queue.Rebuild(t.Context(), fake, seq)
	require.NoError(t, err)
	require.Equal(t, deliverJobs+confirmJobs, added)
	require.Equal(t, []int{queue.RebuildBatch, 3}, fake.calls["deliver/beta"])
	require.Equal(t, []int{confirmJobs}, fake.calls["confirm/alpha"])
}
