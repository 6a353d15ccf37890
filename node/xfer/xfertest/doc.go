// Package xfertest runs cross-chain transfer networks in memory for tests:
// two or three chains, each a real app (bank, registry and xfer modules)
// over a real Merkle Patricia state, committing blocks with real headers and
// quorum certificates signed by the chain's validator keys, linked as each
// other's counterparties. Relay helpers carry packets, receipts and
// validator-set handoffs between them, and checkers assert the transfer
// invariants of DESIGN §3.4 from the chains' committed state.
//
// There is no consensus, networking or disk: Commit executes the queued
// transactions on the last committed root, commits the state, builds the
// header (height, a time that advances by a fixed step, parent hash, state
// root, validators hash, next validators hash) and signs it with every
// validator of the set. Validator-set changes come from the genesis
// ValidatorSchedule, applied by the registry module's EndBlock exactly as a
// node applies it: the header at the scheduled height names the new set as
// NextValidatorsHash and the new set signs from the next height on.
//
// The package is for tests and benchmarks only; production code must not
// import it. It is deterministic: the same calls give the same blocks, state
// roots and signatures.
package xfertest
