package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
	gethrpc "github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/rpc/rpctest"
)

// methodCheck calls one method on a seeded chain and checks the answer.
type methodCheck struct {
	name  string
	check func(t *testing.T, c *gethrpc.Client, n *node, fx fixture)
}

var methodChecks = []methodCheck{
	{"status", checkStatus},
	{"sendRawTransaction", checkSendRawTransaction},
	{"getTransactionReceipt", checkReceipt},
	{"getBlockByHeight", checkBlock},
	{"getCertifiedHeader", checkCertifiedHeader},
	{"getProof", checkProof},
	{"getAccount", checkAccount},
	{"getBlockEvents", checkBlockEvents},
	{"getValidators", checkValidators},
}

func TestMethodsOverHTTPAndWebSocket(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	fx := seedChain(t, n.b)
	for _, url := range []string{n.httpURL(), n.wsURL()} {
		c := dial(t, url)
		for _, m := range methodChecks {
			t.Run(strings.SplitN(url, ":", 2)[0]+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				m.check(t, c, n, fx)
			})
		}
	}
}

func checkStatus(t *testing.T, c *gethrpc.Client, n *node, _ fixture) {
	var st rpc.Status
	require.NoError(t, c.CallContext(t.Context(), &st, "cw_status"))
	tip, err := n.b.Block(t.Context(), 3)
	require.NoError(t, err)
	require.Equal(t, "alpha", st.ChainID)
	require.Equal(t, n.b.GenesisHash(), st.GenesisHash)
	require.Equal(t, uint64(3), st.LatestHeight)
	require.Equal(t, tip.Block.Hash(), st.LatestHash)
	require.Equal(t, tip.Block.Header.TimeMs, st.LatestTimeMs)
	require.NotNil(t, st.Validator)
	require.Equal(t, n.b.ValidatorSet().Validators[0].Address, st.Validator.Attest())
	require.Equal(t, rpctest.Peers, st.Peers)
}

func checkSendRawTransaction(t *testing.T, c *gethrpc.Client, n *node, _ fixture) {
	raw := n.b.SignTx(rpctest.Key("sender/"+t.Name()), 0, "bank.send", nil)
	var h attest.Hash
	require.NoError(t, c.CallContext(t.Context(), &h, "cw_sendRawTransaction", hexutil.Bytes(raw)))
	require.Equal(t, attest.Keccak(raw), h)

	// The same nonce again is an admission error with the backend's code.
	err := c.CallContext(t.Context(), &h, "cw_sendRawTransaction", hexutil.Bytes(raw))
	requireCode(t, err, rpctest.CodeNonceTooLow, "nonce_too_low")
}

func checkReceipt(t *testing.T, c *gethrpc.Client, _ *node, fx fixture) {
	var r *rpc.Receipt
	require.NoError(t, c.CallContext(t.Context(), &r, "cw_getTransactionReceipt", fx.txHash))
	require.NotNil(t, r)
	require.Equal(t, fx.txHash, r.TxHash)
	require.Equal(t, fx.txHeight, r.Height)
	require.Equal(t, uint32(0), r.Index)
	require.Equal(t, fx.user, r.Sender.Attest())
	require.Equal(t, "bank.send", r.Type)
	require.Zero(t, r.Code)
	require.Len(t, r.Events, 1)
	v, ok := r.Events[0].Attr("sender")
	require.True(t, ok)
	require.Equal(t, fx.user.Hex(), v)

	var unknown *rpc.Receipt
	require.NoError(t, c.CallContext(t.Context(), &unknown, "cw_getTransactionReceipt", attest.Keccak([]byte("nope"))))
	require.Nil(t, unknown)
}

