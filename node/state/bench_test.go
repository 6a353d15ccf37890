package state_test

import (
	"bytes"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/ethereum/go-ethereum/triedb/database"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/state"
)

// Benchmark shape: a state of benchAccounts balances, blocks of benchWrites.
const (
	benchAccounts   = 50_000
	benchWrites     = 2_000
	benchCacheBytes = 256 << 20
)

// benchState builds a committed state of benchAccounts balance keys.
func benchState(b *testing.B) (*state.DB, attest.Hash) {
	b.Helper()
	nodes := state.NewMemNodes()
	db := state.New(nodes, benchCacheBytes)
	o, err := db.Fork(state.EmptyRoot())
	require.NoError(b, err)
	for i := range benchAccounts {
		require.NoError(b, o.Set(balKey(i), []byte(fmt.Sprintf("%d", i))))
	}
	root, list, err := o.Commit()
	require.NoError(b, err)
	nodes.Put(list)
	db.Remember(list)
	return db, root
}

// blockKeys are one block's writes: mostly existing balances, some new ones.
func blockKeys() [][]byte {
	keys := make([][]byte, benchWrites)
	for i := range keys {
		keys[i] = balKey((i * 7919) % (benchAccounts + benchWrites/2))
	}
	return keys
}

func balKey(i int) []byte {
	addr := attest.Keccak([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
	return []byte(fmt.Sprintf("bal/%x/USD", addr[:20]))
}

// BenchmarkBlock forks a committed state, writes benchWrites balances (a
// block of about 700 transfers), and computes the root and commit.
func BenchmarkBlock(b *testing.B) {
	db, root := benchState(b)
	keys := blockKeys()
	value := []byte("1000000000000000000")
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		o, err := db.Fork(root)
		require.NoError(b, err)
		for _, k := range keys {
			require.NoError(b, o.Set(k, value))
		}
		_, err = o.Root()
		require.NoError(b, err)
		_, _, err = o.Commit()
		require.NoError(b, err)
	}
	reportPerWrite(b, cpu)
}

// BenchmarkBlockBaseline is BenchmarkBlock's work done on a bare go-ethereum
// trie: the floor the overlay's buffering and journal add to.
func BenchmarkBlockBaseline(b *testing.B) {
	db, root := benchState(b)
	keys := blockKeys()
	slices.SortFunc(keys, bytes.Compare)
	value := []byte("1000000000000000000")
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		tr, err := trie.New(trie.StateTrieID(root), trieReader{db})
		require.NoError(b, err)
		for _, k := range keys {
			require.NoError(b, tr.Update(k, value))
		}
		tr.Hash()
		tr.Commit(false)
	}
	reportPerWrite(b, cpu)
}

// trieReader serves the baseline trie from the DB's committed state.
type trieReader struct{ db *state.DB }

func (r trieReader) NodeReader(common.Hash) (database.NodeReader, error) { return r, nil }

func (r trieReader) Node(_ common.Hash, _ []byte, hash common.Hash) ([]byte, error) {
	return r.db.NodeBlob(hash)
}

// BenchmarkProve proves one existing key at a committed root.
func BenchmarkProve(b *testing.B) {
	db, root := benchState(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _, err := db.Prove(root, balKey(i%benchAccounts))
		require.NoError(b, err)
		i++
	}
}

// reportPerWrite reports wall and process CPU time per write. CPU time stays
// meaningful when other work shares the machine; wall time does not.
func reportPerWrite(b *testing.B, cpuStart time.Duration) {
	writes := float64(b.N * benchWrites)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/writes, "ns/write")
	b.ReportMetric(float64((processCPU()-cpuStart).Nanoseconds())/writes, "cpu-ns/write")
}

// processCPU is the user and system time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
