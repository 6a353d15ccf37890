package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/rpc/rpctest"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
)

// sentSeq is the sequence the fake chain announces for every transfer.
const sentSeq = "7"

// xferChain is a fake "alpha" that commits each admitted transaction at
// once and gives every receipt the xfer.send event a real chain would.
type xferChain struct{ *rpctest.Backend }

func (x xferChain) SendRawTransaction(ctx context.Context, raw []byte) (attest.Hash, error) {
	h, err := x.Backend.SendRawTransaction(ctx, raw)
	if err == nil {
		x.Commit()
	}
	return h, err
}

func (x xferChain) Receipt(ctx context.Context, hash attest.Hash) (*rpc.Receipt, error) {
	r, err := x.Backend.Receipt(ctx, hash)
	if r == nil || err != nil {
		return r, err
	}
	out := *r
	out.Events = append(out.Events, rpc.Event{Type: xfer.EventSend, Attrs: []rpc.Attr{
		{Key: xfer.AttrSrc, Value: "alpha"}, {Key: xfer.AttrDst, Value: "beta"}, {Key: xfer.AttrSeq, Value: sentSeq}}})
	return &out, nil
}

// serveFake serves backend on a free port and returns its URL.
func serveFake(t *testing.T, backend rpc.Backend) string {
	t.Helper()
	cfg := rpc.DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	srv := rpc.NewServer(cfg, backend, zaptest.NewLogger(t))
	require.NoError(t, srv.Start(t.Context()))
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	return "http://" + srv.Addr()
}

// writeKey saves a light-KDF keystore and its password file.
func writeKey(t *testing.T, seed string) (keyFile, pwFile string) {
	t.Helper()
	keyFile = filepath.Join(t.TempDir(), "sender.json")
	require.NoError(t, chains.SaveKey(keyFile, rpctest.Key(seed), "pw", true))
	return keyFile, writePasswordFile(t, "pw")
}

func TestTxTransferSignsSubmitsAndReportsSequence(t *testing.T) {
	t.Parallel()
	b := rpctest.New("alpha")
	b.Commit() // the deadline counts from the latest block's time
	url := serveFake(t, xferChain{b})
	keyFile, pw := writeKey(t, "cli-sender")
	to := attest.AddressOf(rpctest.Key("cli-receiver"))

	r := causeway(t, "tx", "transfer", "--rpc", url, "--key", keyFile, "--password-file", pw, "--dst", "beta",
		"--to", strings.ToLower(to.Hex()), "--amount", "10", "--denom", "USD", "--fee", "2", "--timeout", "10m",
		"--timeout-height", "50", "--memo", "invoice 42")
	requireOK(t, r)
	require.Contains(t, r.stdout, "route alpha→beta sequence "+sentSeq)
	require.Contains(t, r.stdout, "10 USD from "+attest.AddressOf(rpctest.Key("cli-sender")).Hex())

	blk, err := b.Block(t.Context(), 2)
	require.NoError(t, err)
	require.Len(t, blk.Block.Txs, 1)
	signed, err := tx.Decode(blk.Block.Txs[0])
	require.NoError(t, err)
	require.Equal(t, xfer.TypeTransfer, signed.Type)
	require.Equal(t, uint64(0), signed.Nonce)
	got, err := xfer.DecodeTransfer(signed.Payload)
	require.NoError(t, err)
	require.Equal(t, xfer.Transfer{Dst: "beta", Receiver: to, Denom: "USD", Amount: uint256.NewInt(10),
		TimeoutHeight: 50, TimeoutTimeMs: rpctest.GenesisTimeMs + rpctest.BlockIntervalMs + 10*60*1000, RelayFee: uint256.NewInt(2),
		Memo: "invoice 42"}, *got)

	// The next transfer takes the next nonce.
	r = causeway(t, "tx", "transfer", "--rpc", url, "--key", keyFile, "--password-file", pw, "--dst", "beta",
		"--to", to.Hex(), "--amount", "1", "--timeout-height", "60")
	requireOK(t, r)
	blk, err = b.Block(t.Context(), 3)
	require.NoError(t, err)
	signed, err = tx.Decode(blk.Block.Txs[0])
	require.NoError(t, err)
	require.Equal(t, uint64(1), signed.Nonce)
}

