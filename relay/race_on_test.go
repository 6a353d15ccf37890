//go:build race

package relay_test

// raceEnabled is true under the race detector, which slows everything
// enough that the load tests shrink.
const raceEnabled = true
