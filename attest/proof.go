package attest

import (
	"github.com/ethereum/go-ethereum/ethdb/memorydb"
	"github.com/ethereum/go-ethereum/trie"
)

// MaxProofNodes bounds the work one proof can ask of a verifier.
const MaxProofNodes = 64

// VerifyProof checks a Merkle Patricia proof for key against root. It returns
// the value proven (nil for a proof of non-membership).
func VerifyProof(root Hash, key []byte, proof [][]byte) ([]byte, error) {
	if len(proof) == 0 || len(proof) > MaxProofNodes {
		return nil, errorf(CodeBadProof, "proof has %d nodes", len(proof))
	}
	db := memorydb.New()
	for _, node := range proof {
		if err := db.Put(Keccak(node).Bytes(), node); err != nil {
			return nil, errorf(CodeBadProof, "load proof: %v", err)
		}
	}
	val, err := trie.VerifyProof(root, key, db)
	if err != nil {
		return nil, errorf(CodeBadProof, "key %q: %v", key, err)
	}
	return val, nil
}