func TestTxTransferRejectsBadInput(t *testing.T) {
	t.Parallel()
	good := map[string]string{"--key": "/nonexistent/key.json", "--dst": "beta", "--to": attest.AddressOf(rpctest.Key("x")).Hex(),
		"--amount": "10", "--timeout": "10m", "--rpc": "http://127.0.0.1:1"}
	tests := []struct {
		name string
		set  map[string]string
		drop string
		want string
	}{
		{"zero amount", map[string]string{"--amount": "0"}, "", "--amount \"0\": want a positive decimal integer"},
		{"fractional amount", map[string]string{"--amount": "1.5"}, "", "--amount \"1.5\""},
		{"negative amount", map[string]string{"--amount": "-3"}, "", "--amount \"-3\""},
		{"amount over 2^256", map[string]string{"--amount": "115792089237316195423570985008687907853269984665640564039457584007913129639936"}, "", "below 2^256"},
		{"leading zero", map[string]string{"--amount": "010"}, "", "--amount \"010\""},
		{"bad denom", map[string]string{"--denom": "US D"}, "", "--denom \"US D\""},
		{"denom with leading slash", map[string]string{"--denom": "/USD"}, "", "--denom \"/USD\""},
		{"bad fee", map[string]string{"--fee": "-1"}, "", "--fee \"-1\""},
		{"no timeout", nil, "--timeout", "needs --timeout or --timeout-height"},
		{"negative timeout", map[string]string{"--timeout": "-5m"}, "", "want a positive duration"},
		{"short address", map[string]string{"--to": "0x1234"}, "", "--to: parse address"},
		{"bad checksum", map[string]string{"--to": "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}, "", "checksum"},
		{"bad chain id", map[string]string{"--dst": "Beta"}, "", "--dst \"Beta\""},
		{"memo too long", map[string]string{"--memo": strings.Repeat("m", attest.MaxMemoBytes+1)}, "", "--memo: 257 bytes"},
		{"missing receiver", nil, "--to", `required flag(s) "to" not set`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"tx", "transfer"}
			for k, v := range good {
				if k == tt.drop {
					continue
				}
				if o, ok := tt.set[k]; ok {
					v = o
					delete(tt.set, k)
				}
				args = append(args, k, v)
			}
			for k, v := range tt.set {
				args = append(args, k, v)
			}
			r := causeway(t, args...)
			require.Equal(t, exitError, r.code, r.stdout)
			require.Contains(t, r.stderr, tt.want)
		})
	}
}

func TestTxTransferRefusesOwnChain(t *testing.T) {
	t.Parallel()
	url := serveFake(t, xferChain{rpctest.New("beta")})
	keyFile, pw := writeKey(t, "own-chain")
	r := causeway(t, "tx", "transfer", "--rpc", url, "--key", keyFile, "--password-file", pw, "--dst", "beta",
		"--to", attest.AddressOf(rpctest.Key("x")).Hex(), "--amount", "1", "--timeout-height", "9")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "use `causeway tx send`")
}

