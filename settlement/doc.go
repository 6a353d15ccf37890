// Package settlement is Causeway's system of record for cross-chain
// transfers: the transfer lifecycle as a pure state machine, the evidence each
// transition must carry, and the Store interface that the relay and the
// gateway write through.
//
// A transfer is one packet on a route (source chain, destination chain,
// sequence). It moves
//
//	submitted → source_committed → delivered → finished | refunded
//
// or ends in rejected when the source refuses the transaction. Every
// transition names the status it expects the row to be in (compare-and-set)
// and carries the chain facts that back it: heights, transaction hashes and,
// for delivery, the destination's receipt. A Store refuses a transition whose
// evidence is missing, so the store never shows a state the chains do not
// back. Each transition commits together with an event (the outbox) whose
// sequence is global, gap-free and in commit order, so feeds replay from any
// point without missing one.
//
// Implementations live in subpackages named after what they wrap:
// settlement/store/postgres (production) and settlement/store/sqlite (the
// embedded default); settlement/store/storetest is the conformance suite both
// run. This package does no I/O and must not verify chain cryptography (attest
// does that before evidence reaches the store).
package settlement
