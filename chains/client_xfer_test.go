package chains_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/rpc/rpctest"
)

func clientPacket(seq uint64) *attest.Packet {
	return &attest.Packet{Src: "alpha", Dst: "beta", Seq: seq, Sender: attest.AddressOf(rpctest.Key("s")),
		Receiver: attest.AddressOf(rpctest.Key("r")), Denom: "USD", Amount: uint256.NewInt(seq),
		TimeoutHeight: 10, RelayFee: uint256.NewInt(0)}
}

// seedClientXfer commits packets 1 and 2 to beta and a receipt for beta #4
// in one block and returns its height.
func seedClientXfer(b *rpctest.Backend) uint64 {
	b.SendPacket(clientPacket(1))
	b.SendPacket(clientPacket(2))
	b.WriteReceipt("beta", 4, attest.PacketReceipt{Status: attest.ReceiptTimeout})
	b.SetLightClient(&rpc.LightClient{ChainID: "beta", LatestHeight: 3})
	b.SetRoute(&rpc.Route{Chain: "beta", Open: true, NextSequence: 3})
	return b.Commit().Block.Header.Height
}

func TestClientPacketAndReceiptProofs(t *testing.T) {
	t.Parallel()
	n := startClientNode(t)
	h := seedClientXfer(n.b)
	n.b.Commit()
	c := dialClient(t, n.url("http"))
	ctx := t.Context()

	ch, pps, err := c.PacketProofs(ctx, "beta", []uint64{1, 3, 2}, h)
	require.NoError(t, err)
	require.Equal(t, h, ch.Header.Height)
	require.NoError(t, attest.VerifyCertifiedHeader(n.b.GenesisHash(), "alpha", n.b.ValidatorSet(), ch))
	require.Nil(t, pps[1])
	require.Equal(t, uint64(1), pps[0].Packet.Seq)
	require.Equal(t, uint64(2), pps[2].Packet.Seq)

	latest, _, err := c.PacketProofs(ctx, "beta", []uint64{1}, 0)
	require.NoError(t, err)
	require.Equal(t, h+1, latest.Header.Height, "height 0 is the latest")

	rch, rps, err := c.ReceiptProofs(ctx, "beta", []uint64{4, 5}, h)
	require.NoError(t, err)
	require.Equal(t, ch.Header.Hash(), rch.Header.Hash())
	require.Equal(t, attest.ReceiptTimeout, rps[0].Receipt.Status)
	require.Nil(t, rps[1])

	task, err := c.Task(ctx, "beta", 2)
	require.NoError(t, err)
	require.Equal(t, rpc.TaskPending, task.Status)
	none, err := c.Task(ctx, "beta", 3)
	require.NoError(t, err)
	require.Nil(t, none)
	r, err := c.PacketReceipt(ctx, "beta", 4)
	require.NoError(t, err)
	require.Equal(t, rpc.ReceiptStatusTimeout, r.Status)
	lc, err := c.ClientState(ctx, "beta")
	require.NoError(t, err)
	require.Equal(t, uint64(3), lc.LatestHeight)
	route, err := c.Route(ctx, "beta")
	require.NoError(t, err)
	require.Equal(t, uint64(3), route.NextSequence)
	missing, err := c.Route(ctx, "gamma")
	require.NoError(t, err)
	require.Nil(t, missing)

	_, _, err = c.PacketProofs(ctx, "beta", []uint64{1}, h+5)
	require.ErrorIs(t, err, rpc.ErrNotFound)
}

func TestClientBatchedLookups(t *testing.T) {
	t.Parallel()
	n := startClientNode(t)
	seedClientXfer(n.b)
	c := dialClient(t, n.url("ws"))
	ctx := t.Context()

	// 250 sequences span three batches; 2 and 4 answer, the rest are null.
	seqs := make([]uint64, 250)
	for i := range seqs {
		seqs[i] = uint64(i + 1)
	}
	tasks, err := c.Tasks(ctx, "beta", seqs)
	require.NoError(t, err)
	require.Len(t, tasks, len(seqs))
	receipts, err := c.PacketReceipts(ctx, "beta", seqs)
	require.NoError(t, err)
	require.Len(t, receipts, len(seqs))
	for i, seq := range seqs {
		one, err := c.Task(ctx, "beta", seq)
		require.NoError(t, err)
		require.Equal(t, one, tasks[i], "task #%d", seq)
		r, err := c.PacketReceipt(ctx, "beta", seq)
		require.NoError(t, err)
		require.Equal(t, r, receipts[i], "receipt #%d", seq)
	}
	require.Equal(t, rpc.TaskPending, tasks[1].Status)
	require.Equal(t, rpc.ReceiptStatusTimeout, receipts[3].Status)
	require.Nil(t, tasks[249])

	empty, err := c.Tasks(ctx, "beta", nil)
	require.NoError(t, err)
	require.Empty(t, empty)
	_, err = c.PacketReceipts(ctx, "not a chain id!", []uint64{1})
	require.Error(t, err, "one call's error fails the lookup")
}

// lyingProofs serves proofs whose last node is corrupted, as a faulty or
// hostile node might.
type lyingProofs struct{ *rpctest.Backend }

func (l lyingProofs) Prove(ctx context.Context, h uint64, keys [][]byte) (attest.Hash, []rpc.StateProof, error) {
	root, proofs, err := l.Backend.Prove(ctx, h, keys)
	for i := range proofs {
		p := proofs[i].Proof
		last := bytes.Clone(p[len(p)-1])
		last[len(last)-1] ^= 1
		proofs[i].Proof = append(append([][]byte(nil), p[:len(p)-1]...), last)
	}
	return root, proofs, err
}

// forgedReceipts claims every receipt is ok, whatever the state holds.
type forgedReceipts struct{ *rpctest.Backend }

func (f forgedReceipts) Prove(ctx context.Context, h uint64, keys [][]byte) (attest.Hash, []rpc.StateProof, error) {
	root, proofs, err := f.Backend.Prove(ctx, h, keys)
	for i, k := range keys {
		if strings.HasPrefix(string(k), "xin/") {
			proofs[i].Value = attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptOK})
		}
	}
	return root, proofs, err
}

func TestClientRefusesProofsThatDoNotVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		wrap func(*rpctest.Backend) rpc.Backend
		call func(context.Context, *chains.Client, uint64) error
	}{
		{"corrupt packet proof", func(b *rpctest.Backend) rpc.Backend { return lyingProofs{b} },
			func(ctx context.Context, c *chains.Client, h uint64) error {
				_, _, err := c.PacketProofs(ctx, "beta", []uint64{1}, h)
				return err
			}},
		{"corrupt receipt proof", func(b *rpctest.Backend) rpc.Backend { return lyingProofs{b} },
			func(ctx context.Context, c *chains.Client, h uint64) error {
				_, _, err := c.ReceiptProofs(ctx, "beta", []uint64{4}, h)
				return err
			}},
		{"forged receipt", func(b *rpctest.Backend) rpc.Backend { return forgedReceipts{b} },
			func(ctx context.Context, c *chains.Client, h uint64) error {
				_, _, err := c.ReceiptProofs(ctx, "beta", []uint64{4}, h)
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := rpctest.New("alpha")
			n := startClientNodeWith(t, tt.wrap(b), b)
			h := seedClientXfer(b)
			c := dialClient(t, n.url("http"))
			require.ErrorIs(t, tt.call(t.Context(), c, h), chains.ErrBadResponse)
		})
	}
}
