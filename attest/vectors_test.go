package attest_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// update rewrites testdata/vectors.json from the current code:
//
//	go test ./attest -run TestVectors -update
//
// Do it only for an intended encoding change; the diff shows what moved.
var update = flag.Bool("update", false, "rewrite attest/testdata/vectors.json")

var vectorsPath = filepath.Join("testdata", "vectors.json")

// vectorValidators is the size of the validator set in the vectors.
const vectorValidators = 4

// vectors pin the byte-level encodings and digests that other chains, relays
// and stored data depend on.
type vectors struct {
	Genesis         attest.Hash     `json:"genesis"`
	Keys            []keyVector     `json:"keys"`
	Digests         []digestVector  `json:"digests"`
	Votes           []voteVector    `json:"votes"`
	ValidatorSet    encodedVector   `json:"validator_set"`
	QC              encodedVector   `json:"qc"`
	Header          encodedVector   `json:"header"`
	CertifiedHeader certifiedVector `json:"certified_header"`
	Evidence        encodedVector   `json:"evidence"`
	EvidenceList    attest.Hash     `json:"evidence_hash"`
}

type keyVector struct {
	Seed       string         `json:"seed"`
	PrivateKey hexutil.Bytes  `json:"private_key"`
	Address    attest.Address `json:"address"`
}

type digestVector struct {
	Tag     string        `json:"tag"`
	Genesis attest.Hash   `json:"genesis"`
	Payload hexutil.Bytes `json:"payload"`
	Digest  attest.Hash   `json:"digest"`
}

type voteVector struct {
	Encoded hexutil.Bytes `json:"encoded"`
	Digest  attest.Hash   `json:"digest"`
	Sig     hexutil.Bytes `json:"sig"`
}

type encodedVector struct {
	Encoded hexutil.Bytes `json:"encoded"`
	Hash    attest.Hash   `json:"hash"`
}

type certifiedVector struct {
	Encoded    hexutil.Bytes `json:"encoded"`
	HeaderHash attest.Hash   `json:"header_hash"`
	Keccak     attest.Hash   `json:"keccak"` // keccak256 of the encoding
}

func TestVectors(t *testing.T) {
	got, err := json.MarshalIndent(buildVectors(t), "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	if *update {
		require.NoError(t, os.WriteFile(vectorsPath, got, 0o644))
		t.Logf("wrote %s", vectorsPath)
	}
	want, err := os.ReadFile(vectorsPath)
	require.NoError(t, err, "run with -update to create it")
	// Compared as text so a failure shows which line moved.
	require.Equal(t, string(want), string(got), "encoding changed; if intended, rerun with -update and review the diff")
	var stored vectors
	require.NoError(t, json.Unmarshal(want, &stored))
	checkStoredVectors(t, &stored)
}

// checkStoredVectors verifies the stored bytes themselves, so the file stays
// meaningful even if someone regenerates it by hand.
func checkStoredVectors(t *testing.T, v *vectors) {
	f := newFixture(t, vectorValidators, nil)
	qc, err := attest.DecodeQC(v.QC.Encoded)
	require.NoError(t, err)
	require.NoError(t, attest.VerifyQC(v.Genesis, f.vals, qc))
	ch, err := attest.DecodeCertifiedHeader(v.CertifiedHeader.Encoded)
	require.NoError(t, err)
	require.NoError(t, attest.VerifyCertifiedHeader(v.Genesis, testChainID, f.vals, ch))
	for i, vv := range v.Votes {
		vote, err := attest.DecodeVote(vv.Encoded)
		require.NoError(t, err)
		require.NoError(t, attest.VerifyVote(v.Genesis, f.vals, vote), "vote %d", i)
	}
	ev, err := attest.DecodeDuplicateVote(v.Evidence.Encoded)
	require.NoError(t, err)
	require.NoError(t, attest.VerifyDuplicateVote(v.Genesis, f.vals, ev))
}

func buildVectors(t *testing.T) *vectors {
	f := newFixture(t, vectorValidators, nil)
	v := &vectors{Genesis: testGenesis}
	for i, k := range f.keys {
		v.Keys = append(v.Keys, keyVector{Seed: keySeedPrefix + fmt.Sprintf("v%d", i), PrivateKey: crypto.FromECDSA(k), Address: attest.AddressOf(k)})
	}
	for _, tag := range []string{attest.TagTx, attest.TagVote, attest.TagProposal, attest.TagHandshake} {
		for _, g := range []attest.Hash{testGenesis, otherGenesis} {
			payload := []byte("causeway test payload")
			v.Digests = append(v.Digests, digestVector{Tag: tag, Genesis: g, Payload: payload, Digest: attest.Digest(tag, g, payload)})
		}
	}
	ch := f.certified(t)
	block := ch.Header.Hash()
	for i := range f.keys {
		for _, typ := range []attest.VoteType{attest.Prevote, attest.Precommit} {
			vote := f.vote(t, testGenesis, i, typ, testHeight, testRound, block)
			v.Votes = append(v.Votes, voteVector{Encoded: encode(t, vote), Digest: vote.Digest(testGenesis), Sig: vote.Sig})
		}
	}
	v.ValidatorSet = encodedVector{Encoded: encode(t, f.vals.Validators), Hash: f.vals.Hash()}
	v.QC = encodedVector{Encoded: encode(t, &ch.QC), Hash: ch.QC.Hash()}
	v.Header = encodedVector{Encoded: encode(t, &ch.Header), Hash: block}
	chEnc := encode(t, ch)
	v.CertifiedHeader = certifiedVector{Encoded: chEnc, HeaderHash: block, Keccak: attest.Keccak(chEnc)}
	ev := attest.DuplicateVote{
		A: *f.vote(t, testGenesis, 2, attest.Precommit, testHeight, testRound, block),
		B: *f.vote(t, testGenesis, 2, attest.Precommit, testHeight, testRound, attest.Hash{}),
	}
	v.Evidence = encodedVector{Encoded: encode(t, &ev), Hash: ev.Hash()}
	v.EvidenceList = attest.EvidenceHash([]attest.DuplicateVote{ev})
	return v
}

func encode(tb testing.TB, x any) []byte {
	tb.Helper()
	b, err := rlp.EncodeToBytes(x)
	require.NoError(tb, err)
	return b
}
