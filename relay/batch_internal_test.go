package relay

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/xfer"
)

func TestCutBatches(t *testing.T) {
	t.Parallel()
	entry := make([]byte, 1000) // RLP: 3-byte prefix + 1000
	budget := headerBytes + txEnvelopeBytes
	for _, tc := range []struct {
		name  string
		n     int
		cfg   BatchConfig
		sizes []int
	}{
		{"empty", 0, BatchConfig{MaxBatch: 3, MaxTxBytes: budget + 10_000}, nil},
		{"by count", 7, BatchConfig{MaxBatch: 3, MaxTxBytes: budget + 100_000}, []int{3, 3, 1}},
		{"by bytes", 7, BatchConfig{MaxBatch: 100, MaxTxBytes: budget + 2_500}, []int{2, 2, 2, 1}},
		{"an entry alone over the budget still goes", 2, BatchConfig{MaxBatch: 100, MaxTxBytes: budget + 10}, []int{1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			entries := make([][]byte, tc.n)
			for i := range entries {
				entries[i] = entry
			}
			var sizes []int
			for _, b := range cutBatches(entries, tc.cfg) {
				sizes = append(sizes, len(b))
			}
			require.Equal(t, tc.sizes, sizes)
		})
	}
}

func TestObserveReadsXferEvents(t *testing.T) {
	t.Parallel()
	attr := func(k, v string) chains.Attr { return chains.Attr{Key: k, Value: v} }
	recv := chains.Event{Type: xfer.EventRecv, Attrs: []chains.Attr{attr(xfer.AttrSrc, "beta"), attr(xfer.AttrDst, "alpha"),
		attr(xfer.AttrSeq, "7"), attr(xfer.AttrStatus, xfer.StatusFailed), attr(xfer.AttrCode, "305")}}
	ack := chains.Event{Type: xfer.EventAck, Attrs: []chains.Attr{attr(xfer.AttrSrc, "alpha"), attr(xfer.AttrDst, "beta"),
		attr(xfer.AttrSeq, "2"), attr(xfer.AttrStatus, xfer.StatusOK), attr(xfer.AttrCode, "0"), attr(xfer.AttrOutcome, "finished")}}
	badSeq := chains.Event{Type: xfer.EventRecv, Attrs: []chains.Attr{attr(xfer.AttrSrc, "beta"), attr(xfer.AttrDst, "alpha"),
		attr(xfer.AttrSeq, "x"), attr(xfer.AttrStatus, xfer.StatusOK), attr(xfer.AttrCode, "0")}}
	header := &attest.CertifiedHeader{Header: attest.Header{ChainID: "alpha", Height: 9}}

	ev := &chains.BlockEvents{Height: 9, Receipts: []chains.Receipt{
		{Code: 0, Events: []chains.Event{recv, {Type: "bank.transfer"}}},
		{Code: 305, Events: []chains.Event{ack}}, // rejected: ignored
	}, Events: []chains.Event{ack}}
	o, err := observe("alpha", header, ev)
	require.NoError(t, err)
	require.Equal(t, []ReceiptEvent{{Src: "beta", Dst: "alpha", Seq: 7, Status: xfer.StatusFailed, Code: 305}}, o.Receipts)
	require.Equal(t, []AckEvent{{Src: "alpha", Dst: "beta", Seq: 2, Status: xfer.StatusOK, Outcome: "finished"}}, o.Acks)
	require.Equal(t, []uint64{7}, o.ReceiptsFrom("beta"))
	require.Empty(t, o.Sends)

	_, err = observe("alpha", header, &chains.BlockEvents{Events: []chains.Event{badSeq}})
	require.ErrorIs(t, err, chains.ErrBadResponse)
	_, err = observe("alpha", header, &chains.BlockEvents{Events: []chains.Event{{Type: xfer.EventAck}}})
	require.ErrorIs(t, err, chains.ErrBadResponse)
}
