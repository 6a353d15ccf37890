package memq_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/queue"
	"github.com/causeway/causeway/settlement/queue/memq"
	"github.com/causeway/causeway/settlement/queue/queuetest"
)

func newQueue(tb testing.TB) queue.Queue {
	return newQueueWith(tb, memq.DefaultConfig())
}

func newQueueWith(tb testing.TB, cfg memq.Config) *memq.Queue {
	q, err := memq.New(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, q.Close()) })
	return q
}

func TestConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, newQueue)
}

func BenchmarkQueue(b *testing.B) {
	queuetest.Benchmark(b, newQueue)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, memq.DefaultConfig().Validate())
	_, err := memq.New(memq.Config{MaxLen: 0})
	require.Error(t, err)
}

// TestTrim pins MaxLen: the oldest jobs beyond it are dropped, pending ones
// included, and their keys are free to be enqueued again (a rebuild must be
// able to restore them).
func TestTrim(t *testing.T) {
	t.Parallel()
	const (
		maxLen = 10
		total  = 25
		stream = "deliver/beta"
	)
	q := newQueueWith(t, memq.Config{MaxLen: maxLen})
	ctx := t.Context()
	_, err := q.Enqueue(ctx, stream, queue.Job{Key: "first"})
	require.NoError(t, err)
	first, err := q.Consume(ctx, stream, "g", "c", 1, 0)
	require.NoError(t, err)
	require.Len(t, first, 1)
	for i := range total {
		_, err := q.Enqueue(ctx, stream, queue.Job{Key: "k" + strconv.Itoa(i)})
		require.NoError(t, err)
	}
	d, err := q.Depth(ctx, stream, "g")
	require.NoError(t, err)
	require.Equal(t, queue.Depth{Ready: maxLen}, d, "the pending job was trimmed too")

	added, err := q.Enqueue(ctx, stream, queue.Job{Key: "first"}, queue.Job{Key: "k0"})
	require.NoError(t, err)
	require.Equal(t, 2, added, "trimmed keys are free again")
	require.ErrorIs(t, q.Retry(ctx, first[0], time.Time{}), queue.ErrNotPending)
	reclaimed, err := q.Reclaim(ctx, stream, "g", "c", 0, total)
	require.NoError(t, err)
	require.Empty(t, reclaimed)
}
