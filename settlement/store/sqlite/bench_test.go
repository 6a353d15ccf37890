package sqlite_test

import (
	"fmt"
	"testing"

	"github.com/causeway/causeway/settlement/store/storetest"
)

// go test -run '^$' -bench . -benchtime 2000x ./settlement/store/sqlite
func BenchmarkTransition(b *testing.B) {
	for _, w := range []int{1, 8} {
		b.Run(fmt.Sprintf("goroutines=%d", w), func(b *testing.B) {
			storetest.BenchmarkTransitions(b, open(b), w)
		})
	}
}

// benchBatch is the batch size measured: about one certified header's worth
// of packets.
const benchBatch = 100

func BenchmarkTransitionBatch(b *testing.B) {
	b.Run(fmt.Sprintf("goroutines=1/batch=%d", benchBatch), func(b *testing.B) {
		storetest.BenchmarkTransitionBatches(b, open(b), 1, benchBatch)
	})
}

// BenchmarkCreate compares single creates with CreateTransfers of benchBatch.
func BenchmarkCreate(b *testing.B) {
	for _, batch := range []int{1, benchBatch} {
		b.Run(fmt.Sprintf("goroutines=1/batch=%d", batch), func(b *testing.B) {
			storetest.BenchmarkCreates(b, open(b), 1, batch)
		})
	}
}
