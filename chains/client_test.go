package chains_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/rpc/rpctest"
)

func TestClientReadsTheChain(t *testing.T) {
	t.Parallel()
	for _, scheme := range transports {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			n := startClientNode(t)
			fx := seedClientChain(t, n.b)
			c := dialClient(t, n.url(scheme))
			ctx := t.Context()

			st, err := c.Status(ctx)
			require.NoError(t, err)
			require.Equal(t, uint64(3), st.LatestHeight)
			require.Equal(t, n.b.GenesisHash(), st.GenesisHash)

			blk, err := c.BlockByHeight(ctx, 2, true)
			require.NoError(t, err)
			require.Equal(t, []attest.Hash{fx.txHash}, blk.TxHashes)
			require.Len(t, blk.Txs, 1)

			ch, err := c.CertifiedHeader(ctx, 2)
			require.NoError(t, err)
			require.Equal(t, blk.Hash, ch.Certified.Header.Hash())
			require.NoError(t, attest.VerifyCertifiedHeader(n.b.GenesisHash(), "alpha", n.b.ValidatorSet(), ch.Certified))

			p, err := c.Proof(ctx, []string{rpctest.BalanceKey(fx.user, "USD"), rpctest.BalanceKey(fx.user, "EUR")}, 2)
			require.NoError(t, err)
			require.Equal(t, ch.Certified.Header.StateRoot, p.StateRoot)
			require.Equal(t, "250", string(*p.Proofs[0].Value))
			require.Nil(t, p.Proofs[1].Value)

			acct, err := c.Account(ctx, fx.user)
			require.NoError(t, err)
			require.Equal(t, uint64(1), acct.Nonce)
			require.Equal(t, uint64(3), acct.Height)
			old, err := c.AccountAt(ctx, fx.user, 1)
			require.NoError(t, err)
			require.Zero(t, old.Nonce)

			ev, err := c.BlockEvents(ctx, 3)
			require.NoError(t, err)
			require.Equal(t, "xfer.timeout", ev.Events[0].Type)

			vals, err := c.Validators(ctx)
			require.NoError(t, err)
			require.Equal(t, uint64(3), vals.Height)
			require.Len(t, vals.Validators, rpctest.DefaultValidators)
			at, err := c.ValidatorsAt(ctx, 1)
			require.NoError(t, err)
			require.Equal(t, vals.ValidatorsHash, at.ValidatorsHash)

			r, err := c.TransactionReceipt(ctx, fx.txHash)
			require.NoError(t, err)
			require.Equal(t, uint64(2), r.Height)
			none, err := c.TransactionReceipt(ctx, attest.Hash{1})
			require.NoError(t, err)
			require.Nil(t, none)
		})
	}
}

func TestClientSendAndWaitReceipt(t *testing.T) {
	t.Parallel()
	for _, scheme := range transports {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			n := startClientNode(t)
			c := dialClient(t, n.url(scheme))
			raw := n.b.SignTx(rpctest.Key("waiter"), 0, "bank.send", nil)
			h, err := c.SendRawTransaction(t.Context(), raw)
			require.NoError(t, err)
			require.Equal(t, attest.Keccak(raw), h)

			// Pending: waiting gives up when the context does.
			short, cancel := context.WithTimeout(t.Context(), 2*chains.ReceiptPollInterval)
			defer cancel()
			_, err = c.WaitReceipt(short, h)
			require.ErrorIs(t, err, context.DeadlineExceeded)

			n.b.Commit()
			r, err := c.WaitReceipt(t.Context(), h)
			require.NoError(t, err)
			require.Equal(t, h, r.TxHash)
			require.Equal(t, uint64(1), r.Height)
		})
	}
}

