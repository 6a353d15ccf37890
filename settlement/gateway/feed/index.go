package feed

import (
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// route is a subscription's src→dst.
type route struct{ src, dst string }

type subSet map[*subscription]struct{}

// index finds the subscriptions an event matches. Each subscription has
// exactly one filter, so it sits in exactly one map. The hub's mu guards
// it.
type index struct {
	byTransfer map[settlement.TransferID]subSet
	byAccount  map[attest.Address]subSet
	byRoute    map[route]subSet
	size       int
}

func newIndex() index {
	return index{
		byTransfer: make(map[settlement.TransferID]subSet),
		byAccount:  make(map[attest.Address]subSet),
		byRoute:    make(map[route]subSet),
	}
}

func (x *index) empty() bool { return x.size == 0 }

func (x *index) add(s *subscription) {
	f := s.filter
	switch {
	case f.TransferID != "":
		addTo(x.byTransfer, f.TransferID, s)
	case f.Account != (attest.Address{}):
		addTo(x.byAccount, f.Account, s)
	default:
		addTo(x.byRoute, route{f.Src, f.Dst}, s)
	}
	x.size++
}

func (x *index) remove(s *subscription) {
	f := s.filter
	var ok bool
	switch {
	case f.TransferID != "":
		ok = removeFrom(x.byTransfer, f.TransferID, s)
	case f.Account != (attest.Address{}):
		ok = removeFrom(x.byAccount, f.Account, s)
	default:
		ok = removeFrom(x.byRoute, route{f.Src, f.Dst}, s)
	}
	if ok {
		x.size--
	}
}

// match appends the subscriptions fe matches to out. The payload is
// decoded only when an account subscription exists.
func (x *index) match(fe *fanEvent, log *zap.Logger, out []*subscription) []*subscription {
	out = appendSet(out, x.byTransfer[fe.TransferID])
	out = appendSet(out, x.byRoute[route{fe.Src, fe.Dst}])
	if len(x.byAccount) == 0 {
		return out
	}
	t := fe.decode(log)
	if t == nil {
		return out
	}
	out = appendSet(out, x.byAccount[t.Sender])
	if t.Receiver != t.Sender {
		out = appendSet(out, x.byAccount[t.Receiver])
	}
	return out
}

func addTo[K comparable](m map[K]subSet, k K, s *subscription) {
	set := m[k]
	if set == nil {
		set = make(subSet)
		m[k] = set
	}
	set[s] = struct{}{}
}

func removeFrom[K comparable](m map[K]subSet, k K, s *subscription) bool {
	set := m[k]
	if _, ok := set[s]; !ok {
		return false
	}
	delete(set, s)
	if len(set) == 0 {
		delete(m, k)
	}
	return true
}

func appendSet(out []*subscription, set subSet) []*subscription {
	for s := range set {
		out = append(out, s)
	}
	return out
}
