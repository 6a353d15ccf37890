package bank_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
)

var conservationSeed = flag.Uint64("bank.seed", 0, "replay one conservation seed (0 runs the default range)")

const (
	conservationSeeds = 16  // seeds run by default
	conservationOps   = 400 // ledger operations per seed
)

// TestConservation drives random transfers, mints and burns (valid and not)
// and checks after each step that every supply equals the sum of its
// balances, that zero amounts are never stored, and that a rejected operation
// wrote nothing. A failure names its seed; replay with -bank.seed=N.
func TestConservation(t *testing.T) {
	t.Parallel()
	seeds := make([]uint64, 0, conservationSeeds)
	if *conservationSeed != 0 {
		seeds = append(seeds, *conservationSeed)
	} else {
		for s := range uint64(conservationSeeds) {
			seeds = append(seeds, s+1)
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runConservation(t, seed)
		})
	}
}

var (
	simAccounts = []attest.Address{{1}, {2}, {3}, {4}}
	simDenoms   = []string{"USD", "alpha/USD", "EUR", "bad denom"}
)

func runConservation(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed))
	st := apptest.NewMemState()
	applied := map[string]int{}
	for step := range conservationOps {
		ctx := &app.Context{State: st}
		before := st.Dump()
		snap := st.Snapshot()
		err := randomOp(rng, ctx)
		for _, e := range ctx.Events() {
			applied[e.Type]++
		}
		if err != nil {
			require.Truef(t, app.IsRejection(err), "seed %d step %d: %v", seed, step, err)
			require.Equalf(t, before, st.Dump(), "seed %d step %d: rejected op wrote state", seed, step)
			st.RevertToSnapshot(snap)
		}
		checkLedger(t, st, seed, step)
	}
	for _, kind := range []string{bank.EventMint, bank.EventBurn, bank.EventTransfer} {
		require.Positivef(t, applied[kind], "seed %d: no successful %s; the property was not exercised", seed, kind)
	}
}

func randomOp(rng *rand.Rand, ctx *app.Context) error {
	a := simAccounts[rng.IntN(len(simAccounts))]
	b := simAccounts[rng.IntN(len(simAccounts))]
	denom := simDenoms[rng.IntN(len(simDenoms))]
	amt := randomAmount(rng)
	switch rng.IntN(3) {
	case 0:
		return bank.Mint(ctx, a, denom, amt)
	case 1:
		return bank.Burn(ctx, a, denom, amt)
	default:
		return bank.Transfer(ctx, a, b, denom, amt)
	}
}

// randomAmount is usually small, sometimes zero and sometimes near 2^256 so
// that overflow paths run.
func randomAmount(rng *rand.Rand) *uint256.Int {
	switch rng.IntN(10) {
	case 0:
		return new(uint256.Int)
	case 1:
		return new(uint256.Int).Sub(new(uint256.Int).SetAllOne(), uint256.NewInt(rng.Uint64N(1000)))
	default:
		return uint256.NewInt(rng.Uint64N(1000))
	}
}

func checkLedger(t *testing.T, st *apptest.MemState, seed uint64, step int) {
	t.Helper()
	sums := map[string]*uint256.Int{}
	require.NoError(t, st.Iterate([]byte(bank.BalancePrefix), func(key, value []byte) error {
		require.NotEmptyf(t, value, "seed %d step %d: empty value at %s", seed, step, key)
		require.NotZerof(t, value[0], "seed %d step %d: non-minimal amount at %s", seed, step, key)
		denom := string(key[len(bank.BalancePrefix)+len("0x")+2*len(attest.Address{})+1:])
		if sums[denom] == nil {
			sums[denom] = new(uint256.Int)
		}
		_, overflow := sums[denom].AddOverflow(sums[denom], new(uint256.Int).SetBytes(value))
		require.Falsef(t, overflow, "seed %d step %d: balances of %s overflow", seed, step, denom)
		return nil
	}))
	supplies := 0
	require.NoError(t, st.Iterate([]byte(bank.SupplyPrefix), func(key, value []byte) error {
		supplies++
		denom := strings.TrimPrefix(string(key), bank.SupplyPrefix)
		require.NotNilf(t, sums[denom], "seed %d step %d: supply of %s with no balances", seed, step, denom)
		require.Truef(t, sums[denom].Eq(new(uint256.Int).SetBytes(value)),
			"seed %d step %d: %s supply %x != sum of balances %s", seed, step, denom, value, sums[denom].Dec())
		return nil
	}))
	require.Equalf(t, len(sums), supplies, "seed %d step %d: balances without supply", seed, step)
}
