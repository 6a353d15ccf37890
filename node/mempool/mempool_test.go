package mempool_test

import (
	"sync"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/mempool"
	"github.com/causeway/causeway/node/tx"
)

func TestAddRejections(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		cfg   mempool.Config
		setup func(t *testing.T, e *env)
		raw   func(e *env) []byte
		want  app.Code
	}{
		{"over tx size cap", mempool.DefaultConfig(), nil,
			func(*env) []byte { return make([]byte, tx.MaxTxBytes+1) }, app.CodeTooLarge},
		{"over pool byte cap", mempool.Config{MaxTxs: 10, MaxBytes: 100}, nil,
			func(e *env) []byte { return e.send(1, 0, 1) }, app.CodeTooLarge},
		{"malformed", mempool.DefaultConfig(), nil,
			func(*env) []byte { return []byte{0xc1, 0xff} }, app.CodeMalformed},
		{"wrong chain", mempool.DefaultConfig(), nil, func(e *env) []byte {
			typ, p := bank.NewSend(attest.Address{}, "USD", uint256.NewInt(1))
			return apptest.SignedTxFor("otherchain", e.gen.Hash(), e.accts[1], 0, typ, p)
		}, app.CodeWrongChain},
		{"bad signature", mempool.DefaultConfig(), nil, func(e *env) []byte {
			d, err := tx.Decode(e.send(1, 0, 1))
			if err != nil {
				panic(err)
			}
			d.Sig = append(d.Sig[:64:64], 9)
			return d.Encode()
		}, app.CodeBadSignature},
		{"duplicate", mempool.DefaultConfig(), func(t *testing.T, e *env) { e.add(t, e.send(1, 0, 1)) },
			func(e *env) []byte { return e.send(1, 0, 1) }, app.CodeDuplicate},
		{"same sender and nonce", mempool.DefaultConfig(), func(t *testing.T, e *env) { e.add(t, e.send(1, 0, 1)) },
			func(e *env) []byte { return e.send(1, 0, 2) }, app.CodeDuplicate},
		{"nonce too low", mempool.DefaultConfig(), func(t *testing.T, e *env) {
			require.NoError(t, app.SetAccountNonce(e.st, e.accts[1].Address, 3))
		}, func(e *env) []byte { return e.send(1, 2, 1) }, app.CodeNonceTooLow},
		{"nonce beyond window", mempool.Config{NonceWindow: 2}, nil,
			func(e *env) []byte { return e.send(1, 3, 1) }, app.CodeNonceTooHigh},
		{"nonce beyond window with pending", mempool.Config{NonceWindow: 2}, func(t *testing.T, e *env) {
			e.add(t, e.send(1, 0, 1), e.send(1, 1, 1))
		}, func(e *env) []byte { return e.send(1, 5, 1) }, app.CodeNonceTooHigh},
		{"insufficient balance", mempool.DefaultConfig(), nil,
			func(e *env) []byte { return e.send(1, 0, 1_000_001) }, app.CodeInsufficientBalance},
		{"zero amount", mempool.DefaultConfig(), nil,
			func(e *env) []byte { return e.send(1, 0, 0) }, app.CodeInvalidAmount},
		{"invalid denom", mempool.DefaultConfig(), nil, func(e *env) []byte {
			typ, p := bank.NewSend(attest.Address{}, "no denom", uint256.NewInt(1))
			return apptest.SignedTx(e.gen, e.accts[1], 0, typ, p)
		}, app.CodeInvalidDenom},
		{"unknown tx type", mempool.DefaultConfig(), nil, func(e *env) []byte {
			return apptest.SignedTx(e.gen, e.accts[1], 0, "nosuch.method", nil)
		}, app.CodeUnknownTxType},
		{"full by count", mempool.Config{MaxTxs: 1}, func(t *testing.T, e *env) { e.add(t, e.send(1, 0, 1)) },
			func(e *env) []byte { return e.send(2, 0, 1) }, app.CodeMempoolFull},
		{"full by bytes", mempool.Config{MaxTxs: 10, MaxBytes: 200}, func(t *testing.T, e *env) { e.add(t, e.send(1, 0, 1)) },
			func(e *env) []byte { return e.send(2, 0, 1) }, app.CodeMempoolFull},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.cfg)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			size, bytes, state := e.pool.Size(), e.pool.Bytes(), e.st.Dump()
			raw := tc.raw(e)
			_, err := e.pool.Add(raw, e.st)
			var coded *app.Error
			require.ErrorAs(t, err, &coded)
			require.Equal(t, tc.want, coded.Code, "%v", err)
			require.Equal(t, size, e.pool.Size())
			require.Equal(t, bytes, e.pool.Bytes())
			require.Equal(t, state, e.st.Dump(), "admission never writes state")
			if tc.want != app.CodeDuplicate {
				require.False(t, e.pool.Has(attest.Keccak(raw)))
			}
		})
	}
}

