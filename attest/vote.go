package attest

import (
	"crypto/ecdsa"

	"github.com/ethereum/go-ethereum/rlp"
)

// VoteType distinguishes prevotes from precommits.
type VoteType uint8

const (
	Prevote   VoteType = 1
	Precommit VoteType = 2
)

func (t VoteType) String() string {
	switch t {
	case Prevote:
		return "prevote"
	case Precommit:
		return "precommit"
	}
	return "unknown"
}

// Vote is a signed prevote or precommit. A zero BlockHash is a vote for nil.
type Vote struct {
	Type      VoteType
	Height    uint64
	Round     uint32
	BlockHash Hash
	Validator Address
	Sig       []byte
}

type voteSignBytes struct {
	Type      VoteType
	Height    uint64
	Round     uint32
	BlockHash Hash
}

// VoteDigest is the digest a validator signs for a vote.
func VoteDigest(genesis Hash, t VoteType, height uint64, round uint32, block Hash) Hash {
	b, err := rlp.EncodeToBytes(voteSignBytes{Type: t, Height: height, Round: round, BlockHash: block})
	if err != nil {
		panic("attest: encode vote: " + err.Error())
	}
	return Digest(TagVote, genesis, b)
}

// Digest is the digest v is signed over.
func (v *Vote) Digest(genesis Hash) Hash {
	return VoteDigest(genesis, v.Type, v.Height, v.Round, v.BlockHash)
}

// SignVote fills in v.Validator and v.Sig.
func SignVote(genesis Hash, v *Vote, key *ecdsa.PrivateKey) error {
	sig, err := Sign(v.Digest(genesis), key)
	if err != nil {
		return err
	}
	v.Validator = AddressOf(key)
	v.Sig = sig
	return nil
}

// VerifyVote checks that v is well formed and signed by its validator, who is in vals.
func VerifyVote(genesis Hash, vals *ValidatorSet, v *Vote) error {
	if v.Type != Prevote && v.Type != Precommit {
		return errorf(CodeMalformed, "vote type %d", v.Type)
	}
	if vals.IndexOf(v.Validator) < 0 {
		return errorf(CodeUnknownSigner, "vote from %s, not a validator", v.Validator)
	}
	signer, err := Recover(v.Digest(genesis), v.Sig)
	if err != nil {
		return err
	}
	if signer != v.Validator {
		return errorf(CodeBadSignature, "vote claims %s, signed by %s", v.Validator, signer)
	}
	return nil
}

// IsNil reports whether v votes for no block.
func (v *Vote) IsNil() bool { return v.BlockHash == (Hash{}) }

// DecodeVote decodes an RLP vote.
func DecodeVote(b []byte) (*Vote, error) {
	var v Vote
	if err := rlp.DecodeBytes(b, &v); err != nil {
		return nil, errorf(CodeMalformed, "decode vote: %v", err)
	}
	return &v, nil
}
