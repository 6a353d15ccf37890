package rpc_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/rpc/rpctest"
)

func testPacket(seq uint64) *attest.Packet {
	return &attest.Packet{Src: "alpha", Dst: "beta", Seq: seq,
		Sender: attest.AddressOf(rpctest.Key("sender")), Receiver: attest.AddressOf(rpctest.Key("receiver")),
		Denom: "USD", Amount: uint256.NewInt(100 * seq), TimeoutHeight: 50, RelayFee: uint256.NewInt(1), Memo: "m"}
}

// xferFixture is what seedXfer committed on "alpha".
type xferFixture struct {
	sent  uint64 // height holding commitments 1 and 2 and receipt beta #7
	acked uint64 // height after packet 1's ack removed its commitment
}

func seedXfer(t *testing.T, b *rpctest.Backend) xferFixture {
	t.Helper()
	b.SendPacket(testPacket(1))
	b.SendPacket(testPacket(2))
	b.WriteReceipt("beta", 7, attest.PacketReceipt{Status: attest.ReceiptFailed, Code: 305})
	b.SetLightClient(&rpc.LightClient{ChainID: "beta", GenesisHash: attest.Hash{1}, LatestHeight: 9,
		ValidatorSets: []rpc.ClientValidators{{FromHeight: 1, Validators: []rpc.Validator{{Power: 10}}, TotalPower: 10}}})
	b.SetRoute(&rpc.Route{Chain: "beta", Open: true, NextSequence: 3,
		Limits: []rpc.RouteLimit{{Denom: "USD", MaxPerPacket: "1000", WindowAmount: "5000", WindowMs: 60_000, WindowUsed: "0"}}})
	sent := b.Commit().Block.Header.Height
	b.AckPacket("beta", 1, rpc.TaskFinished, &rpc.TaskReceipt{Status: rpc.ReceiptStatusOK, Height: 4})
	acked := b.Commit().Block.Header.Height
	return xferFixture{sent: sent, acked: acked}
}

func TestPacketProofsVerifyAgainstTheHeader(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	fx := seedXfer(t, n.b)
	c := dial(t, n.httpURL())

	var out rpc.PacketProofs
	require.NoError(t, c.CallContext(t.Context(), &out, "cw_getPacketProofs", "beta", []uint64{2, 1, 3}, fx.sent))
	require.Equal(t, fx.sent, out.Height)
	ch, err := out.Header.Decode()
	require.NoError(t, err)
	require.NoError(t, attest.VerifyCertifiedHeader(n.b.GenesisHash(), "alpha", n.b.ValidatorSet(), ch))
	require.Len(t, out.Packets, 3)
	require.Nil(t, out.Packets[2], "seq 3 was never sent")
	for i, seq := range []uint64{2, 1} {
		pp, err := out.Packets[i].Decode()
		require.NoError(t, err)
		require.Equal(t, seq, pp.Packet.Seq)
		require.Equal(t, attest.EncodePacket(testPacket(seq)), attest.EncodePacket(&pp.Packet))
		require.NoError(t, attest.VerifyPacketProof(n.b.GenesisHash(), ch.Header.StateRoot, pp))
	}

	// After the ack, the latest state holds no commitment for seq 1.
	var latest rpc.PacketProofs
	require.NoError(t, c.CallContext(t.Context(), &latest, "cw_getPacketProofs", "beta", []uint64{1, 2}, nil))
	require.Equal(t, fx.acked, latest.Height)
	require.Nil(t, latest.Packets[0])
	require.NotNil(t, latest.Packets[1])
}

func TestReceiptProofsVerifyAgainstTheHeader(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	fx := seedXfer(t, n.b)
	c := dial(t, n.wsURL())

	var out rpc.ReceiptProofs
	require.NoError(t, c.CallContext(t.Context(), &out, "cw_getReceiptProofs", "beta", []uint64{7, 8}, fx.sent))
	ch, err := out.Header.Decode()
	require.NoError(t, err)
	require.Nil(t, out.Receipts[1])
	got := out.Receipts[0]
	require.Equal(t, rpc.ReceiptStatusFailed, got.Status)
	require.Equal(t, uint32(305), got.Code)
	rp, err := got.Decode()
	require.NoError(t, err)
	require.NoError(t, attest.VerifyReceiptProof(ch.Header.StateRoot, "beta", rp))
	require.Error(t, attest.VerifyReceiptProof(ch.Header.StateRoot, "gamma", rp), "the proof is for beta's packet")
}

