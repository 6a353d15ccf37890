package gateway

import (
	"bytes"
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// registryPageMax bounds a page of members or slashes: the nodes' bound.
const registryPageMax = rpc.MaxListLimit

// getMember answers the chain registry's record of a member; 404 when the
// address never registered or the chain has no identity rule.
func (s *server) getMember(w http.ResponseWriter, r *http.Request, _ caller) {
	ch, addr, ok := s.chainAndAddress(w, r)
	if !ok {
		return
	}
	m, err := ch.member(r.Context(), addr)
	if err != nil {
		writeProblem(w, s.chainProblem(ch.id, "read member", err))
		return
	}
	if m == nil {
		writeProblem(w, api.NewProblem(api.CodeNotFound, addr.Hex()+" is not a member of "+ch.id+
			" (it never registered, or the chain admits everyone)"))
		return
	}
	writeJSON(w, http.StatusOK, memberView(ch.id, m))
}

func memberView(chain string, m *chains.Member) *api.Member {
	out := &api.Member{Chain: chain, Address: m.Address, Height: m.Height, Role: m.Role.String(), Parent: m.Parent,
		Status: m.Status, Permissions: m.Permissions, AdmittedHeight: m.AdmittedHeight, Endorsers: m.Endorsers,
		Bond: bondView(m.Bond), FeesEarned: coinsView(m.FeesEarned)}
	return out
}

func bondView(b *chains.MemberBond) *api.MemberBond {
	if b == nil {
		return nil
	}
	return &api.MemberBond{Denom: b.Denom, Amount: b.Amount, Slashed: b.Slashed, ReleaseMs: b.ReleaseMs}
}

func coinsView(cs []chains.Balance) []api.Coin {
	out := make([]api.Coin, len(cs))
	for i, c := range cs {
		out[i] = api.Coin{Denom: c.Denom, Amount: c.Amount}
	}
	return out
}

// pageQuery validates a registry list's query: only the parameters
// allowed, each once, a limit in 1..registryPageMax (0 when absent) and a
// non-empty cursor when one is given.
func pageQuery(q url.Values, allowed ...string) (limit int, cursor string, p *api.Problem) {
	for k, vs := range q {
		switch {
		case !slices.Contains(allowed, k):
			return 0, "", paramProblem(k, "is not a parameter of this list ("+strings.Join(allowed, ", ")+")")
		case len(vs) > 1:
			return 0, "", paramProblem(k, "is given more than once")
		}
	}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > registryPageMax {
			return 0, "", paramProblem("limit", "must be an integer in 1.."+strconv.Itoa(registryPageMax))
		}
		limit = n
	}
	if q.Has("cursor") && q.Get("cursor") == "" {
		return 0, "", paramProblem("cursor", "is empty (omit it for the first page)")
	}
	return limit, q.Get("cursor"), nil
}

// chainPage reads the {chain} of a registry list and its query, with the
// filter parameter it takes besides cursor and limit, answering the
// problem itself when any is bad.
func (s *server) chainPage(w http.ResponseWriter, r *http.Request, filter string) (ch *chain, q url.Values, limit int, cursor string, ok bool) {
	if ch, ok = s.pathChain(w, r); !ok {
		return nil, nil, 0, "", false
	}
	q = r.URL.Query()
	limit, cursor, p := pageQuery(q, filter, "cursor", "limit")
	if p != nil {
		writeProblem(w, p)
		return nil, nil, 0, "", false
	}
	return ch, q, limit, cursor, true
}

// listMembers answers a page of a chain's members; an open chain has none.
func (s *server) listMembers(w http.ResponseWriter, r *http.Request, _ caller) {
	ch, q, limit, cursor, ok := s.chainPage(w, r, "role")
	if !ok {
		return
	}
	mq := chains.MemberQuery{Limit: limit}
	if q.Has("role") {
		if _, err := attest.ParseRole(q.Get("role")); err != nil {
			writeProblem(w, paramProblem("role", "must be one of user, exchange, relayer, validator"))
			return
		}
		mq.Role = q.Get("role")
	}
	if cursor != "" {
		a, ok := parseAddress(cursor)
		if !ok {
			writeProblem(w, paramProblem("cursor", "is not a cursor this list returned"))
			return
		}
		mq.After = &a
	}
	page, err := ch.members(r.Context(), mq)
	if err != nil {
		writeProblem(w, s.chainProblem(ch.id, "list members", err))
		return
	}
	out := api.MemberList{Chain: ch.id, Height: page.Height, Members: make([]*api.Member, len(page.Members))}
	for i, m := range page.Members {
		out.Members[i] = memberView(ch.id, m)
	}
	if page.Next != nil {
		out.NextCursor = page.Next.Hex()
	}
	writeJSON(w, http.StatusOK, out)
}

