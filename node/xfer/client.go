package xfer

import (
	"fmt"
	"math"
	"slices"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// firstTrustedHeight is where a genesis-seeded client's first set starts.
const firstTrustedHeight = 1

// SetAt returns the validator set c trusts to sign chain height h: the last
// set whose FromHeight is at or below h.
func (c *ClientState) SetAt(h uint64) (*attest.ValidatorSet, error) {
	for i := len(c.Sets) - 1; i >= 0; i-- {
		if c.Sets[i].FromHeight > h {
			continue
		}
		set, err := attest.NewValidatorSet(c.Sets[i].Validators)
		if err != nil {
			// Sets are validated before they are stored.
			return nil, fmt.Errorf("client %s set from %d: %w: %v", c.ChainID, c.Sets[i].FromHeight, ErrCorruptState, err)
		}
		return set, nil
	}
	return nil, rejectf(CodeNoTrustedSet, "client %s trusts no set at height %d", c.ChainID, h)
}

// headerCheck is the outcome of verifying a certified header, before any write.
type headerCheck struct {
	height   uint64
	hash     attest.Hash
	root     attest.Hash
	cached   bool // the client already remembers this header: nothing to write
	conflict bool // it verifies, but the client remembers another header at its height
}

// activeClient loads the client of chain and refuses a missing or frozen one.
func activeClient(kv app.KV, chain string) (*ClientState, error) {
	c, err := loadClient(kv, chain)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, rejectf(CodeUnknownChain, "no light client of %q", chain)
	}
	if c.Frozen {
		return nil, rejectf(CodeClientFrozen, "client %s frozen at height %d", chain, c.FrozenHeight)
	}
	return c, nil
}

// verifyHeader checks ch through c without writing. A header the client
// already remembers is trusted by hash, so its QC is checked once, ever.
func verifyHeader(kv app.KV, memo *headerMemo, c *ClientState, ch *attest.CertifiedHeader) (*headerCheck, error) {
	hc := &headerCheck{height: ch.Header.Height, hash: ch.Header.Hash(), root: ch.Header.StateRoot}
	known, err := loadHeader(kv, c.ChainID, hc.height)
	if err != nil {
		return nil, err
	}
	if known != nil && known.Hash == hc.hash {
		hc.root, hc.cached = known.StateRoot, true
		return hc, nil
	}
	set, err := c.SetAt(hc.height)
	if err != nil {
		return nil, err
	}
	key := memoKey(c.ChainID, c.GenesisHash, set, hc.hash, &ch.QC)
	if !memo.has(key) {
		if err := attest.VerifyCertifiedHeader(c.GenesisHash, c.ChainID, set, ch); err != nil {
			return nil, fmt.Errorf("verify %s header %d: %w", c.ChainID, hc.height, err)
		}
		memo.add(key)
	}
	hc.conflict = known != nil
	return hc, nil
}

// rememberHeader records a verified header so later proofs against it skip
// the QC, and advances the client's latest height. A conflicting header
// freezes the client instead.
func rememberHeader(ctx *app.Context, c *ClientState, hc *headerCheck) error {
	if hc.conflict {
		return freeze(ctx, c, hc.height, ReasonConflictingHead)
	}
	if hc.cached {
		return nil
	}
	if err := writeRLP(ctx.State, HeaderKey(c.ChainID, hc.height), &VerifiedHeader{Hash: hc.hash, StateRoot: hc.root}); err != nil {
		return err
	}
	if hc.height <= c.LatestHeight {
		return nil
	}
	c.LatestHeight = hc.height
	return storeClient(ctx.State, c)
}

// freeze halts every route through c: recv and ack refuse with
// CodeClientFrozen until governance calls Unfreeze.
func freeze(ctx *app.Context, c *ClientState, height uint64, reason string) error {
	c.Frozen, c.FrozenHeight = true, height
	if err := storeClient(ctx.State, c); err != nil {
		return err
	}
	ctx.Emit(clientFrozenEvent(c.ChainID, height, reason))
	return nil
}

