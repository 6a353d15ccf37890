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
