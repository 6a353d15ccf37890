package main

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc/rpctest"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// fakeGateway is a scripted gateway: it accepts submissions, keeps each
// transfer's stages, and plays them on the feed, dropping the first feed
// connection midway so the CLI has to resume.
type fakeGateway struct {
	t       *testing.T
	key     string
	ending  settlement.Status // finished, refunded or rejected
	genesis attest.Hash
	block   time.Time

	mu        sync.Mutex
	submits   []api.SubmitRequest
	idemKeys  []string
	fromSeqs  []uint64
	stages    map[settlement.TransferID][]*settlement.Transfer
	connected int
}

func newFakeGateway(t *testing.T, ending settlement.Status) (*fakeGateway, string) {
	g := &fakeGateway{t: t, key: "cwk_00112233aabb_" + strings.Repeat("ab", 24), ending: ending,
		genesis: attest.Hash{0x9e}, block: time.UnixMilli(1_700_000_000_000), stages: map[settlement.TransferID][]*settlement.Transfer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/transfers", g.submit)
	mux.HandleFunc("GET /v1/transfers/{id}", g.get)
	mux.HandleFunc("GET /v1/chains", func(w http.ResponseWriter, _ *http.Request) {
		writeTestJSON(w, http.StatusOK, api.ChainList{Chains: []api.Chain{
			{ID: "alpha", GenesisHash: g.genesis, Up: true, Height: 40, BlockTime: g.block}, {ID: "beta", Up: true}}})
	})
	mux.HandleFunc("GET /v1/accounts/{chain}/{addr}", func(w http.ResponseWriter, r *http.Request) {
		var a attest.Address
		require.NoError(t, a.UnmarshalText([]byte(r.PathValue("addr"))))
		writeTestJSON(w, http.StatusOK, api.Account{Chain: r.PathValue("chain"), Address: a, Nonce: 5})
	})
	mux.HandleFunc("GET "+api.StreamPath, g.stream)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return g, srv.URL
}

func writeTestJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeTestProblem(w http.ResponseWriter, code api.Code, detail string) {
	p := api.NewProblem(code, detail)
	w.Header().Set("Content-Type", api.ContentTypeProblem)
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func (g *fakeGateway) submit(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+g.key {
		writeTestProblem(w, api.CodeUnauthorized, "unknown API key")
		return
	}
	var req api.SubmitRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeTestProblem(w, api.CodeInvalidJSON, err.Error())
		return
	}
	row := &settlement.Transfer{Src: "alpha", Dst: "beta", Status: settlement.StatusSubmitted, Amount: uint256.NewInt(0),
		Fee: uint256.NewInt(0), ClientID: "test", ClientRef: r.Header.Get(api.HeaderIdempotencyKey), CreatedAt: time.Now()}
	switch {
	case req.Intent != nil:
		in := req.Intent
		if in.Amount == "999" {
			writeTestProblem(w, api.CodeTxRefused, "insufficient funds: balance 10 USD")
			return
		}
		row.Sender, row.Receiver, row.Denom = in.From.Address, in.To.Address, in.Denom
		row.Amount = uint256.MustFromDecimal(in.Amount)
		row.Source.TxHash = attest.Hash{0x51}
	default:
		raw, err := hex.DecodeString(strings.TrimPrefix(req.SignedTx, "0x"))
		require.NoError(g.t, err)
		t, err := tx.Decode(raw)
		require.NoError(g.t, err)
		sender, err := t.Sender(g.genesis)
		require.NoError(g.t, err)
		x, err := xfer.DecodeTransfer(t.Payload)
		require.NoError(g.t, err)
		row.Sender, row.Receiver, row.Denom, row.Amount = sender, x.Receiver, x.Denom, x.Amount
		row.Source.TxHash = t.Hash()
	}
	row.ID = settlement.SubmittedTransferID("alpha", "beta", row.Source.TxHash)
	g.mu.Lock()
	g.submits = append(g.submits, req)
	g.idemKeys = append(g.idemKeys, row.ClientRef)
	g.stages[row.ID] = g.script(row)
	g.mu.Unlock()
	writeTestJSON(w, http.StatusAccepted, api.SubmitResponse{ID: row.ID, Status: row.Status, TxHash: row.Source.TxHash,
		URL: api.TransferPath(row.ID), Transfer: api.ViewOf(row, true)})
}

// script is the rows the transfer goes through after submitted.
func (g *fakeGateway) script(first *settlement.Transfer) []*settlement.Transfer {
	at := func(st settlement.Status, change func(*settlement.Transfer)) *settlement.Transfer {
		c := *first
		c.Status, c.StatusAt = st, time.Now()
		change(&c)
		*first = c // the next stage builds on this one
		out := c
		return &out
	}
	relayer := attest.Address{0x7e}
	rows := []*settlement.Transfer{at(settlement.StatusSubmitted, func(*settlement.Transfer) {})}
	if g.ending == settlement.StatusRejected {
		return append(rows, at(settlement.StatusRejected, func(c *settlement.Transfer) {
			c.RejectCode, c.LastError = 204, "insufficient balance"
		}))
	}
	rows = append(rows,
		at(settlement.StatusSourceCommitted, func(c *settlement.Transfer) {
			c.Seq, c.Source.Height = 3, 41
		}),
		at(settlement.StatusDelivered, func(c *settlement.Transfer) {
			c.Delivery = settlement.StageRecord{Height: 17, TxHash: attest.Hash{0xde}, Relayer: relayer}
			c.Receipt = &settlement.Receipt{Status: settlement.ReceiptOK}
			if g.ending == settlement.StatusRefunded {
				c.Receipt = &settlement.Receipt{Status: settlement.ReceiptTimeout}
			}
		}))
	return append(rows, at(g.ending, func(c *settlement.Transfer) {
		c.Confirm = settlement.StageRecord{Height: 43, TxHash: attest.Hash{0xac}, Relayer: relayer}
	}))
}

func (g *fakeGateway) get(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	rows := g.stages[settlement.TransferID(r.PathValue("id"))]
	g.mu.Unlock()
	if rows == nil {
		writeTestProblem(w, api.CodeNotFound, "no transfer "+r.PathValue("id"))
		return
	}
	writeTestJSON(w, http.StatusOK, api.ViewOf(rows[len(rows)-1], true))
}

// stream plays a transfer's rows as events with seqs 1, 2, …; the first
// connection is cut after two events.
func (g *fakeGateway) stream(w http.ResponseWriter, r *http.Request) {
	conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	var sub api.ClientMessage
	if conn.ReadJSON(&sub) != nil || sub.FromSeq == nil {
		return
	}
	g.mu.Lock()
	g.connected++
	first := g.connected == 1
	g.fromSeqs = append(g.fromSeqs, *sub.FromSeq)
	rows := g.stages[sub.Transfer]
	g.mu.Unlock()
	_ = conn.WriteJSON(api.ServerMessage{Type: api.MsgSubscribed, ID: sub.ID, Seq: uint64(len(rows))})
	for i, row := range rows {
		seq := uint64(i + 1)
		if seq <= *sub.FromSeq {
			continue
		}
		if first && seq == 3 {
			return // dropped without a close frame
		}
		_ = conn.WriteJSON(api.ServerMessage{Type: api.MsgEvent, Sub: sub.ID, Seq: seq, TransferID: row.ID,
			Status: row.Status, At: row.StatusAt, Transfer: api.ViewOf(row, true)})
	}
	_, _, _ = conn.ReadMessage()
}

func transferArgs(t *testing.T, url, key string, extra ...string) []string {
	return append([]string{"transfer", "--gateway", url, "--api-key", key, "--home", t.TempDir(),
		"--from", "alpha:0x00000000000000000000000000000000000000aa", "--to", "beta:0x00000000000000000000000000000000000000bb",
		"--amount", "10", "--denom", "USD"}, extra...)
}

// An intent goes out with a fresh Idempotency-Key that is printed; --follow
// prints every stage, resumes after the feed drops, and exits 0 on finished.
func TestTransferIntentFollowFinished(t *testing.T) {
	t.Parallel()
	g, url := newFakeGateway(t, settlement.StatusFinished)
	r := causeway(t, transferArgs(t, url, g.key, "--follow", "--timeout", "90s", "--fee", "2")...)
	requireOK(t, r)
	require.Len(t, g.submits, 1)
	in := g.submits[0].Intent
	require.NotNil(t, in)
	require.Empty(t, g.submits[0].SignedTx)
	require.Equal(t, api.Intent{From: api.Endpoint{Chain: "alpha", Address: attest.Address{19: 0xaa}},
		To: api.Endpoint{Chain: "beta", Address: attest.Address{19: 0xbb}}, Amount: "10", Denom: "USD", Fee: "2",
		TimeoutSeconds: 90}, *in)
	key := g.idemKeys[0]
	require.Len(t, key, 36, "a UUID")
	require.Contains(t, r.stdout, "Idempotency-Key "+key)
	id := settlement.SubmittedTransferID("alpha", "beta", attest.Hash{0x51})
	require.Contains(t, r.stdout, "submitted "+string(id))
	require.Contains(t, r.stdout, url+"/transfers/"+string(id))
	var stages []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(line, "  ") && f[0] != "tracker" {
			stages = append(stages, f[0])
		}
	}
	require.Equal(t, []string{"submitted", "source_committed", "delivered", "finished"}, stages, r.stdout)
	require.Contains(t, r.stdout, "delivered        beta    height 17  tx 0xde0000…0000  relayer 0x7E0000…0000")
	require.Contains(t, r.stdout, "finished: 10 USD from alpha:")
	require.Equal(t, []uint64{0, 2}, g.fromSeqs, "the second connection resumes after the second event")
}

