package relay

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/settlement"
)

// Limits of one reconciliation pass.
const (
	// reconcileKeysPerProof bounds the keys asked for in one cw_getProof;
	// it matches the node's default cap (rpc.DefaultMaxProofKeys).
	reconcileKeysPerProof = 64
	// sequenceBytes is the width of the xseq/<dst> value: big-endian uint64.
	sequenceBytes = 8
	// maxAmountBytes is the widest bank amount: a uint256.
	maxAmountBytes = 32
)

// ErrStateRootMismatch: a node's proofs were against a root other than the
// StateRoot of its certified header at the same height.
var ErrStateRootMismatch = errors.New("proof root differs from certified header")

// ErrNodeBehind: the node answering for a chain is behind a height the
// relay has already seen committed (it is catching up), so its latest
// state cannot be ordered after the reads before it.
var ErrNodeBehind = errors.New("node behind the chain")

// behindWait is how long a read waits for a node behind the floor to catch
// up (normally a block) before the pass gives up; behindPoll spaces its
// looks.
const (
	behindWait = 2 * time.Second
	behindPoll = 50 * time.Millisecond
)

// ReconcileChain is what the Reconciler reads from a chain. *chains.Client
// provides it; Proof must verify each proof against the root it returns.
type ReconcileChain interface {
	Status(ctx context.Context) (*chains.Status, error)
	CertifiedHeader(ctx context.Context, height uint64) (*chains.CertifiedHeader, error)
	Proof(ctx context.Context, keys []string, height uint64) (*chains.Proofs, error)
}

// ReconcileRoute is one origin→destination pair and the denoms native to the
// origin whose conservation is checked on it.
type ReconcileRoute struct {
	Src, Dst string
	Denoms   []string
}

// ResultSink keeps reconciliation results; settlement.Store satisfies it.
type ResultSink interface {
	SaveReconciliation(ctx context.Context, r *settlement.Reconciliation) error
}

// Reconciler checks the conservation invariant (DESIGN §3.4) of each route
// and denom against proven chain state:
//
//	escrow on Src = vouchers on Dst + in flight
//
// Reads are ordered so that no amount is counted on both sides:
//
//  1. Src at height hs: escrow, the last sequence sent (last) and every
//     task 1..last. In flight candidates are the tasks pending at hs.
//
//  2. Dst at its latest height hd, read after step 1: voucher supply and the
//     receipts of the candidates. A candidate with an ok receipt at hd is
//     credited (in the supply), not in flight, even if Src has not seen the
//     ack. Any packet acked finished by hs was received at a Dst height that
//     existed before hs, so its credit is at or below hd too.
//
//  3. Src again at hs2, read after step 2: the last sequence last2. A packet
//     sent after hs (seq in (last, last2]) may already be credited at hd
//     without being in the escrow at hs; its ok amount is taken out of the
//     supply. No credit at hd can be for a seq above last2: the commitment
//     on Src precedes the receipt on Dst, which precedes the read at hs2.
//
//  4. Vouchers going home (Dst→Src, burned on Dst at send) are in flight
//     when Dst's task to Src at hd is pending or finished and Src had no ok
//     receipt for it at hs: burned on Dst, still in the escrow at hs. One
//     refunded by hd was minted again and never released from the escrow.
//
// Each chain is read through one endpoint; Proof checks the proofs against
// the returned root and the Reconciler checks that root against the
// certified header, but not the header's QC.
type Reconciler struct {
	chains map[string]ReconcileChain
	routes []ReconcileRoute
	sink   ResultSink
	log    *zap.Logger
}

// NewReconciler checks routes against chains; sink may be nil.
func NewReconciler(chs map[string]ReconcileChain, routes []ReconcileRoute, sink ResultSink, log *zap.Logger) (*Reconciler, error) {
	for _, r := range routes {
		for _, id := range []string{r.Src, r.Dst} {
			if chs[id] == nil {
				return nil, fmt.Errorf("reconcile route %s→%s: no chain %q", r.Src, r.Dst, id)
			}
		}
	}
	return &Reconciler{chains: chs, routes: routes, sink: sink, log: log.Named("reconcile")}, nil
}

// SetFloor makes every read of a chain's latest height wait until the
// answering node has reached floor(chain), at most behindWait, and fail
// with ErrNodeBehind after that. The reads are ordered in real time (see
// Reconciler); a node catching up after a restart or a partition answers
// with a latest height from the past, which would break that order and
// report a conservation break that is not there. floor is the height the
// caller has seen committed, such as its watcher's latest.
func (r *Reconciler) SetFloor(floor func(chain string) uint64) {
	for id, c := range r.chains {
		r.chains[id] = flooredChain{ReconcileChain: c, id: id, floor: floor}
	}
}

