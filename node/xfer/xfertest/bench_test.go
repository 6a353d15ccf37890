package xfertest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/node/xfer/xfertest"
)

// benchBatch is how many packets one certified header of the source carries.
const benchBatch = 100

// BenchmarkRecvThroughput measures how many packets one chain credits per
// second: each iteration is one block of beta receiving a batch of 100
// packets committed under one certified header of alpha (split into as many
// recv transactions as tx.MaxTxBytes allows), executed, committed and
// certified. Alpha's blocks and the relay's transactions are built before
// the timer starts.
//
//	go test ./node/xfer/xfertest -run '^$' -bench RecvThroughput -benchtime 40x
func BenchmarkRecvThroughput(b *testing.B) {
	for _, vals := range []int{4, 16} {
		b.Run(fmt.Sprintf("validators=%d", vals), func(b *testing.B) {
			benchRecv(b, vals)
		})
	}
}

func benchRecv(b *testing.B, vals int) {
	n := newNet(b, func(s *xfertest.ChainSpec) { s.Validators = vals }, alpha, beta)
	a, bt := n.Chain(alpha), n.Chain(beta)
	relayer := xfertest.Relayer()
	nonce, err := bt.Nonce(relayer.Address)
	require.NoError(b, err)
	blocks := make([][][]byte, b.N)
	txsPerBatch := 0
	for i := range blocks {
		for range benchBatch {
			tr := transferTo(bt, 1, usd, 1)
			tr.TimeoutHeight += uint64(b.N)
			send(b, a, 0, tr)
		}
		h := commit(b, a).Header.Header.Height
		packets, err := a.SentPackets(h)
		require.NoError(b, err)
		require.Len(b, packets, benchBatch)
		ch, err := a.Header(h)
		require.NoError(b, err)
		proofs, err := a.PacketProofs(h, packets)
		require.NoError(b, err)
		payloads, err := xfertest.RecvPayloads(alpha, ch, proofs)
		require.NoError(b, err)
		for _, p := range payloads {
			raw, err := bt.SignTxWithNonce(relayer, nonce, xfer.TypeRecv, p)
			require.NoError(b, err)
			nonce++
			blocks[i] = append(blocks[i], raw)
		}
		txsPerBatch = len(payloads)
	}
	b.ResetTimer()
	for i := range b.N {
		bt.Submit(blocks[i]...)
		blk, err := bt.Commit()
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range blk.Receipts {
			if r.Code != app.CodeOK {
				b.Fatalf("recv rejected: %s", r.Log)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "packets/s")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*benchBatch), "µs/packet")
	b.ReportMetric(float64(txsPerBatch), "txs/batch")
	got, err := bt.Supply(xfer.VoucherDenom(alpha, usd))
	require.NoError(b, err)
	require.Equal(b, uint64(b.N*benchBatch), got.Uint64(), "every packet credited once")
}
