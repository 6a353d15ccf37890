package relay

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/queue"
)

// errPrerequisite: a height cannot be applied yet because another chain's
// watcher has not recorded the earlier stage.
var errPrerequisite = errors.New("waiting for another chain's watcher")

// maxErrorText bounds the last error a transfer row keeps.
const maxErrorText = 512

// apply writes what one height of a chain means to the store and enqueues
// the work it creates. It is idempotent: applying a height again, or after
// another relay applied it, changes nothing.
func (e *Engine) apply(ctx context.Context, batch []*Observation) error {
	var rows []*settlement.Transfer
	var reqs []awaited
	for _, obs := range batch {
		at := time.Time{}
		if obs.Header != nil {
			at = time.UnixMilli(int64(obs.Header.Header.TimeMs)).UTC()
		}
		rows = append(rows, e.sendRows(obs.Height, at, obs.Sends)...)
		for _, r := range obs.Receipts {
			if e.chains[r.Src] == nil {
				continue
			}
			reqs = append(reqs, awaited{other: r.Src, req: deliveredRequest(r, obs.Height, at)})
		}
		for _, a := range obs.Acks {
			if e.chains[a.Dst] == nil {
				continue
			}
			reqs = append(reqs, awaited{other: a.Dst, req: resolvedRequest(a, obs.Height, at)})
		}
	}
	first, last := batch[0], batch[len(batch)-1]
	if err := e.recordSends(ctx, first.Chain, first.Height, last.Height, rows); err != nil {
		return err
	}
	return e.applyAwaiting(ctx, reqs)
}

// awaited is a transition that may have to wait for the watcher of chain
// other to record the stage before it.
type awaited struct {
	other string
	req   settlement.TransitionRequest
}

func deliveredRequest(r ReceiptEvent, height uint64, at time.Time) settlement.TransitionRequest {
	return settlement.TransitionRequest{ID: settlement.PacketTransferID(r.Src, r.Dst, r.Seq),
		From: settlement.StatusSourceCommitted, To: settlement.StatusDelivered,
		Evidence: &settlement.Evidence{Height: height, TxHash: r.TxHash, Time: at, Relayer: r.Signer,
			Receipt: &settlement.Receipt{Status: settlement.ReceiptStatus(r.Status), Code: r.Code}}}
}

func resolvedRequest(a AckEvent, height uint64, at time.Time) settlement.TransitionRequest {
	to := settlement.StatusFinished
	if a.Outcome != xfer.TaskFinished.String() {
		to = settlement.StatusRefunded
	}
	return settlement.TransitionRequest{ID: settlement.PacketTransferID(a.Src, a.Dst, a.Seq),
		From: settlement.StatusDelivered, To: to,
		Evidence: &settlement.Evidence{Height: height, TxHash: a.TxHash, Time: at, Relayer: a.Signer}}
}

// applySends records the packets chain committed at height: a new row in
// source_committed, or the move of the gateway's submitted row, and a
// delivery job either way.
func (e *Engine) applySends(ctx context.Context, chain string, height uint64, at time.Time, sends []SendEvent) error {
	return e.recordSends(ctx, chain, height, height, e.sendRows(height, at, sends))
}

// sendRows are the rows of the packets committed at height to chains the
// relay serves.
func (e *Engine) sendRows(height uint64, at time.Time, sends []SendEvent) []*settlement.Transfer {
	var rows []*settlement.Transfer
	for _, s := range sends {
		if e.chains[s.Dst] == nil {
			continue
		}
		rows = append(rows, &settlement.Transfer{Src: s.Src, Dst: s.Dst, Seq: s.Seq, Status: settlement.StatusSourceCommitted,
			Sender: s.Sender, Receiver: s.Receiver, Denom: s.Denom, Amount: s.Amount, Fee: s.RelayFee,
			TimeoutHeight: s.TimeoutHeight, TimeoutTimeMs: s.TimeoutTimeMs,
			Source: settlement.StageRecord{Height: height, TxHash: s.TxHash, Time: at}})
	}
	return rows
}

