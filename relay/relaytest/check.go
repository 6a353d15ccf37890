package relaytest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/holiman/uint256"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/settlement"
)

// FreshAddress returns a random address no chain has seen, so its balances
// start at zero and a run can count exactly what it was credited.
func FreshAddress() attest.Address {
	var a attest.Address
	_, _ = rand.Read(a[:])
	return a
}

// WaitSettled polls the store until every transfer in sent has ended
// (finished or refunded), or ctx ends; then it reports which have not.
func WaitSettled(ctx context.Context, store settlement.Store, sent []Sent) error {
	pending := sent
	for {
		var still []Sent
		for _, s := range pending {
			t, err := store.GetPacket(ctx, s.Src, s.Dst, s.Seq)
			if err == nil && (t.Status == settlement.StatusFinished || t.Status == settlement.StatusRefunded) {
				continue
			}
			if err != nil && !errors.Is(err, settlement.ErrNotFound) && ctx.Err() == nil {
				return err
			}
			still = append(still, s)
		}
		if len(still) == 0 {
			return nil
		}
		pending = still
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			first := "none recorded"
			if t, err := store.GetPacket(context.Background(), still[0].Src, still[0].Dst, still[0].Seq); err == nil {
				first = fmt.Sprintf("status %s, attempts %+v, last error %q", t.Status, t.Attempts, t.LastError)
			}
			return fmt.Errorf("%d of %d transfers not settled (first %s: %s): %w", len(still), len(sent), still[0].ID(), first, ctx.Err())
		}
	}
}

// Report is what Check counted.
type Report struct {
	Finished, Refunded int
	Reconciliations    []*settlement.Reconciliation
	// Latencies are, per finished transfer, broadcast → finished in the
	// store; LastFinished is the latest finish.
	Latencies    []time.Duration
	LastFinished time.Time
}

// Check verifies the settlement invariants after a run whose transfers
// have all ended:
//   - each transfer's store row is terminal and matches its task on the
//     source chain (finished ↔ finished, refunded ↔ refunded);
//   - nothing was credited twice: each receiver's voucher balance equals
//     the sum of its finished transfers (receivers must be fresh);
//   - conservation holds on both routes (escrow = vouchers + in flight),
//     read through proofs.
func (p *Pair) Check(ctx context.Context, store settlement.Store, sent []Sent) (*Report, error) {
	rep := &Report{}
	credited := make(map[string]*uint256.Int) // dst/receiver → finished amount
	byID := map[string]*Chain{p.Alpha.ID: p.Alpha, p.Beta.ID: p.Beta}
	var errs []error
	for _, s := range sent {
		t, err := store.GetPacket(ctx, s.Src, s.Dst, s.Seq)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.ID(), err))
			continue
		}
		task, err := byID[s.Src].RPC.Task(ctx, s.Dst, s.Seq)
		if err != nil || task == nil {
			errs = append(errs, fmt.Errorf("%s: task on %s: %v", s.ID(), s.Src, err))
			continue
		}
		switch {
		case t.Status == settlement.StatusFinished && task.Status == rpc.TaskFinished:
			rep.Finished++
			rep.Latencies = append(rep.Latencies, t.StatusAt.Sub(s.SentAt))
			if t.StatusAt.After(rep.LastFinished) {
				rep.LastFinished = t.StatusAt
			}
			k := s.Dst + "/" + s.Receiver.Hex()
			if credited[k] == nil {
				credited[k] = uint256.NewInt(0)
			}
			credited[k].Add(credited[k], uint256.NewInt(s.Amount))
		case t.Status == settlement.StatusRefunded && task.Status == rpc.TaskRefunded:
			rep.Refunded++
		default:
			errs = append(errs, fmt.Errorf("%s: store says %s, source task says %s", s.ID(), t.Status, task.Status))
		}
	}
	for _, s := range sent {
		k := s.Dst + "/" + s.Receiver.Hex()
		want, ok := credited[k]
		if !ok {
			continue
		}
		delete(credited, k)
		got, err := byID[s.Dst].Balance(ctx, s.Receiver, xfer.VoucherDenom(s.Src, Denom))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !got.Eq(want) {
			errs = append(errs, fmt.Errorf("receiver %s on %s holds %s vouchers, finished transfers credit %s", s.Receiver.Hex(), s.Dst, got, want))
		}
	}
	rc := map[string]relay.ReconcileChain{p.Alpha.ID: p.Alpha.RPC, p.Beta.ID: p.Beta.RPC}
	routes := []relay.ReconcileRoute{{Src: p.Alpha.ID, Dst: p.Beta.ID, Denoms: []string{Denom}},
		{Src: p.Beta.ID, Dst: p.Alpha.ID, Denoms: []string{Denom}}}
	rec, err := relay.NewReconciler(rc, routes, nil, zap.NewNop())
	if err != nil {
		return rep, err
	}
	if rep.Reconciliations, err = rec.Check(ctx); err != nil {
		errs = append(errs, fmt.Errorf("reconcile: %w", err))
	}
	for _, r := range rep.Reconciliations {
		if !r.OK {
			errs = append(errs, fmt.Errorf("conservation broken on %s→%s %s: escrow %s, vouchers %s, in flight %s: %s",
				r.Src, r.Dst, r.Denom, r.Escrow, r.Vouchers, r.InFlight, r.Detail))
		}
	}
	return rep, errors.Join(errs...)
}