// flooredChain is a ReconcileChain whose Status waits for a floor.
type flooredChain struct {
	ReconcileChain
	id    string
	floor func(string) uint64
}

func (c flooredChain) Status(ctx context.Context) (*chains.Status, error) {
	floor := c.floor(c.id)
	deadline := time.Now().Add(behindWait)
	for {
		st, err := c.ReconcileChain.Status(ctx)
		if err != nil || st.LatestHeight >= floor {
			return st, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s answers at height %d, behind %d already committed: %w", c.id, st.LatestHeight, floor, ErrNodeBehind)
		}
		if !sleepCtx(ctx, behindPoll) {
			return nil, ctx.Err()
		}
	}
}

// Check reconciles every route once. A break is logged and returned with
// OK false, not as an error; errors are failures to read the chains or to
// save a result.
func (r *Reconciler) Check(ctx context.Context) ([]*settlement.Reconciliation, error) {
	var out []*settlement.Reconciliation
	for _, rt := range r.routes {
		res, err := r.checkRoute(ctx, rt)
		if err != nil {
			return out, fmt.Errorf("reconcile %s→%s: %w", rt.Src, rt.Dst, err)
		}
		for _, x := range res {
			r.report(x)
			if r.sink != nil {
				if err := r.sink.SaveReconciliation(ctx, x); err != nil {
					return out, fmt.Errorf("save reconciliation %s→%s %s: %w", x.Src, x.Dst, x.Denom, err)
				}
			}
			out = append(out, x)
		}
	}
	return out, nil
}

func (r *Reconciler) report(x *settlement.Reconciliation) {
	if x.OK {
		return
	}
	r.log.Error("conservation break", zap.String("src", x.Src), zap.String("dst", x.Dst),
		zap.String("denom", x.Denom), zap.String("escrow", x.Escrow.Dec()),
		zap.String("vouchers", x.Vouchers.Dec()), zap.String("in_flight", x.InFlight.Dec()),
		zap.String("detail", x.Detail))
}

// sourceView is what step 1 reads from Src at one height.
type sourceView struct {
	height  uint64
	escrow  map[string]*uint256.Int
	last    uint64
	pending map[uint64]*attest.Packet // pending tasks in a checked denom
}

func (r *Reconciler) checkRoute(ctx context.Context, rt ReconcileRoute) ([]*settlement.Reconciliation, error) {
	src, dst := r.chains[rt.Src], r.chains[rt.Dst]
	sv, err := readSource(ctx, src, rt)
	if err != nil {
		return nil, err
	}
	hd, err := latestHeight(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rt.Dst, err)
	}
	supply, err := readSupply(ctx, dst, hd, rt)
	if err != nil {
		return nil, err
	}
	credited, err := okReceipts(ctx, dst, hd, rt.Src, keysOf(sv.pending))
	if err != nil {
		return nil, err
	}
	late, err := lateCredits(ctx, src, dst, hd, rt, sv.last)
	if err != nil {
		return nil, err
	}
	home, err := goingHomeInFlight(ctx, src, dst, sv.height, hd, rt)
	if err != nil {
		return nil, err
	}
	at := time.Now()
	out := make([]*settlement.Reconciliation, 0, len(rt.Denoms))
	for _, d := range rt.Denoms {
		out = append(out, conserve(rt, d, sv, supply[d], late[d], home[d], credited, at))
	}
	return out, nil
}

// conserve builds the result of one denom.
func conserve(rt ReconcileRoute, denom string, sv *sourceView, supply, late, home *uint256.Int,
	credited map[uint64]bool, at time.Time) *settlement.Reconciliation {
	inFlight := new(uint256.Int).Set(home)
	for seq, p := range sv.pending {
		if p.Denom == denom && !credited[seq] {
			inFlight.Add(inFlight, p.Amount)
		}
	}
	x := &settlement.Reconciliation{At: at, Src: rt.Src, Dst: rt.Dst, Denom: denom,
		Escrow: sv.escrow[denom], InFlight: inFlight}
	vouchers, under := new(uint256.Int).SubOverflow(supply, late)
	if under {
		x.Vouchers = supply
		x.Detail = fmt.Sprintf("supply %s is below %s credited for packets sent after the escrow read", supply.Dec(), late.Dec())
		return x
	}
	x.Vouchers = vouchers
	x.OK = x.Escrow.Eq(new(uint256.Int).Add(vouchers, inFlight))
	if !late.IsZero() {
		x.Detail = fmt.Sprintf("supply %s less %s credited for packets sent after the escrow read", supply.Dec(), late.Dec())
	}
	return x
}

