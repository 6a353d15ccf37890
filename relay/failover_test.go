package relay_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/relay"
)

// statusNode answers Status with err, or with its chain id; it counts calls.
// Other Chain methods are not used here.
type statusNode struct {
	relay.Chain
	id    string
	err   error
	calls int
}

func (n *statusNode) Status(context.Context) (*chains.Status, error) {
	n.calls++
	if n.err != nil {
		return nil, n.err
	}
	return &chains.Status{ChainID: n.id}, nil
}

// A node that cannot be reached is passed over, and the next call starts at
// the node that answered; an error the node returns is an answer.
func TestFailoverMovesPastUnreachableNodes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	down := &statusNode{err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}
	up := &statusNode{id: "alpha"}
	c := relay.Failover(down, up)

	st, err := c.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, "alpha", st.ChainID)
	_, err = c.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, down.calls, "the answering node is asked first afterwards")
	require.Equal(t, 2, up.calls)

	refusing := &statusNode{err: &chains.Error{Code: 903, Name: "unavailable", Msg: "stopping"}}
	other := &statusNode{id: "alpha"}
	_, err = relay.Failover(refusing, other).Status(ctx)
	code, ok := chains.ErrorCode(err)
	require.True(t, ok, "a node's own error comes back: %v", err)
	require.Equal(t, 903, code)
	require.Zero(t, other.calls)

	allDown := relay.Failover(down, &statusNode{err: errors.New("i/o timeout")})
	_, err = allDown.Status(ctx)
	require.ErrorContains(t, err, "connection refused")
	require.ErrorContains(t, err, "i/o timeout")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	before := up.calls
	_, err = relay.Failover(&statusNode{err: context.Canceled}, up).Status(cancelled)
	require.ErrorIs(t, err, context.Canceled, "a caller that gave up is not retried elsewhere")
	require.Equal(t, before, up.calls)
}
