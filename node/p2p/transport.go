package p2p

import (
	"context"

	"github.com/causeway/causeway/attest"
)

// Message is one unit of communication. Type is defined by the layer above
// (consensus, block sync); the transport never interprets it. A sender must
// not modify Payload after handing the message to Send or Broadcast, and a
// receiver owns the Payload it is given.
type Message struct {
	Type    uint8
	Payload []byte
}

// Inbound is a message together with the authenticated peer that sent it.
type Inbound struct {
	From attest.Address
	Msg  Message
}

// Transport moves messages between authenticated validators.
//
// Delivery is best effort: messages to one peer arrive in the order they
// were sent, but a full send queue drops its oldest message and a broken
// connection loses what was in flight.
type Transport interface {
	// Start begins listening and dialing; it returns once listening.
	Start(ctx context.Context) error
	// Stop closes every connection, waits for every goroutine and then closes
	// the Inbound channel.
	Stop() error
	// Broadcast queues m for every connected, authenticated peer. It never blocks.
	Broadcast(m Message)
	// Send queues m for one peer. It never blocks; it fails with
	// ErrNotConnected when there is no connection to the peer.
	Send(to attest.Address, m Message) error
	// Inbound delivers messages from all peers.
	Inbound() <-chan Inbound
	// Peers lists the currently connected peers, sorted by address.
	Peers() []attest.Address
}
