package ratelimittest

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/causeway/causeway/settlement/gateway/ratelimit"
)

// Shape of the benchmark load: calls spread over benchKeys clients, with a
// limit most calls stay within (a refused call costs the same anyway).
const (
	benchKeys  = 1000
	benchRate  = 1000
	benchBurst = 1000
	// benchCallerSpread is how many callers' starting keys divide the key
	// space between them.
	benchCallerSpread = 16
)

// Benchmark measures Allow from parallel callers (GOMAXPROCS of them, or
// -cpu) and reports decisions per second.
func Benchmark(b *testing.B, l ratelimit.Limiter) {
	keys := make([]string, benchKeys)
	for i := range keys {
		keys[i] = "bench-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var callers atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(callers.Add(1)) * benchKeys / benchCallerSpread // callers start on different keys
		for pb.Next() {
			if _, err := l.Allow(b.Context(), keys[i%benchKeys], benchRate, benchBurst); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allows/s")
}
