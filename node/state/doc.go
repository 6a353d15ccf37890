// Package state owns the chain's key-value state: a go-ethereum Merkle
// Patricia trie over raw, readable keys (acct/<addr>, bal/<addr>/<denom>,
// xout/<dst>/<seq>, ...) whose root is the header's StateRoot.
//
// A DB reads committed trie nodes by hash through a NodeStore (the block
// store) with a size-bounded cache in front. Fork opens a writable Overlay on
// a committed root; the overlay buffers writes in memory with a journal for
// snapshots and applies them to the trie, in sorted key order, only when a
// root is asked for. Commit hands back the new trie nodes; the caller writes
// them in the block's batch. Nodes are never deleted, so every committed root
// stays readable and provable (archive mode).
//
// The package does no writes of its own: it must not open databases, write
// batches or decide when a block is durable. That is the block store's job.
package state
