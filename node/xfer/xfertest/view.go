package xfertest

import (
	"fmt"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/state"
)

// View is a read-only app.KV (and app.Iterable) over one committed root.
type View struct {
	db   *state.DB
	root attest.Hash
}

var (
	_ app.KV       = View{}
	_ app.Iterable = View{}
)

// Get reads key at the view's root; an absent key is nil, nil.
func (v View) Get(key []byte) ([]byte, error) { return v.db.Get(v.root, key) }

// Set refuses: a view is read-only.
func (View) Set(_, _ []byte) error { return app.ErrReadOnly }

// Delete refuses: a view is read-only.
func (View) Delete([]byte) error { return app.ErrReadOnly }

// Iterate walks the keys under prefix in ascending order.
func (v View) Iterate(prefix []byte, fn func(key, value []byte) error) error {
	o, err := v.db.Fork(v.root)
	if err != nil {
		return err
	}
	var ferr error
	if err := o.Iterate(prefix, func(k, val []byte) bool {
		ferr = fn(k, val)
		return ferr == nil
	}); err != nil {
		return err
	}
	return ferr
}

// Root is the state root the view reads.
func (v View) Root() attest.Hash { return v.root }

// View returns a read-only view of the state after height h.
func (c *Chain) View(h uint64) (View, error) {
	root, err := c.Root(h)
	if err != nil {
		return View{}, err
	}
	return View{db: c.DB, root: root}, nil
}

// State is a read-only view of the latest committed state.
func (c *Chain) State() View { return View{db: c.DB, root: c.LatestRoot()} }

// Prove returns the value of key after height h and its Merkle proof.
func (c *Chain) Prove(h uint64, key []byte) ([]byte, [][]byte, error) {
	root, err := c.Root(h)
	if err != nil {
		return nil, nil, err
	}
	v, proof, err := c.DB.Prove(root, key)
	if err != nil {
		return nil, nil, fmt.Errorf("%s prove %q at %d: %w", c.ID, key, h, err)
	}
	return v, proof, nil
}

// Balance is addr's latest balance of denom.
func (c *Chain) Balance(addr attest.Address, denom string) (*uint256.Int, error) {
	return bank.Balance(c.State(), addr, denom)
}

// Supply is the latest total supply of denom.
func (c *Chain) Supply(denom string) (*uint256.Int, error) {
	return bank.Supply(c.State(), denom)
}

// Supplies lists every denomination with a non-zero supply and its amount.
func (c *Chain) Supplies() (map[string]*uint256.Int, error) {
	out := map[string]*uint256.Int{}
	err := c.State().Iterate([]byte(bank.SupplyPrefix), func(k, v []byte) error {
		out[string(k[len(bank.SupplyPrefix):])] = new(uint256.Int).SetBytes(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s supplies: %w", c.ID, err)
	}
	return out, nil
}
