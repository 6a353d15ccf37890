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
//
// # Driver contract
//
//   - Log every event fed to the machine in the WAL before stepping it
//     (received messages without sync; Tick and StartHeight are ignored by
//     Append). Verify signatures before feeding; the machine checks only
//     membership and the proposer schedule.
//   - BroadcastVote/BroadcastProposal without Rebroadcast: check the
//     SignGuard, sign, append with sync, send, then feed the signed message
//     back. The machine counts its own vote only when it comes back.
//   - With Rebroadcast: send as is. These may carry other validators' votes
//     (the POL prevotes travelling with a re-proposal).
//   - RequestCommit: fetch the certified block of that height from peers and
//     feed it as CertifiedCommit. Without it a validator that missed a
//     quorum's messages stays behind.
//   - Commit: persist, call Log.StartHeight(h+1), then feed StartHeight(h+1)
//     with Skipped derived from committed blocks only (FailedProposers over a
//     window of recent heights) so all validators agree on proposers. On an
//     idle chain delay round 0, not the timeouts of later rounds.
//   - Evidence may repeat (after a restart, or per equivocator and round);
//     deduplicate by attest.DuplicateVote.Hash.
//   - Restart: OpenWAL, Records(h), SignGuard.Restore, Log.StartHeight(h),
//     Replay; then carry out the actions Replay returns.
package consensus
