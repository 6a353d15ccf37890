package attest

import (
	"github.com/ethereum/go-ethereum/rlp"
)

// QC is a quorum certificate: the precommits of at least two thirds of the
// voting power for one block at one height and round. Signers is a bitmap over
// the validator set's order (bit i of byte i/8, least significant first); Sigs
// holds one signature per set bit, in ascending index order.
type QC struct {
	Height    uint64
	Round     uint32
	BlockHash Hash
	Signers   []byte
	Sigs      [][]byte
}

// Hash identifies a QC (used for LastCommitHash).
func (qc *QC) Hash() Hash {
	b, err := rlp.EncodeToBytes(qc)
	if err != nil {
		panic("attest: encode qc: " + err.Error())
	}
	return Keccak(b)
}

// HasSigner reports whether bit i is set.
func (qc *QC) HasSigner(i int) bool {
	return i/8 < len(qc.Signers) && qc.Signers[i/8]&(1<<(uint(i)%8)) != 0
}

// NewQC assembles a QC from precommits for block at height/round, keyed by
// validator address. Votes from unknown validators or for another block are ignored.
func NewQC(vals *ValidatorSet, height uint64, round uint32, block Hash, votes map[Address]*Vote) *QC {
	qc := &QC{Height: height, Round: round, BlockHash: block, Signers: make([]byte, (vals.Size()+7)/8)}
	for i, v := range vals.Validators {
		vote, ok := votes[v.Address]
		if !ok || vote.Type != Precommit || vote.Height != height || vote.Round != round || vote.BlockHash != block {
			continue
		}
		qc.Signers[i/8] |= 1 << (uint(i) % 8)
		qc.Sigs = append(qc.Sigs, vote.Sig)
	}
	return qc
}

// VerifyQC checks that qc carries valid precommits from more than two thirds
// of vals' voting power.
func VerifyQC(genesis Hash, vals *ValidatorSet, qc *QC) error {
	if qc.BlockHash == (Hash{}) {
		return errorf(CodeMalformed, "qc commits the nil block")
	}
	if len(qc.Signers) != (vals.Size()+7)/8 {
		return errorf(CodeMalformed, "signer bitmap is %d bytes for %d validators", len(qc.Signers), vals.Size())
	}
	// Bits past the last validator must be clear, or one QC would have many encodings.
	for i := vals.Size(); i < len(qc.Signers)*8; i++ {
		if qc.HasSigner(i) {
			return errorf(CodeMalformed, "signer bit %d set past the validator set", i)
		}
	}
	digest := VoteDigest(genesis, Precommit, qc.Height, qc.Round, qc.BlockHash)
	var power uint64
	next := 0
	for i, v := range vals.Validators {
		if !qc.HasSigner(i) {
			continue
		}
		if next >= len(qc.Sigs) {
			return errorf(CodeMalformed, "qc has fewer signatures than signer bits")
		}
		signer, err := Recover(digest, qc.Sigs[next])
		if err != nil {
			return err
		}
		if signer != v.Address {
			return errorf(CodeBadSignature, "signature %d is by %s, bitmap says %s", next, signer, v.Address)
		}
		power += v.Power
		next++
	}
	if next != len(qc.Sigs) {
		return errorf(CodeMalformed, "qc has %d signatures for %d signer bits", len(qc.Sigs), next)
	}
	if power < vals.QuorumPower() {
		return errorf(CodeInsufficientVote, "qc carries power %d, quorum is %d", power, vals.QuorumPower())
	}
	return nil
}

// DecodeQC decodes an RLP quorum certificate.
func DecodeQC(b []byte) (*QC, error) {
	var qc QC
	if err := rlp.DecodeBytes(b, &qc); err != nil {
		return nil, errorf(CodeMalformed, "decode qc: %v", err)
	}
	return &qc, nil
}