func checkBlock(t *testing.T, c *gethrpc.Client, n *node, fx fixture) {
	want, err := n.b.Block(t.Context(), fx.txHeight)
	require.NoError(t, err)

	var full rpc.Block
	require.NoError(t, c.CallContext(t.Context(), &full, "cw_getBlockByHeight", fx.txHeight, true))
	require.Equal(t, want.Block.Hash(), full.Hash)
	require.Equal(t, want.Block.Header, full.Header.Attest())
	require.Equal(t, []attest.Hash{fx.txHash}, full.TxHashes)
	require.Len(t, full.Txs, 1)
	require.Equal(t, fx.txHash, attest.Keccak(full.Txs[0]))
	require.Len(t, full.Evidence, 1)
	require.Equal(t, fx.evidence.Hash(), full.Evidence[0].Hash)
	require.Equal(t, "precommit", full.Evidence[0].A.Type)
	require.NotNil(t, full.LastCommit)
	require.Equal(t, full.ParentHash, full.LastCommit.BlockHash)
	require.Equal(t, full.Hash, full.QC.BlockHash)

	var short rpc.Block
	require.NoError(t, c.CallContext(t.Context(), &short, "cw_getBlockByHeight", 1))
	require.Nil(t, short.Txs)
	require.Nil(t, short.LastCommit)
	require.Empty(t, short.Evidence)
}

func checkCertifiedHeader(t *testing.T, c *gethrpc.Client, n *node, fx fixture) {
	var ch rpc.CertifiedHeader
	require.NoError(t, c.CallContext(t.Context(), &ch, "cw_getCertifiedHeader", fx.txHeight))
	dec, err := ch.Decode()
	require.NoError(t, err)
	require.NoError(t, attest.VerifyCertifiedHeader(n.b.GenesisHash(), "alpha", n.b.ValidatorSet(), dec))
	require.Equal(t, fx.txHeight, dec.Header.Height)
}

func checkProof(t *testing.T, c *gethrpc.Client, n *node, fx fixture) {
	keys := []string{
		"acct/" + fx.user.Hex(), // checksummed: the server lowercases it
		rpctest.BalanceKey(fx.user, "USD"),
		rpctest.BalanceKey(fx.user, "EUR"),
	}
	var p rpc.Proofs
	require.NoError(t, c.CallContext(t.Context(), &p, "cw_getProof", keys, fx.txHeight))
	hdr, err := n.b.CertifiedHeader(t.Context(), fx.txHeight)
	require.NoError(t, err)
	require.Equal(t, hdr.Header.StateRoot, p.StateRoot)
	require.NoError(t, p.Verify())
	require.Len(t, p.Proofs, 3)
	require.Equal(t, rpctest.AccountKey(fx.user), p.Proofs[0].Key)
	require.Equal(t, "1", string(*p.Proofs[0].Value))
	require.Equal(t, "1000000000000000000000", string(*p.Proofs[1].Value))
	require.Nil(t, p.Proofs[2].Value)
	for _, kp := range p.Proofs {
		v, err := attest.VerifyProof(p.StateRoot, []byte(kp.Key), kp.Nodes())
		require.NoError(t, err)
		if kp.Value == nil {
			require.Nil(t, v)
		}
	}
}

func checkAccount(t *testing.T, c *gethrpc.Client, _ *node, fx fixture) {
	var latest rpc.Account
	require.NoError(t, c.CallContext(t.Context(), &latest, "cw_getAccount", rpc.Address(fx.user), nil))
	require.Equal(t, uint64(3), latest.Height)
	require.Equal(t, uint64(1), latest.Nonce)
	require.Equal(t, []rpc.Coin{{Denom: "USD", Amount: "1000000000000000000000"}}, latest.Balances)
	amt, err := latest.Balances[0].Int()
	require.NoError(t, err)
	require.Equal(t, "1000000000000000000000", amt.Dec())

	var before rpc.Account
	require.NoError(t, c.CallContext(t.Context(), &before, "cw_getAccount", rpc.Address(fx.user), 1))
	require.Equal(t, uint64(1), before.Height)
	require.Zero(t, before.Nonce)

	var stranger rpc.Account
	require.NoError(t, c.CallContext(t.Context(), &stranger, "cw_getAccount", rpc.Address(attest.Address{9})))
	require.Zero(t, stranger.Nonce)
	require.Empty(t, stranger.Balances)
}

