package p2p

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// benchSizes are payload sizes from a vote to a large block part.
var benchSizes = []int{128, 1 << 10, 16 << 10, 256 << 10}

// BenchmarkSession measures one encrypted session over loopback TCP: seal,
// write, read and open, without the transport's queues.
func BenchmarkSession(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			w, r := loopbackSession(b)
			msg := Message{Type: 1, Payload: make([]byte, size)}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			wrote := make(chan error, 1)
			go func() {
				for range b.N {
					if err := w.writeMessage(msg); err != nil {
						wrote <- err
						return
					}
				}
				wrote <- w.flush()
			}()
			for range b.N {
				if _, err := r.readMessage(); err != nil {
					b.Fatal(err)
				}
			}
			require.NoError(b, <-wrote)
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// loopbackSession returns both ends of a handshaken loopback TCP session.
func loopbackSession(b *testing.B) (dialer, listener *secureConn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	accepted := make(chan *secureConn, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		b.Cleanup(func() { _ = conn.Close() })
		sc, _, err := handshake(conn, roleResponder, newIdentity(testKey(b, "bench-l"), testGenesis), DefaultMaxFrameBytes, admitAll)
		if err != nil {
			sc = nil
		}
		accepted <- sc
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	b.Cleanup(func() { _ = conn.Close() })
	dialer, _, err = handshake(conn, roleInitiator, newIdentity(testKey(b, "bench-d"), testGenesis), DefaultMaxFrameBytes, admitAll)
	require.NoError(b, err)
	listener = <-accepted
	require.NotNil(b, listener)
	return dialer, listener
}

// benchWindow is how many messages are in flight in BenchmarkTCPTransport;
// below the send queue, so none is dropped.
const benchWindow = DefaultSendQueue / 2

// BenchmarkTCPTransport measures delivered messages between two transports
// over one connection, queues and goroutine hand-offs included.
func BenchmarkTCPTransport(b *testing.B) {
	for _, size := range benchSizes[:3] {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			keys := testKeys(b, "bench-transport", 2)
			rx := startTCP(b, testConfig(keys[0], addrSet(keys)), nil)
			tx := startTCP(b, testConfig(keys[1], addrSet(keys), Peer{Address: attest.AddressOf(keys[0]), Addr: rx.Addr()}), nil)
			to := attest.AddressOf(keys[0])
			waitConnected(b, tx, to)
			msg := Message{Type: 1, Payload: make([]byte, size)}
			b.SetBytes(int64(size))
			b.ResetTimer()
			start := time.Now()
			for sent := 0; sent < b.N; {
				n := min(benchWindow, b.N-sent)
				for range n {
					if err := tx.Send(to, msg); err != nil {
						b.Fatal(err)
					}
				}
				for range n {
					<-rx.Inbound()
				}
				sent += n
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
			require.Zero(b, tx.Stats().Dropped)
		})
	}
}
