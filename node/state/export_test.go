package state

import "github.com/causeway/causeway/attest"

// NodeBlob exposes the cached node read to the baseline benchmark.
func (db *DB) NodeBlob(hash attest.Hash) ([]byte, error) { return db.node(hash) }
