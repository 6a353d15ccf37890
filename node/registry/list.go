package registry

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// errPageFull stops an iteration once a page holds what was asked for.
var errPageFull = errors.New("registry: page full")

// scan returns the records under prefix whose key sorts after prefix+after
// (all of them when after is empty) and that match, in key order, with
// their keys: at most limit (0: no bound), and whether more matching
// records follow.
func scan[T any](kv app.KV, prefix, after string, limit int, match func(v *T) bool) (recs []*T, keys [][]byte, more bool, err error) {
	it, ok := kv.(app.Iterable)
	if !ok {
		return nil, nil, false, fmt.Errorf("registry: list %s: %w", prefix, app.ErrNotIterable)
	}
	from := []byte(prefix + after)
	err = it.Iterate([]byte(prefix), func(key, value []byte) error {
		if after != "" && bytes.Compare(key, from) <= 0 {
			return nil
		}
		v := new(T)
		if err := rlp.DecodeBytes(value, v); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrCorruptState, key, err)
		}
		if match != nil && !match(v) {
			return nil
		}
		if limit > 0 && len(recs) == limit {
			more = true
			return errPageFull
		}
		recs = append(recs, v)
		keys = append(keys, bytes.Clone(key))
		return nil
	})
	if errors.Is(err, errPageFull) {
		err = nil
	}
	return recs, keys, more, err
}

// MemberFilter narrows ListMembers: Role, when set, keeps members of that
// role; After continues a listing past that address.
type MemberFilter struct {
	Role  attest.Role
	After *attest.Address
	Limit int
}

// ListMembers returns members in ascending address order, at most
// f.Limit of them (0: all), and whether more follow. kv must implement
// app.Iterable.
func ListMembers(kv app.KV, f MemberFilter) ([]*Member, bool, error) {
	after := ""
	if f.After != nil {
		after = string(app.AddressKey(*f.After))
	}
	var match func(*Member) bool
	if f.Role != 0 {
		match = func(m *Member) bool { return m.Role == f.Role }
	}
	out, _, more, err := scan(kv, memberPrefix, after, f.Limit, match)
	return out, more, err
}

// BondRecord is one relayer's bond with its address.
type BondRecord struct {
	Relayer attest.Address
	Bond    *Bond
}

// ListBonds returns every bond ever posted (released ones have a zero
// amount), in ascending address order.
func ListBonds(kv app.KV) ([]BondRecord, error) {
	bonds, keys, _, err := scan[Bond](kv, bondPrefix, "", 0, nil)
	if err != nil {
		return nil, err
	}
	out := make([]BondRecord, len(bonds))
	for i, b := range bonds {
		a, err := app.ParseAddressKey(keys[i][len(bondPrefix):])
		if err != nil {
			return nil, fmt.Errorf("%w: bond key %q: %w", ErrCorruptState, keys[i], err)
		}
		out[i] = BondRecord{Relayer: a, Bond: b}
	}
	return out, nil
}

// ListSlashes returns recorded slashings in ascending transaction-hash
// order, continuing past after when it is set, at most limit (0: all),
// and whether more follow. relayer, when set, keeps only its slashings.
func ListSlashes(kv app.KV, relayer *attest.Address, after *attest.Hash, limit int) ([]*Slash, bool, error) {
	from := ""
	if after != nil {
		from = after.Hex()
	}
	var match func(*Slash) bool
	if relayer != nil {
		match = func(s *Slash) bool { return s.Relayer == *relayer }
	}
	out, _, more, err := scan(kv, slashPrefix, from, limit, match)
	return out, more, err
}