func checkBlockEvents(t *testing.T, c *gethrpc.Client, _ *node, fx fixture) {
	var ev rpc.BlockEvents
	require.NoError(t, c.CallContext(t.Context(), &ev, "cw_getBlockEvents", fx.txHeight))
	require.Len(t, ev.Receipts, 1)
	require.Equal(t, fx.txHash, ev.Receipts[0].TxHash)
	require.Empty(t, ev.Events)

	var last rpc.BlockEvents
	require.NoError(t, c.CallContext(t.Context(), &last, "cw_getBlockEvents", 3))
	require.Empty(t, last.Receipts)
	require.Len(t, last.Events, 1)
	require.Equal(t, "xfer.timeout", last.Events[0].Type)
}

func checkValidators(t *testing.T, c *gethrpc.Client, n *node, _ fixture) {
	var v rpc.Validators
	require.NoError(t, c.CallContext(t.Context(), &v, "cw_getValidators"))
	require.Equal(t, uint64(3), v.Height)
	require.Equal(t, uint64(40), v.TotalPower)
	set, err := v.Set()
	require.NoError(t, err)
	require.Equal(t, n.b.ValidatorSet().Hash(), set.Hash())

	var at rpc.Validators
	require.NoError(t, c.CallContext(t.Context(), &at, "cw_getValidators", 1))
	require.Equal(t, uint64(1), at.Height)
}

// requireCode checks a go-ethereum client error's Causeway data.
func requireCode(t *testing.T, err error, code int, name string) {
	t.Helper()
	require.Error(t, err)
	var de gethrpc.DataError
	require.ErrorAs(t, err, &de)
	b, merr := json.Marshal(de.ErrorData())
	require.NoError(t, merr)
	var data rpc.ErrorData
	require.NoError(t, json.Unmarshal(b, &data))
	require.Equal(t, rpc.ErrorData{Code: code, Name: name}, data)
}

