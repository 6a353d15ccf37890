package xfer_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
)

// benchPackets is the batch a relay submits under one certified header.
const benchPackets = 100

// BenchmarkRecvBatch measures one xfer.recv of 100 packets under one
// certified header, per packet, with 4 and 16 source validators:
//
//   - verify: Check, i.e. decoding, the QC once and every packet proof (no writes);
//   - deliver: the full delivery (verification plus receipts and voucher
//     mints), whose inverse is the packets credited per second;
//   - deliver-cached: delivery under a header the light client already
//     verified, so only the proofs and credits are paid.
func BenchmarkRecvBatch(b *testing.B) {
	for _, vals := range []int{4, 16} {
		alpha, beta := newPair(b, chainOpts{vals: vals}, chainOpts{})
		seqs := make([]uint64, benchPackets)
		for i := range seqs {
			seqs[i] = alpha.send(i%testAccounts, usd("beta", beta.user(i%testAccounts), uint64(i+1)))
		}
		ch := alpha.commit(nil)
		_, payload := xfer.NewRecv("alpha", *ch, alpha.packetProofs(ch.Header.Height, "beta", seqs...))
		info := app.BlockInfo{ChainID: "beta", Genesis: beta.gen.Hash(), Height: beta.height, TimeMs: beta.timeMs}
		relayer := beta.user(2)
		cached := beta.st.Clone()
		require.NoError(b, xfer.NewModule().Deliver(&app.Context{BlockInfo: info, State: cached}, relayer,
			xfer.MethodRecv, mustRecvOne(b, alpha, ch)))

		b.Run(fmt.Sprintf("vals=%d/verify", vals), func(b *testing.B) {
			for b.Loop() {
				// A fresh module each time: its in-memory memo would skip the QC.
				mod := xfer.NewModule()
				ctx := &app.Context{BlockInfo: info, State: app.ReadOnly(beta.st)}
				if err := mod.Check(ctx, relayer, xfer.MethodRecv, payload); err != nil {
					b.Fatal(err)
				}
			}
			reportPerPacket(b)
			b.ReportMetric(float64(len(payload))/benchPackets, "B/packet")
		})
		for _, tc := range []struct {
			name string
			base func() app.State
		}{
			{"deliver", func() app.State { return beta.st.Clone() }},
			{"deliver-cached", func() app.State { return cached.Clone() }},
		} {
			b.Run(fmt.Sprintf("vals=%d/%s", vals, tc.name), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					mod := xfer.NewModule()
					ctx := &app.Context{BlockInfo: info, State: tc.base()}
					b.StartTimer()
					if err := mod.Deliver(ctx, relayer, xfer.MethodRecv, payload); err != nil {
						b.Fatal(err)
					}
				}
				reportPerPacket(b)
			})
		}
	}
}

// mustRecvOne is a recv payload of a packet outside the benchmark batch
// (none exists, so a packet of the batch) that makes the client remember ch.
func mustRecvOne(tb testing.TB, alpha *testChain, ch *attest.CertifiedHeader) []byte {
	tb.Helper()
	_, p := xfer.NewRecv("alpha", *ch, alpha.packetProofs(ch.Header.Height, "beta", 1))
	return p
}

func reportPerPacket(b *testing.B) {
	perPacket := float64(b.Elapsed().Nanoseconds()) / float64(b.N*benchPackets)
	b.ReportMetric(perPacket, "ns/packet")
	b.ReportMetric(1e9/perPacket, "packets/s")
}
