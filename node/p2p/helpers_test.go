package p2p

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/causeway/causeway/attest"
)

// Test timing. waitFor bounds every wait for a condition; tests never sleep.
const (
	waitFor           = 15 * time.Second
	pollEvery         = 5 * time.Millisecond
	testBackoffMin    = 20 * time.Millisecond
	testBackoffMax    = 200 * time.Millisecond
	testHandshakeTime = 2 * time.Second
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testGenesis = attest.Keccak([]byte("p2p test genesis"))

// testKey derives a fixed key from a label, so failures replay.
func testKey(t testing.TB, label string) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.ToECDSA(attest.Keccak([]byte("p2p test key"), []byte(label)).Bytes())
	require.NoError(t, err)
	return k
}

func testKeys(t testing.TB, prefix string, n int) []*ecdsa.PrivateKey {
	keys := make([]*ecdsa.PrivateKey, n)
	for i := range keys {
		keys[i] = testKey(t, fmt.Sprintf("%s-%d", prefix, i))
	}
	return keys
}

func addrSet(keys []*ecdsa.PrivateKey) func(attest.Address) bool {
	set := make(map[attest.Address]bool, len(keys))
	for _, k := range keys {
		set[attest.AddressOf(k)] = true
	}
	return func(a attest.Address) bool { return set[a] }
}

// testConfig is a loopback config with short timeouts.
func testConfig(key *ecdsa.PrivateKey, authorized func(attest.Address) bool, peers ...Peer) Config {
	cfg := DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.Key = key
	cfg.Genesis = testGenesis
	cfg.Authorized = authorized
	cfg.Peers = peers
	cfg.DialBackoffMin = testBackoffMin
	cfg.DialBackoffMax = testBackoffMax
	cfg.HandshakeTimeout = testHandshakeTime
	return cfg
}

// startTCP starts a transport that the test stops on cleanup.
func startTCP(t testing.TB, cfg Config, log *zap.Logger) *TCP {
	t.Helper()
	if log == nil {
		log = zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel))
	}
	tr, err := NewTCP(cfg, log)
	require.NoError(t, err)
	require.NoError(t, tr.Start(context.Background()))
	t.Cleanup(func() { require.NoError(t, tr.Stop()) })
	return tr
}

// observedLogger records entries so a test can assert the logged reason.
func observedLogger() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(core), logs
}

// waitLoggedError waits for an entry with message msg whose error matches target.
func waitLoggedError(t testing.TB, logs *observer.ObservedLogs, msg string, target error) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, e := range logs.FilterMessage(msg).All() {
			for _, f := range e.Context {
				if err, ok := f.Interface.(error); ok && f.Key == "error" && errors.Is(err, target) {
					return true
				}
			}
		}
		return false
	}, waitFor, pollEvery, "no %q entry with error %v", msg, target)
}

func waitPeers(t testing.TB, tr Transport, want int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(tr.Peers()) == want }, waitFor, pollEvery,
		"want %d peers", want)
}

func waitConnected(t testing.TB, tr Transport, peer attest.Address) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, p := range tr.Peers() {
			if p == peer {
				return true
			}
		}
		return false
	}, waitFor, pollEvery, "never connected to %s", peer)
}

// receive waits for the next inbound message.
func receive(t testing.TB, tr Transport) Inbound {
	t.Helper()
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	select {
	case in, ok := <-tr.Inbound():
		require.True(t, ok, "inbound closed")
		return in
	case <-timer.C:
		require.FailNow(t, "no message arrived")
		return Inbound{}
	}
}

// rogueDial completes a genuine handshake as key against addr, bypassing the
// transport, so a test can misbehave afterwards.
func rogueDial(t testing.TB, addr string, key *ecdsa.PrivateKey) (net.Conn, *secureConn) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitFor)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(waitFor)))
	sc, _, err := handshake(conn, roleInitiator, newIdentity(key, testGenesis), DefaultMaxFrameBytes,
		func(attest.Address) error { return nil })
	require.NoError(t, err)
	return conn, sc
}

// waitClosed waits until the remote closes conn.
func waitClosed(t testing.TB, conn net.Conn) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(waitFor)))
	buf := make([]byte, 1024)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "connection still open: %v", err)
		return
	}
}