func TestErrorsOnTheWire(t *testing.T) {
	t.Parallel()
	n := startNode(t, func(c *rpc.Config) { c.MaxProofKeys = 2 })
	seedChain(t, n.b)
	other := rpctest.New("beta")
	foreign := other.SignTx(rpctest.Key("x"), 0, "bank.send", nil)
	flipped := "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

	tests := []struct {
		name    string
		body    string
		jsonrpc int
		data    *rpc.ErrorData // nil: the JSON-RPC library's own error, without data
	}{
		{"future height", `{"jsonrpc":"2.0","id":1,"method":"cw_getBlockByHeight","params":[99]}`,
			rpc.CodeNotFound, &rpc.ErrorData{Code: rpc.CodeNotFound, Name: "not_found"}},
		{"height zero", `{"jsonrpc":"2.0","id":1,"method":"cw_getCertifiedHeader","params":[0]}`,
			rpc.CodeNotFound, &rpc.ErrorData{Code: rpc.CodeNotFound, Name: "not_found"}},
		{"admission code", `{"jsonrpc":"2.0","id":1,"method":"cw_sendRawTransaction","params":["` + hexutil.Encode(foreign) + `"]}`,
			rpctest.CodeWrongChain, &rpc.ErrorData{Code: rpctest.CodeWrongChain, Name: "wrong_chain"}},
		{"too many keys", `{"jsonrpc":"2.0","id":1,"method":"cw_getProof","params":[["a","b","c"],1]}`,
			rpc.CodeLimitExceeded, &rpc.ErrorData{Code: rpc.CodeLimitExceeded, Name: "limit_exceeded"}},
		{"bad key", `{"jsonrpc":"2.0","id":1,"method":"cw_getProof","params":[["a//b"],1]}`,
			-32602, &rpc.ErrorData{Code: rpc.CodeInvalidParams, Name: "invalid_params"}},
		{"empty tx", `{"jsonrpc":"2.0","id":1,"method":"cw_sendRawTransaction","params":["0x"]}`,
			-32602, &rpc.ErrorData{Code: rpc.CodeInvalidParams, Name: "invalid_params"}},
		{"height not a number", `{"jsonrpc":"2.0","id":1,"method":"cw_getBlockByHeight","params":["abc"]}`, -32602, nil},
		{"negative height", `{"jsonrpc":"2.0","id":1,"method":"cw_getBlockEvents","params":[-1]}`, -32602, nil},
		{"missing height", `{"jsonrpc":"2.0","id":1,"method":"cw_getBlockByHeight","params":[]}`, -32602, nil},
		{"short address", `{"jsonrpc":"2.0","id":1,"method":"cw_getAccount","params":["0x1234"]}`, -32602, nil},
		{"bad checksum", `{"jsonrpc":"2.0","id":1,"method":"cw_getAccount","params":["` + flipped + `"]}`, -32602, nil},
		{"short hash", `{"jsonrpc":"2.0","id":1,"method":"cw_getTransactionReceipt","params":["0x12"]}`, -32602, nil},
		{"not hex", `{"jsonrpc":"2.0","id":1,"method":"cw_sendRawTransaction","params":["zz"]}`, -32602, nil},
		{"keys not a list", `{"jsonrpc":"2.0","id":1,"method":"cw_getProof","params":["acct/x",1]}`, -32602, nil},
		{"unknown method", `{"jsonrpc":"2.0","id":1,"method":"cw_nope","params":[]}`, -32601, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, resp := post(t, n.httpURL(), tt.body)
			require.Equal(t, http.StatusOK, status)
			require.NotNil(t, resp.Error, "result %s", resp.Result)
			require.Equal(t, tt.jsonrpc, resp.Error.Code, resp.Error.Message)
			require.Equal(t, tt.data, resp.Error.Data)
		})
	}
}

// failing hides the fake's status behind an uncoded error.
type failing struct{ *rpctest.Backend }

func (failing) Status(context.Context) (*rpc.Status, error) {
	return nil, errors.New("disk on fire at /var/lib/causeway")
}

func TestUncodedErrorIsInternalAndHidden(t *testing.T) {
	t.Parallel()
	b := rpctest.New("alpha")
	n := startNodeWith(t, failing{b}, b)
	status, resp := post(t, n.httpURL(), `{"jsonrpc":"2.0","id":1,"method":"cw_status"}`)
	require.Equal(t, http.StatusOK, status)
	require.NotNil(t, resp.Error)
	require.Equal(t, -32603, resp.Error.Code)
	require.Equal(t, &rpc.ErrorData{Code: rpc.CodeInternal, Name: "internal"}, resp.Error.Data)
	require.NotContains(t, resp.Error.Message, "/var/lib")
}

func TestOversizeRequestRefused(t *testing.T) {
	t.Parallel()
	const limit = 4 << 10
	n := startNode(t, func(c *rpc.Config) { c.MaxRequestBytes = limit })
	big := `{"jsonrpc":"2.0","id":1,"method":"cw_sendRawTransaction","params":["0x` + strings.Repeat("ab", limit) + `"]}`

	status, _ := post(t, n.httpURL(), big)
	require.Equal(t, http.StatusRequestEntityTooLarge, status)

	// Over WebSocket the connection is closed; the server keeps serving.
	ws := dial(t, n.wsURL())
	var h attest.Hash
	require.Error(t, ws.CallContext(t.Context(), &h, "cw_sendRawTransaction", hexutil.Bytes(make([]byte, limit))))
	var st rpc.Status
	require.NoError(t, dial(t, n.wsURL()).CallContext(t.Context(), &st, "cw_status"))
}

