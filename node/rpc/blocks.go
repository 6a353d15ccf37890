package rpc

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
)

// Header is a block header on the wire (DESIGN §2.3) with its hash.
type Header struct {
	Hash               attest.Hash `json:"hash"`
	ChainID            string      `json:"chain_id"`
	Height             uint64      `json:"height"`
	Round              uint32      `json:"round"`
	TimeMs             uint64      `json:"time_ms"`
	ParentHash         attest.Hash `json:"parent_hash"`
	Proposer           Address     `json:"proposer"`
	TxRoot             attest.Hash `json:"tx_root"`
	StateRoot          attest.Hash `json:"state_root"`
	ValidatorsHash     attest.Hash `json:"validators_hash"`
	NextValidatorsHash attest.Hash `json:"next_validators_hash"`
	LastCommitHash     attest.Hash `json:"last_commit_hash"`
	EvidenceHash       attest.Hash `json:"evidence_hash"`
}

// QC is a quorum certificate on the wire. Signers is the bitmap over the
// validator set's order; Sigs holds one signature per set bit.
type QC struct {
	Height    uint64          `json:"height"`
	Round     uint32          `json:"round"`
	BlockHash attest.Hash     `json:"block_hash"`
	Signers   hexutil.Bytes   `json:"signers"`
	Sigs      []hexutil.Bytes `json:"sigs"`
}

// Vote is a signed prevote or precommit inside evidence. Type is "prevote"
// or "precommit".
type Vote struct {
	Type      string        `json:"type"`
	Height    uint64        `json:"height"`
	Round     uint32        `json:"round"`
	BlockHash attest.Hash   `json:"block_hash"`
	Validator Address       `json:"validator"`
	Sig       hexutil.Bytes `json:"sig"`
}

// Evidence is proof that a validator signed two conflicting votes.
type Evidence struct {
	Hash attest.Hash `json:"hash"`
	A    Vote        `json:"a"`
	B    Vote        `json:"b"`
}

// Block is the result of cw_getBlockByHeight: the header fields and hash,
// the body, the QC of the parent (last_commit, null at height 1) and the QC
// that committed this block. Txs holds the encoded transactions only when
// full transactions were asked for; TxHashes is always there.
type Block struct {
	Header
	TxHashes   []attest.Hash   `json:"tx_hashes"`
	Txs        []hexutil.Bytes `json:"txs,omitempty"`
	Evidence   []Evidence      `json:"evidence"`
	LastCommit *QC             `json:"last_commit"`
	QC         QC              `json:"qc"`
}

// CertifiedHeader is the result of cw_getCertifiedHeader and the payload of
// "newHeads" notifications. RLP is the attest.CertifiedHeader encoding, what
// a relay forwards verbatim; Header and QC are the same content as JSON.
type CertifiedHeader struct {
	Header Header        `json:"header"`
	QC     QC            `json:"qc"`
	RLP    hexutil.Bytes `json:"rlp"`
}

// NewHeader renders h.
func NewHeader(h *attest.Header) Header {
	return Header{
		Hash:               h.Hash(),
		ChainID:            h.ChainID,
		Height:             h.Height,
		Round:              h.Round,
		TimeMs:             h.TimeMs,
		ParentHash:         h.ParentHash,
		Proposer:           Address(h.Proposer),
		TxRoot:             h.TxRoot,
		StateRoot:          h.StateRoot,
		ValidatorsHash:     h.ValidatorsHash,
		NextValidatorsHash: h.NextValidatorsHash,
		LastCommitHash:     h.LastCommitHash,
		EvidenceHash:       h.EvidenceHash,
	}
}

// Attest converts h back; the Hash field is not part of the header.
func (h *Header) Attest() attest.Header {
	return attest.Header{
		ChainID:            h.ChainID,
		Height:             h.Height,
		Round:              h.Round,
		TimeMs:             h.TimeMs,
		ParentHash:         h.ParentHash,
		Proposer:           h.Proposer.Attest(),
		TxRoot:             h.TxRoot,
		StateRoot:          h.StateRoot,
		ValidatorsHash:     h.ValidatorsHash,
		NextValidatorsHash: h.NextValidatorsHash,
		LastCommitHash:     h.LastCommitHash,
		EvidenceHash:       h.EvidenceHash,
	}
}

