package p2p

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestTCPRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// connect misbehaves against the server at addr; server admits only "member".
		connect func(t *testing.T, addr string)
		want    error
	}{
		{
			name: "wrong genesis",
			connect: func(t *testing.T, addr string) {
				cfg := testConfig(testKey(t, "member"), nil, Peer{Address: attest.AddressOf(testKey(t, "server")), Addr: addr})
				cfg.Genesis = attest.Keccak([]byte("another chain"))
				startTCP(t, cfg, nil)
			},
			want: ErrWrongGenesis,
		},
		{
			name: "unauthorized key",
			connect: func(t *testing.T, addr string) {
				cfg := testConfig(testKey(t, "outsider"), nil, Peer{Address: attest.AddressOf(testKey(t, "server")), Addr: addr})
				startTCP(t, cfg, nil)
			},
			want: ErrUnauthorized,
		},
		{
			name: "signature by another key",
			connect: func(t *testing.T, addr string) {
				conn := rawHello(t, addr)
				// Claims to be "member" but signs with the outsider's key.
				id := newIdentity(testKey(t, "outsider"), testGenesis)
				id.addr = attest.AddressOf(testKey(t, "member"))
				require.NoError(t, sendAuth(conn.sc, roleInitiator, id, conn.transcript))
				waitClosed(t, conn.Conn)
			},
			want: ErrUnauthenticated,
		},
		{
			name: "garbage hello",
			connect: func(t *testing.T, addr string) {
				conn, err := net.Dial("tcp", addr)
				require.NoError(t, err)
				defer conn.Close()
				_, err = conn.Write(appendFrame(nil, bytes.Repeat([]byte{0xAB}, helloBytes)))
				require.NoError(t, err)
				waitClosed(t, conn)
			},
			want: ErrUnauthenticated,
		},
		{
			name: "oversize handshake frame",
			connect: func(t *testing.T, addr string) {
				conn, err := net.Dial("tcp", addr)
				require.NoError(t, err)
				defer conn.Close()
				_, err = conn.Write(binary.BigEndian.AppendUint32(nil, maxHandshakeFrame+1))
				require.NoError(t, err)
				waitClosed(t, conn)
			},
			want: ErrFrameTooLarge,
		},
		{
			name: "silent client times out",
			connect: func(t *testing.T, addr string) {
				conn, err := net.Dial("tcp", addr)
				require.NoError(t, err)
				defer conn.Close()
				waitClosed(t, conn)
			},
			want: ErrHandshakeTimeout,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log, logs := observedLogger()
			member := attest.AddressOf(testKey(t, "member"))
			cfg := testConfig(testKey(t, "server"), func(a attest.Address) bool { return a == member })
			cfg.HandshakeTimeout = refusalHandshakeTimeout
			srv := startTCP(t, cfg, log)
			tc.connect(t, srv.Addr())
			waitLoggedError(t, logs, "peer refused", tc.want)
			require.Empty(t, srv.Peers())
			require.NotZero(t, srv.Stats().Refused)
		})
	}
}

// helloConn is a raw connection that has exchanged hellos as initiator but
// not yet authenticated.
type helloConn struct {
	net.Conn
	sc         *secureConn
	transcript attest.Hash
}

func rawHello(t *testing.T, addr string) *helloConn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	br := bufio.NewReaderSize(conn, ioBufferBytes)
	keys, transcript, err := exchangeHellos(br, conn, roleInitiator, testGenesis)
	require.NoError(t, err)
	sc, err := newSecureConn(br, conn, keys, DefaultMaxFrameBytes)
	require.NoError(t, err)
	return &helloConn{Conn: conn, sc: sc, transcript: transcript}
}