func TestBatchLimit(t *testing.T) {
	t.Parallel()
	n := startNode(t, func(c *rpc.Config) { c.BatchItemLimit = 2 })
	one := `{"jsonrpc":"2.0","id":1,"method":"cw_status"}`
	tests := []struct {
		name  string
		items int
		ok    bool
	}{
		{"at the limit", 2, true},
		{"over the limit", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := "[" + strings.TrimSuffix(strings.Repeat(one+",", tt.items), ",") + "]"
			status, raw := postBody(t, n.httpURL(), body)
			require.Equal(t, http.StatusOK, status)
			var out []rawResponse
			require.NoError(t, json.Unmarshal(raw, &out))
			require.NotEmpty(t, out)
			if tt.ok {
				require.Len(t, out, tt.items)
				require.Nil(t, out[0].Error)
				return
			}
			require.NotNil(t, out[0].Error)
			require.Contains(t, out[0].Error.Message, "batch too large")
		})
	}
}

func TestHTTPRoutes(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	n.b.Commit()
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/health", http.StatusOK},
		{http.MethodGet, "/", http.StatusMethodNotAllowed},
		{http.MethodPost, "/elsewhere", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), tt.method, n.httpURL()+tt.path, nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tt.status, resp.StatusCode)
			if tt.path == "/health" {
				var h struct {
					Status       string `json:"status"`
					LatestHeight uint64 `json:"latest_height"`
				}
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
				require.Equal(t, "ok", h.Status)
				require.Equal(t, uint64(1), h.LatestHeight)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*rpc.Config)
		ok     bool
	}{
		{"default", func(*rpc.Config) {}, true},
		{"no listen addr", func(c *rpc.Config) { c.ListenAddr = "" }, false},
		{"zero buffer", func(c *rpc.Config) { c.SubscriptionBuffer = 0 }, false},
		{"negative body limit", func(c *rpc.Config) { c.MaxRequestBytes = -1 }, false},
		{"zero shutdown timeout", func(c *rpc.Config) { c.ShutdownTimeout = 0 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := rpc.DefaultConfig()
			tt.mutate(&cfg)
			err := cfg.Validate()
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, rpc.ErrInvalidConfig)
			require.Error(t, rpc.NewServer(cfg, rpctest.New("alpha"), nil).Start(t.Context()))
		})
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	cfg := rpc.DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"

	t.Run("start twice", func(t *testing.T) {
		t.Parallel()
		n := startNode(t)
		require.ErrorIs(t, n.srv.Start(t.Context()), rpc.ErrStarted)
	})
	t.Run("stop before start, then start", func(t *testing.T) {
		t.Parallel()
		s := rpc.NewServer(cfg, rpctest.New("alpha"), nil)
		require.NoError(t, s.Stop())
		require.NoError(t, s.Stop())
		require.ErrorIs(t, s.Start(t.Context()), rpc.ErrStopped)
	})
	t.Run("listen failure can be retried", func(t *testing.T) {
		t.Parallel()
		n := startNode(t)
		busy := cfg
		busy.ListenAddr = n.srv.Addr()
		s := rpc.NewServer(busy, rpctest.New("alpha"), nil)
		require.Error(t, s.Start(t.Context()))
		require.NotErrorIs(t, s.Start(t.Context()), rpc.ErrStarted)
		require.NoError(t, s.Stop())
	})
	t.Run("context ends the server", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		s := rpc.NewServer(cfg, rpctest.New("alpha"), nil)
		require.NoError(t, s.Start(ctx))
		addr := s.Addr()
		cancel()
		require.Eventually(t, func() bool {
			conn, err := net.Dial("tcp", addr)
			if err == nil {
				conn.Close()
			}
			return err != nil
		}, waitFor, tick)
		require.NoError(t, s.Stop())
	})
}
