package relay

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
)

// Submitter defaults.
const (
	// DefaultMaxAttempts bounds the broadcasts of one transaction before
	// Submit gives up; the caller's own retry (a stage worker) takes over.
	DefaultMaxAttempts = 8
	// DefaultSubmitBackoffMin and DefaultSubmitBackoffMax bound the wait
	// between broadcasts after a transient failure.
	DefaultSubmitBackoffMin = 50 * time.Millisecond
	DefaultSubmitBackoffMax = 3 * time.Second
	// DefaultInclusionTimeout is how long Submit waits for a receipt.
	DefaultInclusionTimeout = 30 * time.Second
	// DefaultReceiptPoll is how often Submit asks for the receipt.
	DefaultReceiptPoll = 100 * time.Millisecond
)

// SubmitterConfig tunes one chain's Submitter.
type SubmitterConfig struct {
	ChainID          string
	GenesisHash      attest.Hash
	MaxAttempts      int
	Backoff          Backoff
	InclusionTimeout time.Duration
	ReceiptPoll      time.Duration
}

// DefaultSubmitterConfig returns the defaults for a chain.
func DefaultSubmitterConfig(chainID string, genesis attest.Hash) SubmitterConfig {
	return SubmitterConfig{ChainID: chainID, GenesisHash: genesis, MaxAttempts: DefaultMaxAttempts,
		Backoff:          Backoff{Min: DefaultSubmitBackoffMin, Max: DefaultSubmitBackoffMax},
		InclusionTimeout: DefaultInclusionTimeout, ReceiptPoll: DefaultReceiptPoll}
}

// Validate names the first bad field.
func (c SubmitterConfig) Validate() error {
	switch {
	case c.ChainID == "":
		return errors.New("submitter config: chain_id is empty")
	case c.GenesisHash == attest.Hash{}:
		return errors.New("submitter config: genesis_hash is empty")
	case c.MaxAttempts < 1:
		return errors.New("submitter config: max_attempts must be >= 1")
	case c.InclusionTimeout <= 0 || c.ReceiptPoll <= 0:
		return errors.New("submitter config: inclusion_timeout and receipt_poll must be positive")
	}
	return c.Backoff.Validate()
}

// RejectedError is a transaction the chain refused: at admission
// (Admission true, no receipt) or in its block (a receipt with a non-zero
// code). errors.Is(err, ErrRejected) matches it.
type RejectedError struct {
	ChainID   string
	Type      string
	Code      uint32
	Name      string
	Log       string
	Admission bool
	Receipt   *chains.Receipt // nil for an admission rejection
}

func (e *RejectedError) Error() string {
	where := "in block"
	if e.Admission {
		where = "at admission"
	}
	return fmt.Sprintf("%s on %s rejected %s: code %d (%s): %s", e.Type, e.ChainID, where, e.Code, e.Name, e.Log)
}

// Is matches ErrRejected.
func (e *RejectedError) Is(target error) bool { return target == ErrRejected }

// SubmitStats counts what a Submitter did.
type SubmitStats struct {
	Submitted  uint64 // transactions included (any code)
	Broadcasts uint64 // broadcast attempts
	Resyncs    uint64 // nonce reads from the chain (the first use of a key included)
	Mismatches uint64 // broadcasts the chain refused for a wrong nonce
}

// Submitter signs, broadcasts and waits for transactions on one chain. Its
// signer keys are used round-robin; each key's nonce is tracked locally and
// read again from the chain whenever the chain disagrees or an outcome is
// unknown. It never assumes a broadcast landed.
type Submitter struct {
	cfg     SubmitterConfig
	chain   Chain
	signers []*signer
	log     *zap.Logger
	turn    atomic.Uint64

	submitted, broadcasts, resyncs, mismatches atomic.Uint64
	recorder                                   SubmitRecorder
}

