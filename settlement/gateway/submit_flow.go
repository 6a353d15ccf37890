package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// verdict is what became of one broadcast.
type verdict int

const (
	admitted    verdict = iota // the chain holds the transaction (pending or committed)
	refused                    // the chain refused it; it will not land
	nonceWrong                 // a gateway-signed transaction's nonce is not the one the chain wants
	unavailable                // no answer: it may or may not have been taken
)

// process runs a claimed submission: the checks that read the chain, the
// signature of an intent, the record of the signed transaction, the send
// and the transfer row. A refusal at any step deletes the request, so
// nothing stays stored.
func (s *server) process(ctx context.Context, pl *plan, c caller, key string) answer {
	if p := s.checkOnChain(ctx, pl); p != nil {
		s.forget(ctx, c, key)
		return problemAnswer(p, resultOf(p))
	}
	if pl.signed != nil {
		return s.sendSigned(ctx, pl.src, pl.signed, c, key)
	}
	return s.sendIntent(ctx, pl, c, key)
}

// resume finishes a request a dead gateway left after recording its
// signed transaction: it resends exactly that transaction, never a new one.
func (s *server) resume(ctx context.Context, rec *settlement.IdempotencyRecord, c caller) answer {
	st, p := s.decodeSigned(rec.RawTx)
	if p != nil { // the gateway recorded it; only a corrupted row gets here
		s.log.Error("recorded transaction does not decode", zap.String("client_id", rec.ClientID), zap.String("detail", p.Detail))
		return problemAnswer(api.NewProblem(api.CodeInternal, "the recorded transaction is unusable"), resultError)
	}
	return s.sendSigned(ctx, s.chains.get(st.tx.ChainID), st, c, rec.Key)
}

// checkOnChain refuses a submission whose route the source chain does not
// hold open, or whose client-signed transaction recovers to an account the
// chain has never seen — what a signature over another genesis or a
// corrupted one recovers to, and which could not pay anyway.
func (s *server) checkOnChain(ctx context.Context, pl *plan) *api.Problem {
	rt, err := pl.src.route(ctx, pl.dst.id)
	switch {
	case err != nil:
		return s.chainProblem(pl.src.id, "read route", err)
	case rt == nil:
		return api.NewProblem(api.CodeUnknownRoute, pl.src.id+" has no route to "+pl.dst.id)
	case !rt.Open:
		return api.NewProblem(api.CodeUnknownRoute, "the route "+pl.src.id+"→"+pl.dst.id+" is halted (its light client is frozen)")
	case pl.signed == nil:
		return nil
	}
	acct, err := pl.src.account(ctx, pl.signed.sender)
	switch {
	case err != nil:
		return s.chainProblem(pl.src.id, "read sender", err)
	case acct.Nonce == 0 && len(acct.Balances) == 0:
		return api.NewProblem(api.CodeBadSignature, "the signature recovers to "+pl.signed.sender.Hex()+
			", an account "+pl.src.id+" has never seen: the transaction was signed for another chain or genesis, or its signature is corrupt")
	}
	return nil
}

// sendSigned sends a transaction the gateway did not just sign: the
// client's, or one recorded by an earlier attempt.
func (s *server) sendSigned(ctx context.Context, ch *chain, st *signedTx, c caller, key string) answer {
	if p := s.recordSent(ctx, ch, st, c, key); p != nil {
		return problemAnswer(p, resultError)
	}
	switch v, err := s.broadcast(ctx, ch, st, false); v {
	case admitted:
		return s.accept(ctx, st, c, key)
	case unavailable:
		return problemAnswer(s.chainProblem(ch.id, "send", err), resultUnavailable)
	default:
		s.forget(ctx, c, key)
		return problemAnswer(refusal(err), resultRefused)
	}
}

// sendIntent signs the intent with the client's key and sends it. A nonce
// the chain disagrees with is read again and the intent signed once more.
func (s *server) sendIntent(ctx context.Context, pl *plan, c caller, key string) answer {
	for attempt := 0; ; attempt++ {
		st, nonce, p := s.signIntent(ctx, pl)
		if p != nil {
			s.forget(ctx, c, key)
			return problemAnswer(p, resultOf(p))
		}
		if p := s.recordSent(ctx, pl.src, st, c, key); p != nil {
			pl.signer.release(pl.src.id, nonce)
			return problemAnswer(p, resultError)
		}
		v, err := s.broadcast(ctx, pl.src, st, true)
		switch {
		case v == admitted:
			return s.accept(ctx, st, c, key)
		case v == unavailable: // the nonce may be taken; it stays used
			return problemAnswer(s.chainProblem(pl.src.id, "send", err), resultUnavailable)
		case v == nonceWrong && attempt == 0:
			s.adjustNonce(pl, nonce, err)
			continue
		case v == nonceWrong:
			pl.signer.resync(pl.src.id, false)
		default:
			pl.signer.release(pl.src.id, nonce)
		}
		s.forget(ctx, c, key)
		return problemAnswer(refusal(err), resultRefused)
	}
}

// adjustNonce corrects the signer after the chain refused nonce n.
func (s *server) adjustNonce(pl *plan, n uint64, err error) {
	code, _ := chains.ErrorCode(err)
	s.log.Info("nonce resync", zap.String("chain_id", pl.src.id), zap.String("signer", pl.signer.addr.Hex()),
		zap.Uint64("nonce", n), zap.Int("code", code))
	switch app.Code(code) {
	case app.CodeDuplicate: // another transaction of this key holds n
		pl.signer.skip(pl.src.id, n)
	case app.CodeNonceTooLow:
		pl.signer.resync(pl.src.id, true)
	default:
		pl.signer.resync(pl.src.id, false)
	}
}