// Unfreeze lifts the freeze of chain's light client. It is the hook for the
// governance action of DESIGN §4 (regulators decide the counterparty is
// sound again, typically after its validators are replaced through a
// handoff); no transaction of this module calls it. The conflicting header
// records stay, so the same conflict cannot be replayed to freeze it again
// without a new header.
func Unfreeze(ctx *app.Context, chain string) error {
	c, err := loadClient(ctx.State, chain)
	if err != nil {
		return fmt.Errorf("unfreeze %s: %w", chain, err)
	}
	if c == nil {
		return rejectf(CodeUnknownChain, "no light client of %q", chain)
	}
	if !c.Frozen {
		return nil
	}
	height := c.FrozenHeight
	c.Frozen, c.FrozenHeight = false, 0
	if err := storeClient(ctx.State, c); err != nil {
		return fmt.Errorf("unfreeze %s: %w", chain, err)
	}
	ctx.Emit(app.Event{Type: EventClientUnfrozen, Attrs: []app.Attr{
		{Key: AttrChain, Value: chain},
		{Key: AttrHeight, Value: u64(height)},
	}})
	return nil
}

// updateClient applies a validator-set handoff: the header's set signs it,
// and NextValidators sign from its height+1 on.
func updateClient(ctx *app.Context, memo *headerMemo, u *UpdateClient, deliver bool) error {
	c, err := activeClient(ctx.State, u.Chain)
	if err != nil {
		return err
	}
	next, err := attest.NewValidatorSet(u.NextValidators)
	if err != nil {
		return fmt.Errorf("update client %s: next validators: %w", u.Chain, err)
	}
	hc, err := verifyHeader(ctx.State, memo, c, &u.Header)
	if err != nil {
		return err
	}
	if hc.conflict {
		return applyIf(deliver, func() error { return rememberHeader(ctx, c, hc) })
	}
	set, dup, err := handoff(c, &u.Header.Header, next)
	if err != nil || !deliver {
		return err
	}
	if err := rememberHeader(ctx, c, hc); err != nil || dup {
		return err
	}
	c.Sets = append(c.Sets, *set)
	if err := storeClient(ctx.State, c); err != nil {
		return err
	}
	ctx.Emit(clientUpdateEvent(c.ChainID, hc.height, set, next.Hash()))
	return nil
}

// handoff checks that h hands the chain over to next and returns the set to
// trust; dup is true when the client already trusts exactly that handoff.
func handoff(c *ClientState, h *attest.Header, next *attest.ValidatorSet) (set *TrustedSet, dup bool, err error) {
	if h.NextValidatorsHash == h.ValidatorsHash {
		return nil, false, rejectf(CodeNotHandoff, "%s header %d keeps validator set %s", c.ChainID, h.Height, h.ValidatorsHash)
	}
	if got := next.Hash(); got != h.NextValidatorsHash {
		return nil, false, rejectf(CodeHandoffMismatch, "%s header %d hands over to %s, given set hashes to %s",
			c.ChainID, h.Height, h.NextValidatorsHash, got)
	}
	if h.Height == math.MaxUint64 {
		return nil, false, app.Errorf(app.CodeMalformed, "handoff at the last height")
	}
	set = &TrustedSet{FromHeight: h.Height + 1, Validators: next.Validators}
	last := &c.Sets[len(c.Sets)-1]
	switch {
	case set.FromHeight > last.FromHeight:
		return set, false, nil
	case set.FromHeight == last.FromHeight && slices.Equal(last.Validators, set.Validators):
		return set, true, nil
	}
	return nil, false, rejectf(CodeStaleHandoff, "%s handoff to height %d, client trusts a set from %d",
		c.ChainID, set.FromHeight, last.FromHeight)
}

// submitMisbehaviour freezes chain's client on proof that its trusted set
// signed two different headers at one height.
func submitMisbehaviour(ctx *app.Context, s *SubmitMisbehaviour, deliver bool) error {
	c, err := activeClient(ctx.State, s.Chain)
	if err != nil {
		return err
	}
	height := s.Misbehaviour.A.Header.Height
	set, err := c.SetAt(height)
	if err != nil {
		return err
	}
	if err := attest.VerifyMisbehaviour(c.GenesisHash, c.ChainID, set, &s.Misbehaviour); err != nil {
		return fmt.Errorf("misbehaviour of %s at %d: %w", s.Chain, height, err)
	}
	return applyIf(deliver, func() error { return freeze(ctx, c, height, ReasonMisbehaviour) })
}

// applyIf runs fn on delivery; Check stops before any write.
func applyIf(deliver bool, fn func() error) error {
	if !deliver {
		return nil
	}
	return fn()
}
