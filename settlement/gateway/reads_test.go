package gateway

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// committedRow is a transfer as a watcher records it, numbered n.
func committedRow(n uint64, sender attest.Address) *settlement.Transfer {
	var h attest.Hash
	h[0], h[31] = 0x5c, byte(n)
	h[30] = byte(n >> 8)
	return &settlement.Transfer{Src: "alpha", Dst: "beta", Seq: n, Status: settlement.StatusSourceCommitted,
		Sender: sender, Receiver: relaytest.FreshAddress(), Denom: relaytest.Denom, Amount: uint256.NewInt(n),
		Fee: uint256.NewInt(1), TimeoutTimeMs: 1, Source: settlement.StageRecord{Height: n, TxHash: h, Time: time.Now()}}
}

func TestGetTransfer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.requireAccepted(e.submit("mine", signedBody(e.signedTransfer(sender(t), 9))))

	var got api.Transfer
	e.get("/v1/transfers/"+string(resp.ID)).decode(t, &got)
	require.Equal(t, resp.ID, got.ID)
	require.Equal(t, "mine", got.ClientRef, "shown to the client that submitted it")
	require.NotEmpty(t, got.Timeline)

	zeta, _ := createKey(t, e.store, otherClient, 0, 0)
	for name, hdr := range map[string][]string{"another client": {"X-API-Key", zeta}, "anonymous": nil} {
		r := e.do(http.MethodGet, "/v1/transfers/"+string(resp.ID), nil, hdr...)
		var other api.Transfer
		r.decode(t, &other)
		require.Empty(t, other.ClientRef, name)
		require.Equal(t, got.Amount, other.Amount, name)
	}

	e.get("/v1/transfers/nonsense").requireProblem(t, http.StatusBadRequest, api.CodeInvalidParameter)
	e.get("/v1/transfers/alpha.beta.0").requireProblem(t, http.StatusBadRequest, api.CodeInvalidParameter)
	e.get("/v1/transfers/alpha.beta.77").requireProblem(t, http.StatusNotFound, api.CodeNotFound)
}