// NewQC renders qc.
func NewQC(qc *attest.QC) QC {
	return QC{
		Height:    qc.Height,
		Round:     qc.Round,
		BlockHash: qc.BlockHash,
		Signers:   qc.Signers,
		Sigs:      bytesList(qc.Sigs),
	}
}

// Attest converts q back.
func (q *QC) Attest() attest.QC {
	sigs := make([][]byte, len(q.Sigs))
	for i, s := range q.Sigs {
		sigs[i] = s
	}
	return attest.QC{Height: q.Height, Round: q.Round, BlockHash: q.BlockHash, Signers: q.Signers, Sigs: sigs}
}

// NewVote renders v.
func NewVote(v *attest.Vote) Vote {
	return Vote{
		Type:      v.Type.String(),
		Height:    v.Height,
		Round:     v.Round,
		BlockHash: v.BlockHash,
		Validator: Address(v.Validator),
		Sig:       v.Sig,
	}
}

// NewEvidence renders e.
func NewEvidence(e *attest.DuplicateVote) Evidence {
	return Evidence{Hash: e.Hash(), A: NewVote(&e.A), B: NewVote(&e.B)}
}

// NewCertifiedHeader renders c with its RLP encoding.
func NewCertifiedHeader(c *attest.CertifiedHeader) (*CertifiedHeader, error) {
	enc, err := rlp.EncodeToBytes(c)
	if err != nil {
		return nil, fmt.Errorf("encode certified header %d: %w", c.Header.Height, err)
	}
	return &CertifiedHeader{Header: NewHeader(&c.Header), QC: NewQC(&c.QC), RLP: enc}, nil
}

// Decode decodes RLP and checks that it carries the same header and QC as
// the JSON fields, so a caller may use either.
func (c *CertifiedHeader) Decode() (*attest.CertifiedHeader, error) {
	ch, err := attest.DecodeCertifiedHeader(c.RLP)
	if err != nil {
		return nil, fmt.Errorf("certified header %d: %w", c.Header.Height, err)
	}
	if got := ch.Header.Hash(); got != c.Header.Hash || c.Header.Attest() != ch.Header {
		return nil, fmt.Errorf("certified header %d: rlp header %s differs from json header %s: %w", c.Header.Height, got, c.Header.Hash, attest.ErrHashMismatch)
	}
	if jqc := c.QC.Attest(); ch.QC.Hash() != jqc.Hash() {
		return nil, fmt.Errorf("certified header %d: rlp qc differs from json qc: %w", c.Header.Height, attest.ErrHashMismatch)
	}
	return ch, nil
}

// NewBlock renders a certified block; fullTxs includes the encoded transactions.
func NewBlock(c *block.Certified, fullTxs bool) *Block {
	b := &c.Block
	out := &Block{Header: NewHeader(&b.Header), QC: NewQC(&c.QC)}
	out.TxHashes = make([]attest.Hash, len(b.Txs))
	for i, tx := range b.Txs {
		out.TxHashes[i] = attest.Keccak(tx)
	}
	if fullTxs {
		out.Txs = bytesList(b.Txs)
	}
	out.Evidence = make([]Evidence, len(b.Evidence))
	for i := range b.Evidence {
		out.Evidence[i] = NewEvidence(&b.Evidence[i])
	}
	if len(b.LastCommit) > 0 {
		lc := NewQC(&b.LastCommit[0])
		out.LastCommit = &lc
	}
	return out
}

func bytesList(in [][]byte) []hexutil.Bytes {
	out := make([]hexutil.Bytes, len(in))
	for i, b := range in {
		out[i] = b
	}
	return out
}