// readSource is step 1.
func readSource(ctx context.Context, src ReconcileChain, rt ReconcileRoute) (*sourceView, error) {
	hs, err := latestHeight(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rt.Src, err)
	}
	keys := []string{string(xfer.SequenceKey(rt.Dst))}
	for _, d := range rt.Denoms {
		keys = append(keys, string(bank.BalanceKey(xfer.EscrowAddress(rt.Dst), d)))
	}
	vals, err := proveAt(ctx, src, keys, hs)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rt.Src, err)
	}
	sv := &sourceView{height: hs, escrow: map[string]*uint256.Int{}, pending: map[uint64]*attest.Packet{}}
	if sv.last, err = decodeSequence(vals[0]); err != nil {
		return nil, err
	}
	for i, d := range rt.Denoms {
		if sv.escrow[d], err = decodeAmount(vals[i+1]); err != nil {
			return nil, fmt.Errorf("escrow %s on %s: %w", d, rt.Src, err)
		}
	}
	tasks, err := readTasks(ctx, src, rt.Dst, 1, sv.last, hs)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rt.Src, err)
	}
	for seq, t := range tasks {
		if t.Status == xfer.TaskPending && contains(rt.Denoms, t.Packet.Denom) {
			sv.pending[seq] = &t.Packet
		}
	}
	return sv, nil
}

func readSupply(ctx context.Context, dst ReconcileChain, hd uint64, rt ReconcileRoute) (map[string]*uint256.Int, error) {
	keys := make([]string, len(rt.Denoms))
	for i, d := range rt.Denoms {
		keys[i] = string(bank.SupplyKey(xfer.VoucherDenom(rt.Src, d)))
	}
	vals, err := proveAt(ctx, dst, keys, hd)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rt.Dst, err)
	}
	out := make(map[string]*uint256.Int, len(keys))
	for i, d := range rt.Denoms {
		if out[d], err = decodeAmount(vals[i]); err != nil {
			return nil, fmt.Errorf("supply of %s on %s: %w", keys[i], rt.Dst, err)
		}
	}
	return out, nil
}

// lateCredits is step 3: per denom, what Dst credited at hd for packets
// sent after last.
func lateCredits(ctx context.Context, src, dst ReconcileChain, hd uint64, rt ReconcileRoute, last uint64) (map[string]*uint256.Int, error) {
	out := map[string]*uint256.Int{}
	for _, d := range rt.Denoms {
		out[d] = new(uint256.Int)
	}
	hs2, err := latestHeight(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("read %s again: %w", rt.Src, err)
	}
	vals, err := proveAt(ctx, src, []string{string(xfer.SequenceKey(rt.Dst))}, hs2)
	if err != nil {
		return nil, fmt.Errorf("read %s again: %w", rt.Src, err)
	}
	last2, err := decodeSequence(vals[0])
	if err != nil || last2 <= last {
		return out, err
	}
	seqs := make([]uint64, 0, last2-last)
	for s := last + 1; s <= last2; s++ {
		seqs = append(seqs, s)
	}
	credited, err := okReceipts(ctx, dst, hd, rt.Src, seqs)
	if err != nil || len(credited) == 0 {
		return out, err
	}
	tasks, err := readTasks(ctx, src, rt.Dst, last+1, last2, hs2)
	if err != nil {
		return nil, fmt.Errorf("read %s again: %w", rt.Src, err)
	}
	for seq := range credited {
		if t := tasks[seq]; t != nil && out[t.Packet.Denom] != nil {
			out[t.Packet.Denom].Add(out[t.Packet.Denom], t.Packet.Amount)
		}
	}
	return out, nil
}

// goingHomeInFlight is step 4: per denom, the vouchers Dst burned at hd
// that Src had not released from the escrow at hs.
func goingHomeInFlight(ctx context.Context, src, dst ReconcileChain, hs, hd uint64, rt ReconcileRoute) (map[string]*uint256.Int, error) {
	out := map[string]*uint256.Int{}
	native := map[string]string{} // voucher denom on Dst → native denom on Src
	for _, d := range rt.Denoms {
		out[d] = new(uint256.Int)
		native[xfer.VoucherDenom(rt.Src, d)] = d
	}
	vals, err := proveAt(ctx, dst, []string{string(xfer.SequenceKey(rt.Src))}, hd)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rt.Dst, err)
	}
	last, err := decodeSequence(vals[0])
	if err != nil || last == 0 {
		return out, err
	}
	tasks, err := readTasks(ctx, dst, rt.Src, 1, last, hd)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rt.Dst, err)
	}
	var seqs []uint64
	for seq, t := range tasks {
		if _, ok := native[t.Packet.Denom]; ok && t.Status != xfer.TaskRefunded {
			seqs = append(seqs, seq)
		}
	}
	released, err := okReceipts(ctx, src, hs, rt.Dst, seqs)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rt.Src, err)
	}
	for _, seq := range seqs {
		if p := &tasks[seq].Packet; !released[seq] {
			out[native[p.Denom]].Add(out[native[p.Denom]], p.Amount)
		}
	}
	return out, nil
}