// listSlashes answers a page of the slashings recorded on a chain.
func (s *server) listSlashes(w http.ResponseWriter, r *http.Request, _ caller) {
	ch, q, limit, cursor, ok := s.chainPage(w, r, "relayer")
	if !ok {
		return
	}
	sq := chains.SlashQuery{Limit: limit}
	if q.Has("relayer") {
		a, ok := parseAddress(q.Get("relayer"))
		if !ok {
			writeProblem(w, paramProblem("relayer", "must be a 0x-prefixed 20-byte hex address"))
			return
		}
		sq.Relayer = &a
	}
	if cursor != "" {
		b, err := hexutil.Decode(cursor)
		if err != nil || len(b) != len(attest.Hash{}) {
			writeProblem(w, paramProblem("cursor", "is not a cursor this list returned"))
			return
		}
		h := attest.Hash(b)
		sq.After = &h
	}
	page, err := ch.slashes(r.Context(), sq)
	if err != nil {
		writeProblem(w, s.chainProblem(ch.id, "list slashes", err))
		return
	}
	out := api.SlashList{Chain: ch.id, Height: page.Height, Slashes: make([]api.Slash, len(page.Slashes))}
	for i, x := range page.Slashes {
		out.Slashes[i] = api.Slash{Relayer: x.Relayer, TxHash: x.TxHash, Type: x.Type, Code: x.Code, Height: x.Height,
			Denom: x.Denom, Amount: x.Amount}
	}
	if page.Next != nil {
		out.NextCursor = page.Next.Hex()
	}
	writeJSON(w, http.StatusOK, out)
}

// listRelayers joins what the store recorded of each relay signer's
// submissions with what each chain holds of its relayers. A chain that
// does not answer is named in Unavailable and contributes the store's
// records alone.
func (s *server) listRelayers(w http.ResponseWriter, r *http.Request, _ caller) {
	stats, err := s.store.RelayerStats(r.Context())
	if err != nil {
		s.internal(w, "read relayer stats", err)
		return
	}
	onChain := s.chainRelayers(r.Context())
	out := api.RelayerList{Relayers: []api.Relayer{}, BondTerms: map[string]*api.BondTerms{}, Unavailable: []string{}}
	type key struct {
		chain  string
		signer attest.Address
	}
	index := map[key]int{}
	entry := func(chain string, signer attest.Address) *api.Relayer {
		k := key{chain, signer}
		if i, ok := index[k]; ok {
			return &out.Relayers[i]
		}
		index[k] = len(out.Relayers)
		out.Relayers = append(out.Relayers, api.Relayer{Chain: chain, Signer: signer, FeesEarned: []api.Coin{}})
		return &out.Relayers[len(out.Relayers)-1]
	}
	for _, st := range stats {
		e := entry(st.Chain, st.Signer)
		e.Included, e.Failed, e.Pending, e.Dropped, e.Packets = st.Included, st.Failed, st.Pending, st.Dropped, st.Packets
		at := st.LastAt
		e.LastAt = &at
	}
	for _, ch := range s.chains.list {
		res := onChain[ch.id]
		if res.err != nil {
			out.Unavailable = append(out.Unavailable, ch.id)
			continue
		}
		if t := res.list.Terms; t != nil {
			out.BondTerms[ch.id] = &api.BondTerms{Denom: t.Denom, Min: t.Min, UnbondDelayMs: t.UnbondDelayMs,
				SlashPermille: t.SlashPermille}
		}
		for _, rl := range res.list.Relayers {
			e := entry(ch.id, rl.Address)
			if rl.Role != nil {
				e.Role = rl.Role.String()
			}
			e.Status, e.Bond, e.FeesEarned, e.Slashes = rl.Status, bondView(rl.Bond), coinsView(rl.FeesEarned), rl.Slashes
		}
	}
	slices.SortFunc(out.Relayers, func(a, b api.Relayer) int {
		return cmp.Or(strings.Compare(a.Chain, b.Chain), bytes.Compare(a.Signer[:], b.Signer[:]))
	})
	writeJSON(w, http.StatusOK, out)
}

// relayersResult is one chain's answer to cw_listRelayers.
type relayersResult struct {
	list *chains.RelayerList
	err  error
}

// chainRelayers asks every chain for its relayers at once.
func (s *server) chainRelayers(ctx context.Context) map[string]relayersResult {
	out := make(map[string]relayersResult, len(s.chains.list))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, ch := range s.chains.list {
		wg.Go(func() {
			list, err := ch.relayers(ctx)
			if err != nil {
				s.log.Debug("relayers unreadable", zap.String("chain_id", ch.id), zap.Error(err))
			}
			mu.Lock()
			out[ch.id] = relayersResult{list, err}
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