// recordSends stores rows, the packets chain committed at heights
// from..to, and enqueues their delivery jobs.
func (e *Engine) recordSends(ctx context.Context, chain string, from, to uint64, rows []*settlement.Transfer) error {
	if len(rows) == 0 {
		return nil
	}
	results, err := e.createTransfers(ctx, rows)
	if err != nil {
		return fmt.Errorf("record %d packets of %s at %d..%d: %w", len(rows), chain, from, to, err)
	}
	var moves []settlement.TransitionRequest
	var jobs []*settlement.Transfer
	for i, r := range results {
		switch {
		case r.Err != nil:
			e.m.Failure("observe", "invalid_packet")
			e.log.Error("packet the store refuses", zap.String("chain_id", chain), zap.Uint64("seq", rows[i].Seq), zap.Error(r.Err))
		case r.Transfer.Status == settlement.StatusSubmitted:
			in := rows[i]
			moves = append(moves, settlement.TransitionRequest{ID: r.Transfer.ID, From: settlement.StatusSubmitted,
				To: settlement.StatusSourceCommitted, Evidence: &settlement.Evidence{Seq: in.Seq, Height: in.Source.Height,
					TxHash: in.Source.TxHash, Time: in.Source.Time}})
		case r.Transfer.Status == settlement.StatusSourceCommitted:
			if r.Created {
				e.m.Transition(string(settlement.StatusSourceCommitted))
			}
			jobs = append(jobs, r.Transfer)
		}
	}
	if err := e.enqueueNext(ctx, jobs); err != nil {
		return err
	}
	_, err = e.applyTransitions(ctx, moves)
	return err
}

// createTransfers creates rows idempotently, one result per row.
func (e *Engine) createTransfers(ctx context.Context, rows []*settlement.Transfer) ([]settlement.CreateResult, error) {
	out := make([]settlement.CreateResult, 0, len(rows))
	for start := 0; start < len(rows); start += settlement.MaxBatch {
		res, err := e.store.CreateTransfers(ctx, rows[start:min(len(rows), start+settlement.MaxBatch)])
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}

// applyAwaiting applies transitions whose earlier stage is recorded by
// another chain's watcher. One not applicable yet waits until it is, or
// until that watcher has passed the height its chain had when this one
// first looked: then the earlier stage happened before the relay's
// history began, and the transfer is counted as untracked.
func (e *Engine) applyAwaiting(ctx context.Context, items []awaited) error {
	reqs := make([]settlement.TransitionRequest, len(items))
	for i := range items {
		reqs[i] = items[i].req
	}
	missing, err := e.applyTransitions(ctx, reqs)
	if err != nil || len(missing) == 0 {
		return err
	}
	marks := make(map[string]uint64)
	waiting := make([]awaited, 0, len(missing))
	for _, i := range missing {
		it := items[i]
		if _, ok := marks[it.other]; !ok {
			h, err := e.latest(ctx, it.other)
			if err != nil {
				return err
			}
			marks[it.other] = h
		}
		waiting = append(waiting, it)
	}
	for {
		if !sleepCtx(ctx, prereqPoll) {
			return ctx.Err()
		}
		passed := make(map[string]bool, len(marks))
		for id, h := range marks {
			passed[id] = e.chains[id].watcher.Cursor() >= h
		}
		reqs = reqs[:0]
		for _, it := range waiting {
			reqs = append(reqs, it.req)
		}
		missing, err := e.applyTransitions(ctx, reqs)
		if err != nil {
			return err
		}
		var still []awaited
		for _, i := range missing {
			it := waiting[i]
			if passed[it.other] {
				e.m.Untracked(it.other)
				e.log.Warn("chain event about a transfer the store never saw", zap.String("transfer", string(it.req.ID)),
					zap.String("to", string(it.req.To)))
				continue
			}
			still = append(still, it)
		}
		if len(still) == 0 {
			return nil
		}
		waiting = still
	}
}

// latest is the height chain id has reached, as its watcher last heard.
func (e *Engine) latest(ctx context.Context, id string) (uint64, error) {
	c := e.chains[id]
	if h := c.watcher.Latest(); h > 0 {
		return h, nil
	}
	st, err := c.node.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("status of %s: %w: %w", id, errPrerequisite, err)
	}
	return st.LatestHeight, nil
}

