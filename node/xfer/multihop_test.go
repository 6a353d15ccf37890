package xfer_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/xfer"
)

// TestMultiHopVoucherPaths carries USD alpha → beta → gamma and all the way
// back, checking denominations and that, whenever nothing is in flight,
// every escrow equals the voucher supply it backs.
func TestMultiHopVoucherPaths(t *testing.T) {
	t.Parallel()
	cs := newChains(t, map[string]chainOpts{}, "alpha", "beta", "gamma")
	alpha, beta, gamma := cs[0], cs[1], cs[2]
	hop := func(src, dst *testChain, from int, to int, denom string, n uint64) {
		t.Helper()
		tr := usd(dst.id(), dst.user(to), n)
		tr.Denom = denom
		seq := src.send(from, tr)
		relay(t, src, dst, seq)
		ackBack(t, src, dst, src.user(2), seq)
		require.Equal(t, xfer.TaskFinished, task(t, src, dst.id(), seq).Status)
	}
	backed := func(origin, holder *testChain, denom string) {
		t.Helper()
		escrowed, err := xfer.Escrowed(origin.st, holder.id(), denom)
		require.NoError(t, err)
		require.Equal(t, escrowed, supplyOf(t, holder, xfer.VoucherDenom(origin.id(), denom)),
			"%s escrow of %s for %s", origin.id(), denom, holder.id())
	}

	hop(alpha, beta, 0, 1, "USD", 100)
	hop(beta, gamma, 1, 1, "alpha/USD", 60)
	require.Equal(t, u(60), balance(t, gamma, gamma.user(1), "beta/alpha/USD"))
	backed(alpha, beta, "USD")       // 100 escrowed on alpha, 100 alpha/USD on beta
	backed(beta, gamma, "alpha/USD") // 60 escrowed on beta, 60 beta/alpha/USD on gamma

	hop(gamma, beta, 1, 0, "beta/alpha/USD", 25)
	require.Equal(t, u(25), balance(t, beta, beta.user(0), "alpha/USD"))
	backed(beta, gamma, "alpha/USD")
	hop(beta, alpha, 0, 0, "alpha/USD", 25)
	require.Equal(t, sub(funds(), 75), balance(t, alpha, alpha.user(0), "USD"))
	backed(alpha, beta, "USD")
	require.Equal(t, u(75), balance(t, alpha, xfer.EscrowAddress("beta"), "USD"))
	require.Equal(t, u(75), supplyOf(t, beta, "alpha/USD"))
	require.Equal(t, u(35), supplyOf(t, gamma, "beta/alpha/USD"))
}
