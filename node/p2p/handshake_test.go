package p2p

import (
	"crypto/ecdsa"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// handshakeSide is one end's setup and outcome in a handshake test.
type handshakeSide struct {
	key     *ecdsa.PrivateKey
	genesis attest.Hash
	admit   func(attest.Address) error
	sc      *secureConn
	remote  attest.Address
	err     error
}

// pipeHandshake runs both ends over an in-memory pipe; a failing end closes
// its side, as the transport does.
func pipeHandshake(t *testing.T, init, resp *handshakeSide) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { _ = a.Close(); _ = b.Close() })
	deadline := time.Now().Add(waitFor)
	require.NoError(t, a.SetDeadline(deadline))
	require.NoError(t, b.SetDeadline(deadline))
	run := func(conn net.Conn, r role, s *handshakeSide, done chan<- struct{}) {
		defer close(done)
		s.sc, s.remote, s.err = handshake(conn, r, newIdentity(s.key, s.genesis), DefaultMaxFrameBytes, s.admit)
		if s.err != nil {
			_ = conn.Close()
		}
	}
	doneI, doneR := make(chan struct{}), make(chan struct{})
	go run(a, roleInitiator, init, doneI)
	go run(b, roleResponder, resp, doneR)
	<-doneI
	<-doneR
}

func admitAll(attest.Address) error { return nil }

func refuse(attest.Address) error { return fmt.Errorf("test: %w", ErrUnauthorized) }

func TestHandshake(t *testing.T) {
	t.Parallel()
	other := attest.Keccak([]byte("other genesis"))
	cases := []struct {
		name             string
		initGen, respGen attest.Hash
		initAdm, respAdm func(attest.Address) error
		wantInit         error // nil: success; errAny: any error
		wantResp         error
	}{
		{"same chain", testGenesis, testGenesis, admitAll, admitAll, nil, nil},
		{"initiator on another chain", other, testGenesis, admitAll, admitAll, ErrWrongGenesis, ErrWrongGenesis},
		{"responder on another chain", testGenesis, other, admitAll, admitAll, ErrWrongGenesis, ErrWrongGenesis},
		{"responder refuses initiator", testGenesis, testGenesis, admitAll, refuse, errAny, ErrUnauthorized},
		{"initiator refuses responder", testGenesis, testGenesis, refuse, admitAll, ErrUnauthorized, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ki, kr := testKey(t, "hs-init"), testKey(t, "hs-resp")
			init := &handshakeSide{key: ki, genesis: tc.initGen, admit: tc.initAdm}
			resp := &handshakeSide{key: kr, genesis: tc.respGen, admit: tc.respAdm}
			pipeHandshake(t, init, resp)
			checkSide(t, "initiator", init, tc.wantInit, attest.AddressOf(kr))
			checkSide(t, "responder", resp, tc.wantResp, attest.AddressOf(ki))
			if tc.wantResp == ErrUnauthorized {
				require.Equal(t, attest.Address{}, init.remote, "responder revealed itself to a refused initiator")
			}
		})
	}
}

// errAny stands for "some error" in a table.
var errAny = fmt.Errorf("any error")

func checkSide(t *testing.T, name string, s *handshakeSide, want error, peer attest.Address) {
	t.Helper()
	switch want {
	case nil:
		require.NoError(t, s.err, name)
		require.Equal(t, peer, s.remote, name)
	case errAny:
		require.Error(t, s.err, name)
	default:
		require.ErrorIs(t, s.err, want, name)
	}
}

// TestSessionCarriesMessages checks both directions of an established
// session, including empty and maximum-size payloads.
func TestSessionCarriesMessages(t *testing.T) {
	t.Parallel()
	init := &handshakeSide{key: testKey(t, "s-init"), genesis: testGenesis, admit: admitAll}
	resp := &handshakeSide{key: testKey(t, "s-resp"), genesis: testGenesis, admit: admitAll}
	pipeHandshake(t, init, resp)
	require.NoError(t, init.err)
	require.NoError(t, resp.err)
	msgs := []Message{
		{Type: 0, Payload: []byte{}},
		{Type: 255, Payload: []byte("consensus vote")},
		{Type: 4, Payload: make([]byte, 1<<20)},
	}
	for _, pair := range [][2]*secureConn{{init.sc, resp.sc}, {resp.sc, init.sc}} {
		wrote := make(chan error, 1)
		go func() { wrote <- writeAll(pair[0], msgs) }()
		for _, want := range msgs {
			got, err := pair[1].readMessage()
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		require.NoError(t, <-wrote)
	}
}

func TestNonceExhaustion(t *testing.T) {
	t.Parallel()
	var nonce [12]byte
	ctr := uint64(1<<64 - 2)
	require.NoError(t, nextNonce(&ctr, &nonce))
	require.Equal(t, [12]byte{4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xfe}, nonce)
	require.ErrorIs(t, nextNonce(&ctr, &nonce), ErrNonceExhausted)
}

func writeAll(sc *secureConn, msgs []Message) error {
	for _, m := range msgs {
		if err := sc.writeMessage(m); err != nil {
			return err
		}
	}
	return sc.flush()
}