// applyTransitions applies reqs in batches and enqueues the next stage of
// each transfer moved. It returns the indexes of requests whose transfer
// is missing or not yet in the status before (their earlier stage is not
// recorded yet). A transfer already at or past the target is done. A
// transition the store refuses outright means the store and the chains
// disagree: it is logged as an error and counted, never written.
func (e *Engine) applyTransitions(ctx context.Context, reqs []settlement.TransitionRequest) ([]int, error) {
	var missing []int
	var moved []*settlement.Transfer
	for start := 0; start < len(reqs); start += settlement.MaxBatch {
		chunk := reqs[start:min(len(reqs), start+settlement.MaxBatch)]
		results, err := e.store.TransitionBatch(ctx, chunk)
		if err != nil {
			return nil, fmt.Errorf("store %d transitions: %w", len(chunk), err)
		}
		for i, r := range results {
			req := chunk[i]
			switch {
			case r.Err == nil:
				moved = append(moved, r.Transfer)
			case errors.Is(r.Err, settlement.ErrNotFound):
				missing = append(missing, start+i)
			case errors.Is(r.Err, settlement.ErrConflict):
				t := r.Transfer
				if t == nil {
					var err error
					if t, err = e.store.Get(ctx, req.ID); err != nil {
						return nil, fmt.Errorf("read %s after a conflict: %w", req.ID, err)
					}
				}
				if rank(t.Status) < rank(req.To) {
					missing = append(missing, start+i)
				}
			case !refusal(r.Err):
				// A store that failed to answer (a restart, a lost
				// connection) refused nothing: the whole batch is retried.
				return nil, fmt.Errorf("store transition %s: %w", req.ID, r.Err)
			default:
				e.m.Failure("observe", "refused")
				e.log.Error("the store refuses a transition the chain shows", zap.String("transfer", string(req.ID)),
					zap.String("from", string(req.From)), zap.String("to", string(req.To)), zap.Error(r.Err))
			}
		}
	}
	for _, t := range moved {
		e.observeTransition(t)
	}
	return missing, e.enqueueNext(ctx, moved)
}

// refusal reports whether a transition's error is the store judging the
// transition itself, as opposed to failing to answer.
func refusal(err error) bool {
	return errors.Is(err, settlement.ErrInvalidTransition) || errors.Is(err, settlement.ErrMissingEvidence) ||
		errors.Is(err, settlement.ErrInvalid)
}

// rank orders statuses along the lifecycle; the three terminal ones tie.
func rank(s settlement.Status) int {
	switch s {
	case settlement.StatusSubmitted:
		return 0
	case settlement.StatusSourceCommitted:
		return 1
	case settlement.StatusDelivered:
		return 2
	}
	return 3
}

// observeTransition records the metrics of a transfer that just moved.
func (e *Engine) observeTransition(t *settlement.Transfer) {
	e.m.Transition(string(t.Status))
	switch t.Status {
	case settlement.StatusSourceCommitted:
		if !t.CreatedAt.IsZero() && t.Source.Time.After(t.CreatedAt) {
			e.m.ObserveStage(string(settlement.StageSource), t.Source.Time.Sub(t.CreatedAt))
		}
	case settlement.StatusDelivered:
		if !t.Source.Time.IsZero() {
			e.m.ObserveStage(string(settlement.StageDelivery), t.Delivery.Time.Sub(t.Source.Time))
		}
	case settlement.StatusFinished, settlement.StatusRefunded:
		e.m.ObserveStage(string(settlement.StageConfirm), t.Confirm.Time.Sub(t.Delivery.Time))
		start := t.Source.Time
		if start.IsZero() || (!t.CreatedAt.IsZero() && t.CreatedAt.Before(start)) {
			start = t.CreatedAt
		}
		e.m.ObserveStage("end_to_end", t.Confirm.Time.Sub(start))
	}
}