func TestListTransfers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := relaytest.FreshAddress(), relaytest.FreshAddress()
	const n = 7
	for i := uint64(1); i <= n; i++ {
		who := alice
		if i%2 == 0 {
			who = bob
		}
		_, _, err := e.store.CreateTransfer(t.Context(), committedRow(i, who))
		require.NoError(t, err)
	}
	seen := map[settlement.TransferID]bool{}
	cursor := ""
	for page := 0; ; page++ {
		q := url.Values{"limit": {"3"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var p api.TransferPage
		e.get("/v1/transfers?"+q.Encode()).decode(t, &p)
		require.LessOrEqual(t, len(p.Transfers), 3)
		for _, tr := range p.Transfers {
			require.False(t, seen[tr.ID], "no transfer twice")
			seen[tr.ID] = true
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
		require.Less(t, page, n, "paging ends")
	}
	require.Len(t, seen, n)

	var p api.TransferPage
	e.get("/v1/transfers?account="+alice.Hex()).decode(t, &p)
	require.Len(t, p.Transfers, 4)
	for _, tr := range p.Transfers {
		require.Equal(t, alice, tr.Sender)
	}
	e.get("/v1/transfers?route=beta.alpha").decode(t, &p)
	require.Empty(t, p.Transfers)
	require.NotNil(t, p.Transfers, "an empty page is [], not null")
	e.get("/v1/transfers?route=alpha.beta&status=source_committed&limit=1000").decode(t, &p)
	require.Len(t, p.Transfers, n)
	e.get("/v1/transfers?status=finished").decode(t, &p)
	require.Empty(t, p.Transfers)

	for q, param := range map[string]string{
		"limit=0": "limit", "limit=1001": "limit", "limit=x": "limit", "account=0x12": "account",
		"account=" + alice.Hex()[2:]: "account", "route=alpha": "route", "route=alpha.alpha": "route",
		"route=Alpha.beta": "route", "status=done": "status", "cursor=": "cursor", "cursor=zzz": "cursor",
		"sort=asc": "sort", "limit=1&limit=2": "limit",
	} {
		p := e.get("/v1/transfers?"+q).requireProblem(t, http.StatusBadRequest, api.CodeInvalidParameter)
		require.Equal(t, param, p.Errors[0].Field, q)
	}
}

func TestListChains(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var list api.ChainList
	e.get("/v1/chains").decode(t, &list)
	require.Len(t, list.Chains, 2)
	for i, c := range e.pair.Chains() {
		got := list.Chains[i]
		require.Equal(t, c.ID, got.ID)
		require.Equal(t, c.GenesisHash(), got.GenesisHash)
		require.True(t, got.Up)
		require.Positive(t, got.Height)
		require.False(t, got.BlockTime.IsZero())
		require.Len(t, got.Validators, 4)
		require.Positive(t, got.TotalPower)
		require.Equal(t, 1, got.Endpoints)
		require.Equal(t, 1, got.EndpointsUp)
	}
}

// deadNode answers nothing: every call is a transport error.
type deadNode struct{ Node }

func (deadNode) Status(context.Context) (*chains.Status, error) { return nil, errNoAnswer }
func (deadNode) Validators(context.Context) (*chains.Validators, error) {
	return nil, errNoAnswer
}
func (deadNode) Account(context.Context, attest.Address) (*chains.Account, error) {
	return nil, errNoAnswer
}
func (deadNode) Route(context.Context, string) (*chains.Route, error)  { return nil, errNoAnswer }
func (deadNode) Relayers(context.Context) (*chains.RelayerList, error) { return nil, errNoAnswer }
func (deadNode) Members(context.Context, chains.MemberQuery) (*chains.MemberPage, error) {
	return nil, errNoAnswer
}
func (deadNode) Slashes(context.Context, chains.SlashQuery) (*chains.SlashPage, error) {
	return nil, errNoAnswer
}

// A chain whose endpoints are all down is listed with up=false, and what
// needs it answers 503.
func TestChainDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withNodes("beta", deadNode{}, deadNode{}))
	var list api.ChainList
	e.get("/v1/chains").decode(t, &list)
	require.True(t, list.Chains[0].Up)
	beta := list.Chains[1]
	require.False(t, beta.Up)
	require.Zero(t, beta.Height)
	require.Empty(t, beta.Validators)
	require.Equal(t, 2, beta.Endpoints)
	require.Zero(t, beta.EndpointsUp)

	e.get("/v1/accounts/beta/"+relaytest.FreshAddress().Hex()).requireProblem(t, http.StatusServiceUnavailable, api.CodeChainUnavailable)
	var routes api.RouteList
	e.get("/v1/routes").decode(t, &routes)
	require.Len(t, routes.Routes, 1, "alpha's route only")
	require.Equal(t, "alpha.beta", routes.Routes[0].ID)
}

func TestListRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var list api.RouteList
	e.get("/v1/routes").decode(t, &list)
	require.Len(t, list.Routes, 2)
	for i, want := range [][2]string{{"alpha", "beta"}, {"beta", "alpha"}} {
		r := list.Routes[i]
		require.Equal(t, api.RouteID(want[0], want[1]), r.ID)
		require.Equal(t, want[0], r.Src)
		require.Equal(t, want[1], r.Dst)
		require.True(t, r.Open)
		require.Positive(t, r.NextSequence)
		require.Positive(t, r.Height)
		require.NotNil(t, r.Limits)
	}
}

func TestGetAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	addr := attest.AddressOf(sender(t))
	var got api.Account
	e.get("/v1/accounts/alpha/"+addr.Hex()).decode(t, &got)
	want, err := e.pair.Alpha.RPC.Account(t.Context(), addr)
	require.NoError(t, err)
	require.Equal(t, "alpha", got.Chain)
	require.Equal(t, addr, got.Address)
	require.Equal(t, want.Nonce, got.Nonce)
	require.NotEmpty(t, got.Balances)
	require.Equal(t, want.Balances[0].Denom, got.Balances[0].Denom)

	var fresh api.Account
	e.get("/v1/accounts/beta/"+relaytest.FreshAddress().Hex()).decode(t, &fresh)
	require.Zero(t, fresh.Nonce)
	require.NotNil(t, fresh.Balances)
	require.Empty(t, fresh.Balances)

	e.get("/v1/accounts/gamma/"+addr.Hex()).requireProblem(t, http.StatusNotFound, api.CodeUnknownChain)
	p := e.get("/v1/accounts/alpha/0x1234").requireProblem(t, http.StatusBadRequest, api.CodeInvalidParameter)
	require.Equal(t, "address", p.Errors[0].Field)
}

func TestReconciliation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var rep api.ReconciliationReport
	e.get("/v1/reconciliation").decode(t, &rep)
	require.True(t, rep.OK, "no check has failed")
	require.NotNil(t, rep.Results)

	for i, ok := range []bool{true, false} {
		r := &settlement.Reconciliation{At: time.Now(), Src: "alpha", Dst: "beta", Denom: fmt.Sprintf("D%d", i),
			Escrow: uint256.NewInt(10), Vouchers: uint256.NewInt(10), InFlight: uint256.NewInt(0), OK: ok}
		require.NoError(t, e.store.SaveReconciliation(t.Context(), r))
	}
	e.get("/v1/reconciliation").decode(t, &rep)
	require.False(t, rep.OK)
	require.Len(t, rep.Results, 2)
	require.Equal(t, "10", rep.Results[0].Escrow.Dec())
}

// memberNode answers the registry's reads from fixed tables, as a
// consortium chain's node would; every other call goes to the wrapped node.
type memberNode struct {
	Node
	members map[attest.Address]*chains.Member
	slashes []*chains.Slash // in tx-hash order
}

func (m *memberNode) Member(_ context.Context, addr attest.Address) (*chains.Member, error) {
	return m.members[addr], nil
}

func (m *memberNode) sorted() []*chains.Member {
	out := slices.Collect(maps.Values(m.members))
	slices.SortFunc(out, func(a, b *chains.Member) int { return bytes.Compare(a.Address[:], b.Address[:]) })
	return out
}

func (m *memberNode) Members(_ context.Context, q chains.MemberQuery) (*chains.MemberPage, error) {
	if q.Limit == 0 {
		q.Limit = rpc.DefaultListLimit
	}
	out := &chains.MemberPage{Height: 9, Members: []*chains.Member{}}
	for _, mem := range m.sorted() {
		if (q.After != nil && bytes.Compare(mem.Address[:], q.After[:]) <= 0) || (q.Role != "" && mem.Role.String() != q.Role) {
			continue
		}
		if len(out.Members) == q.Limit {
			out.Next = &out.Members[q.Limit-1].Address
			break
		}
		out.Members = append(out.Members, mem)
	}
	return out, nil
}

func (m *memberNode) Relayers(context.Context) (*chains.RelayerList, error) {
	out := &chains.RelayerList{Height: 9, Terms: &chains.BondTerms{Denom: "USD", Min: "500", UnbondDelayMs: 60_000, SlashPermille: 100},
		Relayers: []*chains.Relayer{}}
	for _, mem := range m.sorted() {
		if mem.Role != attest.RoleRelayer {
			continue
		}
		r := &chains.Relayer{Address: mem.Address, Role: &mem.Role, Status: mem.Status, Bond: mem.Bond, FeesEarned: mem.FeesEarned}
		for _, s := range m.slashes {
			if s.Relayer == mem.Address {
				r.Slashes++
			}
		}
		out.Relayers = append(out.Relayers, r)
	}
	return out, nil
}