// readTasks reads the tasks from..to to dst at height; absent ones are
// left out.
func readTasks(ctx context.Context, c ReconcileChain, dst string, from, to, height uint64) (map[uint64]*xfer.Task, error) {
	out := map[uint64]*xfer.Task{}
	for lo := from; lo <= to && lo != 0; lo += reconcileKeysPerProof {
		hi := min(to, lo+reconcileKeysPerProof-1)
		keys := make([]string, 0, hi-lo+1)
		for s := lo; s <= hi; s++ {
			keys = append(keys, string(xfer.TaskKey(dst, s)))
		}
		vals, err := proveAt(ctx, c, keys, height)
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			if v == nil {
				continue
			}
			var t xfer.Task
			if err := rlp.DecodeBytes(v, &t); err != nil {
				return nil, fmt.Errorf("decode %s: %w", keys[i], err)
			}
			out[lo+uint64(i)] = &t
		}
	}
	return out, nil
}

// okReceipts returns the seqs of packets from src that c received ok as of
// height.
func okReceipts(ctx context.Context, c ReconcileChain, height uint64, src string, seqs []uint64) (map[uint64]bool, error) {
	out := map[uint64]bool{}
	for lo := 0; lo < len(seqs); lo += reconcileKeysPerProof {
		chunk := seqs[lo:min(len(seqs), lo+reconcileKeysPerProof)]
		keys := make([]string, len(chunk))
		for i, s := range chunk {
			keys[i] = string(attest.ReceiptKey(src, s))
		}
		vals, err := proveAt(ctx, c, keys, height)
		if err != nil {
			return nil, fmt.Errorf("read receipts: %w", err)
		}
		for i, v := range vals {
			if v == nil {
				continue
			}
			rc, err := attest.DecodeReceipt(v)
			if err != nil {
				return nil, fmt.Errorf("decode %s: %w", keys[i], err)
			}
			out[chunk[i]] = rc.Status == attest.ReceiptOK
		}
	}
	return out, nil
}

// latestHeight is the latest height of c.
func latestHeight(ctx context.Context, c ReconcileChain) (uint64, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("status: %w", err)
	}
	return st.LatestHeight, nil
}

// proveAt returns the proven values of keys at height (nil when absent),
// after checking the proofs' root against the certified header.
func proveAt(ctx context.Context, c ReconcileChain, keys []string, height uint64) ([][]byte, error) {
	p, err := c.Proof(ctx, keys, height)
	if err != nil {
		return nil, fmt.Errorf("proof at %d: %w", height, err)
	}
	ch, err := c.CertifiedHeader(ctx, height)
	if err != nil {
		return nil, fmt.Errorf("certified header %d: %w", height, err)
	}
	if p.StateRoot != ch.Certified.Header.StateRoot {
		return nil, fmt.Errorf("at %d: %w", height, ErrStateRootMismatch)
	}
	if len(p.Proofs) != len(keys) {
		return nil, fmt.Errorf("proof at %d: %d values for %d keys", height, len(p.Proofs), len(keys))
	}
	out := make([][]byte, len(keys))
	for i, kp := range p.Proofs {
		if kp.Key != keys[i] {
			return nil, fmt.Errorf("proof at %d: key %q where %q was asked", height, kp.Key, keys[i])
		}
		if kp.Value != nil {
			out[i] = *kp.Value
		}
	}
	return out, nil
}

// decodeAmount reads a bank amount: minimal big-endian bytes, absent = 0.
func decodeAmount(b []byte) (*uint256.Int, error) {
	if b == nil {
		return new(uint256.Int), nil
	}
	if len(b) == 0 || len(b) > maxAmountBytes || b[0] == 0 {
		return nil, fmt.Errorf("%x is not a minimal amount", b)
	}
	return new(uint256.Int).SetBytes(b), nil
}

// decodeSequence reads xseq/<dst>: absent = nothing sent yet.
func decodeSequence(b []byte) (uint64, error) {
	if b == nil {
		return 0, nil
	}
	if len(b) != sequenceBytes {
		return 0, fmt.Errorf("sequence value %x is not %d bytes", b, sequenceBytes)
	}
	return binary.BigEndian.Uint64(b), nil
}

func keysOf(m map[uint64]*attest.Packet) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
