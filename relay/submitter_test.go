package relay_test

import (
	"crypto/ecdsa"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay"
)

func newKeys(t *testing.T, n int) []*ecdsa.PrivateKey {
	t.Helper()
	keys := make([]*ecdsa.PrivateKey, n)
	for i := range keys {
		k, err := crypto.GenerateKey()
		require.NoError(t, err)
		keys[i] = k
	}
	return keys
}

func fakeSubmitter(t *testing.T, f *fakeChain, keys []*ecdsa.PrivateKey) *relay.Submitter {
	t.Helper()
	cfg := relay.DefaultSubmitterConfig(f.id, f.genesis)
	cfg.Backoff = relay.Backoff{Min: time.Millisecond, Max: 5 * time.Millisecond}
	cfg.ReceiptPoll = time.Millisecond
	s, err := relay.NewSubmitter(cfg, f, keys, zaptest.NewLogger(t))
	require.NoError(t, err)
	return s
}

// Keys take turns; a nonce spent elsewhere is refused once, read again,
// and the transaction lands at the right nonce.
func TestSubmitterResyncsNonceAndRoundRobins(t *testing.T) {
	t.Parallel()
	f := newFakeChain("beta")
	keys := newKeys(t, 2)
	s := fakeSubmitter(t, f, keys)
	var senders []attest.Address
	for range 4 {
		r, err := s.Submit(t.Context(), "bank.send", []byte{0xc0})
		require.NoError(t, err)
		senders = append(senders, r.Sender.Attest())
	}
	a, b := attest.AddressOf(keys[0]), attest.AddressOf(keys[1])
	require.Equal(t, []attest.Address{a, b, a, b}, senders)
	require.Zero(t, s.Stats().Mismatches)

	f.useNonce(a)
	_, err := s.Submit(t.Context(), "bank.send", []byte{0xc0})
	require.NoError(t, err)
	st := s.Stats()
	require.EqualValues(t, 1, st.Mismatches)
	require.EqualValues(t, 3, st.Resyncs, "one read per key, one after the mismatch")
	require.EqualValues(t, 5, st.Submitted)
	require.EqualValues(t, 6, st.Broadcasts)
}

// A receipt with a code is a typed rejection carrying it.
func TestSubmitterReturnsRejectionsWithTheirCode(t *testing.T) {
	t.Parallel()
	f := newFakeChain("beta")
	f.code = uint32(xfer.CodeClientFrozen)
	s := fakeSubmitter(t, f, newKeys(t, 1))
	r, err := s.Submit(t.Context(), xfer.TypeRecv, []byte{0xc0})
	require.ErrorIs(t, err, relay.ErrRejected)
	var rej *relay.RejectedError
	require.True(t, errors.As(err, &rej))
	require.Equal(t, uint32(xfer.CodeClientFrozen), rej.Code)
	require.Equal(t, "client_frozen", rej.Name)
	require.False(t, rej.Admission)
	require.Equal(t, rej.Receipt, r)
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	t.Parallel()
	b := relay.Backoff{Min: 10 * time.Millisecond, Max: time.Second}
	for attempt, want := range []time.Duration{10, 20, 40, 80, 160, 320, 640, 1000, 1000} {
		want *= time.Millisecond
		d := b.Delay(attempt)
		require.LessOrEqual(t, d, want, "attempt %d", attempt)
		require.GreaterOrEqual(t, d, want/2, "attempt %d", attempt)
	}
	require.LessOrEqual(t, b.Delay(1000), time.Second)
}