func TestClientErrorCodesRoundTrip(t *testing.T) {
	t.Parallel()
	const requestLimit = 8 << 10
	n := startClientNode(t, func(c *rpc.Config) { c.MaxProofKeys = 1; c.MaxRequestBytes = requestLimit })
	seedClientChain(t, n.b)
	foreign := rpctest.New("beta").SignTx(rpctest.Key("x"), 0, "bank.send", nil)
	replay := n.b.SignTx(rpctest.Key("client-user"), 0, "bank.send", nil)

	tests := []struct {
		name  string
		call  func(context.Context, *chains.Client) error
		code  int
		cname string
	}{
		{"not found", func(ctx context.Context, c *chains.Client) error {
			_, err := c.BlockByHeight(ctx, 42, false)
			return err
		}, rpc.CodeNotFound, "not_found"},
		{"wrong chain", func(ctx context.Context, c *chains.Client) error {
			_, err := c.SendRawTransaction(ctx, foreign)
			return err
		}, rpctest.CodeWrongChain, "wrong_chain"},
		{"nonce replay", func(ctx context.Context, c *chains.Client) error {
			_, err := c.SendRawTransaction(ctx, replay)
			return err
		}, rpctest.CodeNonceTooLow, "nonce_too_low"},
		{"malformed tx", func(ctx context.Context, c *chains.Client) error {
			_, err := c.SendRawTransaction(ctx, []byte{0xff})
			return err
		}, rpctest.CodeMalformed, "malformed"},
		{"bad key", func(ctx context.Context, c *chains.Client) error {
			_, err := c.Proof(ctx, []string{"bal//USD"}, 1)
			return err
		}, rpc.CodeInvalidParams, "invalid_params"},
		{"too many keys", func(ctx context.Context, c *chains.Client) error {
			_, err := c.Proof(ctx, []string{"a", "b"}, 1)
			return err
		}, rpc.CodeLimitExceeded, "limit_exceeded"},
		{"future state", func(ctx context.Context, c *chains.Client) error {
			_, err := c.AccountAt(ctx, attest.Address{}, 99)
			return err
		}, rpc.CodeNotFound, "not_found"},
	}
	for _, scheme := range transports {
		c := dialClient(t, n.url(scheme))
		for _, tt := range tests {
			t.Run(scheme+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				err := tt.call(t.Context(), c)
				require.Error(t, err)
				code, ok := chains.ErrorCode(err)
				require.True(t, ok, "no code in %v", err)
				require.Equal(t, tt.code, code)
				var e *chains.Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, tt.cname, e.Name)
				require.ErrorIs(t, err, &rpc.Error{Code: tt.code})
			})
		}
	}

	t.Run("oversize request over http", func(t *testing.T) {
		t.Parallel()
		c := dialClient(t, n.url("http"))
		_, err := c.SendRawTransaction(t.Context(), make([]byte, requestLimit))
		require.ErrorIs(t, err, rpc.ErrLimitExceeded)
	})
}

func TestClientRefusesInconsistentAnswers(t *testing.T) {
	t.Parallel()
	b := rpctest.New("alpha")
	n := startClientNodeWith(t, lying{b}, b)
	seedClientChain(t, n.b)
	c := dialClient(t, n.url("http"))

	_, err := c.Proof(t.Context(), []string{"chain/alpha"}, 1)
	require.ErrorIs(t, err, chains.ErrBadResponse)
	_, ok := chains.ErrorCode(err)
	require.False(t, ok)
}

// lying reports a state root its proofs do not verify against.
type lying struct{ *rpctest.Backend }

func (l lying) Prove(ctx context.Context, height uint64, keys [][]byte) (attest.Hash, []rpc.StateProof, error) {
	_, proofs, err := l.Backend.Prove(ctx, height, keys)
	return attest.Keccak([]byte("not the root")), proofs, err
}

func TestDialRejectsUnknownScheme(t *testing.T) {
	t.Parallel()
	tests := []string{"tcp://127.0.0.1:1", "127.0.0.1:1", "ipc:///tmp/x"}
	for _, u := range tests {
		t.Run(u, func(t *testing.T) {
			t.Parallel()
			_, err := chains.Dial(t.Context(), u)
			require.Error(t, err)
			if strings.Contains(u, "://") {
				require.ErrorIs(t, err, chains.ErrUnsupportedScheme)
			}
		})
	}
}

func TestErrorCodeOfForeignErrors(t *testing.T) {
	t.Parallel()
	_, ok := chains.ErrorCode(errors.New("plain"))
	require.False(t, ok)
	code, ok := chains.ErrorCode(fmt.Errorf("wrapped: %w", rpc.ErrSlowSubscriber))
	require.True(t, ok)
	require.Equal(t, rpc.CodeSlowSubscriber, code)
}