// A refund and a rejection end --follow with their own exit codes and the
// reason; a problem from the gateway prints its code and detail.
func TestTransferFollowEndings(t *testing.T) {
	t.Parallel()
	g, url := newFakeGateway(t, settlement.StatusRefunded)
	r := causeway(t, transferArgs(t, url, g.key, "--follow", "--idempotency-key", "order-17")...)
	require.Equal(t, exitRefunded, r.code, r.stderr)
	require.Contains(t, r.stderr, "refunded to 0x00000000000000000000000000000000000000AA")
	require.Contains(t, r.stderr, "receipt timeout")
	require.Equal(t, []string{"order-17"}, g.idemKeys)
	require.Contains(t, r.stdout, "  refunded")

	g, url = newFakeGateway(t, settlement.StatusRejected)
	r = causeway(t, transferArgs(t, url, g.key, "--follow")...)
	require.Equal(t, exitRejected, r.code, r.stderr)
	require.Contains(t, r.stderr, "rejected by alpha: code 204: insufficient balance")

	r = causeway(t, transferArgs(t, url, g.key, "--amount", "999")...)
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "tx_refused: insufficient funds: balance 10 USD")

	r = causeway(t, transferArgs(t, url, "cwk_00112233aabc_"+strings.Repeat("ab", 24))...)
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "unauthorized: unknown API key")
}

