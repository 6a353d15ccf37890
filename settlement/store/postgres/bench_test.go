package postgres_test

import (
	"fmt"
	"testing"

	"github.com/causeway/causeway/settlement/store/storetest"
)

// benchWorkers are the concurrency levels measured: one connection, and
// eight goroutines over eight connections.
var benchWorkers = []int{1, 8}

// go test -run '^$' -bench . -benchtime 2000x ./settlement/store/postgres
func BenchmarkTransition(b *testing.B) {
	for _, w := range benchWorkers {
		b.Run(fmt.Sprintf("conns=%d", w), func(b *testing.B) {
			storetest.BenchmarkTransitions(b, open(b, w), w)
		})
	}
}

func BenchmarkLifecycle(b *testing.B) {
	for _, w := range benchWorkers {
		b.Run(fmt.Sprintf("conns=%d", w), func(b *testing.B) {
			storetest.BenchmarkLifecycle(b, open(b, w), w)
		})
	}
}

// benchBatch is the TransitionBatch size measured: about one certified
// header's worth of packets.
const benchBatch = 100

func BenchmarkTransitionBatch(b *testing.B) {
	for _, w := range benchWorkers {
		b.Run(fmt.Sprintf("conns=%d/batch=%d", w, benchBatch), func(b *testing.B) {
			storetest.BenchmarkTransitionBatches(b, open(b, w), w, benchBatch)
		})
	}
}

// BenchmarkCreate compares single creates with CreateTransfers of benchBatch.
func BenchmarkCreate(b *testing.B) {
	for _, w := range benchWorkers {
		for _, batch := range []int{1, benchBatch} {
			b.Run(fmt.Sprintf("conns=%d/batch=%d", w, batch), func(b *testing.B) {
				storetest.BenchmarkCreates(b, open(b, w), w, batch)
			})
		}
	}
}
