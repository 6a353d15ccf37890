// Package block defines a block: header, transactions, evidence and the
// commit of the previous block, with its encoding and structural checks.
package block

import (
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
)

// MaxBlockBytes is the hard cap on an encoded block; the genesis parameter
// max_block_bytes may set a lower one.
const MaxBlockBytes = 16 << 20

// Block is a header with its body. Txs are encoded transactions.
// LastCommit is the QC of the parent block (nil at height 1).
type Block struct {
	Header     attest.Header
	Txs        [][]byte
	Evidence   []attest.DuplicateVote
	LastCommit []attest.QC // zero or one element; a list keeps RLP simple
}

// Hash is the header hash.
func (b *Block) Hash() attest.Hash { return b.Header.Hash() }

// Encode returns the RLP encoding.
func (b *Block) Encode() []byte {
	out, err := rlp.EncodeToBytes(b)
	if err != nil {
		panic("block: encode: " + err.Error())
	}
	return out
}

// Decode parses a block and checks that its header commits to its body.
func Decode(data []byte) (*Block, error) {
	if len(data) > MaxBlockBytes {
		return nil, fmt.Errorf("decode block: %d bytes exceeds %d", len(data), MaxBlockBytes)
	}
	var b Block
	if err := rlp.DecodeBytes(data, &b); err != nil {
		return nil, fmt.Errorf("decode block: %w", err)
	}
	if err := b.CheckBody(); err != nil {
		return nil, err
	}
	return &b, nil
}

// CheckBody verifies that TxRoot, EvidenceHash and LastCommitHash match the body.
func (b *Block) CheckBody() error {
	if got := TxRoot(b.Txs); got != b.Header.TxRoot {
		return fmt.Errorf("block %d: tx root %s, header says %s", b.Header.Height, got, b.Header.TxRoot)
	}
	if got := attest.EvidenceHash(b.Evidence); got != b.Header.EvidenceHash {
		return fmt.Errorf("block %d: evidence hash mismatch", b.Header.Height)
	}
	if len(b.LastCommit) > 1 {
		return fmt.Errorf("block %d: %d last commits", b.Header.Height, len(b.LastCommit))
	}
	if got := LastCommitHash(b.LastCommit); got != b.Header.LastCommitHash {
		return fmt.Errorf("block %d: last commit hash mismatch", b.Header.Height)
	}
	return nil
}

// TxRoot commits to the ordered list of transactions: keccak256 over the
// concatenated keccak256 of each encoded transaction.
func TxRoot(txs [][]byte) attest.Hash {
	parts := make([][]byte, len(txs))
	for i, t := range txs {
		h := attest.Keccak(t)
		parts[i] = h[:]
	}
	return attest.Keccak(parts...)
}

// LastCommitHash is the QC hash, or the zero hash when there is none.
func LastCommitHash(qcs []attest.QC) attest.Hash {
	if len(qcs) == 0 {
		return attest.Hash{}
	}
	return qcs[0].Hash()
}

// Seal fills the header's body commitments from the body.
func (b *Block) Seal() {
	b.Header.TxRoot = TxRoot(b.Txs)
	b.Header.EvidenceHash = attest.EvidenceHash(b.Evidence)
	b.Header.LastCommitHash = LastCommitHash(b.LastCommit)
}

// Certified is a block with the QC that committed it, as stored and as served to laggards.
type Certified struct {
	Block Block
	QC    attest.QC
}

// EncodeCertified returns the RLP encoding of c.
func EncodeCertified(c *Certified) []byte {
	out, err := rlp.EncodeToBytes(c)
	if err != nil {
		panic("block: encode certified: " + err.Error())
	}
	return out
}

// DecodeCertified parses a certified block and checks its body commitments.
func DecodeCertified(data []byte) (*Certified, error) {
	if len(data) > MaxBlockBytes+64<<10 {
		return nil, fmt.Errorf("decode certified block: %d bytes too large", len(data))
	}
	var c Certified
	if err := rlp.DecodeBytes(data, &c); err != nil {
		return nil, fmt.Errorf("decode certified block: %w", err)
	}
	if err := c.Block.CheckBody(); err != nil {
		return nil, err
	}
	if c.QC.Height != c.Block.Header.Height || c.QC.BlockHash != c.Block.Hash() {
		return nil, fmt.Errorf("certified block %d: qc does not commit this block", c.Block.Header.Height)
	}
	return &c, nil
}