// With --key the CLI signs: the gateway's genesis hash, the sender's nonce
// from /v1/accounts, a deadline after the chain's block time.
func TestTransferSignedLocally(t *testing.T) {
	t.Parallel()
	g, url := newFakeGateway(t, settlement.StatusFinished)
	keyFile, pwFile := writeKey(t, "gateway-signer")
	sender := attest.AddressOf(rpctest.Key("gateway-signer"))
	r := causeway(t, "transfer", "--gateway", url, "--api-key", g.key, "--home", t.TempDir(), "--from", "alpha",
		"--to", "beta:0x00000000000000000000000000000000000000bb", "--amount", "7", "--denom", "EUR", "--timeout", "5m",
		"--key", keyFile, "--password-file", pwFile, "--json")
	requireOK(t, r)
	var resp api.SubmitResponse
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &resp), r.stdout)
	require.Contains(t, r.stderr, "Idempotency-Key", "--json keeps stdout for JSON")
	require.Len(t, g.submits, 1)
	require.Nil(t, g.submits[0].Intent)
	raw, err := hex.DecodeString(strings.TrimPrefix(g.submits[0].SignedTx, "0x"))
	require.NoError(t, err)
	signed, err := tx.Decode(raw)
	require.NoError(t, err)
	from, err := signed.Sender(g.genesis)
	require.NoError(t, err)
	require.Equal(t, sender, from)
	require.Equal(t, "alpha", signed.ChainID)
	require.EqualValues(t, 5, signed.Nonce)
	x, err := xfer.DecodeTransfer(signed.Payload)
	require.NoError(t, err)
	require.Equal(t, "beta", x.Dst)
	require.Equal(t, "7", x.Amount.Dec())
	require.Equal(t, uint64(g.block.Add(5*time.Minute).UnixMilli()), x.TimeoutTimeMs)
	require.Equal(t, signed.Hash(), resp.TxHash)

	r = causeway(t, "transfer", "--gateway", url, "--api-key", g.key, "--home", t.TempDir(),
		"--from", "alpha:0x00000000000000000000000000000000000000aa", "--to", "beta:0x00000000000000000000000000000000000000bb",
		"--amount", "7", "--key", keyFile, "--password-file", pwFile)
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "--from 0x00000000000000000000000000000000000000AA: the key in")
}

