package main

import (
	"fmt"
	"path/filepath"

	"github.com/causeway/causeway/chains"
)

// flagInitLink names a testnet generated earlier that `causeway init` links
// the new one with.
const flagInitLink = "link"

// Where `causeway init` keeps a testnet's genesis: HOME/genesis.json and a
// copy in each validator home (HOME/vN/config/genesis.json).
const (
	testnetGenesis   = "genesis.json"
	validatorGenesis = "*/config/genesis.json"
)

// linkTestnet makes tn and the testnet in dir each other's counterparties
// (chain id, genesis hash, initial validators: the seed of each chain's
// light client of the other) and rewrites both testnets' genesis files.
// Neither genesis hash changes, so nodes, relays and gateways configured
// with them stay valid; validators must start from the rewritten files.
func linkTestnet(tn *chains.Testnet, dir string) error {
	other, err := chains.LoadGenesis(filepath.Join(dir, testnetGenesis))
	if err != nil {
		return fmt.Errorf("--%s %s: %w", flagInitLink, dir, err)
	}
	if err := chains.LinkCounterparties(tn.Genesis, other); err != nil {
		return fmt.Errorf("--%s %s: %w", flagInitLink, dir, err)
	}
	for _, t := range []struct {
		g    *chains.Genesis
		home string
	}{{tn.Genesis, tn.Home}, {other, dir}} {
		copies, err := filepath.Glob(filepath.Join(t.home, validatorGenesis))
		if err != nil {
			return err
		}
		for _, path := range append(copies, filepath.Join(t.home, testnetGenesis)) {
			if err := t.g.Save(path); err != nil {
				return fmt.Errorf("link %s: %w", t.g.ChainID, err)
			}
		}
	}
	return nil
}
