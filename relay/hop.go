package relay

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/rlp"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/tx"
)

// Batching defaults.
const (
	// DefaultMaxBatch is how many packets go in one recv (receipts in one ack).
	DefaultMaxBatch = 100
	// txEnvelopeBytes is room left in tx.MaxTxBytes for the envelope (chain
	// id, nonce, type, signature) and the payload's RLP list headers.
	txEnvelopeBytes = 1 << 10
	// maxHandoffs bounds the client updates one delivery may submit, so a
	// chain whose answers never converge cannot loop the relay forever.
	maxHandoffs = 64
)

// BatchConfig bounds one recv or ack transaction.
type BatchConfig struct {
	MaxBatch   int // entries per transaction
	MaxTxBytes int // encoded transaction size
}

// DefaultBatchConfig returns DefaultMaxBatch within tx.MaxTxBytes.
func DefaultBatchConfig() BatchConfig {
	return BatchConfig{MaxBatch: DefaultMaxBatch, MaxTxBytes: tx.MaxTxBytes}
}

// Validate names the first bad field.
func (c BatchConfig) Validate() error {
	if c.MaxBatch < 1 || c.MaxTxBytes <= txEnvelopeBytes || c.MaxTxBytes > tx.MaxTxBytes {
		return fmt.Errorf("batch config: need max_batch >= 1 and %d < max_tx_bytes <= %d", txEnvelopeBytes, tx.MaxTxBytes)
	}
	return nil
}

// Result is what one Deliver or Confirm did.
type Result struct {
	Height   uint64            // height of the certified header the proofs are against
	Carried  []uint64          // sequences submitted
	Skipped  []uint64          // sequences already handled or with nothing to prove
	Txs      []*chains.Receipt // the recv or ack transactions, in order
	Handoffs int               // client updates submitted first
}

// hop carries proofs from one chain ("from") to another ("to"), signed by
// the submitter of "to", keeping to's light client of from up to date.
type hop struct {
	fromID, toID string
	from, to     Chain
	sub          *Submitter
	batch        BatchConfig
	log          *zap.Logger
	// updating serialises client updates, so concurrent deliveries of one
	// process do not submit the same handoff twice.
	updating sync.Mutex
}

func newHop(fromID, toID string, from, to Chain, sub *Submitter, batch BatchConfig, log *zap.Logger) (*hop, error) {
	if err := batch.Validate(); err != nil {
		return nil, err
	}
	if sub.ChainID() != toID {
		return nil, fmt.Errorf("relay %s→%s: submitter signs for %s", fromID, toID, sub.ChainID())
	}
	return &hop{fromID: fromID, toID: toID, from: from, to: to, sub: sub, batch: batch,
		log: log.With(zap.String("src", fromID), zap.String("dst", toID))}, nil
}

// submitBatches sends one transaction per batch of entries, each built by
// build; entries are cut by count and by encoded size.
func submitBatches[T any](ctx context.Context, h *hop, entries []T, seqOf func(T) uint64, build func([]T) (string, []byte), res *Result) error {
	for _, b := range cutBatches(entries, h.batch) {
		typ, payload := build(b)
		r, err := h.sub.submit(ctx, typ, payload, len(b))
		if err != nil {
			return fmt.Errorf("%s %s→%s at %d: %w", typ, h.fromID, h.toID, res.Height, err)
		}
		res.Txs = append(res.Txs, r)
		for _, e := range b {
			res.Carried = append(res.Carried, seqOf(e))
		}
	}
	return nil
}

// cutBatches splits entries into runs of at most MaxBatch whose encoded
// size, with the header and envelope, stays within MaxTxBytes. One entry
// too large alone still gets its own batch: the chain decides.
func cutBatches[T any](entries []T, cfg BatchConfig) [][]T {
	var out [][]T
	var cur []T
	size := 0
	budget := cfg.MaxTxBytes - txEnvelopeBytes - headerBytes
	for _, e := range entries {
		n := rlpSize(e)
		if len(cur) > 0 && (len(cur) == cfg.MaxBatch || size+n > budget) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, e)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// headerBytes is room for a certified header with its QC: a header of a
// few hundred bytes and a 65-byte signature per validator, for sets up to
// attest's maximum size.
const headerBytes = 32 << 10

func rlpSize(v any) int {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		panic("relay: encode batch entry: " + err.Error())
	}
	return len(b)
}

