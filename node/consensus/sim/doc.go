// Package sim is a deterministic discrete-event simulator for the consensus
// state machine: a virtual clock, a seeded random source and one priority
// queue of message deliveries, timeouts, ticks, crashes and partitions drive
// several validators, some of them equivocating, each running the real
// consensus.Machine with an in-memory WAL, real signatures and a sign guard.
//
// Run checks safety (one block per height, verifiable QCs, no honest double
// signing, across crash-restart), liveness (progress in a calm phase after
// the faults stop) and evidence (equivocation seen is reported), and returns
// a trace hash so that a seed can be shown to replay bit-identically.
//
// The package owns no consensus rule and must not reach into the machine: it
// plays the driver's part only, as package node does over a real network.
package sim
