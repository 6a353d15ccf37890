package rpc_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/rpc"
)

func TestFeedClosesASubscriberThatFallsBehind(t *testing.T) {
	t.Parallel()
	f := rpc.NewFeed[int]()
	slow, _ := f.Subscribe(1)
	fast, cancel := f.Subscribe(4)
	f.Publish(1)
	f.Publish(2) // slow is full: closed, not skipped
	require.Equal(t, 1, <-slow)
	_, open := <-slow
	require.False(t, open)
	require.Equal(t, []int{1, 2}, []int{<-fast, <-fast})
	require.Equal(t, 1, f.Size())
	cancel()
	_, open = <-fast
	require.False(t, open)

	later, _ := f.Subscribe(1)
	f.Interrupt()
	_, open = <-later
	require.False(t, open)
	f.Close()
	after, _ := f.Subscribe(1)
	_, open = <-after
	require.False(t, open, "a closed feed closes new subscribers at once")
}
