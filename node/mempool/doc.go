// Package mempool holds signed transactions waiting for a block. It admits a
// transaction only after checking its size, encoding, chain, signature
// (through the signature cache it shares with execution), nonce and the
// owning module's cheap Check; every rejection is an *app.Error with a stable
// code, and a rejection changes nothing.
//
// Reap hands the consensus driver executable transactions — per sender, a
// contiguous run of nonces from the account's next — round-robin across
// senders in first-arrival order. Update removes what a committed block
// included and whatever its nonces made stale.
//
// The mempool is safe for concurrent use (RPC and gossip call Add; the
// consensus driver calls Reap and Update). It never writes state and does not
// gossip; the node wires it to the transport.
package mempool
