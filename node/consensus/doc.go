// Package consensus is the Tendermint BFT algorithm (Buchman, Kwon, Milosevic,
// "The latest gossip on BFT consensus", arXiv:1807.04938) written as a pure
// state machine, with the write-ahead log and sign guard that make a restarted
// validator resume without signing anything conflicting.
//
// Machine owns rounds, steps, locks, the valid value, vote counting, round
// skipping, next-height buffering and equivocation detection. It is fed Events
// and answers with Actions; it does no I/O, reads no clock, starts no
// goroutines, draws no randomness, and no map iteration order reaches its
// output. A driver (package node) signs, persists, sends, times and executes;
// the simulator in package sim drives the very same machine in tests.
//
// The package must not sign anything itself, touch the network or the block
// store, or interpret block bytes: a block is opaque, named by its hash.
package consensus
