package block_test

import (
	"crypto/ecdsa"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/tx"
)

var testGenesis = attest.Keccak([]byte("causeway/block/test-genesis"))

const testValidators = 4

type fixture struct {
	keys []*ecdsa.PrivateKey
	vals *attest.ValidatorSet
}

func newFixture(tb testing.TB) fixture {
	tb.Helper()
	f := fixture{keys: make([]*ecdsa.PrivateKey, testValidators)}
	vals := make([]attest.Validator, testValidators)
	for i := range f.keys {
		k, err := crypto.ToECDSA(attest.Keccak(fmt.Appendf(nil, "causeway/block/test-key/%d", i)).Bytes())
		require.NoError(tb, err)
		f.keys[i] = k
		vals[i] = attest.Validator{Address: attest.AddressOf(k), Power: 1}
	}
	var err error
	f.vals, err = attest.NewValidatorSet(vals)
	require.NoError(tb, err)
	return f
}

// qc is a QC from every validator for block at height.
func (f fixture) qc(tb testing.TB, height uint64, block attest.Hash) attest.QC {
	tb.Helper()
	votes := map[attest.Address]*attest.Vote{}
	for _, k := range f.keys {
		v := &attest.Vote{Type: attest.Precommit, Height: height, BlockHash: block}
		require.NoError(tb, attest.SignVote(testGenesis, v, k))
		votes[v.Validator] = v
	}
	return *attest.NewQC(f.vals, height, 0, block, votes)
}

// sealed builds a sealed block at height 2 with transactions, evidence and
// the parent's commit.
func (f fixture) sealed(tb testing.TB) *block.Block {
	tb.Helper()
	var txs [][]byte
	for n := range uint64(3) {
		t := &tx.Tx{ChainID: "alpha", Nonce: n, Type: "bank.send", Payload: []byte{byte(n)}}
		require.NoError(tb, t.Sign(testGenesis, f.keys[0]))
		txs = append(txs, t.Encode())
	}
	a := &attest.Vote{Type: attest.Prevote, Height: 1, BlockHash: attest.Keccak([]byte("a"))}
	b := &attest.Vote{Type: attest.Prevote, Height: 1, BlockHash: attest.Keccak([]byte("b"))}
	require.NoError(tb, attest.SignVote(testGenesis, a, f.keys[3]))
	require.NoError(tb, attest.SignVote(testGenesis, b, f.keys[3]))
	blk := &block.Block{
		Header: attest.Header{
			ChainID: "alpha", Height: 2, TimeMs: 1_700_000_000_000,
			ParentHash: attest.Keccak([]byte("parent")), Proposer: f.vals.Validators[1].Address,
			StateRoot: attest.Keccak([]byte("state")), ValidatorsHash: f.vals.Hash(), NextValidatorsHash: f.vals.Hash(),
		},
		Txs:        txs,
		Evidence:   []attest.DuplicateVote{{A: *a, B: *b}},
		LastCommit: []attest.QC{f.qc(tb, 1, attest.Keccak([]byte("parent")))},
	}
	blk.Seal()
	return blk
}

func (f fixture) certified(tb testing.TB) *block.Certified {
	tb.Helper()
	b := f.sealed(tb)
	return &block.Certified{Block: *b, QC: f.qc(tb, b.Header.Height, b.Hash())}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name    string
		mutate  func(*block.Block) // applied after sealing
		reseal  bool
		wantErr bool
	}{
		{"sealed", func(*block.Block) {}, false, false},
		{"empty body", func(b *block.Block) { b.Txs, b.Evidence, b.LastCommit = nil, nil, nil }, true, false},
		{"tx added after sealing", func(b *block.Block) { b.Txs = append(b.Txs, []byte{0x80}) }, false, true},
		{"txs reordered after sealing", func(b *block.Block) { b.Txs[0], b.Txs[1] = b.Txs[1], b.Txs[0] }, false, true},
		{"evidence dropped after sealing", func(b *block.Block) { b.Evidence = nil }, false, true},
		{"last commit dropped after sealing", func(b *block.Block) { b.LastCommit = nil }, false, true},
		{"two last commits", func(b *block.Block) { b.LastCommit = append(b.LastCommit, b.LastCommit[0]) }, true, true},
		{"header tx root forged", func(b *block.Block) { b.Header.TxRoot[0] ^= 1 }, false, true},
		{"header evidence hash forged", func(b *block.Block) { b.Header.EvidenceHash[0] ^= 1 }, false, true},
		{"header last commit hash forged", func(b *block.Block) { b.Header.LastCommitHash[0] ^= 1 }, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := f.sealed(t)
			tc.mutate(b)
			if tc.reseal {
				b.Seal()
			}
			data := b.Encode()
			got, err := block.Decode(data)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, data, got.Encode())
			require.Equal(t, b.Hash(), got.Hash())
		})
	}
}