func TestTCPClosesOnBadFrames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// misbehave runs on an established session after one good message.
		misbehave func(t *testing.T, conn *tamperConn, sc *secureConn)
		want      error
	}{
		{
			name: "oversize frame",
			misbehave: func(t *testing.T, conn *tamperConn, _ *secureConn) {
				_, err := conn.Write(binary.BigEndian.AppendUint32(nil, uint32(testMaxFrame+1)))
				require.NoError(t, err)
			},
			want: ErrFrameTooLarge,
		},
		{
			name: "tampered ciphertext",
			misbehave: func(t *testing.T, conn *tamperConn, sc *secureConn) {
				conn.tamper.Store(true)
				require.NoError(t, sc.writeMessage(Message{Type: 1, Payload: []byte("tampered")}))
				require.NoError(t, sc.flush())
			},
			want: ErrDecrypt,
		},
		{
			name: "replayed frame",
			misbehave: func(t *testing.T, conn *tamperConn, _ *secureConn) {
				_, err := conn.Write(conn.last)
				require.NoError(t, err)
			},
			want: ErrDecrypt,
		},
		{
			name: "frame shorter than its tag",
			misbehave: func(t *testing.T, conn *tamperConn, _ *secureConn) {
				_, err := conn.Write(appendFrame(nil, []byte{1, 2, 3}))
				require.NoError(t, err)
			},
			want: ErrDecrypt,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log, logs := observedLogger()
			rogue := testKey(t, "rogue")
			cfg := testConfig(testKey(t, "server"), func(a attest.Address) bool { return a == attest.AddressOf(rogue) })
			cfg.MaxFrameBytes = testMaxFrame
			srv := startTCP(t, cfg, log)

			conn := dialTamper(t, srv.Addr())
			sc, _, err := handshake(conn, roleInitiator, newIdentity(rogue, testGenesis), testMaxFrame, func(attest.Address) error { return nil })
			require.NoError(t, err)
			waitConnected(t, srv, attest.AddressOf(rogue))

			good := Message{Type: 3, Payload: []byte("hello")}
			require.NoError(t, sc.writeMessage(good))
			require.NoError(t, sc.flush())
			require.Equal(t, good, receive(t, srv).Msg)

			tc.misbehave(t, conn, sc)
			waitClosed(t, conn)
			waitLoggedError(t, logs, "peer disconnected", tc.want)
			require.Eventually(t, func() bool { return len(srv.Peers()) == 0 }, waitFor, pollEvery)
		})
	}
}

const (
	// testMaxFrame keeps oversize tests cheap.
	testMaxFrame = 4 << 10
	// refusalHandshakeTimeout is short so the silent-client case ends quickly.
	refusalHandshakeTimeout = 300 * time.Millisecond
)

// tamperConn records the last write and, when armed, flips a bit of the next one.
type tamperConn struct {
	net.Conn
	tamper atomic.Bool
	last   []byte
}

func dialTamper(t *testing.T, addr string) *tamperConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &tamperConn{Conn: c}
}

func (c *tamperConn) Write(b []byte) (int, error) {
	c.last = bytes.Clone(b)
	if c.tamper.CompareAndSwap(true, false) {
		b = bytes.Clone(b)
		b[len(b)-1] ^= 1
	}
	return c.Conn.Write(b)
}

func TestTCPSendRefusesOversizeMessage(t *testing.T) {
	t.Parallel()
	keys := testKeys(t, "oversize", 2)
	cfg := testConfig(keys[0], addrSet(keys))
	cfg.MaxFrameBytes = testMaxFrame
	a := startTCP(t, cfg, nil)
	b := startTCP(t, testConfig(keys[1], addrSet(keys), Peer{Address: attest.AddressOf(keys[0]), Addr: a.Addr()}), nil)
	waitConnected(t, a, attest.AddressOf(keys[1]))

	big := Message{Type: 1, Payload: make([]byte, testMaxFrame)}
	require.ErrorIs(t, a.Send(attest.AddressOf(keys[1]), big), ErrFrameTooLarge)
	a.Broadcast(big) // logged and dropped, not sent
	fits := Message{Type: 2, Payload: make([]byte, testMaxFrame-frameOverhead)}
	require.NoError(t, a.Send(attest.AddressOf(keys[1]), fits))
	require.Equal(t, fits, receive(t, b).Msg)
}

