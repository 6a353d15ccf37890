package app

import (
	"errors"
	"fmt"
	"math"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/tx"
)

// ExecuteBlock applies txs to st in order and returns one receipt per
// transaction and the validator set for the next height.
//
// Per transaction: an undecodable one gets a Malformed (or TooLarge) receipt,
// one for another chain WrongChain, a bad signature BadSignature, a nonce other
// than the account's next NonceTooLow or NonceTooHigh; none of these changes
// state. Otherwise the module method runs inside a snapshot; if it rejects the
// transaction its writes are reverted, but the nonce is still consumed.
//
// err is reserved for internal failures (state I/O, a module's uncoded error,
// an invalid validator update). st is then partially written and must be
// discarded; the node halts.
func (a *App) ExecuteBlock(st State, info BlockInfo, txs [][]byte, vals *attest.ValidatorSet) (receipts []Receipt, next *attest.ValidatorSet, err error) {
	if err := a.checkInfo(info); err != nil {
		return nil, nil, fmt.Errorf("execute block %d: %w", info.Height, err)
	}
	prepared := a.prepare(txs)
	receipts = make([]Receipt, len(txs))
	for i := range prepared {
		r, err := a.executeTx(st, info, uint32(i), &prepared[i])
		if err != nil {
			return nil, nil, fmt.Errorf("execute block %d tx %d (%s): %w", info.Height, i, r.TxHash, err)
		}
		receipts[i] = r
	}
	next, err = a.endBlock(st, info, vals)
	if err != nil {
		return nil, nil, fmt.Errorf("execute block %d: %w", info.Height, err)
	}
	return receipts, next, nil
}

// prepared is a transaction after the checks that need no state.
type prepared struct {
	tx     *tx.Tx
	hash   attest.Hash
	sender attest.Address
	err    error // coded rejection found before execution
}

// prepare decodes every transaction, checks its chain and recovers senders,
// in parallel for those the cache does not hold.
func (a *App) prepare(raws [][]byte) []prepared {
	out := make([]prepared, len(raws))
	var misses []int
	for i, raw := range raws {
		p := &out[i]
		p.hash = attest.Keccak(raw)
		p.tx, p.err = a.decode(raw)
		if p.err != nil {
			continue
		}
		if addr, ok := a.cache.Lookup(a.genesis, p.hash); ok {
			p.sender = addr
			continue
		}
		misses = append(misses, i)
	}
	a.recoverSenders(out, misses)
	return out
}

// decode parses raw and checks its chain id.
func (a *App) decode(raw []byte) (*tx.Tx, error) {
	t, err := tx.Decode(raw)
	if errors.Is(err, tx.ErrTooLarge) {
		return nil, Errorf(CodeTooLarge, "%v", err)
	}
	if err != nil {
		return nil, Errorf(CodeMalformed, "%v", err)
	}
	if t.ChainID != a.chainID {
		return nil, Errorf(CodeWrongChain, "tx for chain %q on chain %q", t.ChainID, a.chainID)
	}
	return t, nil
}

// DecodeTx parses raw, checks it is for this chain and returns it with its
// hash. Rejections are coded (TooLarge, Malformed, WrongChain).
func (a *App) DecodeTx(raw []byte) (*tx.Tx, attest.Hash, error) {
	t, err := a.decode(raw)
	return t, attest.Keccak(raw), err
}

func (a *App) executeTx(st State, info BlockInfo, idx uint32, p *prepared) (Receipt, error) {
	r := Receipt{TxHash: p.hash, Height: info.Height, Index: idx}
	if p.err != nil {
		return rejected(r, p.err), nil
	}
	r.Sender, r.Type = p.sender, p.tx.Type
	want, err := AccountNonce(st, p.sender)
	if err != nil {
		return r, err
	}
	if err := CheckNonce(p.tx.Nonce, want); err != nil {
		return rejected(r, err), nil
	}
	ctx := &Context{BlockInfo: info, TxHash: p.hash, TxIndex: idx, State: st}
	snap := st.Snapshot()
	derr := a.deliver(ctx, p.sender, p.tx)
	if derr != nil && !IsRejection(derr) {
		return r, derr
	}
	if derr != nil {
		st.RevertToSnapshot(snap)
		octx := &Context{BlockInfo: info, TxHash: p.hash, TxIndex: idx, State: st}
		for _, o := range a.obs {
			if err := o.OnRejected(octx, p.sender, p.tx.Type, derr); err != nil {
				return r, err
			}
		}
	}
	if err := SetAccountNonce(st, p.sender, want+1); err != nil {
		return r, err
	}
	if derr != nil {
		return rejected(r, derr), nil
	}
	r.Events = ctx.events
	return r, nil
}

func (a *App) deliver(ctx *Context, sender attest.Address, t *tx.Tx) error {
	m, method, err := a.route(t.Type)
	if err != nil {
		return err
	}
	if err := a.admit(ctx, sender, t.Type); err != nil {
		return err
	}
	return m.Deliver(ctx, sender, method, t.Payload)
}

// CheckNonce compares a transaction's nonce with the account's next one. The
// last nonce of the uint64 space is never usable, so the account nonce cannot
// wrap around and reopen old nonces to replay.
func CheckNonce(nonce, want uint64) error {
	switch {
	case nonce < want:
		return Errorf(CodeNonceTooLow, "nonce %d already used, account is at %d", nonce, want)
	case nonce > want:
		return Errorf(CodeNonceTooHigh, "nonce %d, account is at %d", nonce, want)
	case nonce == math.MaxUint64:
		return Errorf(CodeNonceTooHigh, "nonce space exhausted")
	}
	return nil
}

func rejected(r Receipt, err error) Receipt {
	r.Code = CodeOf(err)
	r.Log = err.Error()
	r.Events = nil
	return r
}

func (a *App) endBlock(st State, info BlockInfo, vals *attest.ValidatorSet) (*attest.ValidatorSet, error) {
	var updates []attest.Validator
	for _, m := range a.modules {
		ctx := &Context{BlockInfo: info, State: st}
		u, err := m.EndBlock(ctx)
		if err != nil {
			return nil, fmt.Errorf("end block of %s: %w", m.Name(), err)
		}
		updates = append(updates, u...)
	}
	return ApplyValidatorUpdates(vals, updates)
}
