package consensus

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
)

// NoPOLRound is the POLRound of a proposal that re-proposes nothing.
const NoPOLRound int32 = -1

// MaxProposalBytes bounds an encoded proposal: a block plus a little framing.
const MaxProposalBytes = block.MaxBlockBytes + proposalOverheadBytes

const proposalOverheadBytes = 4 << 10

// ErrMalformedProposal is returned for a proposal that cannot be decoded or
// whose fields contradict each other.
var ErrMalformedProposal = errors.New("malformed proposal")

// Proposal is a proposer's signed offer of a block for one height and round.
// POLRound is the round of the proof-of-lock (2f+1 prevotes) for a block
// proposed again, or NoPOLRound.
type Proposal struct {
	Height    uint64
	Round     uint32
	POLRound  int32
	BlockHash attest.Hash
	Block     []byte
	Proposer  attest.Address
	Sig       []byte
}

// proposalWire is the RLP form: RLP has no signed integers, so POLRound is
// carried as POLRound+1, with 0 meaning none.
type proposalWire struct {
	Height    uint64
	Round     uint32
	POLRound  uint32
	BlockHash attest.Hash
	Block     []byte
	Proposer  attest.Address
	Sig       []byte
}

type proposalSignBytes struct {
	Height    uint64
	Round     uint32
	POLRound  uint32
	BlockHash attest.Hash
}

// ProposalDigest is the digest a proposer signs: the domain-tagged hash of
// height, round, POL round and block hash. The block itself is bound through
// its hash.
func ProposalDigest(genesis attest.Hash, p *Proposal) attest.Hash {
	b, err := rlp.EncodeToBytes(proposalSignBytes{
		Height: p.Height, Round: p.Round, POLRound: encodePOLRound(p.POLRound), BlockHash: p.BlockHash,
	})
	if err != nil {
		panic("consensus: encode proposal sign bytes: " + err.Error())
	}
	return attest.Digest(attest.TagProposal, genesis, b)
}

// SignProposal signs p with key. The signature is deterministic (RFC 6979),
// so signing the same proposal twice gives the same bytes.
func SignProposal(genesis attest.Hash, p *Proposal, key *ecdsa.PrivateKey) error {
	sig, err := attest.Sign(ProposalDigest(genesis, p), key)
	if err != nil {
		return fmt.Errorf("sign proposal %d/%d: %w", p.Height, p.Round, err)
	}
	p.Sig = sig
	return nil
}

// VerifyProposalSig checks that p is signed by p.Proposer. Whether
// p.Proposer is the right proposer for the round is the machine's business.
func VerifyProposalSig(genesis attest.Hash, p *Proposal) error {
	signer, err := attest.Recover(ProposalDigest(genesis, p), p.Sig)
	if err != nil {
		return fmt.Errorf("verify proposal %d/%d: %w", p.Height, p.Round, err)
	}
	if signer != p.Proposer {
		return fmt.Errorf("verify proposal %d/%d: signed by %s, proposer is %s: %w",
			p.Height, p.Round, signer, p.Proposer, attest.ErrBadSignature)
	}
	return nil
}

// EncodeProposal returns the RLP encoding of p.
func EncodeProposal(p *Proposal) []byte {
	b, err := rlp.EncodeToBytes(p)
	if err != nil {
		panic("consensus: encode proposal: " + err.Error())
	}
	return b
}

// DecodeProposal parses an encoded proposal and checks that its fields are
// consistent (size, POL round before the round).
func DecodeProposal(b []byte) (*Proposal, error) {
	if len(b) > MaxProposalBytes {
		return nil, fmt.Errorf("decode proposal: %d bytes: %w", len(b), ErrMalformedProposal)
	}
	var p Proposal
	if err := rlp.DecodeBytes(b, &p); err != nil {
		return nil, fmt.Errorf("decode proposal: %w: %w", ErrMalformedProposal, err)
	}
	return &p, nil
}

// EncodeRLP implements rlp.Encoder.
func (p Proposal) EncodeRLP(w io.Writer) error {
	return rlp.Encode(w, &proposalWire{
		Height: p.Height, Round: p.Round, POLRound: encodePOLRound(p.POLRound),
		BlockHash: p.BlockHash, Block: p.Block, Proposer: p.Proposer, Sig: p.Sig,
	})
}

// DecodeRLP implements rlp.Decoder and rejects inconsistent proposals.
func (p *Proposal) DecodeRLP(s *rlp.Stream) error {
	var w proposalWire
	if err := s.Decode(&w); err != nil {
		return err
	}
	if w.POLRound > math.MaxInt32 || (w.POLRound > 0 && w.POLRound-1 >= w.Round) {
		return fmt.Errorf("pol round %d at round %d: %w", int64(w.POLRound)-1, w.Round, ErrMalformedProposal)
	}
	*p = Proposal{
		Height: w.Height, Round: w.Round, POLRound: int32(w.POLRound) - 1,
		BlockHash: w.BlockHash, Block: w.Block, Proposer: w.Proposer, Sig: w.Sig,
	}
	return nil
}

// encodePOLRound maps NoPOLRound (and any negative value) to 0.
func encodePOLRound(r int32) uint32 {
	if r < 0 {
		return 0
	}
	return uint32(r) + 1
}
