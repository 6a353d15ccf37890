package feed

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recordingConn records each write that reaches the socket.
type recordingConn struct {
	net.Conn
	writes    [][]byte
	deadlines []time.Time
}

func (r *recordingConn) Write(p []byte) (int, error) {
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func (r *recordingConn) SetWriteDeadline(t time.Time) error {
	r.deadlines = append(r.deadlines, t)
	return nil
}

func TestBatchConn(t *testing.T) {
	t.Parallel()
	rec := &recordingConn{}
	c := &batchConn{Conn: rec, timeout: time.Minute}

	_, err := c.Write([]byte("handshake"))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("handshake")}, rec.writes, "outside a batch writes pass through")

	c.hold()
	for _, p := range []string{"a", "b", "c"} {
		n, err := c.Write([]byte(p))
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(-time.Hour)), "gorilla's deadlines are ignored")
	require.Len(t, rec.writes, 1, "a batch is held")
	require.NoError(t, c.flush())
	require.Equal(t, []byte("abc"), rec.writes[1], "and written at once")
	for _, d := range rec.deadlines {
		require.True(t, d.After(time.Now().Add(time.Minute/2)), "each socket write gets the timeout")
	}

	c.hold()
	big := make([]byte, maxBatchBytes)
	_, err = c.Write(big)
	require.NoError(t, err)
	require.Len(t, rec.writes, 3, "a batch past maxBatchBytes is written early")
	require.NoError(t, c.flush())
	require.Len(t, rec.writes, 3, "nothing left to flush")
}
