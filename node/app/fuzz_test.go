package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// FuzzExecuteBlock executes one arbitrary transaction: execution must not
// fail or panic, and unless the transaction is accepted or consumes a nonce,
// state must not change.
func FuzzExecuteBlock(f *testing.F) {
	h := newHarness(f)
	f.Add(h.tx(0, 0, "counter.inc", "k"))
	f.Add(h.tx(1, 0, "counter.fail", "k"))
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		h := newHarness(t)
		before := h.st.Dump()
		rs := h.execute(t, raw)
		require.Equal(t, attest.Keccak(raw), rs[0].TxHash)
		if rs[0].Sender == (attest.Address{}) {
			require.NotEqual(t, app.CodeOK, rs[0].Code)
			require.Equal(t, before, h.st.Dump())
		}
	})
}
