package localnet

import (
	"context"
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/tx"
)

// commitWait bounds how long a test waits for the chain to make progress.
const commitWait = 20 * time.Second

// testBlockIntervalMs makes idle test chains commit faster than the default.
const testBlockIntervalMs = 300

func startNet(t *testing.T, transport string, edit func(*Options)) *Net {
	t.Helper()
	params := chains.DefaultParams()
	params.BlockIntervalMs = testBlockIntervalMs
	o := Options{ChainID: "test", Validators: 4, Accounts: 4, Seed: 3, Dir: t.TempDir(),
		Transport: transport, Logger: zaptest.NewLogger(t).Named("net"), Params: &params}
	if edit != nil {
		edit(&o)
	}
	ln, err := New(o)
	require.NoError(t, err)
	require.NoError(t, ln.Start(t.Context()))
	t.Cleanup(ln.Stop)
	return ln
}

func send(t *testing.T, ln *Net, from int, to attest.Address, nonce uint64, amount uint64) []byte {
	t.Helper()
	typ, payload := bank.NewSend(to, "USD", uint256.NewInt(amount))
	tr := &tx.Tx{ChainID: ln.Genesis.ChainID, Nonce: nonce, Type: typ, Payload: payload}
	require.NoError(t, tr.Sign(ln.Genesis.Hash(), ln.Accounts[from]))
	return tr.Encode()
}

// waitHeight polls until every running validator has committed h.
func waitHeight(t *testing.T, ln *Net, h uint64) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, nd := range ln.Running() {
			if nd.Height() < h {
				return false
			}
		}
		return true
	}, commitWait, 10*time.Millisecond, "validators did not all reach height %d", h)
}

// requireSameChain checks that every running validator holds the same block at every height up to h.
func requireSameChain(t *testing.T, ln *Net, h uint64) {
	t.Helper()
	nodes := ln.Running()
	for height := uint64(1); height <= h; height++ {
		ref, err := nodes[0].Block(height)
		require.NoError(t, err)
		require.NoError(t, attest.VerifyQC(ln.Genesis.Hash(), mustVals(t, ln), &ref.QC))
		for _, nd := range nodes[1:] {
			b, err := nd.Block(height)
			require.NoError(t, err)
			require.Equal(t, ref.Block.Hash(), b.Block.Hash(), "height %d differs", height)
		}
	}
}

func mustVals(t *testing.T, ln *Net) *attest.ValidatorSet {
	vals, err := ln.Genesis.ValidatorSet()
	require.NoError(t, err)
	return vals
}

// waitReceipts waits until every tx hash has a receipt on nd and returns them.
func waitReceipts(t *testing.T, nd *node.Node, blocks <-chan *node.CommittedBlock, hashes []attest.Hash) map[attest.Hash]app.Receipt {
	t.Helper()
	want := map[attest.Hash]bool{}
	for _, h := range hashes {
		want[h] = true
	}
	got := map[attest.Hash]app.Receipt{}
	ctx, cancel := context.WithTimeout(t.Context(), commitWait)
	defer cancel()
	for len(got) < len(want) {
		select {
		case b, ok := <-blocks:
			require.True(t, ok, "block feed closed")
			for _, r := range b.Receipts {
				if want[r.TxHash] {
					got[r.TxHash] = r
				}
			}
		case <-ctx.Done():
			t.Fatalf("only %d of %d transactions committed", len(got), len(want))
		}
	}
	return got
}

func TestChainCommitsSignedTransfers(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{TransportMem, TransportTCP} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			ln := startNet(t, transport, nil)
			nodes := ln.Running()
			blocks, cancel := nodes[0].SubscribeBlocks(1024)
			defer cancel()
			to := attest.AddressOf(ln.Accounts[1])
			var hashes []attest.Hash
			for i := uint64(0); i < 40; i++ {
				h, err := nodes[int(i)%len(nodes)].SubmitTx(send(t, ln, 0, to, i, 5))
				require.NoError(t, err)
				hashes = append(hashes, h)
			}
			receipts := waitReceipts(t, nodes[0], blocks, hashes)
			for _, r := range receipts {
				require.Equal(t, app.CodeOK, r.Code, r.Log)
			}
			top := nodes[0].Height()
			waitHeight(t, ln, top)
			requireSameChain(t, ln, top)
		})
	}
}

func TestProposerCrashThenCatchUp(t *testing.T) {
	t.Parallel()
	ln := startNet(t, TransportTCP, nil)
	waitHeight(t, ln, 2)
	nodes := ln.Running()
	victim := indexOf(ln, nodes[0].NextProposer())
	ln.StopNode(victim)
	survivors := ln.Running()
	before := survivors[0].Height()
	_, err := survivors[0].SubmitTx(send(t, ln, 2, attest.AddressOf(ln.Accounts[3]), 0, 1))
	require.NoError(t, err)
	waitHeight(t, ln, before+3)

	require.NoError(t, ln.StartNode(victim))
	target := ln.Running()[0].Height() + 2
	waitHeight(t, ln, target)
	requireSameChain(t, ln, target)
}

func TestRestartResumesFromDisk(t *testing.T) {
	t.Parallel()
	ln := startNet(t, TransportMem, nil)
	_, err := ln.Running()[0].SubmitTx(send(t, ln, 0, attest.AddressOf(ln.Accounts[1]), 0, 7))
	require.NoError(t, err)
	waitHeight(t, ln, 3)
	ln.Stop()
	var heights []uint64
	ln.ctx = t.Context()
	for i := range ln.Keys {
		require.NoError(t, ln.StartNode(i))
		heights = append(heights, ln.Node(i).Height())
	}
	for _, h := range heights {
		require.GreaterOrEqual(t, h, uint64(3), "restarted validator lost committed blocks")
	}
	waitHeight(t, ln, slicesMax(heights)+2)
	requireSameChain(t, ln, slicesMax(heights)+2)
}

func indexOf(ln *Net, addr attest.Address) int {
	for i, k := range ln.Keys {
		if attest.AddressOf(k) == addr {
			return i
		}
	}
	return -1
}

func slicesMax(s []uint64) uint64 {
	var m uint64
	for _, v := range s {
		m = max(m, v)
	}
	return m
}