// ensureTrusted makes to's light client of from trust the validator set
// that signed header, submitting each validator-set handoff in between in
// order. It returns how many updates it submitted.
func (h *hop) ensureTrusted(ctx context.Context, header *attest.CertifiedHeader) (int, error) {
	h.updating.Lock()
	defer h.updating.Unlock()
	target := header.Header.ValidatorsHash
	for n := 0; n < maxHandoffs; n++ {
		lc, err := h.to.ClientState(ctx, h.fromID)
		if err != nil {
			return n, fmt.Errorf("client of %s on %s: %w", h.fromID, h.toID, err)
		}
		if err := usable(lc, h.fromID, h.toID); err != nil {
			return n, err
		}
		last := lc.ValidatorSets[len(lc.ValidatorSets)-1]
		if set := setAt(lc, header.Header.Height); set != nil && set.ValidatorsHash == target {
			return n, nil
		}
		if header.Header.Height < last.FromHeight {
			return n, fmt.Errorf("client of %s on %s: header %d is below the trusted set from %d and not signed by an older one: %w",
				h.fromID, h.toID, header.Header.Height, last.FromHeight, ErrUntrustedHeader)
		}
		if err := h.handoff(ctx, lc, last, header.Header.Height); err != nil {
			return n, err
		}
	}
	return maxHandoffs, fmt.Errorf("client of %s on %s: still untrusted after %d handoffs: %w", h.fromID, h.toID, maxHandoffs, ErrUntrustedHeader)
}

// handoff finds the first handoff after the client's last trusted set, at
// or below height, and submits it. The search is a bisection between a
// height the trusted set signed and height, which it did not: the pair it
// ends on is a header signed by the trusted set that names the next one.
func (h *hop) handoff(ctx context.Context, lc *chains.LightClient, last chains.ClientValidators, height uint64) error {
	lo := max(last.FromHeight, min(lc.LatestHeight, height-1))
	hi := height
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		v, err := h.from.ValidatorsAt(ctx, mid)
		if err != nil {
			return fmt.Errorf("validators of %s at %d: %w", h.fromID, mid, err)
		}
		if v.ValidatorsHash == last.ValidatorsHash {
			lo = mid
		} else {
			hi = mid
		}
	}
	ch, err := h.from.CertifiedHeader(ctx, lo)
	if err != nil {
		return fmt.Errorf("handoff header of %s at %d: %w", h.fromID, lo, err)
	}
	next, err := h.from.ValidatorsAt(ctx, hi)
	if err != nil {
		return fmt.Errorf("validators of %s at %d: %w", h.fromID, hi, err)
	}
	set, err := next.Set()
	if err != nil {
		return fmt.Errorf("validators of %s at %d: %w", h.fromID, hi, err)
	}
	if hdr := ch.Certified.Header; hdr.ValidatorsHash != last.ValidatorsHash || hdr.NextValidatorsHash != set.Hash() {
		return fmt.Errorf("handoff of %s at %d: header names %s→%s, trusted %s, next %s: %w", h.fromID, lo,
			hdr.ValidatorsHash, hdr.NextValidatorsHash, last.ValidatorsHash, set.Hash(), ErrUntrustedHeader)
	}
	typ, payload := newUpdateClient(h.fromID, ch.Certified, set.Validators)
	if _, err := h.sub.Submit(ctx, typ, payload); err != nil {
		return fmt.Errorf("hand off %s at %d to %s: %w", h.fromID, lo, h.toID, err)
	}
	h.log.Info("light client handoff", zap.Uint64("height", lo), zap.String("validators_hash", set.Hash().Hex()))
	return nil
}

// ErrUntrustedHeader: no chain of handoffs leads the light client to the
// validator set that signed a header.
var ErrUntrustedHeader = errors.New("header not reachable by handoffs")

// usable refuses a missing or frozen client.
func usable(lc *chains.LightClient, fromID, toID string) error {
	switch {
	case lc == nil || len(lc.ValidatorSets) == 0:
		return fmt.Errorf("client of %s on %s: %w", fromID, toID, ErrNoClient)
	case lc.Frozen:
		return fmt.Errorf("client of %s on %s at %d: %w", fromID, toID, lc.FrozenHeight, ErrClientFrozen)
	}
	return nil
}

// setAt is the set the client trusts to sign height, or nil.
func setAt(lc *chains.LightClient, height uint64) *chains.ClientValidators {
	for i := len(lc.ValidatorSets) - 1; i >= 0; i-- {
		if lc.ValidatorSets[i].FromHeight <= height {
			return &lc.ValidatorSets[i]
		}
	}
	return nil
}