func TestTCPReconnectsAfterRestart(t *testing.T) {
	t.Parallel()
	keys := testKeys(t, "restart", 2)
	first, err := NewTCP(testConfig(keys[0], addrSet(keys)), nil)
	require.NoError(t, err)
	require.NoError(t, first.Start(t.Context()))
	t.Cleanup(func() { require.NoError(t, first.Stop()) })
	addr := first.Addr()
	dialer := startTCP(t, testConfig(keys[1], addrSet(keys), Peer{Address: attest.AddressOf(keys[0]), Addr: addr}), nil)
	waitConnected(t, dialer, attest.AddressOf(keys[0]))

	require.NoError(t, first.Stop())
	waitPeers(t, dialer, 0)

	cfg := testConfig(keys[0], addrSet(keys))
	cfg.ListenAddr = addr
	restarted := startTCP(t, cfg, nil)
	waitConnected(t, dialer, attest.AddressOf(keys[0]))
	msg := Message{Type: 9, Payload: []byte("back")}
	require.NoError(t, dialer.Send(attest.AddressOf(keys[0]), msg))
	require.Equal(t, Inbound{From: attest.AddressOf(keys[1]), Msg: msg}, receive(t, restarted))
}

// TestTCPDedupesSimultaneousDials has every node dial every other, and
// checks that each pair settles on one connection, the one the lower
// address dialed.
func TestTCPDedupesSimultaneousDials(t *testing.T) {
	t.Parallel()
	keys := testKeys(t, "dedupe", conformanceNodes)
	addrs := reservePorts(t, len(keys))
	peers := make([]Peer, len(keys))
	for i, k := range keys {
		peers[i] = Peer{Address: attest.AddressOf(k), Addr: addrs[i]}
	}
	trs := make([]*TCP, len(keys))
	for i, k := range keys {
		cfg := testConfig(k, addrSet(keys), peers...) // includes itself, which is skipped
		cfg.ListenAddr = addrs[i]
		trs[i] = startTCP(t, cfg, nil)
	}
	require.Eventually(t, func() bool { return pairsSettled(trs) }, waitFor, pollEvery)
}

// pairsSettled reports whether every pair shares one connection dialed by
// its lower address.
func pairsSettled(trs []*TCP) bool {
	for _, a := range trs {
		for _, b := range trs {
			if a == b {
				continue
			}
			pa, pb := a.peer(b.id.addr), b.peer(a.id.addr)
			if pa == nil || pb == nil || pa.conn.LocalAddr().String() != pb.conn.RemoteAddr().String() {
				return false
			}
			if !pa.preferred(a.id.addr) {
				return false
			}
		}
	}
	return true
}

// reservePorts finds free loopback ports for transports that must know each
// other's address before they start.
func reservePorts(t *testing.T, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		out[i] = ln.Addr().String()
		require.NoError(t, ln.Close())
	}
	return out
}

func TestTCPStartTwiceAndStopBeforeStart(t *testing.T) {
	t.Parallel()
	tr, err := NewTCP(testConfig(testKey(t, "lifecycle"), nil), nil)
	require.NoError(t, err)
	require.NoError(t, tr.Stop())
	require.ErrorIs(t, tr.Start(t.Context()), ErrStopped)
	_, open := <-tr.Inbound()
	require.False(t, open)

	running := startTCP(t, testConfig(testKey(t, "lifecycle-2"), nil), nil)
	require.ErrorIs(t, running.Start(t.Context()), ErrStopped)
}

// TestTCPSlowPeer stalls a peer that never reads: Broadcast keeps returning
// while the socket is full, the queue drops its oldest messages, and the
// write timeout finally disconnects the peer.
func TestTCPSlowPeer(t *testing.T) {
	t.Parallel()
	const (
		payload     = 16 << 10
		queue       = 8
		stallCutoff = 500 * time.Millisecond
	)
	log, logs := observedLogger()
	rogue := testKey(t, "stalled")
	cfg := testConfig(testKey(t, "slow-server"), func(a attest.Address) bool { return a == attest.AddressOf(rogue) })
	cfg.SendQueue = queue
	cfg.WriteTimeout = stallCutoff
	srv := startTCP(t, cfg, log)
	rogueDial(t, srv.Addr(), rogue) // completes the handshake, then never reads
	waitConnected(t, srv, attest.AddressOf(rogue))

	msg := Message{Type: 1, Payload: make([]byte, payload)}
	deadline := time.Now().Add(waitFor)
	for len(srv.Peers()) > 0 {
		require.True(t, time.Now().Before(deadline), "stalled peer never disconnected")
		srv.Broadcast(msg)
	}
	require.NotZero(t, srv.Stats().Dropped)
	waitLoggedError(t, logs, "peer disconnected", os.ErrDeadlineExceeded)
}
