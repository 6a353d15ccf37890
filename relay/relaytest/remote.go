package relaytest

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/relay"
)

// RemoteChain is a chain a pair reaches only over RPC, such as one run by
// `causeway node` processes: the load generator, WaitSettled and Check need
// nothing else.
type RemoteChain struct {
	ID          string
	GenesisHash attest.Hash
	// RPC is the http:// or ws:// URL of the node that takes the load's
	// transactions and answers the checks.
	RPC string
	// Endpoints are ws:// URLs for EngineChains; none is fine for a pair
	// whose relays run elsewhere.
	Endpoints []string
	// Senders sign the load's transfers; Relayers are reserved for relay
	// signers (Submitter and EngineChains use them).
	Senders, Relayers []*ecdsa.PrivateKey
}

// NewRemotePair connects to two running chains that are each other's
// counterparties, checking that every URL serves the chain and genesis it
// is given as. Stop closes the connections; it stops no chain.
func NewRemotePair(ctx context.Context, a, b RemoteChain) (*Pair, error) {
	if a.ID == b.ID {
		return nil, fmt.Errorf("remote pair: both chains are %q", a.ID)
	}
	p := &Pair{}
	chs := make([]*Chain, 2)
	for i, rc := range []RemoteChain{a, b} {
		c, err := p.connectRemote(ctx, rc)
		if err != nil {
			p.Stop()
			return nil, err
		}
		chs[i] = c
	}
	p.Alpha, p.Beta = chs[0], chs[1]
	return p, nil
}

func (p *Pair) connectRemote(ctx context.Context, rc RemoteChain) (*Chain, error) {
	if len(rc.Senders) == 0 {
		return nil, errors.New("remote chain " + rc.ID + ": no senders")
	}
	c := &Chain{ID: rc.ID, Senders: rc.Senders, Relayers: rc.Relayers, genesis: rc.GenesisHash,
		nonces: make(map[attest.Address]uint64)}
	var err error
	if c.RPC, err = p.dial(ctx, rc.RPC); err != nil {
		return nil, err
	}
	if err := c.checkServes(ctx, rc.RPC, c.RPC); err != nil {
		return nil, err
	}
	for _, url := range rc.Endpoints {
		ws, err := p.dial(ctx, url)
		if err != nil {
			return nil, err
		}
		if err := c.checkServes(ctx, url, ws); err != nil {
			return nil, err
		}
		c.Endpoints = append(c.Endpoints, relay.FromClient(ws))
	}
	return c, nil
}

// checkServes checks that the node at url serves c's chain and genesis.
func (c *Chain) checkServes(ctx context.Context, url string, node *chains.Client) error {
	st, err := node.Status(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("remote chain %s: status of %s: %w", c.ID, url, err)
	case st.ChainID != c.ID:
		return fmt.Errorf("remote chain %s: %s serves chain %q", c.ID, url, st.ChainID)
	case st.GenesisHash != c.genesis:
		return fmt.Errorf("remote chain %s: %s serves genesis %s, want %s", c.ID, url, st.GenesisHash.Hex(), c.genesis.Hex())
	}
	return nil
}
