package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// listParams are the query parameters GET /v1/transfers accepts.
var listParams = map[string]bool{"account": true, "route": true, "status": true, "cursor": true, "limit": true}

func (s *server) getTransfer(w http.ResponseWriter, r *http.Request, c caller) {
	id, _, _, err := settlement.ParseTransferID(r.PathValue("id"))
	if err != nil {
		writeProblem(w, paramProblem("id", "is not a transfer id (src.dst.seq or src.dst.0x<source tx hash>)"))
		return
	}
	t, err := s.store.Get(r.Context(), id)
	switch {
	case errors.Is(err, settlement.ErrNotFound):
		writeProblem(w, api.NewProblem(api.CodeNotFound, "no transfer "+string(id)))
		return
	case err != nil:
		s.internal(w, "read transfer", err)
		return
	}
	writeJSON(w, http.StatusOK, api.ViewOf(t, ownedBy(t, c)))
}

// ownedBy reports whether c submitted t, and so may see its client
// reference.
func ownedBy(t *settlement.Transfer, c caller) bool {
	return t.ClientID != "" && t.ClientID == c.clientID()
}

func (s *server) listTransfers(w http.ResponseWriter, r *http.Request, c caller) {
	f, cursor, limit, p := parseListQuery(r.URL.Query())
	if p != nil {
		writeProblem(w, p)
		return
	}
	ts, next, err := s.store.List(r.Context(), f, cursor, limit)
	switch {
	case errors.Is(err, settlement.ErrInvalid):
		writeProblem(w, paramProblem("cursor", "is not a cursor this list returned"))
		return
	case err != nil:
		s.internal(w, "list transfers", err)
		return
	}
	page := api.TransferPage{Transfers: make([]*api.Transfer, len(ts)), NextCursor: next}
	for i, t := range ts {
		page.Transfers[i] = api.ViewOf(t, ownedBy(t, c))
	}
	writeJSON(w, http.StatusOK, page)
}

// parseListQuery validates every parameter of GET /v1/transfers.
func parseListQuery(q url.Values) (f settlement.ListFilter, cursor string, limit int, p *api.Problem) {
	for k, vs := range q {
		switch {
		case !listParams[k]:
			return f, "", 0, paramProblem(k, "is not a parameter of this list (account, route, status, cursor, limit)")
		case len(vs) > 1:
			return f, "", 0, paramProblem(k, "is given more than once")
		}
	}
	limit = settlement.DefaultPageSize
	if v := q.Get("limit"); q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > settlement.MaxPageSize {
			return f, "", 0, paramProblem("limit", "must be an integer in 1.."+strconv.Itoa(settlement.MaxPageSize))
		}
		limit = n
	}
	if q.Has("account") {
		a, ok := parseAddress(q.Get("account"))
		if !ok {
			return f, "", 0, paramProblem("account", "must be a 0x-prefixed 20-byte hex address")
		}
		f.Account = a
	}
	if q.Has("route") {
		src, dst, ok := strings.Cut(q.Get("route"), ".")
		if !ok || !settlement.ValidChainID(src) || !settlement.ValidChainID(dst) || src == dst {
			return f, "", 0, paramProblem("route", "must be src.dst, two different chain ids")
		}
		f.Src, f.Dst = src, dst
	}
	if q.Has("status") {
		st := settlement.Status(q.Get("status"))
		if !st.Valid() {
			return f, "", 0, paramProblem("status", "must be one of submitted, source_committed, delivered, finished, refunded, rejected")
		}
		f.Status = st
	}
	if q.Has("cursor") && q.Get("cursor") == "" {
		return f, "", 0, paramProblem("cursor", "is empty (omit it for the first page)")
	}
	return f, q.Get("cursor"), limit, nil
}

// parseAddress parses a 0x-prefixed 20-byte hex address.
func parseAddress(s string) (attest.Address, bool) {
	b, err := hexutil.Decode(s)
	if err != nil || len(b) != len(attest.Address{}) {
		return attest.Address{}, false
	}
	return attest.Address(b), true
}

