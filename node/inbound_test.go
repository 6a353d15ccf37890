package node

import (
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/consensus"
	"github.com/causeway/causeway/node/p2p"
)

func newTestNode(t *testing.T) (*Node, *chains.Testnet) {
	t.Helper()
	seed := int64(9)
	tn, err := chains.GenerateTestnetInMemory(chains.TestnetOptions{ChainID: "unit", Validators: 4, Seed: &seed, Password: "x"})
	require.NoError(t, err)
	cfg := DefaultConfig()
	cfg.Home = t.TempDir()
	cfg.RPC.ListenAddr = "127.0.0.1:0"
	vals, err := tn.Genesis.ValidatorSet()
	require.NoError(t, err)
	tr := p2p.NewMemNetwork().Join(tn.Validators[0].Key, func(a attest.Address) bool { return vals.IndexOf(a) >= 0 })
	n, err := New(cfg, Options{Genesis: tn.Genesis, Key: tn.Validators[0].Key, Transport: tr, Logger: zaptest.NewLogger(t)})
	require.NoError(t, err)
	t.Cleanup(func() { n.closeStores() })
	return n, tn
}

// Peer messages that fail decoding or authentication never reach consensus.
func TestInboundMessagesAuthenticated(t *testing.T) {
	t.Parallel()
	n, tn := newTestNode(t)
	gh := tn.Genesis.Hash()
	outsider, err := crypto.GenerateKey()
	require.NoError(t, err)
	vote := func(key func() *attest.Vote) p2p.Message {
		return p2p.Message{Type: msgVote, Payload: encodeRLP(key())}
	}
	signedVote := func(k int) *attest.Vote {
		v := &attest.Vote{Type: attest.Prevote, Height: 1, Round: 0, BlockHash: attest.Keccak([]byte("b"))}
		key := outsider
		if k >= 0 {
			key = tn.Validators[k].Key
		}
		require.NoError(t, attest.SignVote(gh, v, key))
		return v
	}
	forged := func() *attest.Vote {
		v := signedVote(1)
		v.Validator = tn.Validators[2].Address // claims another validator's identity
		return v
	}
	otherChain := func() *attest.Vote {
		v := &attest.Vote{Type: attest.Prevote, Height: 1, BlockHash: attest.Keccak([]byte("b"))}
		require.NoError(t, attest.SignVote(attest.Keccak([]byte("other genesis")), v, tn.Validators[1].Key))
		return v
	}
	badProposal := consensus.Proposal{Height: 1, POLRound: -1, BlockHash: attest.Keccak([]byte("x")), Proposer: tn.Validators[1].Address}
	require.NoError(t, consensus.SignProposal(gh, &badProposal, tn.Validators[2].Key))

	cases := []struct {
		name string
		msg  p2p.Message
		pass bool
	}{
		{"vote from a validator", vote(func() *attest.Vote { return signedVote(1) }), true},
		{"vote from a non-validator", vote(func() *attest.Vote { return signedVote(-1) }), false},
		{"vote claiming another validator", vote(forged), false},
		{"vote signed for another chain", vote(otherChain), false},
		{"malformed vote", p2p.Message{Type: msgVote, Payload: []byte{0xff, 0x00}}, false},
		{"proposal signed by someone else", p2p.Message{Type: msgProposal, Payload: consensus.EncodeProposal(&badProposal)}, false},
		{"malformed proposal", p2p.Message{Type: msgProposal, Payload: []byte{1, 2, 3}}, false},
		{"malformed certified block", p2p.Message{Type: msgBlockResponse, Payload: []byte{0xc0}}, false},
		{"unknown message type", p2p.Message{Type: 99, Payload: nil}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := n.decodeInbound(p2p.Inbound{From: tn.Validators[1].Address, Msg: tc.msg})
			require.Equal(t, tc.pass, ev != nil)
		})
	}
}

func TestNextSkipsBoundedAndWindowed(t *testing.T) {
	t.Parallel()
	a, b, c := attest.Address{1}, attest.Address{2}, attest.Address{3}
	s := nextSkips(nil, 10, []attest.Address{a}, 16, 1)
	require.Equal(t, []skipEntry{{10, a}}, s)
	// The most recent failure wins when only f may be skipped.
	s = nextSkips(s, 11, []attest.Address{b}, 16, 1)
	require.Equal(t, []skipEntry{{11, b}}, s)
	s = nextSkips([]skipEntry{{11, b}, {3, c}}, 12, nil, 16, 2)
	require.Equal(t, []skipEntry{{11, b}, {3, c}}, s)
	// Entries older than the window expire.
	s = nextSkips(s, 19, nil, 16, 2)
	require.Equal(t, []skipEntry{{11, b}}, s)
	s = nextSkips(s, 27, nil, 16, 2)
	require.Empty(t, s)
}
