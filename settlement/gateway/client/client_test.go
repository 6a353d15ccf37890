package client_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/client"
)

const testKey = "cwk_0123456789ab_0123456789abcdef0123456789abcdef0123456789abcdef"

// writeProblem answers as the gateway does on an error.
func writeProblem(w http.ResponseWriter, code api.Code, detail string) {
	p := api.NewProblem(code, detail)
	w.Header().Set("Content-Type", api.ContentTypeProblem)
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func newClient(t *testing.T, h http.Handler, key string) *client.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL+"/", key)
	require.NoError(t, err)
	return c
}

func TestNewRefusesBadURLs(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "127.0.0.1:27080", "ftp://host", "http://", "://x"} {
		_, err := client.New(bad, "")
		require.ErrorIs(t, err, client.ErrBadURL, bad)
	}
	c, err := client.New("https://gw.example/prefix/", "")
	require.NoError(t, err)
	require.Equal(t, "https://gw.example/prefix/v1/chains", c.URL("/v1/chains"))
}

func TestSubmitSendsKeysAndBody(t *testing.T) {
	t.Parallel()
	to := attest.Address{0xbb}
	id := settlement.SubmittedTransferID("alpha", "beta", attest.Hash{0x11})
	var got api.SubmitRequest
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/transfers", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			writeProblem(w, api.CodeUnauthorized, "no key")
			return
		}
		if r.Header.Get(api.HeaderIdempotencyKey) != "idem-1" || r.Header.Get("Content-Type") != "application/json" {
			writeProblem(w, api.CodeIdempotencyMissing, "")
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &got); err != nil {
			writeProblem(w, api.CodeInvalidJSON, err.Error())
			return
		}
		writeJSON(w, http.StatusAccepted, api.SubmitResponse{ID: id, Status: settlement.StatusSubmitted, URL: api.TransferPath(id)})
	})
	c := newClient(t, mux, testKey)
	req := api.SubmitRequest{Intent: &api.Intent{From: api.Endpoint{Chain: "alpha", Address: attest.Address{0xaa}},
		To: api.Endpoint{Chain: "beta", Address: to}, Amount: "10", Denom: "USD", TimeoutSeconds: 600}}
	resp, err := c.Submit(t.Context(), "idem-1", req)
	require.NoError(t, err)
	require.Equal(t, id, resp.ID)
	require.Equal(t, settlement.StatusSubmitted, resp.Status)
	require.Equal(t, req, got)

	_, err = c.Submit(t.Context(), "other", req)
	require.Equal(t, api.CodeIdempotencyMissing, client.ProblemCode(err))

	anon := newClient(t, mux, "")
	_, err = anon.Submit(t.Context(), "idem-1", req)
	var p *api.Problem
	require.ErrorAs(t, err, &p)
	require.Equal(t, api.CodeUnauthorized, p.Code)
	require.Equal(t, http.StatusUnauthorized, p.Status)
	require.Equal(t, "no key", p.Detail)
}

func TestReadsDecodeAnswersAndProblems(t *testing.T) {
	t.Parallel()
	id := settlement.PacketTransferID("alpha", "beta", 7)
	addr := attest.Address{0xcc}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/transfers/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != string(id) {
			writeProblem(w, api.CodeNotFound, "no transfer "+r.PathValue("id"))
			return
		}
		writeJSON(w, http.StatusOK, api.Transfer{ID: id, Status: settlement.StatusFinished, Amount: "10"})
	})
	mux.HandleFunc("GET /v1/transfers", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("account") != addr.Hex() || q.Get("status") != "finished" || q.Get("route") != "alpha.beta" ||
			q.Get("limit") != "5" || q.Get("cursor") != "c1" {
			writeProblem(w, api.CodeInvalidParameter, r.URL.RawQuery)
			return
		}
		writeJSON(w, http.StatusOK, api.TransferPage{Transfers: []*api.Transfer{{ID: id}}, NextCursor: "c2"})
	})
	mux.HandleFunc("GET /v1/chains", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, api.ChainList{Chains: []api.Chain{{ID: "alpha", Up: true, Height: 9}, {ID: "beta"}}})
	})
	mux.HandleFunc("GET /v1/accounts/{chain}/{addr}", func(w http.ResponseWriter, r *http.Request) {
		a, err := attestAddress(r.PathValue("addr"))
		if err != nil || r.PathValue("chain") != "beta" {
			writeProblem(w, api.CodeInvalidParameter, "bad account")
			return
		}
		writeJSON(w, http.StatusOK, api.Account{Chain: "beta", Address: a, Nonce: 4,
			Balances: []api.Coin{{Denom: "alpha/USD", Amount: "10"}}})
	})
	mux.HandleFunc("GET /v1/routes", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>proxy error</html>")
	})
	c := newClient(t, mux, "")

	tr, err := c.Transfer(t.Context(), id)
	require.NoError(t, err)
	require.Equal(t, settlement.StatusFinished, tr.Status)
	_, err = c.Transfer(t.Context(), settlement.PacketTransferID("alpha", "beta", 8))
	require.Equal(t, api.CodeNotFound, client.ProblemCode(err))
	require.ErrorContains(t, err, "no transfer alpha.beta.8")

	page, err := c.List(t.Context(), client.ListQuery{Account: addr, Route: api.RouteID("alpha", "beta"),
		Status: settlement.StatusFinished, Cursor: "c1", Limit: 5})
	require.NoError(t, err)
	require.Equal(t, "c2", page.NextCursor)
	require.Len(t, page.Transfers, 1)
	_, err = c.List(t.Context(), client.ListQuery{})
	require.Equal(t, api.CodeInvalidParameter, client.ProblemCode(err))

	ch, err := c.Chain(t.Context(), "alpha")
	require.NoError(t, err)
	require.EqualValues(t, 9, ch.Height)
	_, err = c.Chain(t.Context(), "gamma")
	require.Equal(t, api.CodeUnknownChain, client.ProblemCode(err))

	acct, err := c.Account(t.Context(), "beta", addr)
	require.NoError(t, err)
	require.Equal(t, addr, acct.Address)
	require.EqualValues(t, 4, acct.Nonce)

	_, err = c.Routes(t.Context())
	require.ErrorIs(t, err, client.ErrUnexpectedResponse)
	require.ErrorContains(t, err, "HTTP 502: <html>proxy error</html>")
	require.Empty(t, client.ProblemCode(err))
}

func attestAddress(s string) (attest.Address, error) {
	var a attest.Address
	return a, a.UnmarshalText([]byte(s))
}