// SentTx is one transaction a Submitter got admitted.
type SentTx struct {
	ChainID string
	Type    string
	TxHash  attest.Hash
	Signer  attest.Address
	Nonce   uint64
	Entries int // packets or receipts carried; 0 for other transactions
}

// SubmitRecorder learns of every transaction a Submitter sends: once when
// the chain admits it, and once when its fate is known (a receipt, or the
// error that ended the wait). Calls come from the submitting goroutine, so
// a slow recorder slows submission.
type SubmitRecorder interface {
	Sent(ctx context.Context, tx SentTx)
	Outcome(ctx context.Context, tx SentTx, r *chains.Receipt, err error)
}

// signer is one key and its next nonce; mu serialises the key's broadcasts.
type signer struct {
	key    *ecdsa.PrivateKey
	addr   attest.Address
	mu     sync.Mutex
	nonce  uint64
	synced bool
}

// NewSubmitter builds a submitter over keys.
func NewSubmitter(cfg SubmitterConfig, chain Chain, keys []*ecdsa.PrivateKey, log *zap.Logger) (*Submitter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("submitter %s: %w", cfg.ChainID, ErrNoSigners)
	}
	s := &Submitter{cfg: cfg, chain: chain, log: log.Named("submitter").With(zap.String("chain_id", cfg.ChainID))}
	for _, k := range keys {
		s.signers = append(s.signers, &signer{key: k, addr: attest.AddressOf(k)})
	}
	return s, nil
}

// SetRecorder installs r; call it before the first Submit.
func (s *Submitter) SetRecorder(r SubmitRecorder) { s.recorder = r }

// ChainID is the chain this submitter signs for.
func (s *Submitter) ChainID() string { return s.cfg.ChainID }

// Stats returns the counters so far.
func (s *Submitter) Stats() SubmitStats {
	return SubmitStats{Submitted: s.submitted.Load(), Broadcasts: s.broadcasts.Load(), Resyncs: s.resyncs.Load(),
		Mismatches: s.mismatches.Load()}
}

// Submit signs typ/payload with the next signer, broadcasts it (retrying
// transient failures with backoff), waits for inclusion and returns the
// receipt. A refusal is a *RejectedError; a transaction not seen within
// InclusionTimeout is ErrNotIncluded.
func (s *Submitter) Submit(ctx context.Context, typ string, payload []byte) (*chains.Receipt, error) {
	return s.submit(ctx, typ, payload, 0)
}

// submit is Submit for a transaction carrying entries packets or receipts.
func (s *Submitter) submit(ctx context.Context, typ string, payload []byte, entries int) (*chains.Receipt, error) {
	sg := s.signers[int(s.turn.Add(1)-1)%len(s.signers)]
	sent, err := s.broadcast(ctx, sg, typ, payload)
	if err != nil {
		return nil, err
	}
	sent.Entries = entries
	if s.recorder != nil {
		s.recorder.Sent(ctx, sent)
	}
	hash := sent.TxHash
	r, err := s.wait(ctx, hash)
	if s.recorder != nil {
		s.recorder.Outcome(ctx, sent, r, err)
	}
	if err != nil {
		// The outcome is unknown: read the nonce again before the next use.
		sg.mu.Lock()
		sg.synced = false
		sg.mu.Unlock()
		return nil, fmt.Errorf("submit %s to %s: tx %s: %w", typ, s.cfg.ChainID, hash, err)
	}
	s.submitted.Add(1)
	if r.Code != 0 {
		return r, &RejectedError{ChainID: s.cfg.ChainID, Type: typ, Code: r.Code, Name: xfer.CodeName(app.Code(r.Code)),
			Log: r.Log, Receipt: r}
	}
	return r, nil
}

