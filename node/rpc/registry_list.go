package rpc

import (
	"context"

	"github.com/causeway/causeway/attest"
)

// Page sizes of the registry listings.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// MemberQuery narrows cw_listMembers: Role ("validator", "relayer",
// "exchange", "user"; empty for every role), After continues past an
// address (the previous page's Next), Limit bounds the page (default 100,
// at most 1000).
type MemberQuery struct {
	Role  string          `json:"role,omitempty"`
	After *attest.Address `json:"after,omitempty"`
	Limit int             `json:"limit,omitempty"`
}

// MemberPage is the result of cw_listMembers: members in ascending address
// order. Next, when set, is the After of the following page.
type MemberPage struct {
	Height  uint64          `json:"height"`
	Members []*Member       `json:"members"`
	Next    *attest.Address `json:"next"`
}

// SlashQuery narrows cw_listSlashes: Relayer keeps one relayer's
// slashings, After continues past a transaction hash, Limit as for members.
type SlashQuery struct {
	Relayer *attest.Address `json:"relayer,omitempty"`
	After   *attest.Hash    `json:"after,omitempty"`
	Limit   int             `json:"limit,omitempty"`
}

// Slash is the evidence of one slashing: the relay transaction that failed
// verification, its type and code, the height it landed at and what was
// burned from the relayer's bond (in the bond denom).
type Slash struct {
	Relayer attest.Address `json:"relayer"`
	TxHash  attest.Hash    `json:"tx_hash"`
	Type    string         `json:"type"`
	Code    uint32         `json:"code"`
	Height  uint64         `json:"height"`
	Denom   string         `json:"denom"`
	Amount  string         `json:"amount"`
}

// SlashPage is the result of cw_listSlashes, in ascending transaction-hash
// order; Next, when set, is the After of the following page.
type SlashPage struct {
	Height  uint64       `json:"height"`
	Slashes []*Slash     `json:"slashes"`
	Next    *attest.Hash `json:"next"`
}

// Relayer is what the chain knows of one relayer: its membership (nil on
// an open chain or when it never registered), its bond, the relay fees it
// has been paid since genesis and how often it was slashed.
type Relayer struct {
	Address    attest.Address `json:"address"`
	Role       *attest.Role   `json:"role"`
	Status     string         `json:"status,omitempty"`
	Bond       *MemberBond    `json:"bond"`
	FeesEarned []Coin         `json:"fees_earned"`
	Slashes    int            `json:"slashes"`
}

// RelayerList is the result of cw_listRelayers: every address that is a
// relayer member, has bonded or has been paid a relay fee, in ascending
// address order, with the chain's bonding terms (nil when relayers need no
// bond).
type RelayerList struct {
	Height   uint64     `json:"height"`
	Terms    *BondTerms `json:"bond_terms"`
	Relayers []*Relayer `json:"relayers"`
}

// BondTerms are a chain's bonding terms: the denom and minimum a relayer
// must lock, how long an unbonded stake stays locked, and the share of
// the bond (per mille) one failed verification burns.
type BondTerms struct {
	Denom         string `json:"denom"`
	Min           string `json:"min"`
	UnbondDelayMs uint64 `json:"unbond_delay_ms"`
	SlashPermille uint32 `json:"slash_permille"`
}

// RegistryLister lists the registry's records as of a committed height.
type RegistryLister interface {
	// Members returns up to limit members after the address given (from
	// the start when nil), of role (every role when 0).
	Members(ctx context.Context, role attest.Role, after *attest.Address, limit int, height uint64) (*MemberPage, error)
	Relayers(ctx context.Context, height uint64) (*RelayerList, error)
	// Slashes returns up to limit slashings after the transaction hash
	// given, of relayer (everyone's when nil).
	Slashes(ctx context.Context, relayer *attest.Address, after *attest.Hash, limit int, height uint64) (*SlashPage, error)
}

func listLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultListLimit, nil
	case n < 0 || n > MaxListLimit:
		return 0, Errorf(CodeInvalidParams, "limit %d: must be 1..%d", n, MaxListLimit)
	}
	return n, nil
}

// ListMembers returns a page of the registry's members (cw_listMembers).
// Null query and height mean every role from the start, at the latest.
func (s *service) ListMembers(ctx context.Context, q *MemberQuery, height *uint64) (*MemberPage, error) {
	h, err := s.resolveHeight(height)
	if err != nil {
		return nil, err
	}
	if q == nil {
		q = &MemberQuery{}
	}
	var role attest.Role
	if q.Role != "" {
		if role, err = attest.ParseRole(q.Role); err != nil {
			return nil, Errorf(CodeInvalidParams, "role: %v", err)
		}
	}
	if q.Limit, err = listLimit(q.Limit); err != nil {
		return nil, err
	}
	page, err := s.b.Members(ctx, role, q.After, q.Limit, h)
	if err != nil {
		return nil, s.fail("cw_listMembers", err)
	}
	return page, nil
}

// ListRelayers returns every relayer the chain knows with its bond, fees
// earned and slash count (cw_listRelayers).
func (s *service) ListRelayers(ctx context.Context, height *uint64) (*RelayerList, error) {
	h, err := s.resolveHeight(height)
	if err != nil {
		return nil, err
	}
	out, err := s.b.Relayers(ctx, h)
	if err != nil {
		return nil, s.fail("cw_listRelayers", err)
	}
	return out, nil
}

// ListSlashes returns a page of the slashing evidence on chain
// (cw_listSlashes).
func (s *service) ListSlashes(ctx context.Context, q *SlashQuery, height *uint64) (*SlashPage, error) {
	h, err := s.resolveHeight(height)
	if err != nil {
		return nil, err
	}
	if q == nil {
		q = &SlashQuery{}
	}
	if q.Limit, err = listLimit(q.Limit); err != nil {
		return nil, err
	}
	page, err := s.b.Slashes(ctx, q.Relayer, q.After, q.Limit, h)
	if err != nil {
		return nil, s.fail("cw_listSlashes", err)
	}
	return page, nil
}