// Bad input is refused before anything is sent, naming the flag.
func TestTransferInputErrors(t *testing.T) {
	t.Parallel()
	g, url := newFakeGateway(t, settlement.StatusFinished)
	a, b := "alpha:0x00000000000000000000000000000000000000aa", "beta:0x00000000000000000000000000000000000000bb"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "alpha", "--to", b, "--amount", "1"}, `--from "alpha": want CHAIN:ADDRESS`},
		{[]string{"--from", "Alpha:0x01", "--to", b, "--amount", "1"}, `"Alpha" is not a chain id`},
		{[]string{"--from", a, "--to", "beta:0x1234", "--amount", "1"}, `--to "beta:0x1234"`},
		{[]string{"--from", a, "--to", "alpha:0x00000000000000000000000000000000000000bb", "--amount", "1"}, "both on alpha"},
		{[]string{"--from", a, "--to", b, "--amount", "0"}, `--amount "0": want a positive decimal integer`},
		{[]string{"--from", a, "--to", b, "--amount", "1.5"}, `--amount "1.5"`},
		{[]string{"--from", a, "--to", b, "--amount", "-2"}, `--amount "-2"`},
		{[]string{"--from", a, "--to", b, "--amount", "1", "--denom", "U$D"}, `--denom "U$D"`},
		{[]string{"--from", a, "--to", b, "--amount", "1", "--fee", "x"}, `--fee "x"`},
		{[]string{"--from", a, "--to", b, "--amount", "1", "--timeout", "0s"}, "--timeout 0s"},
		{[]string{"--from", a, "--to", b, "--amount", "1", "--idempotency-key", "has space"}, "--idempotency-key"},
		{[]string{"--from", a, "--to", b, "--amount", "1", "--api-key", "secret"}, "--api-key: malformed API key"},
		{[]string{"--from", a, "--to", b, "--amount", "1", "--gateway", "127.0.0.1:1"}, "--gateway"},
		{[]string{"--from", a, "--to", b}, `required flag(s) "amount" not set`},
	} {
		args := append([]string{"transfer", "--gateway", url, "--api-key", g.key, "--home", t.TempDir()}, tc.args...)
		r := causeway(t, args...)
		require.Equal(t, exitError, r.code, "%v: %s", tc.args, r.stdout)
		require.Contains(t, r.stderr, tc.want, "%v", tc.args)
	}
	require.Empty(t, g.submits)
}

// The API key falls back to $CAUSEWAY_API_KEY, then to the devnet's file.
func TestTransferAPIKeyFromDevnetHome(t *testing.T) {
	t.Parallel()
	g, url := newFakeGateway(t, settlement.StatusFinished)
	home := t.TempDir()
	path := devnetAPIKeyFile(filepath.Join(home, devnetDir))
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(g.key+"\n"), 0o600))
	args := transferArgs(t, url, "", "--home", home)
	r := causeway(t, args...)
	requireOK(t, r)
	require.Len(t, g.submits, 1)
}

// `causeway status` prints the transfer and its timeline, and fails for an
// unknown or malformed id.
func TestStatus(t *testing.T) {
	t.Parallel()
	g, url := newFakeGateway(t, settlement.StatusFinished)
	r := causeway(t, transferArgs(t, url, g.key, "--idempotency-key", "st-1")...)
	requireOK(t, r)
	id := settlement.SubmittedTransferID("alpha", "beta", attest.Hash{0x51})

	r = causeway(t, "status", string(id), "--gateway", url, "--home", t.TempDir())
	requireOK(t, r)
	for _, want := range []string{"status           finished", "amount           10 USD (relay fee 0)",
		"packet           alpha→beta #3", "idempotency key  st-1", "delivered         done   beta   17",
		"finished          done   alpha  43      0xac0000…0000  0x7E0000…0000", url + "/transfers/" + string(id)} {
		require.Contains(t, r.stdout, want)
	}

	r = causeway(t, "status", string(id), "--gateway", url, "--home", t.TempDir(), "--json")
	requireOK(t, r)
	var v api.Transfer
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &v))
	require.Equal(t, settlement.StatusFinished, v.Status)
	require.Len(t, v.Timeline, 4)

	r = causeway(t, "status", "alpha.beta.99", "--gateway", url, "--home", t.TempDir())
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "transfer alpha.beta.99 not found at "+url)
	r = causeway(t, "status", "nonsense", "--gateway", url, "--home", t.TempDir())
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, `"nonsense" is not a transfer id`)
}
