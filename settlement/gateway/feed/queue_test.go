package feed

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSendQueue(t *testing.T) {
	t.Parallel()
	q := newSendQueue(4)
	for i := range 4 {
		require.True(t, q.push(outMsg{data: []byte{byte(i)}}))
	}
	require.False(t, q.push(outMsg{}), "full")

	msgs, closed, _, _ := q.take(nil)
	require.False(t, closed)
	require.Len(t, msgs, 4)
	require.False(t, q.push(outMsg{}), "taken messages count until written")

	// A replay waits until the writer has written and the queue is less
	// than half full.
	waited := make(chan error, 1)
	go func() { waited <- q.pushWait(t.Context(), outMsg{data: []byte("replay")}) }()
	select {
	case err := <-waited:
		t.Fatalf("pushWait returned %v while the queue was full", err)
	case <-time.After(pollWait):
	}
	q.written()
	require.NoError(t, <-waited)
	msgs, _, _, _ = q.take(msgs)
	require.Equal(t, []outMsg{{data: []byte("replay")}}, msgs)
	q.written()

	// Closing drops what is queued, wakes a waiting replay and reports the
	// close once.
	require.True(t, q.push(outMsg{}))
	require.True(t, q.push(outMsg{}))
	go func() { waited <- q.pushWait(context.Background(), outMsg{}) }()
	require.True(t, q.close(4008, "slow"))
	require.False(t, q.close(1001, "later"))
	require.ErrorIs(t, <-waited, errQueueClosed)
	_, closed, code, reason := q.take(nil)
	require.True(t, closed)
	require.Equal(t, 4008, code)
	require.Equal(t, "slow", reason)
	require.False(t, q.push(outMsg{}))
}
