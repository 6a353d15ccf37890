package sim

import (
	"crypto/ecdsa"
	"fmt"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/consensus"
)

// signatures caches signing and recovery: every message is signed once and
// recovered once however often it is sent, which keeps thousands of seeds
// affordable. The cached values are exactly what attest computes.
type signatures struct {
	genesis   attest.Hash
	signed    map[signKey][]byte
	recovered map[recoverKey]recovered
	qcs       map[attest.Hash]error
	evidence  map[string]error
}

type signKey struct {
	signer attest.Address
	digest attest.Hash
}

type recoverKey struct {
	digest attest.Hash
	sig    string
}

type recovered struct {
	addr attest.Address
	err  error
}

func newSignatures(genesis attest.Hash) *signatures {
	return &signatures{
		genesis:   genesis,
		signed:    make(map[signKey][]byte),
		recovered: make(map[recoverKey]recovered),
		qcs:       make(map[attest.Hash]error),
		evidence:  make(map[string]error),
	}
}

func (s *signatures) sign(digest attest.Hash, key *ecdsa.PrivateKey) []byte {
	k := signKey{crypto.PubkeyToAddress(key.PublicKey), digest}
	if sig, ok := s.signed[k]; ok {
		return sig
	}
	sig, err := attest.Sign(digest, key)
	if err != nil {
		panic(fmt.Sprintf("sim: sign: %v", err))
	}
	s.signed[k] = sig
	// A signature just made by key recovers to key's address; noting it saves
	// every receiver the recovery. QCs and evidence still verify in full.
	s.recovered[recoverKey{digest, string(sig)}] = recovered{addr: k.signer}
	return sig
}

func (s *signatures) recover(digest attest.Hash, sig []byte) (attest.Address, error) {
	k := recoverKey{digest, string(sig)}
	if r, ok := s.recovered[k]; ok {
		return r.addr, r.err
	}
	addr, err := attest.Recover(digest, sig)
	s.recovered[k] = recovered{addr, err}
	return addr, err
}

func (s *signatures) signVote(v *attest.Vote, key *ecdsa.PrivateKey) {
	v.Validator = attest.AddressOf(key)
	v.Sig = s.sign(v.Digest(s.genesis), key)
}

func (s *signatures) signProposal(p *consensus.Proposal, key *ecdsa.PrivateKey) {
	p.Sig = s.sign(consensus.ProposalDigest(s.genesis, p), key)
}

// verifyVote is attest.VerifyVote with a cached recovery.
func (s *signatures) verifyVote(vals *attest.ValidatorSet, v *attest.Vote) bool {
	if v.Type != attest.Prevote && v.Type != attest.Precommit || vals.IndexOf(v.Validator) < 0 {
		return false
	}
	addr, err := s.recover(v.Digest(s.genesis), v.Sig)
	return err == nil && addr == v.Validator
}

// verifyProposal is consensus.VerifyProposalSig with a cached recovery.
func (s *signatures) verifyProposal(p *consensus.Proposal) bool {
	addr, err := s.recover(consensus.ProposalDigest(s.genesis, p), p.Sig)
	return err == nil && addr == p.Proposer
}

// verifyQC runs attest.VerifyQC once per distinct QC.
func (s *signatures) verifyQC(vals *attest.ValidatorSet, qc *attest.QC) error {
	h := qc.Hash()
	if err, ok := s.qcs[h]; ok {
		return err
	}
	err := attest.VerifyQC(s.genesis, vals, qc)
	s.qcs[h] = err
	return err
}

// verifyEvidence runs attest.VerifyDuplicateVote once per distinct pair
// (signatures included).
func (s *signatures) verifyEvidence(vals *attest.ValidatorSet, e *attest.DuplicateVote) error {
	id := e.Hash()
	h := string(id[:]) + string(e.A.Sig) + string(e.B.Sig)
	if err, ok := s.evidence[h]; ok {
		return err
	}
	err := attest.VerifyDuplicateVote(s.genesis, vals, e)
	s.evidence[h] = err
	return err
}