func TestXferRecordsByHeight(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	fx := seedXfer(t, n.b)
	c := dial(t, n.httpURL())
	ctx := t.Context()

	var task *rpc.Task
	require.NoError(t, c.CallContext(ctx, &task, "cw_getTask", "beta", 1))
	require.Equal(t, rpc.TaskFinished, task.Status)
	require.Equal(t, fx.acked, task.Height)
	require.Equal(t, fx.acked, task.ResolvedHeight)
	require.Equal(t, "100", task.Packet.Amount)
	require.Equal(t, rpc.ReceiptStatusOK, task.Receipt.Status)
	require.NoError(t, c.CallContext(ctx, &task, "cw_getTask", "beta", 1, fx.sent))
	require.Equal(t, rpc.TaskPending, task.Status)
	require.Nil(t, task.Receipt)
	require.NoError(t, c.CallContext(ctx, &task, "cw_getTask", "beta", 9))
	require.Nil(t, task)

	var r *rpc.PacketReceipt
	require.NoError(t, c.CallContext(ctx, &r, "cw_getReceipt", "beta", 7))
	require.Equal(t, rpc.PacketReceipt{Height: fx.acked, Src: "beta", Seq: 7, Status: rpc.ReceiptStatusFailed, Code: 305}, *r)
	require.NoError(t, c.CallContext(ctx, &r, "cw_getReceipt", "beta", 7, 0))
	require.Nil(t, r, "nothing was received at genesis")

	var lc *rpc.LightClient
	require.NoError(t, c.CallContext(ctx, &lc, "cw_getClient", "beta"))
	require.Equal(t, uint64(9), lc.LatestHeight)
	require.Len(t, lc.ValidatorSets, 1)
	require.NoError(t, c.CallContext(ctx, &lc, "cw_getClient", "gamma"))
	require.Nil(t, lc)

	var route *rpc.Route
	require.NoError(t, c.CallContext(ctx, &route, "cw_getRoute", "beta"))
	require.True(t, route.Open)
	require.Equal(t, "5000", route.Limits[0].WindowAmount)
	require.NoError(t, c.CallContext(ctx, &route, "cw_getRoute", "gamma"))
	require.Nil(t, route)
}

// The wire shape relays and scripts rely on: decimal amounts, EIP-55
// addresses, hex RLP and proofs, null for what is absent.
func TestPacketProofsWireShape(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	fx := seedXfer(t, n.b)
	status, resp := post(t, n.httpURL(), `{"jsonrpc":"2.0","id":1,"method":"cw_getPacketProofs","params":["beta",[2,5],`+
		jsonNumber(fx.sent)+`]}`)
	require.Equal(t, http.StatusOK, status)
	require.Nil(t, resp.Error)
	var raw struct {
		Header  map[string]json.RawMessage `json:"header"`
		Packets []map[string]json.RawMessage
	}
	require.NoError(t, json.Unmarshal(resp.Result, &raw))
	require.Contains(t, raw.Header, "rlp")
	require.Nil(t, raw.Packets[1])
	var pkt map[string]any
	require.NoError(t, json.Unmarshal(raw.Packets[0]["packet"], &pkt))
	require.Equal(t, "200", pkt["amount"])
	require.Equal(t, attest.AddressOf(rpctest.Key("receiver")).Hex(), pkt["receiver"])
	require.True(t, strings.HasPrefix(string(raw.Packets[0]["packet_rlp"]), `"0x`))
	require.True(t, strings.HasPrefix(string(raw.Packets[0]["proof"]), `["0x`))
}

func TestXferParamErrors(t *testing.T) {
	t.Parallel()
	n := startNode(t, func(c *rpc.Config) { c.MaxProofKeys = 2 })
	seedXfer(t, n.b)
	c := dial(t, n.httpURL())
	tests := []struct {
		name   string
		method string
		args   []any
		code   int
		cname  string
	}{
		{"bad chain id", "cw_getTask", []any{"Beta!", 1}, rpc.CodeInvalidParams, "invalid_params"},
		{"seq zero", "cw_getReceipt", []any{"beta", 0}, rpc.CodeInvalidParams, "invalid_params"},
		{"future height", "cw_getRoute", []any{"beta", 99}, rpc.CodeNotFound, "not_found"},
		{"no seqs", "cw_getPacketProofs", []any{"beta", []uint64{}, 1}, rpc.CodeInvalidParams, "invalid_params"},
		{"too many seqs", "cw_getPacketProofs", []any{"beta", []uint64{1, 2, 3}, 1}, rpc.CodeLimitExceeded, "limit_exceeded"},
		{"seq zero in list", "cw_getReceiptProofs", []any{"beta", []uint64{1, 0}, 1}, rpc.CodeInvalidParams, "invalid_params"},
		{"height zero has no header", "cw_getPacketProofs", []any{"beta", []uint64{1}, 0}, rpc.CodeNotFound, "not_found"},
		{"proofs above the tip", "cw_getReceiptProofs", []any{"beta", []uint64{1}, 99}, rpc.CodeNotFound, "not_found"},
		{"bad chain in proofs", "cw_getReceiptProofs", []any{"", []uint64{1}, 1}, rpc.CodeInvalidParams, "invalid_params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out json.RawMessage
			requireCode(t, c.CallContext(t.Context(), &out, tt.method, tt.args...), tt.code, tt.cname)
		})
	}
}

// A commitment that does not match its task is the node's fault: the server
// answers with an internal error rather than hand a relay a packet that
// would not verify.
func TestPacketProofsRefuseInconsistentState(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	seedXfer(t, n.b)
	n.b.CorruptCommitment("beta", 2)
	h := n.b.Commit().Block.Header.Height
	c := dial(t, n.httpURL())
	var out rpc.PacketProofs
	err := c.CallContext(t.Context(), &out, "cw_getPacketProofs", "beta", []uint64{2}, h)
	requireCode(t, err, rpc.CodeInternal, "internal")
}

func jsonNumber(v uint64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
