package chains

import (
	"fmt"
	"path/filepath"
)

// LinkTestnets makes two generated testnets each other's counterparty
// (LinkCounterparties) and, for a testnet written to disk, rewrites its
// genesis.json and every validator's copy, so that `causeway node` starts
// the two chains as a linked pair. Genesis hashes do not change. Call it
// before any validator of either testnet starts: the counterparties seed
// the genesis state.
func LinkTestnets(a, b *Testnet) error {
	if err := LinkCounterparties(a.Genesis, b.Genesis); err != nil {
		return err
	}
	for _, tn := range []*Testnet{a, b} {
		if err := tn.saveGenesis(); err != nil {
			return fmt.Errorf("link testnets: %s: %w", tn.Genesis.ChainID, err)
		}
	}
	return nil
}

// saveGenesis rewrites the genesis files write created; an in-memory
// testnet has none.
func (t *Testnet) saveGenesis() error {
	if t.Home == "" {
		return nil
	}
	if err := t.Genesis.Save(filepath.Join(t.Home, testnetGenesisFile)); err != nil {
		return fmt.Errorf("save genesis: %w", err)
	}
	for _, v := range t.Validators {
		if err := t.Genesis.Save(filepath.Join(v.Home, nodeGenesisFile)); err != nil {
			return fmt.Errorf("save genesis for %s: %w", v.Name, err)
		}
	}
	return nil
}