// enqueueNext enqueues the stage job of each transfer waiting on a relay.
func (e *Engine) enqueueNext(ctx context.Context, ts []*settlement.Transfer) error {
	_, err := queue.Rebuild(ctx, e.q, e.stageJobs(ts))
	return err
}

// stageJobs yields the stream and job of each transfer of ts that waits on
// a relay of this engine's chains.
func (e *Engine) stageJobs(ts []*settlement.Transfer) iter.Seq2[string, queue.Job] {
	return func(yield func(string, queue.Job) bool) {
		for _, t := range ts {
			stream, stage, ok := e.streamOf(t)
			if !ok {
				continue
			}
			// Keyed by packet: a transfer the gateway created keeps the id of
			// its source transaction, which names no sequence.
			key := settlement.PacketTransferID(t.Src, t.Dst, t.Seq)
			if !yield(stream, queue.Job{Key: string(key), Stage: string(stage), Attempt: t.Attempts.Of(stage)}) {
				return
			}
		}
	}
}

// streamOf is the stream and stage of the job a transfer waits on, if a
// relay of this engine's chains is what it waits for.
func (e *Engine) streamOf(t *settlement.Transfer) (string, settlement.Stage, bool) {
	if e.chains[t.Src] == nil || e.chains[t.Dst] == nil {
		return "", "", false
	}
	switch t.Status {
	case settlement.StatusSourceCommitted:
		return DeliverStream(t.Dst), settlement.StageDelivery, true
	case settlement.StatusDelivered:
		return ConfirmStream(t.Src), settlement.StageConfirm, true
	}
	return "", "", false
}

