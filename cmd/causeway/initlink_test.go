package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/chains"
)

// `causeway init --link DIR` makes two testnets each other's counterparties
// in every genesis file, without changing either genesis hash.
func TestInitLinksTwoTestnets(t *testing.T) {
	t.Parallel()
	alpha, beta := filepath.Join(t.TempDir(), "alpha"), filepath.Join(t.TempDir(), "beta")
	requireOK(t, causeway(t, "init", "--chain-id", "alpha", "--validators", "2", "--accounts", "1", "--home", alpha,
		"--base-port", "36656"))
	before, err := chains.LoadGenesis(filepath.Join(alpha, "genesis.json"))
	require.NoError(t, err)
	requireOK(t, causeway(t, "init", "--chain-id", "beta", "--validators", "2", "--accounts", "1", "--home", beta,
		"--base-port", "36856", "--link", alpha))

	ga, err := chains.LoadGenesis(filepath.Join(alpha, "genesis.json"))
	require.NoError(t, err)
	gb, err := chains.LoadGenesis(filepath.Join(beta, "genesis.json"))
	require.NoError(t, err)
	require.Equal(t, before.Hash(), ga.Hash(), "linking keeps the hash")
	require.Len(t, ga.Counterparties, 1)
	require.Equal(t, "beta", ga.Counterparties[0].ChainID)
	require.Equal(t, gb.Hash(), ga.Counterparties[0].GenesisHash)
	require.Len(t, gb.Counterparties, 1)
	require.Equal(t, ga.Hash(), gb.Counterparties[0].GenesisHash)
	for _, home := range []string{filepath.Join(alpha, "v0"), filepath.Join(alpha, "v1"), filepath.Join(beta, "v1")} {
		g, err := chains.LoadGenesis(filepath.Join(home, "config", "genesis.json"))
		require.NoError(t, err)
		require.Len(t, g.Counterparties, 1, home)
	}

	r := causeway(t, "init", "--chain-id", "gamma", "--validators", "1", "--home", t.TempDir(), "--base-port", "37056",
		"--link", t.TempDir())
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "--link")
	r = causeway(t, "init", "--chain-id", "alpha", "--validators", "1", "--home", t.TempDir(), "--base-port", "37056",
		"--link", alpha)
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, `both chains are "alpha"`)
}
