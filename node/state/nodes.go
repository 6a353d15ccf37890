package state

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/triedb/database"

	"github.com/causeway/causeway/attest"
)

// trieDB adapts a DB to the trie's node-database interfaces. Nodes are looked
// up by hash alone: the trie's owner and path are ignored, so any root whose
// nodes are stored (or cached) can be opened, at any height.
type trieDB struct{ db *DB }

// NodeReader returns a reader for any root; a root that was never committed
// shows up as ErrMissingNode on first access.
func (r trieDB) NodeReader(common.Hash) (database.NodeReader, error) { return r, nil }

// Node returns the blob of the node with hash, from the cache or the store.
func (r trieDB) Node(_ common.Hash, _ []byte, hash common.Hash) ([]byte, error) {
	return r.db.node(hash)
}

// node reads one trie node, checking a store read against its hash before it
// enters the cache.
func (db *DB) node(hash attest.Hash) ([]byte, error) {
	if blob, ok := db.cache.Get(hash); ok {
		return blob, nil
	}
	blob, err := db.nodes.Node(hash)
	if err != nil {
		return nil, fmt.Errorf("read node %s: %w: %w", hash, ErrMissingNode, err)
	}
	if len(blob) == 0 {
		return nil, fmt.Errorf("read node %s: %w", hash, ErrMissingNode)
	}
	if attest.Keccak(blob) != hash {
		return nil, fmt.Errorf("read node %s: %w", hash, ErrCorruptNode)
	}
	db.cache.Add(hash, blob)
	return blob, nil
}
