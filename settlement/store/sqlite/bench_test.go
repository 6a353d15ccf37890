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

func BenchmarkTransitionBatch(b *testing.B) {
	const batch = 100
	b.Run(fmt.Sprintf("goroutines=1/batch=%d", batch), func(b *testing.B) {
		storetest.BenchmarkTransitionBatches(b, open(b), 1, batch)
	})
}