func TestAddAccepts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mempool.DefaultConfig())
	raw := e.send(1, 0, 5)
	hash, err := e.pool.Add(raw, e.st)
	require.NoError(t, err)
	d, err := tx.Decode(raw)
	require.NoError(t, err)
	require.Equal(t, d.Hash(), hash)
	require.True(t, e.pool.Has(hash))
	require.Equal(t, 1, e.pool.Size())
	require.Equal(t, len(raw), e.pool.Bytes())
}

func TestNonceGapsWaitForTheirPredecessors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mempool.DefaultConfig())
	tx0, tx1, tx2 := e.send(1, 0, 1), e.send(1, 1, 1), e.send(1, 2, 1)
	e.add(t, tx2)
	require.False(t, signaled(e.pool), "a gapped tx is not executable")
	require.Empty(t, e.pool.Reap(0, 0))
	e.add(t, tx0)
	require.True(t, signaled(e.pool))
	require.Equal(t, [][]byte{tx0}, e.pool.Reap(0, 0))
	e.add(t, tx1)
	require.True(t, signaled(e.pool))
	require.Equal(t, [][]byte{tx0, tx1, tx2}, e.pool.Reap(0, 0))
}

func TestReapIsFairAcrossSenders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mempool.DefaultConfig())
	// Sender 3 arrives first, then 1, then 2; each queues three nonces.
	for _, from := range []int{3, 1, 2} {
		for n := range uint64(3) {
			e.add(t, e.send(from, n, 1))
		}
	}
	var want [][]byte
	for n := range uint64(3) {
		for _, from := range []int{3, 1, 2} {
			want = append(want, e.send(from, n, 1))
		}
	}
	require.Equal(t, want, e.pool.Reap(0, 0))
	require.Equal(t, want[:4], e.pool.Reap(4, 0))
	require.Equal(t, want, e.pool.Reap(0, 0), "reap does not remove")
}

func TestReapRespectsByteBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mempool.DefaultConfig())
	big := e.send(2, 0, 1_000_000) // a 3-byte amount
	small := e.send(1, 0, 1)       // a 1-byte amount
	require.Greater(t, len(big), len(small))
	e.add(t, big, small)
	got := e.pool.Reap(0, len(small))
	require.Equal(t, [][]byte{small}, got, "a sender that does not fit leaves the rotation; others still fill")
	require.Equal(t, [][]byte{big, small}, e.pool.Reap(0, len(big)+len(small)))
}

func TestReapIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := newEnv(t, mempool.DefaultConfig()), newEnv(t, mempool.DefaultConfig())
	for n := range uint64(4) {
		for from := 1; from < testAccounts; from++ {
			raw := a.send(from, n, n+1)
			a.add(t, raw)
			b.add(t, raw)
		}
	}
	require.Equal(t, a.pool.Reap(0, 0), b.pool.Reap(0, 0))
	require.Equal(t, a.pool.Reap(7, 1500), b.pool.Reap(7, 1500))
}

func TestUpdateRemovesIncludedAndStale(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mempool.DefaultConfig())
	a0, a1, a2 := e.send(1, 0, 1), e.send(1, 1, 1), e.send(1, 2, 1)
	b0 := e.send(2, 0, 1)
	e.add(t, a0, a1, a2, b0)

	// Another node's block carries a conflicting nonce 1 for sender 1 that
	// this pool never saw, plus a0.
	conflict := e.send(1, 1, 999)
	rs := e.commit(t, 1, [][]byte{a0, conflict})
	require.Equal(t, app.CodeOK, rs[1].Code, rs[1].Log)

	require.False(t, e.pool.Has(attest.Keccak(a0)), "included tx removed")
	require.False(t, e.pool.Has(attest.Keccak(a1)), "nonce used by the conflicting tx")
	require.True(t, e.pool.Has(attest.Keccak(a2)))
	require.Equal(t, 2, e.pool.Size())
	require.Equal(t, len(a2)+len(b0), e.pool.Bytes())
	require.True(t, signaled(e.pool))
	require.Equal(t, [][]byte{a2, b0}, e.pool.Reap(0, 0))

	_, err := e.pool.Add(a1, e.st)
	require.ErrorIs(t, err, app.ErrNonceTooLow, "the replaced tx cannot come back")
}

