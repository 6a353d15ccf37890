package queue

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
)

// RebuildBatch is how many jobs of one stream Rebuild enqueues per call.
const RebuildBatch = 500

// Enqueuer is the part of a Queue that Rebuild needs.
type Enqueuer interface {
	Enqueue(ctx context.Context, stream string, jobs ...Job) (int, error)
}

// Rebuild enqueues every (stream, job) that jobs yields, in batches per
// stream, and returns how many were added. The caller yields the current
// stage job of every transfer the store has not ended. Because Enqueue skips
// keys that are still outstanding, Rebuild may run at any time, not only
// after the queue lost its contents: it adds exactly the jobs that are
// missing. Order within a stream is kept.
func Rebuild(ctx context.Context, q Enqueuer, jobs iter.Seq2[string, Job]) (int, error) {
	batches := make(map[string][]Job)
	added := 0
	flush := func(stream string) error {
		n, err := q.Enqueue(ctx, stream, batches[stream]...)
		added += n
		batches[stream] = batches[stream][:0]
		if err != nil {
			return fmt.Errorf("rebuild %s: %w", stream, err)
		}
		return nil
	}
	for stream, job := range jobs {
		batches[stream] = append(batches[stream], job)
		if len(batches[stream]) < RebuildBatch {
			continue
		}
		if err := flush(stream); err != nil {
			return added, err
		}
	}
	for _, stream := range slices.Sorted(maps.Keys(batches)) {
		if len(batches[stream]) == 0 {
			continue
		}
		if err := flush(stream); err != nil {
			return added, err
		}
	}
	return added, nil
}
