package rpc

import (
	"encoding/json"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func sampleCertified() *attest.CertifiedHeader {
	h := attest.Header{ChainID: "alpha", Height: 7, Round: 1, TimeMs: 99, Proposer: common.HexToAddress(checksummed), StateRoot: attest.Keccak([]byte("s"))}
	return &attest.CertifiedHeader{Header: h, QC: attest.QC{Height: 7, Round: 1, BlockHash: h.Hash(), Signers: []byte{0x0f}, Sigs: [][]byte{{1}, {2}}}}
}

func TestCertifiedHeaderRoundTrip(t *testing.T) {
	t.Parallel()
	c := sampleCertified()
	ch, err := NewCertifiedHeader(c)
	require.NoError(t, err)

	enc, err := json.Marshal(ch)
	require.NoError(t, err)
	require.Contains(t, string(enc), `"proposer":"`+checksummed+`"`)
	var back CertifiedHeader
	require.NoError(t, json.Unmarshal(enc, &back))
	dec, err := back.Decode()
	require.NoError(t, err)
	require.Equal(t, c.Header, dec.Header)
	require.Equal(t, c.QC.Hash(), dec.QC.Hash())
}

func TestCertifiedHeaderDecodeRefusesDisagreement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*CertifiedHeader)
	}{
		{"json height", func(c *CertifiedHeader) { c.Header.Height++ }},
		{"json hash", func(c *CertifiedHeader) { c.Header.Hash[0] ^= 1 }},
		{"json qc", func(c *CertifiedHeader) { c.QC.Round++ }},
		{"rlp", func(c *CertifiedHeader) { c.RLP = c.RLP[:len(c.RLP)-1] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ch, err := NewCertifiedHeader(sampleCertified())
			require.NoError(t, err)
			tt.mutate(ch)
			_, err = ch.Decode()
			require.Error(t, err)
		})
	}
}

func TestValidatorsSetChecksHash(t *testing.T) {
	t.Parallel()
	set, err := attest.NewValidatorSet([]attest.Validator{{Address: common.HexToAddress(checksummed), Power: 5}})
	require.NoError(t, err)
	v := NewValidators(3, set)
	require.Equal(t, uint64(5), v.TotalPower)
	got, err := v.Set()
	require.NoError(t, err)
	require.Equal(t, set.Hash(), got.Hash())

	v.Validators[0].Power = 6
	_, err = v.Set()
	require.ErrorIs(t, err, attest.ErrWrongValidators)
}

func TestKeyProofNullValue(t *testing.T) {
	t.Parallel()
	absent, err := json.Marshal(newKeyProof("k", StateProof{Proof: [][]byte{{1}}}))
	require.NoError(t, err)
	require.JSONEq(t, `{"key":"k","value":null,"proof":["0x01"]}`, string(absent))
	present, err := json.Marshal(newKeyProof("k", StateProof{Value: []byte{0xab}, Proof: [][]byte{{1}}}))
	require.NoError(t, err)
	require.JSONEq(t, `{"key":"k","value":"0xab","proof":["0x01"]}`, string(present))
	var kp KeyProof
	require.NoError(t, json.Unmarshal(present, &kp))
	require.Equal(t, hexutil.Bytes{0xab}, *kp.Value)
}