func TestDecodeRefusesMalformedBytes(t *testing.T) {
	t.Parallel()
	good := newFixture(t).sealed(t).Encode()
	for name, data := range map[string][]byte{
		"empty":         nil,
		"trailing byte": append(append([]byte(nil), good...), 0),
		"truncated":     good[:len(good)-1],
		"over the cap":  make([]byte, block.MaxBlockBytes+1),
	} {
		_, err := block.Decode(data)
		require.Error(t, err, name)
		_, err = block.DecodeCertified(data)
		require.Error(t, err, name)
	}
}

func TestTxRoot(t *testing.T) {
	t.Parallel()
	a, b := []byte("a"), []byte("b")
	require.Equal(t, attest.Keccak(), block.TxRoot(nil), "empty list")
	require.NotEqual(t, block.TxRoot([][]byte{a, b}), block.TxRoot([][]byte{b, a}), "order is committed")
	require.NotEqual(t, block.TxRoot([][]byte{a}), block.TxRoot([][]byte{a, a}), "count is committed")
	require.NotEqual(t, block.TxRoot([][]byte{[]byte("ab")}), block.TxRoot([][]byte{a, b}), "boundaries are committed")
	require.Equal(t, attest.Hash{}, block.LastCommitHash(nil))
}

func TestDecodeCertified(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name    string
		mutate  func(*block.Certified)
		wantErr bool
	}{
		{"good", func(*block.Certified) {}, false},
		{"qc for another height", func(c *block.Certified) { c.QC = f.qc(t, c.Block.Header.Height+1, c.Block.Hash()) }, true},
		{"qc for another block", func(c *block.Certified) { c.QC = f.qc(t, c.Block.Header.Height, attest.Keccak([]byte("fork"))) }, true},
		{"body does not match header", func(c *block.Certified) { c.Block.Txs = c.Block.Txs[:1] }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := f.certified(t)
			tc.mutate(c)
			data := block.EncodeCertified(c)
			got, err := block.DecodeCertified(data)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, data, block.EncodeCertified(got))
			require.NoError(t, attest.VerifyQC(testGenesis, f.vals, &got.QC))
		})
	}
}

func FuzzDecode(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.sealed(f).Encode())
	empty := &block.Block{}
	empty.Seal()
	f.Add(empty.Encode())
	f.Add((&block.Block{}).Encode())
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := block.Decode(data)
		if err != nil {
			return
		}
		require.Equal(t, data, b.Encode(), "decode accepted a non-canonical encoding")
		require.NoError(t, b.CheckBody())
	})
}

func FuzzDecodeCertified(f *testing.F) {
	fx := newFixture(f)
	f.Add(block.EncodeCertified(fx.certified(f)))
	f.Add(mustRLP(f, []any{[]any{}, []any{}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := block.DecodeCertified(data)
		if err != nil {
			return
		}
		require.Equal(t, data, block.EncodeCertified(c), "decode accepted a non-canonical encoding")
		require.Equal(t, c.Block.Hash(), c.QC.BlockHash)
		require.Equal(t, c.Block.Header.Height, c.QC.Height)
	})
}

func mustRLP(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := rlp.EncodeToBytes(v)
	require.NoError(tb, err)
	return b
}
