package localnet

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/tx"
)

func dial(t *testing.T, ln *Net, i int) *chains.Client {
	t.Helper()
	c, err := chains.Dial(t.Context(), "http://"+ln.Config(i).RPC.ListenAddr)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// A proof served over RPC verifies against the certified header of its
// height; tampering with the proof, the header or the QC breaks it.
func TestProofVerifiesAgainstCertifiedHeader(t *testing.T) {
	t.Parallel()
	ln := startNet(t, TransportMem, nil)
	c := dial(t, ln, 1)
	waitHeight(t, ln, 2)
	to := attest.AddressOf(ln.Accounts[2])
	h, err := c.SendRawTransaction(t.Context(), send(t, ln, 0, to, 0, 123))
	require.NoError(t, err)
	r, err := c.WaitReceipt(t.Context(), h)
	require.NoError(t, err)
	require.Equal(t, uint32(app.CodeOK), r.Code, r.Log)

	key := string(bank.BalanceKey(to, "USD"))
	absent := string(bank.BalanceKey(to, "JPY"))
	proofs, err := c.Proof(t.Context(), []string{key, absent}, r.Height)
	require.NoError(t, err)
	ch, err := c.CertifiedHeader(t.Context(), r.Height)
	require.NoError(t, err)
	vals := mustVals(t, ln)
	gh := ln.Genesis.Hash()
	require.NoError(t, attest.VerifyCertifiedHeader(gh, ln.Genesis.ChainID, vals, ch.Certified))
	root := ch.Certified.Header.StateRoot
	require.Equal(t, root, proofs.StateRoot)

	val, err := attest.VerifyProof(root, []byte(key), proofs.Proofs[0].Nodes())
	require.NoError(t, err)
	want, _ := uint256.FromDecimal("1000000000123")
	require.Equal(t, want.Bytes(), val, "proven balance")
	val, err = attest.VerifyProof(root, []byte(absent), proofs.Proofs[1].Nodes())
	require.NoError(t, err)
	require.Nil(t, val, "non-membership")

	t.Run("tampered proof", func(t *testing.T) {
		nodes := proofs.Proofs[0].Nodes()
		last := bytes.Clone(nodes[len(nodes)-1])
		last[len(last)-1] ^= 1
		nodes[len(nodes)-1] = last
		_, err := attest.VerifyProof(root, []byte(key), nodes)
		require.ErrorIs(t, err, attest.ErrBadProof)
	})
	t.Run("proof for another key", func(t *testing.T) {
		other := string(bank.BalanceKey(attest.AddressOf(ln.Accounts[3]), "USD"))
		v, err := attest.VerifyProof(root, []byte(other), proofs.Proofs[0].Nodes())
		require.True(t, err != nil || !bytes.Equal(v, val), "a proof must not prove another key's value")
	})
	t.Run("tampered header", func(t *testing.T) {
		bad := *ch.Certified
		bad.Header.StateRoot[0] ^= 1
		require.ErrorIs(t, attest.VerifyCertifiedHeader(gh, ln.Genesis.ChainID, vals, &bad), attest.ErrHashMismatch)
	})
	t.Run("tampered qc", func(t *testing.T) {
		bad := *ch.Certified
		bad.QC.Sigs = append([][]byte(nil), bad.QC.Sigs...)
		sig := bytes.Clone(bad.QC.Sigs[0])
		sig[5] ^= 1
		bad.QC.Sigs[0] = sig
		require.Error(t, attest.VerifyCertifiedHeader(gh, ln.Genesis.ChainID, vals, &bad))
	})
	t.Run("header of another height", func(t *testing.T) {
		prev, err := c.CertifiedHeader(t.Context(), r.Height-1)
		require.NoError(t, err)
		_, err = attest.VerifyProof(prev.Certified.Header.StateRoot, []byte(key), proofs.Proofs[0].Nodes())
		require.ErrorIs(t, err, attest.ErrBadProof)
	})
}

// Bad transactions are refused at admission with a stable code, and nothing
// changes on chain.
func TestBadTransactionsRefusedWithCodes(t *testing.T) {
	t.Parallel()
	ln := startNet(t, TransportMem, nil)
	c := dial(t, ln, 0)
	gh := ln.Genesis.Hash()
	to := attest.AddressOf(ln.Accounts[1])
	from := attest.AddressOf(ln.Accounts[0])

	// One good transfer so that nonce 0 is used.
	h, err := c.SendRawTransaction(t.Context(), send(t, ln, 0, to, 0, 1))
	require.NoError(t, err)
	_, err = c.WaitReceipt(t.Context(), h)
	require.NoError(t, err)
	before, err := c.Account(t.Context(), from)
	require.NoError(t, err)

	signed := func(mut func(*tx.Tx), key int) []byte {
		typ, payload := bank.NewSend(to, "USD", uint256.NewInt(1))
		tr := &tx.Tx{ChainID: ln.Genesis.ChainID, Nonce: 1, Type: typ, Payload: payload}
		mut(tr)
		require.NoError(t, tr.Sign(gh, ln.Accounts[key]))
		return tr.Encode()
	}
	badSig := signed(func(*tx.Tx) {}, 0)
	badSig[len(badSig)-1] = 7 // recovery id out of range: no signer at all
	huge, _ := uint256.FromDecimal("999999999999999999999999")
	cases := []struct {
		name string
		raw  []byte
		code app.Code
	}{
		{"malformed encoding", []byte{0xc3, 0x01, 0x02}, app.CodeMalformed},
		{"wrong chain id", signed(func(tr *tx.Tx) { tr.ChainID = "other" }, 0), app.CodeWrongChain},
		{"bad signature", badSig, app.CodeBadSignature},
		{"replayed nonce", signed(func(tr *tx.Tx) { tr.Nonce = 0 }, 0), app.CodeNonceTooLow},
		{"far-future nonce", signed(func(tr *tx.Tx) { tr.Nonce = 1 << 40 }, 0), app.CodeNonceTooHigh},
		{"insufficient balance", signed(func(tr *tx.Tx) {
			tr.Type, tr.Payload = bank.NewSend(to, "USD", huge)
		}, 0), app.CodeInsufficientBalance},
		{"oversize", signed(func(tr *tx.Tx) { tr.Payload = bytes.Repeat([]byte{1}, tx.MaxTxBytes) }, 0), app.CodeTooLarge},
		{"unknown type", signed(func(tr *tx.Tx) { tr.Type = "nosuch.thing" }, 0), app.CodeUnknownTxType},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SendRawTransaction(t.Context(), tc.raw)
			require.Error(t, err)
			code, ok := chains.ErrorCode(err)
			require.True(t, ok, "error carries a code: %v", err)
			require.Equal(t, int(tc.code), code, "%v", err)
			require.True(t, strings.Contains(err.Error(), tc.code.String()) || err.Error() != "", fmt.Sprint(err))
		})
	}
	// Two more blocks commit; the sender's nonce and balances are unchanged.
	top := ln.Running()[0].Height()
	waitHeight(t, ln, top+2)
	after, err := c.Account(t.Context(), from)
	require.NoError(t, err)
	require.Equal(t, before.Nonce, after.Nonce)
	require.Equal(t, before.Balances, after.Balances)
}
