package rpc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHubDropsFullSubscriberOnly(t *testing.T) {
	t.Parallel()
	const buffer = 2
	h := newHub[int](buffer, 10)
	slow, err := h.add()
	require.NoError(t, err)
	fast, err := h.add()
	require.NoError(t, err)

	for i := range buffer + 1 {
		h.publish(i)
		require.Equal(t, i, <-fast.ch)
	}
	// slow kept what fit, then its channel closed with the reason.
	require.Equal(t, 0, <-slow.ch)
	require.Equal(t, 1, <-slow.ch)
	_, open := <-slow.ch
	require.False(t, open)
	require.ErrorIs(t, slow.end, ErrSlowSubscriber)
	require.Equal(t, 1, h.size())
}

func TestHubLimitAndClose(t *testing.T) {
	t.Parallel()
	h := newHub[int](1, 1)
	s, err := h.add()
	require.NoError(t, err)
	_, err = h.add()
	require.ErrorIs(t, err, ErrLimitExceeded)

	h.remove(s)
	h.remove(s) // idempotent
	s, err = h.add()
	require.NoError(t, err)

	h.close(Errorf(CodeUnavailable, "stopping"))
	_, open := <-s.ch
	require.False(t, open)
	require.ErrorIs(t, s.end, ErrUnavailable)
	_, err = h.add()
	require.ErrorIs(t, err, ErrUnavailable)
}

func TestHubEndAllKeepsAccepting(t *testing.T) {
	t.Parallel()
	h := newHub[int](1, 5)
	s, err := h.add()
	require.NoError(t, err)
	h.endAll(Errorf(CodeUnavailable, "feed lost"))
	_, open := <-s.ch
	require.False(t, open)
	_, err = h.add()
	require.NoError(t, err)
}
