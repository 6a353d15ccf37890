package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
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
func (deadNode) Route(context.Context, string) (*chains.Route, error) { return nil, errNoAnswer }

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

func TestListRelayers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var list api.RelayerList
	e.get("/v1/relayers").decode(t, &list)
	require.NotNil(t, list.Relayers)
	require.Empty(t, list.Relayers)

	relayer := relaytest.FreshAddress()
	for i := range 3 {
		var h attest.Hash
		h[0], h[1] = 0x77, byte(i)
		_, err := e.store.CreateSubmission(t.Context(), &settlement.Submission{Chain: "beta", TxHash: h, Kind: settlement.KindRecv,
			Signer: relayer, Nonce: uint64(i), BatchSize: 2, Status: settlement.SubmissionPending})
		require.NoError(t, err)
		_, err = e.store.UpdateSubmission(t.Context(), "beta", h, settlement.SubmissionUpdate{Status: settlement.SubmissionIncluded, Height: 5})
		require.NoError(t, err)
	}
	e.get("/v1/relayers").decode(t, &list)
	require.Len(t, list.Relayers, 1)
	require.Equal(t, relayer, list.Relayers[0].Signer)
	require.Equal(t, "beta", list.Relayers[0].Chain)
	require.Equal(t, 3, list.Relayers[0].Included)
	require.Equal(t, 6, list.Relayers[0].Packets)
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

// memberNode answers cw_getMember from a fixed table, as a consortium
// chain's node would; every other call goes to the wrapped node.
type memberNode struct {
	Node
	members map[attest.Address]*chains.Member
}

func (m *memberNode) Member(_ context.Context, addr attest.Address) (*chains.Member, error) {
	return m.members[addr], nil
}

// consortiumMembers is a relayer with a bond and a blacklisted exchange.
func consortiumMembers(t *testing.T) (*memberNode, attest.Address, attest.Address) {
	relayer, banned := relaytest.FreshAddress(), relaytest.FreshAddress()
	return &memberNode{Node: testPair(t).Beta.RPC, members: map[attest.Address]*chains.Member{
		relayer: {Height: 9, Address: relayer, Role: attest.RoleRelayer, Parent: "acme/ops", Status: "active",
			Permissions: []string{"relay"}, AdmittedHeight: 4, Endorsers: []string{"ca-1", "ca-2"},
			Bond: &chains.MemberBond{Denom: "USD", Amount: "900", Slashed: "100"}},
		banned: {Height: 9, Address: banned, Role: attest.RoleExchange, Parent: "acme", Status: "blacklisted",
			Permissions: []string{"send", "transfer"}, Endorsers: []string{}},
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
	e.get("/v1/members/beta/"+banned.Hex()).decode(t, &m)
	require.Equal(t, "blacklisted", m.Status)

	e.get("/v1/members/beta/"+relaytest.FreshAddress().Hex()).requireProblem(t, http.StatusNotFound, api.CodeNotFound)
	e.get("/v1/members/alpha/"+relayer.Hex()).requireProblem(t, http.StatusNotFound, api.CodeNotFound) // an open chain
	e.get("/v1/members/gamma/"+relayer.Hex()).requireProblem(t, http.StatusNotFound, api.CodeUnknownChain)
	e.get("/v1/members/beta/0x12").requireProblem(t, http.StatusBadRequest, api.CodeInvalidParameter)
}
