package attest

import (
	"github.com/ethereum/go-ethereum/rlp"
)

// Header is a block header. Its hash is keccak256 of its RLP encoding.
type Header struct {
	ChainID            string
	Height             uint64
	Round              uint32
	TimeMs             uint64
	ParentHash         Hash
	Proposer           Address
	TxRoot             Hash
	StateRoot          Hash
	ValidatorsHash     Hash
	NextValidatorsHash Hash
	LastCommitHash     Hash
	EvidenceHash       Hash
}

// Hash is the block hash.
func (h *Header) Hash() Hash {
	b, err := rlp.EncodeToBytes(h)
	if err != nil {
		panic("attest: encode header: " + err.Error())
	}
	return Keccak(b)
}

// DecodeHeader decodes an RLP header.
func DecodeHeader(b []byte) (*Header, error) {
	var h Header
	if err := rlp.DecodeBytes(b, &h); err != nil {
		return nil, errorf(CodeMalformed, "decode header: %v", err)
	}
	return &h, nil
}

// CertifiedHeader is a header together with the quorum certificate that
// committed it: the consensus message a relay carries to another chain.
type CertifiedHeader struct {
	Header Header
	QC     QC
}

// DecodeCertifiedHeader decodes an RLP certified header.
func DecodeCertifiedHeader(b []byte) (*CertifiedHeader, error) {
	var c CertifiedHeader
	if err := rlp.DecodeBytes(b, &c); err != nil {
		return nil, errorf(CodeMalformed, "decode certified header: %v", err)
	}
	return &c, nil
}

// VerifyCertifiedHeader checks that ch belongs to chainID, was produced by the
// validator set vals, and is committed by a quorum of vals' power.
func VerifyCertifiedHeader(genesis Hash, chainID string, vals *ValidatorSet, ch *CertifiedHeader) error {
	if ch.Header.ChainID != chainID {
		return errorf(CodeWrongChain, "header is for chain %q, want %q", ch.Header.ChainID, chainID)
	}
	if ch.Header.ValidatorsHash != vals.Hash() {
		return errorf(CodeWrongValidators, "header validators hash %s does not match trusted set %s", ch.Header.ValidatorsHash, vals.Hash())
	}
	if ch.QC.Height != ch.Header.Height {
		return errorf(CodeHashMismatch, "qc height %d, header height %d", ch.QC.Height, ch.Header.Height)
	}
	if ch.QC.BlockHash != ch.Header.Hash() {
		return errorf(CodeHashMismatch, "qc commits %s, header hashes to %s", ch.QC.BlockHash, ch.Header.Hash())
	}
	return VerifyQC(genesis, vals, &ch.QC)
}
