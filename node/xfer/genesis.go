package xfer

import (
	"fmt"
	"strings"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
)

// blockedMark is the value stored under a blocked receiver's key.
var blockedMark = []byte{1}

func initGenesis(kv app.KV, g *chains.Genesis) error {
	if err := writeRLP(kv, []byte(ParamsKey), &Params{MaxTransferTimeoutMs: g.Params.MaxTransferTimeoutMs,
		RecvFeePermille: g.Xfer.RecvFeePermille}); err != nil {
		return fmt.Errorf("xfer genesis: %w", err)
	}
	for _, a := range g.Xfer.Blocked {
		if err := kv.Set(BlockedKey(a), blockedMark); err != nil {
			return fmt.Errorf("xfer genesis: block %s: %w", a, err)
		}
	}
	// Escrows and the fee pool back vouchers and fees: nobody may send to
	// them, neither with bank.send nor as a packet's receiver.
	modules := []attest.Address{FeeAddress()}
	for _, cp := range g.Counterparties {
		modules = append(modules, EscrowAddress(cp.ChainID))
	}
	for _, a := range modules {
		if err := kv.Set(BlockedKey(a), blockedMark); err != nil {
			return fmt.Errorf("xfer genesis: block module account %s: %w", a, err)
		}
		if err := bank.MarkModuleAccount(kv, a); err != nil {
			return fmt.Errorf("xfer genesis: %w", err)
		}
	}
	if err := initClients(kv, g); err != nil {
		return fmt.Errorf("xfer genesis: %w", err)
	}
	if err := initRoutes(kv, g); err != nil {
		return fmt.Errorf("xfer genesis: %w", err)
	}
	return nil
}

func initClients(kv app.KV, g *chains.Genesis) error {
	for i := range g.Counterparties {
		cp := &g.Counterparties[i]
		set, err := cp.ValidatorSet()
		if err != nil {
			return fmt.Errorf("counterparty %s: %w", cp.ChainID, err)
		}
		known, err := loadClient(kv, cp.ChainID)
		if err != nil {
			return err
		}
		if known != nil {
			return fmt.Errorf("counterparty %s listed twice", cp.ChainID)
		}
		if err := checkNoShadow(g, cp.ChainID); err != nil {
			return err
		}
		c := &ClientState{ChainID: cp.ChainID, GenesisHash: cp.GenesisHash,
			Sets: []TrustedSet{{FromHeight: firstTrustedHeight, Validators: set.Validators}}}
		if err := storeClient(kv, c); err != nil {
			return err
		}
	}
	return nil
}

// checkNoShadow refuses a genesis balance in a denom that looks like a
// voucher of counterparty chain ("<chain>/..."). Only a recv from chain may
// create such a denom: it is burned on the way back to chain, which then
// releases escrow against it, so a native one would drain chain's escrow.
func checkNoShadow(g *chains.Genesis, chain string) error {
	for _, a := range g.Accounts {
		for _, c := range a.Balances {
			if strings.HasPrefix(c.Denom, homePrefix(chain)) {
				return fmt.Errorf("account %s: genesis denom %q shadows the vouchers of counterparty %s", a.Address, c.Denom, chain)
			}
		}
	}
	return nil
}

func initRoutes(kv app.KV, g *chains.Genesis) error {
	for i := range g.Xfer.Routes {
		rp := &g.Xfer.Routes[i]
		known, err := loadRoute(kv, rp.Chain)
		if err != nil {
			return err
		}
		if known != nil {
			return fmt.Errorf("route %s listed twice", rp.Chain)
		}
		r, err := newRoute(rp)
		if err != nil {
			return err
		}
		if err := writeRLP(kv, RouteKey(rp.Chain), r); err != nil {
			return err
		}
	}
	return nil
}