// signIntent sets the intent's deadline, takes the signer's next nonce on
// the source and signs.
func (s *server) signIntent(ctx context.Context, pl *plan) (*signedTx, uint64, *api.Problem) {
	x := pl.xfer
	if pl.intent.TimeoutSeconds > 0 || pl.intent.TimeoutHeight == 0 {
		ttl := time.Duration(pl.intent.TimeoutSeconds) * time.Second
		if ttl == 0 {
			ttl = s.cfg.DefaultTimeout.Duration()
		}
		blockMs, err := latestTimeMs(ctx, pl.src)
		if err != nil {
			return nil, 0, s.chainProblem(pl.src.id, "read block time", err)
		}
		x.TimeoutTimeMs = blockMs + uint64(ttl.Milliseconds())
	}
	nonce, err := pl.signer.reserve(ctx, pl.src)
	if err != nil {
		return nil, 0, s.chainProblem(pl.src.id, "read nonce", err)
	}
	typ, payload := xfer.NewTransfer(x)
	t := &tx.Tx{ChainID: pl.src.id, Nonce: nonce, Type: typ, Payload: payload}
	if err := t.Sign(pl.src.genesis, pl.signer.key); err != nil {
		pl.signer.release(pl.src.id, nonce)
		s.log.Error("sign intent", zap.Error(err))
		return nil, 0, api.NewProblem(api.CodeInternal, "the intent could not be signed")
	}
	raw := t.Encode()
	return &signedTx{raw: raw, hash: txHashOf(raw), tx: t, xfer: &x, sender: pl.signer.addr}, nonce, nil
}

// latestTimeMs is the source's latest block time: from the cached view
// (the endpoint furthest ahead) when it is fresh, else from a refresh of
// every endpoint.
func latestTimeMs(ctx context.Context, c *chain) (uint64, error) {
	v, age := c.snapshot()
	if !v.Up || age > viewMaxAge {
		c.refresh(ctx)
		v, _ = c.snapshot()
	}
	if !v.Up {
		return 0, fmt.Errorf("%s: %w", c.id, ErrChainUnavailable)
	}
	return uint64(v.BlockTime.UnixMilli()), nil
}

// recordSent stores the signed transaction under the request before it is
// sent, so a retry or another gateway resends exactly it.
func (s *server) recordSent(ctx context.Context, ch *chain, st *signedTx, c caller, key string) *api.Problem {
	_, err := s.store.UpdateRequest(ctx, c.clientID(), key, settlement.RequestUpdate{State: settlement.RequestSent,
		Chain: ch.id, TxHash: st.hash, RawTx: st.raw}, s.cfg.Idempotency.Lease.Duration())
	if err != nil {
		s.log.Error("record signed transaction", zap.String("client_id", c.clientID()), zap.Error(err))
		return api.NewProblem(api.CodeInternal, "the submission could not be recorded")
	}
	return nil
}

// broadcast sends st and judges the answer. own marks a transaction the
// gateway signed this moment, whose nonce the gateway chose.
func (s *server) broadcast(ctx context.Context, ch *chain, st *signedTx, own bool) (verdict, error) {
	_, err := ch.send(ctx, st.raw)
	if err == nil {
		return admitted, nil
	}
	code, answered := chains.ErrorCode(err)
	if !answered {
		return unavailable, err
	}
	switch app.Code(code) {
	case app.CodeDuplicate:
		// This transaction, or another with its sender and nonce, is
		// pending. For one the gateway did not just sign, it is most likely
		// this one (an earlier attempt, or the client broadcast it too).
		if own {
			return nonceWrong, err
		}
		return admitted, nil
	case app.CodeNonceTooLow, app.CodeNonceTooHigh:
		if r, rerr := ch.receipt(ctx, st.hash); rerr == nil && r != nil {
			return admitted, nil // already committed
		}
		if own {
			return nonceWrong, err
		}
		return refused, err
	}
	switch code {
	case rpc.CodeInternal, rpc.CodeUnavailable, rpc.CodeTimeout:
		return unavailable, err
	}
	return refused, err
}

// refusal is the problem of a transaction the chain refused.
func refusal(err error) *api.Problem {
	var re *rpc.Error
	if !errors.As(err, &re) {
		return api.NewProblem(api.CodeTxRefused, err.Error())
	}
	p := api.NewProblem(api.CodeTxRefused, re.Name+": "+re.Msg)
	p.ChainCode = re.Code
	return p
}

// chainProblem answers a failed chain read or send: 503 when no endpoint
// answered, else 500.
func (s *server) chainProblem(chainID, op string, err error) *api.Problem {
	if errors.Is(err, ErrChainUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return api.NewProblem(api.CodeChainUnavailable, "no endpoint of "+chainID+" answers ("+op+")")
	}
	s.log.Error(op, zap.String("chain_id", chainID), zap.Error(err))
	return api.NewProblem(api.CodeInternal, "the gateway could not "+op+" on "+chainID)
}

// resultOf is the submissions metric result of a problem.
func resultOf(p *api.Problem) string {
	switch p.Code {
	case api.CodeChainUnavailable:
		return resultUnavailable
	case api.CodeInternal:
		return resultError
	}
	return resultInvalid
}
