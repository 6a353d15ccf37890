package consensus_test

import (
	"flag"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/consensus/sim"
)

// Simulation flags: -seeds=N runs seeds 1..N; -seed=S replays one seed.
var (
	seedsFlag = flag.Int("seeds", defaultSeeds, "number of simulation seeds to run")
	seedFlag  = flag.Int64("seed", 0, "run only this simulation seed (0: run -seeds seeds)")
	logFlag   = flag.Bool("simlog", false, "with -seed: print every event and action of the run")
)

const (
	defaultSeeds = 2000
	shortSeeds   = 200
)

// TestSimulation runs the seeded simulator over many seeds, checking safety,
// liveness after the faults stop, and evidence on every one.
func TestSimulation(t *testing.T) {
	t.Parallel()
	runSeeds(t, sim.DefaultConfig())
}

// TestSimulationSeven runs seven validators with two equivocators.
func TestSimulationSeven(t *testing.T) {
	t.Parallel()
	cfg := sim.DefaultConfig()
	cfg.Validators, cfg.Byzantine, cfg.Crashes = 7, 2, 2
	runSeeds(t, cfg, withSeedDivisor(20))
}

// TestSimulationHarsh runs heavier faults: more loss, partitions and
// crashes over a longer chaos phase.
func TestSimulationHarsh(t *testing.T) {
	t.Parallel()
	cfg := sim.DefaultConfig()
	cfg.Chaos = 4 * time.Second
	cfg.LossRate, cfg.DupRate, cfg.LateRate = 0.3, 0.1, 0.1
	cfg.Partitions, cfg.Crashes = 3, 3
	cfg.EquivocateRate = 0.8
	runSeeds(t, cfg, withSeedDivisor(20))
}

func TestSimulationIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{1, 7, 42} {
		a, err := sim.Run(seed, sim.DefaultConfig())
		require.NoError(t, err)
		b, err := sim.Run(seed, sim.DefaultConfig())
		require.NoError(t, err)
		require.Equal(t, a, b, "seed %d", seed)
	}
	a, err := sim.Run(1, sim.DefaultConfig())
	require.NoError(t, err)
	b, err := sim.Run(2, sim.DefaultConfig())
	require.NoError(t, err)
	require.NotEqual(t, a.TraceHash, b.TraceHash, "different seeds, different runs")
}

type seedOptions struct{ divisor int }

func withSeedDivisor(d int) func(*seedOptions) { return func(o *seedOptions) { o.divisor = d } }

// runSeeds runs the configured seeds in shards over the available CPUs and
// prints a replay command for the first seed that fails.
func runSeeds(t *testing.T, cfg sim.Config, opts ...func(*seedOptions)) {
	o := seedOptions{divisor: 1}
	for _, opt := range opts {
		opt(&o)
	}
	if *seedFlag != 0 {
		if *logFlag {
			cfg.Log = t.Output()
		}
		res, err := sim.Run(*seedFlag, cfg)
		require.NoError(t, err, replayHint(t.Name(), *seedFlag))
		t.Logf("seed %d: heights %v, %d commits, %d evidence, %d crashes, %d deliveries, %s virtual, trace %x",
			res.Seed, res.Heights, res.Commits, res.Evidence, res.Crashes, res.Deliveries, res.VirtualTime, res.TraceHash[:8])
		return
	}
	seeds := *seedsFlag
	if testing.Short() {
		seeds = min(seeds, shortSeeds)
	}
	seeds = max(1, seeds/o.divisor)
	shards := runtime.GOMAXPROCS(0)
	name := t.Name()
	var evidence [64]int
	for s := range shards {
		t.Run(fmt.Sprintf("shard%d", s), func(t *testing.T) {
			t.Parallel()
			for seed := int64(1 + s); seed <= int64(seeds); seed += int64(shards) {
				res, err := sim.Run(seed, cfg)
				if err != nil {
					t.Fatalf("%v\n%s", err, replayHint(name, seed))
				}
				evidence[s%len(evidence)] += res.Evidence
			}
		})
	}
	t.Cleanup(func() {
		total := 0
		for _, e := range evidence {
			total += e
		}
		if !t.Failed() {
			require.Positive(t, total, "the equivocators were never caught in %d seeds", seeds)
		}
	})
}

func replayHint(test string, seed int64) string {
	return fmt.Sprintf("replay: go test ./node/consensus -run '^%s$' -seed=%d -v (add -simlog for every event)", test, seed)
}
