// Package store is the validator's block store on Pebble: certified blocks by
// height, a block-hash index, a transaction index, opaque receipts and
// per-height metadata, and the state trie's nodes keyed by hash (it is the
// state package's NodeStore).
//
// Everything one committed block changes goes into one BlockBatch, written
// with a single fsynced Pebble commit that also advances Height, so a crash
// leaves either all of a block or none of it. Heights advance by exactly one.
//
// The store knows nothing of execution, consensus or the write-ahead log; it
// must not interpret receipts or metadata, and never deletes anything.
package store
