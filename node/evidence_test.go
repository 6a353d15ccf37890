package node_test

import (
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/node/p2p"
)

// A validator that signs two different prevotes for one height and round is
// caught: the evidence is gossiped, verified and committed in a block, and
// the chain goes on.
func TestEquivocationBecomesEvidenceInABlock(t *testing.T) {
	t.Parallel()
	ln, err := localnet.New(localnet.Options{ChainID: "evid", Validators: 4, Seed: 5, Dir: t.TempDir(),
		Transport: localnet.TransportMem, Logger: zaptest.NewLogger(t)})
	require.NoError(t, err)
	require.NoError(t, ln.Start(t.Context()))
	t.Cleanup(ln.Stop)
	const liar = 3
	ln.StopNode(liar) // three honest validators hold exactly a quorum

	vals, err := ln.Genesis.ValidatorSet()
	require.NoError(t, err)
	attacker := ln.Mem().Join(ln.Keys[liar], func(a attest.Address) bool { return vals.IndexOf(a) >= 0 })
	require.NoError(t, attacker.Start(t.Context()))
	t.Cleanup(func() { attacker.Stop() })

	honest := ln.Running()[0]
	gh := ln.Genesis.Hash()
	found := func() bool {
		for h := uint64(1); h <= honest.Height(); h++ {
			b, err := honest.Block(h)
			require.NoError(t, err)
			for _, e := range b.Block.Evidence {
				if e.A.Validator == attest.AddressOf(ln.Keys[liar]) {
					require.NoError(t, attest.VerifyDuplicateVote(gh, vals, &e))
					return true
				}
			}
		}
		return false
	}
	require.Eventually(t, func() bool {
		h := honest.Height() + 1
		for i, block := range []string{"one", "two"} {
			v := &attest.Vote{Type: attest.Prevote, Height: h, Round: 0, BlockHash: attest.Keccak([]byte(block), []byte{byte(i)})}
			require.NoError(t, attest.SignVote(gh, v, ln.Keys[liar]))
			attacker.Broadcast(p2p.Message{Type: node.MsgVote, Payload: encode(t, v)})
		}
		return found()
	}, 30*time.Second, 200*time.Millisecond, "equivocation never reached a block")
	before := honest.Height()
	require.Eventually(t, func() bool { return honest.Height() >= before+2 }, 20*time.Second, 20*time.Millisecond)
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := rlp.EncodeToBytes(v)
	require.NoError(t, err)
	return b
}