// A transaction checked against a state read before its block committed
// (gossip admitted with a snapshot taken a moment earlier) is not admitted
// again once the block has removed it, even with no other tx of its sender
// pending.
func TestCommittedTxNotReadmittedFromStaleState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mempool.DefaultConfig())
	stale := apptest.NewMemState()
	require.NoError(t, e.app.InitChain(stale, app.BlockInfo{ChainID: e.gen.ChainID, Genesis: e.gen.Hash()}))
	stale.Commit()
	a0 := e.send(1, 0, 1)
	e.add(t, a0)
	e.commit(t, 1, [][]byte{a0})
	require.Zero(t, e.pool.Size())

	_, err := e.pool.Add(a0, stale)
	require.ErrorIs(t, err, app.ErrNonceTooLow)
	require.Zero(t, e.pool.Size())

	// Blocks later the pool forgets the hash; the state it is given then
	// is current and refuses the nonce itself.
	for h := uint64(2); h < 2+mempool.RecentBlocks; h++ {
		e.commit(t, h, nil)
	}
	_, err = e.pool.Add(a0, e.st)
	require.ErrorIs(t, err, app.ErrNonceTooLow)
}

func TestUpdateDropsSenderWhoseNonceCannotBeRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mempool.DefaultConfig())
	a0, a1 := e.send(1, 0, 1), e.send(1, 1, 1)
	e.add(t, a0, a1)
	broken := &apptest.Faulty{State: e.st, FailOn: func(apptest.Op, []byte) bool { return true }}
	e.pool.Update([][]byte{a0}, broken)
	require.Zero(t, e.pool.Size())
	require.Zero(t, e.pool.Bytes())
}

func TestBoundedSize(t *testing.T) {
	t.Parallel()
	const maxTxs = 5
	e := newEnv(t, mempool.Config{MaxTxs: maxTxs, NonceWindow: 100})
	full := 0
	for n := range uint64(maxTxs + 3) {
		if _, err := e.pool.Add(e.send(1, n, 1), e.st); err != nil {
			require.ErrorIs(t, err, app.ErrMempoolFull)
			full++
		}
	}
	require.Equal(t, 3, full)
	require.Equal(t, maxTxs, e.pool.Size())
	e.commit(t, 1, e.pool.Reap(2, 0))
	require.Equal(t, maxTxs-2, e.pool.Size(), "room frees after commit")
	e.add(t, e.send(1, maxTxs, 1))
}

func TestExecutionReusesAdmissionVerification(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mempool.DefaultConfig())
	for from := 1; from < testAccounts; from++ {
		e.add(t, e.send(from, 0, 1), e.send(from, 1, 1))
	}
	before := e.app.Cache().Verifications()
	rs := e.commit(t, 1, e.pool.Reap(0, 0))
	require.Len(t, rs, 2*(testAccounts-1))
	for _, r := range rs {
		require.Equal(t, app.CodeOK, r.Code, r.Log)
	}
	require.Equal(t, before, e.app.Cache().Verifications(), "no signature verified twice")
	require.Zero(t, e.pool.Size())
}

func TestConcurrentAddReapUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mempool.Config{NonceWindow: 1000})
	const perSender = 20
	raws := make([][][]byte, testAccounts)
	for from := range raws {
		for n := range uint64(perSender) {
			raws[from] = append(raws[from], e.send(from, n, 1))
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(raws)) // FailNow must not run off the test goroutine
	for from := range raws {
		wg.Go(func() {
			for _, raw := range raws[from] {
				if _, err := e.pool.Add(raw, e.st); err != nil && errs[from] == nil {
					errs[from] = err
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			_ = e.pool.Reap(10, 0)
			_ = e.pool.Size()
		}
	})
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, testAccounts*perSender, e.pool.Size())
	require.Len(t, e.pool.Reap(0, 0), testAccounts*perSender)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  mempool.Config
		ok   bool
	}{
		{"default", mempool.DefaultConfig(), true},
		{"zero txs", mempool.Config{MaxBytes: 1}, false},
		{"zero bytes", mempool.Config{MaxTxs: 1}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, mempool.ErrInvalidConfig)
		})
	}
}
