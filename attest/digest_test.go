package attest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestDigestDomainSeparation(t *testing.T) {
	t.Parallel()
	payload := []byte("payload")
	base := attest.Digest(attest.TagTx, testGenesis, payload)
	cases := []struct {
		name    string
		tag     string
		genesis attest.Hash
		payload []byte
	}{
		{"vote tag", attest.TagVote, testGenesis, payload},
		{"proposal tag", attest.TagProposal, testGenesis, payload},
		{"handshake tag", attest.TagHandshake, testGenesis, payload},
		{"other genesis", attest.TagTx, otherGenesis, payload},
		{"zero genesis", attest.TagTx, attest.Hash{}, payload},
		{"other payload", attest.TagTx, testGenesis, []byte("payloaD")},
		{"empty payload", attest.TagTx, testGenesis, nil},
		// Without the length prefix these two would hash the same bytes.
		{"tag prefix absorbs payload", attest.TagTx[:len(attest.TagTx)-1], testGenesis, nil},
		{"empty tag", "", testGenesis, payload},
	}
	seen := map[attest.Hash]string{base: "base"}
	for _, tc := range cases {
		d := attest.Digest(tc.tag, tc.genesis, tc.payload)
		prev, dup := seen[d]
		require.False(t, dup, "%s collides with %s", tc.name, prev)
		seen[d] = tc.name
	}
	require.Equal(t, base, attest.Digest(attest.TagTx, testGenesis, []byte("payload")), "digest is deterministic")
}

func TestDigestLengthPrefixSeparatesTagFromGenesis(t *testing.T) {
	t.Parallel()
	// tag "ab" + genesis G versus tag "a" + genesis starting with 'b': the
	// length byte keeps their preimages apart.
	var g1, g2 attest.Hash
	g2[0] = 'b'
	copy(g2[1:], g1[:31])
	require.NotEqual(t, attest.Digest("ab", g1, []byte{g1[31]}), attest.Digest("a", g2, []byte{g1[31]}))
}

func TestDigestRefusesLongTag(t *testing.T) {
	t.Parallel()
	long := make([]byte, 256)
	require.Panics(t, func() { attest.Digest(string(long), testGenesis, nil) })
	require.NotPanics(t, func() { attest.Digest(string(long[:255]), testGenesis, nil) })
}

func TestTagsAreDistinct(t *testing.T) {
	t.Parallel()
	tags := []string{attest.TagTx, attest.TagVote, attest.TagProposal, attest.TagHandshake}
	seen := map[string]bool{}
	for _, tag := range tags {
		require.False(t, seen[tag], "tag %q reused", tag)
		seen[tag] = true
	}
}
