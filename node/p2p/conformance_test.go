package p2p

import (
	"bytes"
	"crypto/ecdsa"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// conformanceNodes is the mesh size every Transport implementation is tested with.
const conformanceNodes = 4

// meshFactory starts one transport per key and returns them once every pair
// is connected. Transports are stopped on test cleanup unless a test stops them.
type meshFactory func(t *testing.T, keys []*ecdsa.PrivateKey) []Transport

// runConformance is the behaviour every Transport must show.
func runConformance(t *testing.T, newMesh meshFactory) {
	cases := []struct {
		name string
		run  func(t *testing.T, keys []*ecdsa.PrivateKey, trs []Transport)
	}{
		{"peers are the sorted full mesh", checkMeshPeers},
		{"send reaches only its target", checkSend},
		{"broadcast reaches every other peer once", checkBroadcast},
		{"messages to one peer keep their order", checkOrder},
		{"send to a stranger fails", checkSendStranger},
		{"stop closes inbound and disconnects", checkStop},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			keys := testKeys(t, tc.name, conformanceNodes)
			tc.run(t, keys, newMesh(t, keys))
		})
	}
}

func checkMeshPeers(t *testing.T, keys []*ecdsa.PrivateKey, trs []Transport) {
	for i, tr := range trs {
		var want []attest.Address
		for j, k := range keys {
			if j != i {
				want = append(want, attest.AddressOf(k))
			}
		}
		slices.SortFunc(want, attest.Address.Cmp)
		require.Equal(t, want, tr.Peers(), "node %d", i)
	}
}

func checkSend(t *testing.T, keys []*ecdsa.PrivateKey, trs []Transport) {
	to := attest.AddressOf(keys[2])
	msg := Message{Type: 7, Payload: []byte("to node 2")}
	require.NoError(t, trs[0].Send(to, msg))
	in := receive(t, trs[2])
	require.Equal(t, Inbound{From: attest.AddressOf(keys[0]), Msg: msg}, in)
	// A later broadcast from node 3 is the first thing the others see, so
	// nothing of the send leaked to them.
	marker := Message{Type: 8, Payload: []byte("marker")}
	trs[3].Broadcast(marker)
	for _, i := range []int{0, 1, 2} {
		require.Equal(t, marker, receive(t, trs[i]).Msg, "node %d", i)
	}
}

func checkBroadcast(t *testing.T, keys []*ecdsa.PrivateKey, trs []Transport) {
	for i, tr := range trs {
		tr.Broadcast(Message{Type: uint8(i), Payload: []byte{byte(i)}})
	}
	for i, tr := range trs {
		got := map[attest.Address]Message{}
		for range len(trs) - 1 {
			in := receive(t, tr)
			require.NotContains(t, got, in.From, "duplicate from %s", in.From)
			got[in.From] = in.Msg
		}
		require.NotContains(t, got, attest.AddressOf(keys[i]), "node %d heard itself", i)
		for j := range trs {
			if j != i {
				require.Equal(t, Message{Type: uint8(j), Payload: []byte{byte(j)}}, got[attest.AddressOf(keys[j])])
			}
		}
	}
}

func checkOrder(t *testing.T, keys []*ecdsa.PrivateKey, trs []Transport) {
	const n = 200 // below every send queue, so nothing is dropped
	to := attest.AddressOf(keys[1])
	for i := range n {
		require.NoError(t, trs[0].Send(to, Message{Type: 1, Payload: fmt.Appendf(nil, "%d", i)}))
	}
	for i := range n {
		in := receive(t, trs[1])
		require.Equal(t, fmt.Appendf(nil, "%d", i), in.Msg.Payload)
	}
}

func checkSendStranger(t *testing.T, _ []*ecdsa.PrivateKey, trs []Transport) {
	stranger := attest.AddressOf(testKey(t, "stranger"))
	require.ErrorIs(t, trs[0].Send(stranger, Message{Type: 1}), ErrNotConnected)
}

func checkStop(t *testing.T, keys []*ecdsa.PrivateKey, trs []Transport) {
	require.NoError(t, trs[0].Stop())
	require.NoError(t, trs[0].Stop(), "second stop")
	_, open := <-trs[0].Inbound()
	require.False(t, open, "inbound still open")
	gone := attest.AddressOf(keys[0])
	for _, tr := range trs[1:] {
		require.Eventually(t, func() bool { return !slices.Contains(tr.Peers(), gone) }, waitFor, pollEvery)
	}
	require.ErrorIs(t, trs[1].Send(gone, Message{Type: 1}), ErrNotConnected)
	// The rest still talk.
	trs[1].Broadcast(Message{Type: 2, Payload: bytes.Repeat([]byte{1}, 3)})
	require.Equal(t, attest.AddressOf(keys[1]), receive(t, trs[2]).From)
}

func TestTCPConformance(t *testing.T) {
	t.Parallel()
	runConformance(t, newTCPMesh)
}

func TestMemConformance(t *testing.T) {
	t.Parallel()
	runConformance(t, newMemMesh)
}

// newTCPMesh starts node i with nodes 0..i-1 as its configured peers, so
// every pair is dialed once and later nodes join as inbound-only peers.
func newTCPMesh(t *testing.T, keys []*ecdsa.PrivateKey) []Transport {
	trs := make([]Transport, len(keys))
	var peers []Peer
	for i, k := range keys {
		tr := startTCP(t, testConfig(k, addrSet(keys), slices.Clone(peers)...), nil)
		peers = append(peers, Peer{Address: attest.AddressOf(k), Addr: tr.Addr()})
		trs[i] = tr
	}
	for _, tr := range trs {
		waitPeers(t, tr, len(keys)-1)
	}
	return trs
}

func newMemMesh(t *testing.T, keys []*ecdsa.PrivateKey) []Transport {
	n := NewMemNetwork()
	trs := make([]Transport, len(keys))
	for i, k := range keys {
		trs[i] = n.Join(k, addrSet(keys))
		require.NoError(t, trs[i].Start(t.Context()))
		t.Cleanup(func() { require.NoError(t, trs[i].Stop()) })
	}
	for _, tr := range trs {
		waitPeers(t, tr, len(keys)-1)
	}
	return trs
}