func TestQueryCommands(t *testing.T) {
	t.Parallel()
	b := rpctest.New("alpha")
	p := &attest.Packet{Src: "alpha", Dst: "beta", Seq: 1, Sender: attest.AddressOf(rpctest.Key("s")),
		Receiver: attest.AddressOf(rpctest.Key("r")), Denom: "USD", Amount: uint256.NewInt(25), TimeoutHeight: 40,
		RelayFee: uint256.NewInt(0)}
	b.SendPacket(p)
	b.WriteReceipt("beta", 3, attest.PacketReceipt{Status: attest.ReceiptFailed, Code: uint32(xfer.CodeReceiverBlocked)})
	b.SetLightClient(&rpc.LightClient{ChainID: "beta", LatestHeight: 12, Frozen: true, FrozenHeight: 11,
		ValidatorSets: []rpc.ClientValidators{{FromHeight: 1, TotalPower: 40}}})
	b.SetRoute(&rpc.Route{Chain: "beta", NextSequence: 2, Limits: []rpc.RouteLimit{{Denom: "USD", MaxPerPacket: "100",
		WindowAmount: "1000", WindowMs: 3_600_000, WindowUsed: "250"}}})
	b.Commit()
	b.AckPacket("beta", 1, rpc.TaskRefunded, &rpc.TaskReceipt{Status: rpc.ReceiptStatusFailed, Code: 305, Name: "receiver_blocked", Height: 9})
	b.Commit()
	url := serveFake(t, b)

	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"task", "--dst", "beta", "--seq", "1"}, []string{"alpha→beta #1", "refunded", "25 USD", "failed, code 305 receiver_blocked (beta height 9)", "destination height 40"}},
		{[]string{"receipt", "--src", "beta", "--seq", "3"}, []string{"beta→alpha #3", "failed, code 305"}},
		{[]string{"client", "--chain", "beta"}, []string{"of beta on alpha", "yes, by conflicting headers at 11", "validators from 1"}},
		{[]string{"route", "--chain", "beta"}, []string{"halted", "next sequence  2", "per packet 100", "250 used", "750 left"}},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			t.Parallel()
			r := causeway(t, append([]string{"query", "--rpc", url}, tt.args...)...)
			requireOK(t, r)
			for _, w := range tt.want {
				require.Contains(t, r.stdout, w)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		r := causeway(t, "query", "task", "--rpc", url, "--dst", "beta", "--seq", "1", "--json")
		requireOK(t, r)
		var task rpc.Task
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &task))
		require.Equal(t, rpc.TaskRefunded, task.Status)
		require.Equal(t, "25", task.Packet.Amount)
	})
	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		r := causeway(t, "query", "task", "--rpc", url, "--dst", "beta", "--seq", "9")
		require.Equal(t, exitError, r.code)
		require.Contains(t, r.stderr, "no packet #9 to beta on alpha as of height 2")
		r = causeway(t, "query", "route", "--rpc", url, "--chain", "gamma")
		require.Equal(t, exitError, r.code)
		require.Contains(t, r.stderr, "gamma is not a counterparty")
	})
	t.Run("bad flags", func(t *testing.T) {
		t.Parallel()
		r := causeway(t, "query", "receipt", "--rpc", url, "--src", "beta")
		require.Equal(t, exitError, r.code)
		require.Contains(t, r.stderr, "sequences start at 1")
		r = causeway(t, "query", "client", "--rpc", url, "--chain", "NO")
		require.Equal(t, exitError, r.code)
		require.Contains(t, r.stderr, `--chain "NO"`)
	})
}

// tx send shares the signing and submission helpers with tx transfer.
func TestTxSendSharesTheSigner(t *testing.T) {
	t.Parallel()
	b := rpctest.New("alpha")
	url := serveFake(t, xferChain{b})
	keyFile, pw := writeKey(t, "send-sender")
	to := attest.AddressOf(rpctest.Key("send-receiver"))
	r := causeway(t, "tx", "send", "--rpc", url, "--key", keyFile, "--password-file", pw, "--to", to.Hex(), "--amount", "4")
	requireOK(t, r)
	require.Contains(t, r.stdout, "committed in block 1: 4 USD from "+attest.AddressOf(rpctest.Key("send-sender")).Hex())
	r = causeway(t, "tx", "send", "--rpc", url, "--key", keyFile, "--password-file", pw, "--to", to.Hex(), "--amount", "0")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "want a positive decimal integer")
}