// work consumes stream in batches until ctx ends, taking over the jobs of
// consumers that stopped acknowledging.
func (e *Engine) work(ctx context.Context, stream string, handle func(context.Context, []queue.Delivery)) {
	max := e.cfg.Batch.MaxBatch
	nextReclaim := time.Now().Add(e.cfg.ReclaimIdle / 2)
	for attempt := 0; ctx.Err() == nil; {
		ds, err := e.q.Consume(ctx, stream, e.cfg.Group, e.cfg.Consumer, max, e.cfg.ConsumeBlock)
		if err == nil && len(ds) > 0 && len(ds) < max && e.cfg.BatchDelay > 0 && sleepCtx(ctx, e.cfg.BatchDelay) {
			var more []queue.Delivery
			more, err = e.q.Consume(ctx, stream, e.cfg.Group, e.cfg.Consumer, max-len(ds), 0)
			ds = append(ds, more...)
		}
		if err == nil && time.Now().After(nextReclaim) {
			nextReclaim = time.Now().Add(e.cfg.ReclaimIdle / 2)
			var taken []queue.Delivery
			taken, err = e.q.Reclaim(ctx, stream, e.cfg.Group, e.cfg.Consumer, e.cfg.ReclaimIdle, max)
			if len(taken) > 0 {
				e.log.Info("reclaimed jobs of a stalled consumer", zap.String("stream", stream), zap.Int("jobs", len(taken)))
			}
			ds = append(ds, taken...)
		}
		if len(ds) > 0 {
			handle(ctx, ds)
		}
		if err == nil {
			attempt = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		e.m.Failure("queue", reasonOf(err))
		e.log.Warn("consume", zap.String("stream", stream), zap.Error(err))
		if !sleepCtx(ctx, e.cfg.Retry.Delay(attempt)) {
			return
		}
		attempt++
	}
}

// packetJob is a stage job naming a packet.
type packetJob struct {
	d        queue.Delivery
	src, dst string
	seq      uint64
}

// groupJobs parses the jobs' keys and groups them by the chain at the
// other end of the hop (the source for deliveries, the destination for
// confirmations). A job naming no packet of this engine's routes is
// acknowledged and dropped.
func (e *Engine) groupJobs(ctx context.Context, ds []queue.Delivery, other func(packetJob) string) map[string][]packetJob {
	groups := make(map[string][]packetJob)
	var bad []queue.Delivery
	for _, d := range ds {
		parts := strings.Split(d.Key, ".")
		var seq uint64
		var err error
		if len(parts) == 3 {
			seq, err = strconv.ParseUint(parts[2], 10, 64)
		}
		if len(parts) != 3 || err != nil || e.chains[parts[0]] == nil || e.chains[parts[1]] == nil {
			e.log.Error("dropping a job that names no packet of this relay's routes", zap.String("stream", d.Stream), zap.String("key", d.Key))
			bad = append(bad, d)
			continue
		}
		j := packetJob{d: d, src: parts[0], dst: parts[1], seq: seq}
		groups[other(j)] = append(groups[other(j)], j)
	}
	if len(bad) > 0 {
		e.ack(ctx, bad)
	}
	return groups
}

// deliver carries the packets of the jobs to dst, one Deliver per source.
func (e *Engine) deliver(ctx context.Context, dst *engineChain, ds []queue.Delivery) {
	groups := e.groupJobs(ctx, ds, func(j packetJob) string { return j.src })
	for _, src := range slices.Sorted(maps.Keys(groups)) {
		jobs := groups[src]
		if jobs[0].dst != dst.ID {
			e.ack(ctx, deliveries(jobs))
			continue
		}
		res, err := dst.deliverers[src].Deliver(ctx, 0, seqsOf(jobs))
		e.finishStage(ctx, dst.ID, settlement.StageDelivery, jobs, res, err)
	}
}

// confirm carries the receipts of the jobs back to src, one Confirm per
// destination.
func (e *Engine) confirm(ctx context.Context, src *engineChain, ds []queue.Delivery) {
	groups := e.groupJobs(ctx, ds, func(j packetJob) string { return j.dst })
	for _, dst := range slices.Sorted(maps.Keys(groups)) {
		jobs := groups[dst]
		if jobs[0].src != src.ID {
			e.ack(ctx, deliveries(jobs))
			continue
		}
		res, err := src.confirmers[dst].Confirm(ctx, 0, seqsOf(jobs))
		e.finishStage(ctx, src.ID, settlement.StageConfirm, jobs, res, err)
	}
}

// finishStage applies what the worker's own transactions on chain prove,
// then acknowledges the jobs, or schedules them again after a failure.
func (e *Engine) finishStage(ctx context.Context, chain string, stage settlement.Stage, jobs []packetJob, res *Result, err error) {
	if res != nil && len(res.Txs) > 0 {
		if aerr := e.applyOwn(ctx, chain, res.Txs); aerr != nil {
			e.log.Warn("record own transactions", zap.String("chain_id", chain), zap.Error(aerr))
		}
	}
	if err == nil {
		e.ack(ctx, deliveries(jobs))
		return
	}
	e.m.Failure(string(stage), reasonOf(err))
	e.log.Warn("stage failed; retrying", zap.String("stage", string(stage)), zap.String("chain_id", chain),
		zap.Int("packets", len(jobs)), zap.Error(err))
	e.retry(ctx, stage, jobs, err)
}

// applyOwn records the transitions a worker's included transactions prove.
// Transfers the store does not hold in the stage before are left to the
// watchers, which see the same events.
func (e *Engine) applyOwn(ctx context.Context, chain string, txs []*chains.Receipt) error {
	var reqs []settlement.TransitionRequest
	for _, r := range txs {
		obs, err := ObserveReceipt(chain, r)
		if err != nil {
			return err
		}
		for _, rc := range obs.Receipts {
			reqs = append(reqs, deliveredRequest(rc, r.Height, time.Time{}))
		}
		for _, a := range obs.Acks {
			reqs = append(reqs, resolvedRequest(a, r.Height, time.Time{}))
		}
	}
	_, err := e.applyTransitions(ctx, reqs)
	return err
}

// retry counts a failed attempt on each job's transfer and schedules the
// job again after a backoff sized by the persisted count. A transfer that
// has left the stage meanwhile needs no retry.
func (e *Engine) retry(ctx context.Context, stage settlement.Stage, jobs []packetJob, cause error) {
	msg := cause.Error()
	if len(msg) > maxErrorText {
		msg = msg[:maxErrorText]
	}
	var done []queue.Delivery
	for _, j := range jobs {
		n, err := e.store.RecordAttempt(ctx, settlement.TransferID(j.d.Key), stage, msg)
		if errors.Is(err, settlement.ErrConflict) || errors.Is(err, settlement.ErrNotFound) {
			done = append(done, j.d)
			continue
		}
		if err != nil {
			n = j.d.Attempt + 1
		}
		if err := e.q.Retry(ctx, j.d, time.Now().Add(e.cfg.Retry.Delay(n-1))); err != nil && !errors.Is(err, queue.ErrNotPending) {
			e.log.Warn("schedule retry", zap.String("key", j.d.Key), zap.Error(err))
		}
	}
	if len(done) > 0 {
		e.ack(ctx, done)
	}
}

func (e *Engine) ack(ctx context.Context, ds []queue.Delivery) {
	if err := e.q.Ack(ctx, ds...); err != nil && ctx.Err() == nil {
		// The jobs come back after ReclaimIdle; handling them again is harmless.
		e.log.Warn("acknowledge jobs", zap.Int("jobs", len(ds)), zap.Error(err))
	}
}

func deliveries(jobs []packetJob) []queue.Delivery {
	out := make([]queue.Delivery, len(jobs))
	for i, j := range jobs {
		out[i] = j.d
	}
	return out
}

func seqsOf(jobs []packetJob) []uint64 {
	out := make([]uint64, len(jobs))
	for i, j := range jobs {
		out[i] = j.seq
	}
	return out
}

// sweepLoop sweeps every SweepInterval.
func (e *Engine) sweepLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			e.sweep(ctx, time.Now().Add(-e.cfg.StageDeadline))
		case <-ctx.Done():
			return
		}
	}
}

