package memq_test

import (
	"context"
	"fmt"
	"time"

	"github.com/causeway/causeway/settlement/queue"
	"github.com/causeway/causeway/settlement/queue/memq"
)

// A stage worker's loop in miniature: enqueue, consume, retry once with a
// backoff, consume again, acknowledge.
func Example() {
	ctx := context.Background()
	q, err := memq.New(memq.DefaultConfig())
	if err != nil {
		panic(err)
	}
	defer q.Close()

	added, _ := q.Enqueue(ctx, "deliver/beta",
		queue.Job{Key: "alpha/beta/7", Stage: "deliver"},
		queue.Job{Key: "alpha/beta/7", Stage: "deliver"}) // outstanding: skipped
	fmt.Println("added", added)

	ds, _ := q.Consume(ctx, "deliver/beta", "deliver", "relay-1", 10, time.Second)
	d := ds[0]
	fmt.Println("got", d.Key, "attempt", d.Attempt)
	_ = q.Retry(ctx, d, time.Now().Add(10*time.Millisecond))

	ds, _ = q.Consume(ctx, "deliver/beta", "deliver", "relay-1", 10, time.Second)
	fmt.Println("got", ds[0].Key, "attempt", ds[0].Attempt)
	_ = q.Ack(ctx, ds...)
	depth, _ := q.Depth(ctx, "deliver/beta", "deliver")
	fmt.Println("outstanding", depth.Total())
	// Output:
	// added 1
	// got alpha/beta/7 attempt 0
	// got alpha/beta/7 attempt 1
	// outstanding 0
}