func (s *server) listChains(w http.ResponseWriter, r *http.Request, _ caller) {
	writeJSON(w, http.StatusOK, api.ChainList{Chains: s.chains.views(r.Context())})
}

// listRoutes reads every configured chain's route toward every other. A
// source that does not answer contributes the routes last read from it, or
// none.
func (s *server) listRoutes(w http.ResponseWriter, r *http.Request, _ caller) {
	out := api.RouteList{Routes: []api.Route{}}
	for _, src := range s.chains.list {
		for _, dst := range s.chains.list {
			if src == dst {
				continue
			}
			rt, err := src.route(r.Context(), dst.id)
			if err != nil {
				var ok bool
				if rt, ok = src.cachedRoute(dst.id); !ok {
					s.log.Debug("route unreadable", zap.String("chain_id", src.id), zap.String("counterparty", dst.id), zap.Error(err))
					continue
				}
			}
			if rt != nil {
				out.Routes = append(out.Routes, routeView(src.id, rt))
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func routeView(src string, rt *chains.Route) api.Route {
	v := api.Route{ID: api.RouteID(src, rt.Chain), Src: src, Dst: rt.Chain, Open: rt.Open, NextSequence: rt.NextSequence,
		Height: rt.Height, Limits: make([]api.RouteLimit, len(rt.Limits))}
	for i, l := range rt.Limits {
		v.Limits[i] = api.RouteLimit{Denom: l.Denom, MaxPerPacket: l.MaxPerPacket, WindowAmount: l.WindowAmount, WindowMs: l.WindowMs}
	}
	return v
}

// pathChain reads the {chain} path value, answering 404 itself when the
// gateway does not serve that chain.
func (s *server) pathChain(w http.ResponseWriter, r *http.Request) (*chain, bool) {
	ch := s.chains.get(r.PathValue("chain"))
	if ch == nil {
		writeProblem(w, api.NewProblem(api.CodeUnknownChain, "the gateway does not serve chain "+strconv.Quote(r.PathValue("chain"))))
		return nil, false
	}
	return ch, true
}

// chainAndAddress reads the {chain} and {address} path values, answering
// the problem itself when either is bad.
func (s *server) chainAndAddress(w http.ResponseWriter, r *http.Request) (*chain, attest.Address, bool) {
	ch, ok := s.pathChain(w, r)
	if !ok {
		return nil, attest.Address{}, false
	}
	addr, ok := parseAddress(r.PathValue("address"))
	if !ok {
		writeProblem(w, paramProblem("address", "must be a 0x-prefixed 20-byte hex address"))
		return nil, attest.Address{}, false
	}
	return ch, addr, true
}

func (s *server) getAccount(w http.ResponseWriter, r *http.Request, _ caller) {
	ch, addr, ok := s.chainAndAddress(w, r)
	if !ok {
		return
	}
	acct, err := ch.account(r.Context(), addr)
	if err != nil {
		writeProblem(w, s.chainProblem(ch.id, "read account", err))
		return
	}
	out := api.Account{Chain: ch.id, Address: addr, Height: acct.Height, Nonce: acct.Nonce, Balances: make([]api.Coin, len(acct.Balances))}
	for i, b := range acct.Balances {
		out.Balances[i] = api.Coin{Denom: b.Denom, Amount: b.Amount}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) reconciliation(w http.ResponseWriter, r *http.Request, _ caller) {
	rs, err := s.store.LatestReconciliations(r.Context())
	if err != nil {
		s.internal(w, "read reconciliations", err)
		return
	}
	out := api.ReconciliationReport{OK: true, Results: rs}
	if out.Results == nil {
		out.Results = []*settlement.Reconciliation{}
	}
	for _, x := range rs {
		out.OK = out.OK && x.OK
	}
	writeJSON(w, http.StatusOK, out)
}

// internal logs err and answers 500.
func (s *server) internal(w http.ResponseWriter, op string, err error) {
	s.log.Error(op, zap.Error(err))
	writeProblem(w, api.NewProblem(api.CodeInternal, "the gateway could not "+op))
}