func (m *memberNode) Slashes(_ context.Context, q chains.SlashQuery) (*chains.SlashPage, error) {
	out := &chains.SlashPage{Height: 9, Slashes: []*chains.Slash{}}
	for _, s := range m.slashes {
		if (q.After != nil && bytes.Compare(s.TxHash[:], q.After[:]) <= 0) || (q.Relayer != nil && s.Relayer != *q.Relayer) {
			continue
		}
		if q.Limit > 0 && len(out.Slashes) == q.Limit {
			out.Next = &out.Slashes[q.Limit-1].TxHash
			break
		}
		out.Slashes = append(out.Slashes, s)
	}
	return out, nil
}

// consortiumMembers is a relayer with a bond, fees earned and two
// slashings, a blacklisted exchange, and a second relayer that never
// relayed.
func consortiumMembers(t *testing.T) (*memberNode, attest.Address, attest.Address) {
	relayer, banned := relaytest.FreshAddress(), relaytest.FreshAddress()
	idle := relaytest.FreshAddress()
	return &memberNode{Node: testPair(t).Beta.RPC, members: map[attest.Address]*chains.Member{
		relayer: {Height: 9, Address: relayer, Role: attest.RoleRelayer, Parent: "acme/ops", Status: "active",
			Permissions: []string{"relay"}, AdmittedHeight: 4, Endorsers: []string{"ca-1", "ca-2"},
			Bond:       &chains.MemberBond{Denom: "USD", Amount: "900", Slashed: "100"},
			FeesEarned: []chains.Balance{{Denom: "USD", Amount: "42"}}},
		banned: {Height: 9, Address: banned, Role: attest.RoleExchange, Parent: "acme", Status: "blacklisted",
			Permissions: []string{"send", "transfer"}, Endorsers: []string{}, FeesEarned: []chains.Balance{}},
		idle: {Height: 9, Address: idle, Role: attest.RoleRelayer, Parent: "acme/ops", Status: "active",
			Permissions: []string{"relay"}, AdmittedHeight: 5, Endorsers: []string{"ca-1", "ca-2"}, FeesEarned: []chains.Balance{}},
	}, slashes: []*chains.Slash{
		{Relayer: relayer, TxHash: attest.Hash{0x01}, Type: "xfer.recv", Code: 101, Height: 6, Denom: "USD", Amount: "50"},
		{Relayer: relayer, TxHash: attest.Hash{0x02}, Type: "xfer.ack", Code: 105, Height: 7, Denom: "USD", Amount: "50"},
	}}, relayer, banned
}

func TestGetMember(t *testing.T) {
	t.Parallel()
	node, relayer, banned := consortiumMembers(t)
	e := newEnv(t, withNodes("beta", node))
	var m api.Member
	e.get("/v1/members/beta/"+relayer.Hex()).decode(t, &m)
	require.Equal(t, "beta", m.Chain)
	require.Equal(t, "relayer", m.Role)
	require.Equal(t, &api.MemberBond{Denom: "USD", Amount: "900", Slashed: "100"}, m.Bond)
	require.Equal(t, []string{"ca-1", "ca-2"}, m.Endorsers)
	require.Equal(t, []api.Coin{{Denom: "USD", Amount: "42"}}, m.FeesEarned)
	e.get("/v1/members/beta/"+banned.Hex()).decode(t, &m)
	require.Equal(t, "blacklisted", m.Status)

	e.get("/v1/members/beta/"+relaytest.FreshAddress().Hex()).requireProblem(t, http.StatusNotFound, api.CodeNotFound)
	e.get("/v1/members/alpha/"+relayer.Hex()).requireProblem(t, http.StatusNotFound, api.CodeNotFound) // an open chain
	e.get("/v1/members/gamma/"+relayer.Hex()).requireProblem(t, http.StatusNotFound, api.CodeUnknownChain)
	e.get("/v1/members/beta/0x12").requireProblem(t, http.StatusBadRequest, api.CodeInvalidParameter)
}