// sweep enqueues the job of every transfer that entered its stage before
// enteredBefore; jobs still outstanding are not duplicated. Transfers the
// gateway submitted that no watcher saw are looked up on their source.
func (e *Engine) sweep(ctx context.Context, enteredBefore time.Time) {
	for _, stage := range []settlement.Stage{settlement.StageDelivery, settlement.StageConfirm} {
		ts, err := e.store.Stuck(ctx, stage, enteredBefore, e.cfg.SweepLimit)
		if err != nil {
			e.m.Failure("sweep", reasonOf(err))
			e.log.Warn("sweep", zap.String("stage", string(stage)), zap.Error(err))
			continue
		}
		added, err := queue.Rebuild(ctx, e.q, e.stageJobs(ts))
		if err != nil {
			e.log.Warn("sweep enqueue", zap.String("stage", string(stage)), zap.Error(err))
		}
		e.m.Swept(string(stage), added)
		if added > 0 {
			e.log.Info("swept stuck transfers back into their queues", zap.String("stage", string(stage)), zap.Int("jobs", added))
		}
	}
	e.sweepSubmitted(ctx, enteredBefore)
}

// sweepSubmitted resolves transfers still in submitted by reading their
// source transaction: committed and failed → rejected; committed and sent
// → source_committed.
func (e *Engine) sweepSubmitted(ctx context.Context, enteredBefore time.Time) {
	ts, err := e.store.Stuck(ctx, settlement.StageSource, enteredBefore, e.cfg.SweepLimit)
	if err != nil {
		e.log.Warn("sweep submitted", zap.Error(err))
		return
	}
	for _, t := range ts {
		c := e.chains[t.Src]
		if c == nil || e.chains[t.Dst] == nil {
			continue
		}
		r, err := c.node.TransactionReceipt(ctx, t.Source.TxHash)
		if err != nil || r == nil {
			continue // not included (yet); the gateway owns resubmission
		}
		if r.Code != 0 {
			reason := r.Log
			if reason == "" {
				reason = xfer.CodeName(app.Code(r.Code))
			}
			ev := &settlement.Evidence{Height: r.Height, TxHash: r.TxHash, Code: r.Code, Reason: reason}
			if _, err := e.store.Transition(ctx, t.ID, settlement.StatusSubmitted, settlement.StatusRejected, ev); err == nil {
				e.m.Transition(string(settlement.StatusRejected))
			}
			continue
		}
		obs, err := ObserveReceipt(t.Src, r)
		if err != nil {
			continue
		}
		if err := e.applySends(ctx, t.Src, r.Height, time.Time{}, obs.Sends); err != nil {
			e.log.Warn("sweep submitted", zap.String("transfer", string(t.ID)), zap.Error(err))
		}
	}
}

