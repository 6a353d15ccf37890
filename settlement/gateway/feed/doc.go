// Package feed is the gateway's WebSocket feed at /v1/stream: it streams
// the store's outbox of transfer events to subscribers of a transfer, an
// account or a route, replays missed events from the store on request
// (from_seq), sends heartbeats carrying the head seq, and closes a client
// that does not keep up rather than skip events for it.
//
// It owns the connections, their subscriptions, and the Source that
// delivers committed events in seq order — tailing the store directly
// (one instance) or through a Redis stream with one elected publisher
// (many instances).
//
// It must not write to the store, nor hold events only in memory: the
// store's outbox is the truth, Redis only carries it, and any gap is read
// back from the store.
//
// The protocol (message types in settlement/gateway/api):
//
//   - A subscription is registered before it is answered ("subscribed",
//     seq = the hub's head) and buffers live events from then on; with
//     from_seq it is replayed from the store page by page ("replayed"
//     ends the replay), then the buffered events newer than the last
//     replayed one are sent. So replay and live events meet without a gap
//     or a repeat. A replay outrun by live events drops its buffer and
//     reads on from the store.
//   - Heartbeats are queued in order with events and carry the head seq —
//     or, while a subscription of the connection is still replaying, the
//     last seq it was sent — so reconnecting with from_seq = the last seq
//     seen (event or heartbeat) misses nothing.
//   - A bad client message is answered with an "error" message and the
//     connection stays open; that includes a subscribe over
//     MaxSubscriptions (too_many_subscriptions: the feed does not close
//     with api.CloseTooManySubs). A message over MaxMessageBytes closes the
//     connection with api.CloseBadRequest.
//   - A connection whose send buffer fills up is closed with
//     api.CloseSlowConsumer; shutdown closes every connection with
//     api.CloseGoingAway.
//   - Browsers may connect from the gateway's own origin only (the
//     tracker page); other clients send no Origin header.
package feed