// broadcast admits the transaction, retrying transient failures.
func (s *Submitter) broadcast(ctx context.Context, sg *signer, typ string, payload []byte) (SentTx, error) {
	for attempt := 0; ; attempt++ {
		sent, err := s.broadcastOnce(ctx, sg, typ, payload)
		if err == nil {
			return sent, nil
		}
		if !transient(err) {
			var re *rpc.Error
			if errors.As(err, &re) {
				return SentTx{}, &RejectedError{ChainID: s.cfg.ChainID, Type: typ, Code: uint32(re.Code), Name: re.Name,
					Log: re.Msg, Admission: true}
			}
			return SentTx{}, fmt.Errorf("submit %s to %s: %w", typ, s.cfg.ChainID, err)
		}
		if attempt+1 >= s.cfg.MaxAttempts {
			return SentTx{}, fmt.Errorf("submit %s to %s after %d attempts: %w", typ, s.cfg.ChainID, attempt+1, err)
		}
		s.log.Debug("broadcast retry", zap.String("type", typ), zap.Int("attempt", attempt+1), zap.Error(err))
		if !sleepCtx(ctx, s.cfg.Backoff.Delay(attempt)) {
			return SentTx{}, fmt.Errorf("submit %s to %s: %w", typ, s.cfg.ChainID, ctx.Err())
		}
	}
}

func (s *Submitter) broadcastOnce(ctx context.Context, sg *signer, typ string, payload []byte) (SentTx, error) {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	if !sg.synced {
		acct, err := s.chain.Account(ctx, sg.addr)
		if err != nil {
			return SentTx{}, fmt.Errorf("read nonce of %s: %w", sg.addr, err)
		}
		sg.nonce, sg.synced = acct.Nonce, true
		s.resyncs.Add(1)
	}
	t := &tx.Tx{ChainID: s.cfg.ChainID, Nonce: sg.nonce, Type: typ, Payload: payload}
	if err := t.Sign(s.cfg.GenesisHash, sg.key); err != nil {
		return SentTx{}, fmt.Errorf("sign: %w", err)
	}
	s.broadcasts.Add(1)
	hash, err := s.chain.SendRawTransaction(ctx, t.Encode())
	if err != nil {
		if code, ok := chains.ErrorCode(err); ok && nonceMismatch(code) {
			s.log.Info("nonce resync", zap.String("signer", sg.addr.Hex()), zap.Uint64("nonce", sg.nonce), zap.Int("code", code))
			sg.synced = false
			s.mismatches.Add(1)
		} else if !ok {
			// A transport failure may hide an admission: never assume either way.
			sg.synced = false
		}
		return SentTx{}, err
	}
	sg.nonce++
	return SentTx{ChainID: s.cfg.ChainID, Type: typ, TxHash: hash, Signer: sg.addr, Nonce: t.Nonce}, nil
}

// wait polls for the receipt until InclusionTimeout.
func (s *Submitter) wait(ctx context.Context, hash attest.Hash) (*chains.Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.InclusionTimeout)
	defer cancel()
	tick := time.NewTicker(s.cfg.ReceiptPoll)
	defer tick.Stop()
	for {
		r, err := s.chain.TransactionReceipt(ctx, hash)
		if err == nil && r != nil {
			return r, nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNotIncluded, err)
			}
			return nil, ErrNotIncluded
		}
	}
}

// nonceMismatch reports admission codes that mean the local nonce is wrong.
// A duplicate means this sender and nonce are already pending, perhaps from
// a broadcast whose answer was lost.
func nonceMismatch(code int) bool {
	switch app.Code(code) {
	case app.CodeNonceTooLow, app.CodeNonceTooHigh, app.CodeDuplicate:
		return true
	}
	return false
}

// transient reports whether a broadcast may succeed if tried again.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	code, ok := chains.ErrorCode(err)
	if !ok {
		return true // transport
	}
	if nonceMismatch(code) || app.Code(code) == app.CodeMempoolFull {
		return true
	}
	switch code {
	case rpc.CodeInternal, rpc.CodeUnavailable, rpc.CodeTimeout:
		return true
	}
	return false
}