// Members list by address with a cursor, filtered by role; an open chain
// lists none.
func TestListMembers(t *testing.T) {
	t.Parallel()
	node, relayer, banned := consortiumMembers(t)
	e := newEnv(t, withNodes("beta", node))
	var all api.MemberList
	e.get("/v1/members/beta").decode(t, &all)
	require.Equal(t, "beta", all.Chain)
	require.Len(t, all.Members, 3)
	require.Empty(t, all.NextCursor)

	var walked []attest.Address
	path := "/v1/members/beta?limit=1"
	for range 10 {
		var page api.MemberList
		e.get(path).decode(t, &page)
		require.LessOrEqual(t, len(page.Members), 1)
		for _, m := range page.Members {
			walked = append(walked, m.Address)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/v1/members/beta?limit=1&cursor=" + page.NextCursor
	}
	require.Len(t, walked, 3)
	for i, m := range all.Members {
		require.Equal(t, m.Address, walked[i], "pages walk the list in order")
	}

	var relayers api.MemberList
	e.get("/v1/members/beta?role=relayer").decode(t, &relayers)
	require.Len(t, relayers.Members, 2)
	require.NotContains(t, []attest.Address{relayers.Members[0].Address, relayers.Members[1].Address}, banned)
	require.Contains(t, []attest.Address{relayers.Members[0].Address, relayers.Members[1].Address}, relayer)

	var open api.MemberList
	e.get("/v1/members/alpha").decode(t, &open)
	require.NotNil(t, open.Members)
	require.Empty(t, open.Members, "an open chain has no members")

	e.get("/v1/members/gamma").requireProblem(t, http.StatusNotFound, api.CodeUnknownChain)
	for q, field := range map[string]string{
		"role=king": "role", "limit=0": "limit", "limit=1001": "limit", "limit=x": "limit", "cursor=": "cursor",
		"cursor=0x12": "cursor", "status=active": "status", "role=user&role=relayer": "role",
	} {
		p := e.get("/v1/members/beta?"+q).requireProblem(t, http.StatusBadRequest, api.CodeInvalidParameter)
		require.Equal(t, field, p.Errors[0].Field, q)
	}
}

// Slashings list with their evidence, by relayer and page.
func TestListSlashes(t *testing.T) {
	t.Parallel()
	node, relayer, _ := consortiumMembers(t)
	e := newEnv(t, withNodes("beta", node))
	var list api.SlashList
	e.get("/v1/slashes/beta").decode(t, &list)
	require.Len(t, list.Slashes, 2)
	require.Equal(t, api.Slash{Relayer: relayer, TxHash: attest.Hash{0x01}, Type: "xfer.recv", Code: 101, Height: 6,
		Denom: "USD", Amount: "50"}, list.Slashes[0])

	e.get("/v1/slashes/beta?limit=1").decode(t, &list)
	require.Len(t, list.Slashes, 1)
	require.Equal(t, attest.Hash{0x01}.Hex(), list.NextCursor)
	e.get("/v1/slashes/beta?limit=1&cursor="+list.NextCursor).decode(t, &list)
	require.Equal(t, "xfer.ack", list.Slashes[0].Type)

	e.get("/v1/slashes/beta?relayer="+relaytest.FreshAddress().Hex()).decode(t, &list)
	require.NotNil(t, list.Slashes)
	require.Empty(t, list.Slashes)

	e.get("/v1/slashes/beta?relayer=0x12").requireProblem(t, http.StatusBadRequest, api.CodeInvalidParameter)
	e.get("/v1/slashes/beta?cursor=0x12").requireProblem(t, http.StatusBadRequest, api.CodeInvalidParameter)
	e.get("/v1/slashes/gamma").requireProblem(t, http.StatusNotFound, api.CodeUnknownChain)
	down := newEnv(t, withNodes("beta", deadNode{}))
	down.get("/v1/slashes/beta").requireProblem(t, http.StatusServiceUnavailable, api.CodeChainUnavailable)
}

// The relayer list joins the store's submissions with each chain's record
// of bonds, fees and slashings; a chain that does not answer is named and
// its relayers keep what the store holds.
func TestListRelayers(t *testing.T) {
	t.Parallel()
	node, relayer, _ := consortiumMembers(t)
	e := newEnv(t, withNodes("beta", node))
	var before api.RelayerList
	e.get("/v1/relayers").decode(t, &before)
	require.NotNil(t, before.Relayers)

	storeOnly := relaytest.FreshAddress()
	for i, signer := range []attest.Address{relayer, relayer, relayer, storeOnly} {
		var h attest.Hash
		h[0], h[1] = 0x77, byte(i)
		_, err := e.store.CreateSubmission(t.Context(), &settlement.Submission{Chain: "beta", TxHash: h, Kind: settlement.KindRecv,
			Signer: signer, Nonce: uint64(i), BatchSize: 2, Status: settlement.SubmissionPending})
		require.NoError(t, err)
		_, err = e.store.UpdateSubmission(t.Context(), "beta", h, settlement.SubmissionUpdate{Status: settlement.SubmissionIncluded, Height: 5})
		require.NoError(t, err)
	}
	find := func(list api.RelayerList, chain string, signer attest.Address) *api.Relayer {
		for i := range list.Relayers {
			if r := &list.Relayers[i]; r.Chain == chain && r.Signer == signer {
				return r
			}
		}
		return nil
	}
	var list api.RelayerList // fresh: decoding into a used list keeps fields the new one omits
	e.get("/v1/relayers").decode(t, &list)
	require.Empty(t, list.Unavailable)
	require.Equal(t, "500", list.BondTerms["beta"].Min)
	require.NotContains(t, list.BondTerms, "alpha", "an open chain has no terms")
	r := find(list, "beta", relayer)
	require.NotNil(t, r)
	require.Equal(t, 3, r.Included)
	require.Equal(t, 6, r.Packets)
	require.NotNil(t, r.LastAt)
	require.Equal(t, "relayer", r.Role)
	require.Equal(t, "active", r.Status)
	require.Equal(t, &api.MemberBond{Denom: "USD", Amount: "900", Slashed: "100"}, r.Bond)
	require.Equal(t, []api.Coin{{Denom: "USD", Amount: "42"}}, r.FeesEarned)
	require.Equal(t, 2, r.Slashes)
	so := find(list, "beta", storeOnly)
	require.NotNil(t, so)
	require.Equal(t, 1, so.Included)
	require.Empty(t, so.Role, "not a member")
	require.Nil(t, so.Bond)
	idle := 0
	for _, x := range list.Relayers {
		if x.Chain == "beta" && x.LastAt == nil {
			idle++
			require.Equal(t, "relayer", x.Role)
			require.Zero(t, x.Included)
		}
	}
	require.Equal(t, 1, idle, "the relayer that never relayed is listed from the chain")
	require.True(t, slices.IsSortedFunc(list.Relayers, func(a, b api.Relayer) int {
		return cmp.Or(strings.Compare(a.Chain, b.Chain), bytes.Compare(a.Signer[:], b.Signer[:]))
	}))

	down := newEnv(t, withNodes("beta", deadNode{}), withStore(e.store))
	var partial api.RelayerList
	down.get("/v1/relayers").decode(t, &partial)
	require.Equal(t, []string{"beta"}, partial.Unavailable)
	r = find(partial, "beta", relayer)
	require.NotNil(t, r, "the store's record stays")
	require.Equal(t, 3, r.Included)
	require.Nil(t, r.Bond)
}
