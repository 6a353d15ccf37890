package p2p

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// fuzzFrameLimit keeps FuzzReadFrame allocations small.
const fuzzFrameLimit = 1 << 10

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0})
	f.Add(appendFrame(nil, []byte("hello")))
	f.Add(appendFrame(nil, make([]byte, fuzzFrameLimit)))
	f.Add(binary.BigEndian.AppendUint32(nil, fuzzFrameLimit+1))
	f.Add([]byte{0, 0, 0, 9, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		body, err := readFrame(r, fuzzFrameLimit)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(body), fuzzFrameLimit)
		consumed := len(data) - r.Len()
		require.Equal(t, data[:consumed], appendFrame(nil, body), "frame does not re-encode to its input")
	})
}

// scriptConn replays fixed bytes as the remote end and swallows writes.
type scriptConn struct {
	r io.Reader
}

func (c scriptConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c scriptConn) Write(b []byte) (int, error) { return len(b), nil }

// FuzzHandshake feeds arbitrary bytes as the remote side of a handshake in
// either role. No input can authenticate, since the session keys depend on
// our fresh ephemeral key; every input must fail cleanly.
func FuzzHandshake(f *testing.F) {
	for _, seed := range handshakeSeeds(f) {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	id := newIdentity(testKey(f, "fuzz-local"), testGenesis)
	f.Fuzz(func(t *testing.T, data []byte, initiator bool) {
		self := roleResponder
		if initiator {
			self = roleInitiator
		}
		sc, remote, err := handshake(scriptConn{r: bytes.NewReader(data)}, self, id, fuzzFrameLimit, admitAll)
		require.Error(t, err)
		require.Nil(t, sc)
		require.Equal(t, attest.Address{}, remote)
	})
}

// handshakeSeeds are plausible remote transcripts: a valid hello with junk,
// and the bytes a real initiator and a real responder sent in one handshake.
func handshakeSeeds(f *testing.F) [][]byte {
	hello := encodeHelloForSeed(f)
	seeds := [][]byte{
		nil,
		appendFrame(nil, hello),
		append(appendFrame(nil, hello), appendFrame(nil, make([]byte, authBytes+frameOverhead))...),
		appendFrame(nil, bytes.Repeat([]byte{0xff}, helloBytes)),
	}
	init, resp := recordHandshake(f)
	return append(seeds, init, resp)
}

func encodeHelloForSeed(f *testing.F) []byte {
	b := []byte(handshakeMagic)
	b = append(b, handshakeVersion)
	b = append(b, testGenesis[:]...)
	return append(b, bytes.Repeat([]byte{9}, x25519KeyBytes)...)
}

// recordHandshake runs a real handshake and returns what each side wrote.
func recordHandshake(f *testing.F) (fromInit, fromResp []byte) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	deadline := time.Now().Add(waitFor)
	_ = a.SetDeadline(deadline)
	_ = b.SetDeadline(deadline)
	var bufI, bufR bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, _, err := handshake(teeConn{Conn: b, w: &bufR}, roleResponder, newIdentity(testKey(f, "seed-resp"), testGenesis), fuzzFrameLimit, admitAll)
		done <- err
	}()
	_, _, err := handshake(teeConn{Conn: a, w: &bufI}, roleInitiator, newIdentity(testKey(f, "seed-init"), testGenesis), fuzzFrameLimit, admitAll)
	require.NoError(f, err)
	require.NoError(f, <-done)
	return bufI.Bytes(), bufR.Bytes()
}

// teeConn copies everything written to w.
type teeConn struct {
	net.Conn
	w io.Writer
}

func (c teeConn) Write(b []byte) (int, error) {
	_, _ = c.w.Write(b)
	return c.Conn.Write(b)
}
