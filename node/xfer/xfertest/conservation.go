package xfertest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/xfer"
)

// ErrInvariant wraps every invariant violation the checkers find.
var ErrInvariant = errors.New("transfer invariant broken")

// voucherSep separates a voucher's path from its denomination ("alpha/USD").
const voucherSep = "/"

// backing names one conservation equation: what chain Origin holds in
// escrow for chain Peer in Denom (as Origin names it), against the vouchers
// Peer issued for it and what is in flight between them.
type backing struct {
	Origin, Peer, Denom string
}

// ledger is the three sides of one equation.
type ledger struct {
	escrow, vouchers, inflight *uint256.Int
}

// CheckConservation checks, from the latest committed state of every chain,
// that every route is fully backed (DESIGN §3.4). For each ordered pair of
// chains (C, D) and each denomination d as C names it:
//
//	escrow of C for D in d = supply on D of the voucher "C/d" + in flight
//
// where in flight sums two kinds of packet, both debited on their source and
// neither credited on their destination nor refunded on their source (task
// still pending, destination receipt absent or not ok):
//   - packets C→D of d that C escrowed (d is not a voucher of D), and
//   - packets D→C of "C/d" that D burned (vouchers going home to C).
//
// Multi-hop is the same equation applied per hop: USD that went alpha→beta→
// gamma is escrowed on alpha for beta as "USD" (backing beta's "alpha/USD")
// and on beta for gamma as "alpha/USD" (backing gamma's "beta/alpha/USD").
// Relay fees move between accounts of one chain and do not enter.
func CheckConservation(n *Network) error {
	books := map[backing]*ledger{}
	book := func(k backing) *ledger {
		l, ok := books[k]
		if !ok {
			l = &ledger{escrow: new(uint256.Int), vouchers: new(uint256.Int), inflight: new(uint256.Int)}
			books[k] = l
		}
		return l
	}
	for _, c := range n.Chains {
		if err := addEscrowAndVouchers(n, c, book); err != nil {
			return err
		}
		if err := addInFlight(n, c, book); err != nil {
			return err
		}
	}
	var bad []string
	for k, l := range books {
		want := new(uint256.Int).Add(l.vouchers, l.inflight)
		if !l.escrow.Eq(want) {
			bad = append(bad, fmt.Sprintf("%s escrow for %s in %q is %s, vouchers %s + in flight %s = %s",
				k.Origin, k.Peer, k.Denom, l.escrow.Dec(), l.vouchers.Dec(), l.inflight.Dec(), want.Dec()))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("%w: conservation at heights %v:\n  %s", ErrInvariant, n.Heights(), strings.Join(bad, "\n  "))
	}
	return nil
}

// addEscrowAndVouchers books c's escrow for every peer and the vouchers c
// issued for every peer's assets.
func addEscrowAndVouchers(n *Network, c *Chain, book func(backing) *ledger) error {
	view := c.State()
	for _, peer := range n.Chains {
		if peer == c {
			continue
		}
		coins, err := bank.Balances(view, xfer.EscrowAddress(peer.ID))
		if err != nil {
			return fmt.Errorf("%s escrow for %s: %w", c.ID, peer.ID, err)
		}
		for _, coin := range coins {
			l := book(backing{Origin: c.ID, Peer: peer.ID, Denom: coin.Denom})
			l.escrow.Add(l.escrow, coin.Amount)
		}
	}
	supplies, err := c.Supplies()
	if err != nil {
		return err
	}
	for denom, amt := range supplies {
		origin, rest, ok := strings.Cut(denom, voucherSep)
		if !ok || n.Chain(origin) == nil || origin == c.ID {
			continue
		}
		l := book(backing{Origin: origin, Peer: c.ID, Denom: rest})
		l.vouchers.Add(l.vouchers, amt)
	}
	return nil
}

// addInFlight books every packet c sent that is debited and neither
// credited nor refunded.
func addInFlight(n *Network, c *Chain, book func(backing) *ledger) error {
	tasks, err := Tasks(c)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.Status != xfer.TaskPending {
			continue
		}
		p := &t.Packet
		dst := n.Chain(p.Dst)
		if dst == nil {
			return fmt.Errorf("%w: %s task #%d to %q, a chain outside the network", ErrInvariant, c.ID, p.Seq, p.Dst)
		}
		r, err := xfer.GetReceipt(dst.State(), c.ID, p.Seq)
		switch {
		case errors.Is(err, xfer.ErrNotFound):
		case err != nil:
			return err
		case r.Status == attest.ReceiptOK:
			continue // credited on dst: counted in its vouchers or out of its escrow
		}
		k := backing{Origin: c.ID, Peer: p.Dst, Denom: p.Denom}
		if native, home := strings.CutPrefix(p.Denom, p.Dst+voucherSep); home {
			k = backing{Origin: p.Dst, Peer: c.ID, Denom: native}
		}
		l := book(k)
		l.inflight.Add(l.inflight, p.Amount)
	}
	return nil
}

// TaskEntry is a task with the state key coordinates it is stored under.
type TaskEntry struct {
	Dst string
	Seq uint64
	xfer.Task
}

// Tasks lists every task of c's latest state, in key order.
func Tasks(c *Chain) ([]TaskEntry, error) {
	var out []TaskEntry
	err := c.State().Iterate([]byte(xfer.TaskPrefix), func(k, v []byte) error {
		var t xfer.Task
		if err := rlp.DecodeBytes(v, &t); err != nil {
			return fmt.Errorf("%w: %s task %q: %v", ErrInvariant, c.ID, k, err)
		}
		dst, seq, err := splitSeqKey(string(k[len(xfer.TaskPrefix):]))
		if err != nil {
			return fmt.Errorf("%w: %s task key %q: %v", ErrInvariant, c.ID, k, err)
		}
		out = append(out, TaskEntry{Dst: dst, Seq: seq, Task: t})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s tasks: %w", c.ID, err)
	}
	return out, nil
}
