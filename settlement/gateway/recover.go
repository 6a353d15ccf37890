package gateway

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement"
)

// Recovery of submissions. Every gateway instance runs it; each step is
// safe to race: claims go through BeginRequest, resends are idempotent on
// chain and the expiry is a compare-and-set.
const (
	// RecoverInterval is how often Run looks for submissions to recover.
	RecoverInterval = 5 * time.Second
	// ResubmitAfter is how long a transfer may wait in submitted with its
	// transaction in no block before the gateway sends it again (a node
	// restarted and lost its mempool, the transaction was evicted).
	ResubmitAfter = 30 * time.Second
	// recoverBatch bounds the requests and transfers one round looks at.
	recoverBatch = 100
	// expiryMargin is how far the source's block time must be past a
	// transaction's deadline before its transfer is rejected, so a node
	// answering a little behind cannot hide an inclusion.
	expiryMargin = time.Minute
	// expiryHeightMargin is the same margin for a timeout height, in
	// destination heights.
	expiryHeightMargin = 10
	// PurgeInterval is how often done requests past their retention are
	// deleted.
	PurgeInterval = 10 * time.Minute
	// expiredReason is the rejection reason of a transfer whose
	// transaction can no longer be included.
	expiredReason = "expired: the transaction was not included before its deadline"
)

// recoverLoop runs recovery every RecoverInterval and the purge every
// PurgeInterval until ctx ends.
func (s *server) recoverLoop(ctx context.Context) {
	rec := time.NewTicker(RecoverInterval)
	defer rec.Stop()
	purge := time.NewTicker(PurgeInterval)
	defer purge.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-rec.C:
			s.recoverOnce(ctx, time.Now())
		case <-purge.C:
			s.purge(ctx, time.Now())
		}
	}
}

// recoverOnce is one round: finish abandoned requests, then resend lost
// transactions or reject the transfers whose transaction expired.
func (s *server) recoverOnce(ctx context.Context, now time.Time) {
	s.resumeAbandoned(ctx, now)
	s.resendLost(ctx, now)
}

// resumeAbandoned claims each request whose lock ran out: one that signed
// nothing is forgotten (the client's retry starts over); one that recorded
// its transaction is resumed, which resends exactly that transaction and,
// once the chain holds it, records the transfer and the answer a retry
// will replay.
func (s *server) resumeAbandoned(ctx context.Context, now time.Time) {
	recs, err := s.store.AbandonedRequests(ctx, now, recoverBatch)
	if err != nil {
		s.log.Warn("list abandoned requests", zap.Error(err))
		return
	}
	for _, r := range recs {
		claim := &settlement.IdempotencyRecord{ClientID: r.ClientID, Key: r.Key, BodyHash: r.BodyHash}
		got, outcome, err := s.store.BeginRequest(ctx, claim, s.cfg.Idempotency.Lease.Duration())
		if err != nil || outcome != settlement.BeginClaimed {
			continue // another caller has it now
		}
		c := caller{key: &settlement.APIKey{ClientID: r.ClientID}}
		if got.State != settlement.RequestSent {
			s.forget(ctx, c, r.Key)
			s.metrics.resubmission(resubmitDropped)
			continue
		}
		fctx, cancel := context.WithTimeout(ctx, s.flowTimeout())
		a := s.resume(fctx, got, c)
		cancel()
		result := resubmitFailed
		if a.result == resultAccepted {
			result = resubmitResumed
		}
		s.metrics.resubmission(result)
		s.log.Info("abandoned submission", zap.String("client_id", r.ClientID), zap.String("tx_hash", got.TxHash.Hex()),
			zap.String("result", result), zap.Int("status", a.status))
	}
}

// resendLost looks at transfers this gateway family submitted that still
// wait in submitted after ResubmitAfter. A transaction in a block is the
// relay's to follow; one that can no longer be included (its deadline has
// passed on the source) ends its transfer as rejected; any other is sent
// again, byte for byte, from its request's record.
func (s *server) resendLost(ctx context.Context, now time.Time) {
	ts, err := s.store.Stuck(ctx, settlement.StageSource, now.Add(-ResubmitAfter), recoverBatch)
	if err != nil {
		s.log.Warn("list submitted transfers", zap.Error(err))
		return
	}
	for _, t := range ts {
		src := s.chains.get(t.Src)
		if src == nil || t.ClientID == "" {
			continue // submitted by another gateway, or not through one
		}
		result, err := s.recoverTransfer(ctx, src, t)
		if err != nil {
			s.log.Debug("recover transfer", zap.String("transfer_id", string(t.ID)), zap.Error(err))
			result = resubmitFailed
		}
		if result != "" {
			s.metrics.resubmission(result)
			s.log.Info("submitted transfer recovered", zap.String("transfer_id", string(t.ID)), zap.String("result", result))
		}
	}
}

// recoverTransfer handles one transfer waiting in submitted and returns
// what it did ("" for nothing).
func (s *server) recoverTransfer(ctx context.Context, src *chain, t *settlement.Transfer) (string, error) {
	// The deadline is judged before the receipt is read: a transaction not
	// in any block up to the height whose time is past its deadline can
	// never be included.
	expired, err := s.expired(ctx, src, t)
	if err != nil {
		return "", err
	}
	r, err := src.receipt(ctx, t.Source.TxHash)
	switch {
	case err != nil:
		return "", err
	case r != nil:
		return "", nil // included: the relay moves it on
	case expired:
		_, err := s.store.Transition(ctx, t.ID, settlement.StatusSubmitted, settlement.StatusRejected,
			&settlement.Evidence{Reason: expiredReason})
		if errors.Is(err, settlement.ErrConflict) {
			return "", nil // the relay saw it first
		}
		return resubmitExpired, err
	case t.ClientRef == "":
		return "", nil // no record to resend from
	}
	rec, err := s.store.GetRequest(ctx, t.ClientID, t.ClientRef)
	if err != nil {
		return "", err
	}
	if rec.TxHash != t.Source.TxHash || len(rec.RawTx) == 0 {
		return "", nil
	}
	st, p := s.decodeSigned(rec.RawTx)
	if p != nil {
		return "", errors.New(p.Detail)
	}
	if v, err := s.broadcast(ctx, src, st, false); v != admitted {
		return resubmitFailed, err
	}
	return resubmitResent, nil
}

// expired reports whether t's transaction can no longer be included on
// src: the source's block time is past its time deadline, or the source's
// light client of the destination is at or past its timeout height — each
// by a margin.
func (s *server) expired(ctx context.Context, src *chain, t *settlement.Transfer) (bool, error) {
	if t.TimeoutTimeMs != 0 {
		st, err := src.status(ctx)
		if err != nil {
			return false, err
		}
		if st.LatestTimeMs > t.TimeoutTimeMs+uint64(expiryMargin.Milliseconds()) {
			return true, nil
		}
	}
	if t.TimeoutHeight != 0 {
		lc, err := src.clientState(ctx, t.Dst)
		if err != nil {
			return false, err
		}
		if lc != nil && lc.LatestHeight >= t.TimeoutHeight+expiryHeightMargin {
			return true, nil
		}
	}
	return false, nil
}

// purge deletes done requests past their retention.
func (s *server) purge(ctx context.Context, now time.Time) {
	n, err := s.store.PurgeRequests(ctx, now.Add(-s.cfg.Idempotency.Retention.Duration()))
	if err != nil {
		s.log.Warn("purge requests", zap.Error(err))
		return
	}
	if n > 0 {
		s.log.Info("purged requests", zap.Int("count", n))
	}
}