// reconcileLoop checks conservation every ReconcileInterval.
func (e *Engine) reconcileLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			e.Reconcile(ctx)
		case <-ctx.Done():
			return
		}
	}
}

// Reconcile runs one conservation check of every route and exports it.
func (e *Engine) Reconcile(ctx context.Context) []*settlement.Reconciliation {
	if e.recon == nil {
		return nil
	}
	res, err := e.recon.Check(ctx)
	if err != nil && ctx.Err() == nil {
		e.m.Failure("reconcile", reasonOf(err))
		e.log.Warn("reconcile", zap.Error(err))
	}
	for _, r := range res {
		e.m.Reconciliation(r.Src, r.Dst, r.Denom, r.OK)
	}
	if _, err := e.AuditStore(ctx); err != nil && ctx.Err() == nil {
		e.log.Warn("store audit", zap.Error(err))
	}
	return res
}

// auditSample is how many of the newest finished, and of the newest
// refunded, transfers one store audit compares with the chains.
const auditSample = 50

// StoreAudit is what one AuditStore found.
type StoreAudit struct {
	Checked   int
	Disagrees []string // "<id>: store says …, source task says …"
}

// AuditStore compares the newest ended transfers in the store with their
// tasks on the source chain: the store may only show an ending the chain
// shows. A disagreement is logged as an error and exported as a metric;
// transfers of chains this engine does not relay are left out, and so are
// transfers whose ending is in a block the answering node has not reached
// (a node behind its chain, catching up after a partition or a restart,
// cannot judge them).
func (e *Engine) AuditStore(ctx context.Context) (*StoreAudit, error) {
	audit := &StoreAudit{}
	heights := make(map[string]uint64) // a node's latest height, per chain
	reached := func(chain string, c *engineChain, h uint64) (bool, error) {
		if latest, ok := heights[chain]; ok && latest >= h {
			return true, nil
		}
		st, err := c.node.Status(ctx)
		if err != nil {
			return false, fmt.Errorf("status of %s: %w", chain, err)
		}
		heights[chain] = st.LatestHeight
		return st.LatestHeight >= h, nil
	}
	for _, st := range []settlement.Status{settlement.StatusFinished, settlement.StatusRefunded} {
		ts, _, err := e.store.List(ctx, settlement.ListFilter{Status: st}, "", auditSample)
		if err != nil {
			return audit, fmt.Errorf("list %s transfers: %w", st, err)
		}
		tasks, err := e.sourceTasks(ctx, ts)
		if err != nil {
			return audit, err
		}
		for _, t := range ts {
			src := e.chains[t.Src]
			if src == nil || e.chains[t.Dst] == nil {
				continue
			}
			task := tasks[t.ID]
			switch {
			case task != nil && task.Height < t.Confirm.Height:
				continue // read from a node that has not reached the ending's block
			case task == nil:
				ok, err := reached(t.Src, src, t.Confirm.Height)
				if err != nil {
					return audit, err
				}
				if !ok {
					continue
				}
			}
			audit.Checked++
			got := "none"
			if task != nil {
				got = task.Status
			}
			if got == string(t.Status) {
				continue
			}
			audit.Disagrees = append(audit.Disagrees, fmt.Sprintf("%s: store says %s, source task says %s", t.ID, t.Status, got))
			e.log.Error("the store shows an ending the chain does not", zap.String("transfer", string(t.ID)),
				zap.String("store", string(t.Status)), zap.String("chain", got))
		}
	}
	e.m.StoreAudit(audit.Checked-len(audit.Disagrees), len(audit.Disagrees))
	return audit, nil
}

