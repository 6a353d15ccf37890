package attest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// BenchmarkRecover is the cost of verifying one signature.
func BenchmarkRecover(b *testing.B) {
	key := seedKey(b, "bench")
	digest := attest.Keccak([]byte("bench"))
	sig, err := attest.Sign(digest, key)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attest.Recover(digest, sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyQC verifies a QC signed by every validator.
func BenchmarkVerifyQC(b *testing.B) {
	for _, n := range []int{4, 16} {
		b.Run(fmt.Sprintf("validators=%d", n), func(b *testing.B) {
			f := newFixture(b, n, nil)
			qc := f.qc(b, testHeight, testRound, attest.Keccak([]byte("block")), all(n)...)
			b.ReportAllocs()
			for b.Loop() {
				if err := attest.VerifyQC(testGenesis, f.vals, qc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyProof verifies a membership proof in a trie of 10,000 packet
// commitments, about the shape of a busy route's state.
func BenchmarkVerifyProof(b *testing.B) {
	st := newStateTrie(b, 10_000)
	key := stateKey(4242)
	proof := st.prove(b, key)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attest.VerifyProof(st.root, key, proof); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(proof)), "nodes")
}

// BenchmarkVerifyCertifiedHeader is the per-header cost a light client pays.
func BenchmarkVerifyCertifiedHeader(b *testing.B) {
	f := newFixture(b, 4, nil)
	ch := f.certified(b)
	for b.Loop() {
		if err := attest.VerifyCertifiedHeader(testGenesis, testChainID, f.vals, ch); err != nil {
			b.Fatal(err)
		}
	}
}