// sourceTasks reads the source chain's task of each of ts on this
// engine's routes, one batched call per route, keyed by transfer.
func (e *Engine) sourceTasks(ctx context.Context, ts []*settlement.Transfer) (map[settlement.TransferID]*chains.Task, error) {
	type route struct{ src, dst string }
	byRoute := make(map[route][]*settlement.Transfer)
	for _, t := range ts {
		if e.chains[t.Src] != nil && e.chains[t.Dst] != nil {
			r := route{t.Src, t.Dst}
			byRoute[r] = append(byRoute[r], t)
		}
	}
	out := make(map[settlement.TransferID]*chains.Task, len(ts))
	for r, group := range byRoute {
		seqs := make([]uint64, len(group))
		for i, t := range group {
			seqs[i] = t.Seq
		}
		tasks, err := e.chains[r.src].node.Tasks(ctx, r.dst, seqs)
		if err != nil {
			return nil, fmt.Errorf("tasks %s→%s: %w", r.src, r.dst, err)
		}
		for i, t := range group {
			out[t.ID] = tasks[i]
		}
	}
	return out, nil
}

// metricsLoop samples queue depths and cursors every MetricsInterval.
func (e *Engine) metricsLoop(ctx context.Context) {
	if e.m == nil {
		return
	}
	t := time.NewTicker(e.cfg.MetricsInterval)
	defer t.Stop()
	for {
		for _, id := range e.ids {
			c := e.chains[id]
			e.m.SetCursor(id, c.watcher.Cursor(), c.watcher.Latest())
			for _, stream := range []string{DeliverStream(id), ConfirmStream(id)} {
				if d, err := e.q.Depth(ctx, stream, e.cfg.Group); err == nil {
					e.m.SetQueueDepth(stream, d.Ready, d.Pending, d.Delayed)
				}
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// submissionLog records every relay transaction in the store.
type submissionLog struct {
	store settlement.Store
	m     *Metrics
	log   *zap.Logger
}

func kindOf(typ string) settlement.SubmissionKind {
	switch typ {
	case xfer.TypeRecv:
		return settlement.KindRecv
	case xfer.TypeAck:
		return settlement.KindAck
	case xfer.TypeUpdateClient:
		return settlement.KindUpdateClient
	}
	return ""
}

func (l *submissionLog) Sent(ctx context.Context, tx SentTx) {
	kind := kindOf(tx.Type)
	if !kind.Valid() {
		return
	}
	_, err := l.store.CreateSubmission(ctx, &settlement.Submission{Chain: tx.ChainID, TxHash: tx.TxHash, Kind: kind,
		Signer: tx.Signer, Nonce: tx.Nonce, BatchSize: tx.Entries, Status: settlement.SubmissionPending, Attempts: 1})
	if err != nil && ctx.Err() == nil {
		l.log.Warn("record submission", zap.String("tx", tx.TxHash.Hex()), zap.Error(err))
	}
}

func (l *submissionLog) Outcome(ctx context.Context, tx SentTx, r *chains.Receipt, werr error) {
	u := settlement.SubmissionUpdate{Status: settlement.SubmissionDropped}
	result := "error"
	switch {
	case r != nil && r.Code == 0:
		u, result = settlement.SubmissionUpdate{Status: settlement.SubmissionIncluded, Height: r.Height}, "included"
	case r != nil:
		u = settlement.SubmissionUpdate{Status: settlement.SubmissionFailed, Height: r.Height,
			Error: fmt.Sprintf("code %d: %s", r.Code, r.Log)}
		result = "failed"
	case werr != nil:
		u.Error = werr.Error()
	}
	name := string(kindOf(tx.Type))
	if name == "" {
		name = strings.TrimPrefix(tx.Type, xfer.ModuleName+app.TypeSeparator)
	}
	l.m.Submission(tx.ChainID, name, result)
	if !kindOf(tx.Type).Valid() {
		return
	}
	if _, err := l.store.UpdateSubmission(ctx, tx.ChainID, tx.TxHash, u); err != nil && ctx.Err() == nil {
		l.log.Warn("record submission outcome", zap.String("tx", tx.TxHash.Hex()), zap.Error(err))
	}
}

// newMisbehaviour builds the transaction reporting m about chain.
func newMisbehaviour(chain string, m *attest.Misbehaviour) (string, []byte) {
	return xfer.NewSubmitMisbehaviour(chain, *m)
}
