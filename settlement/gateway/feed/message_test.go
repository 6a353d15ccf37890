package feed

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

func TestParseClientMessage(t *testing.T) {
	t.Parallel()
	acct := addrOf(7)
	from := uint64(12)
	for _, tc := range []struct {
		name string
		in   string
		want api.ClientMessage
		code string
	}{
		{"transfer", `{"op":"subscribe","id":"a","transfer":"alpha.beta.42"}`,
			api.ClientMessage{Op: "subscribe", ID: "a", Transfer: "alpha.beta.42"}, ""},
		{"account with from_seq", `{"op":"subscribe","id":"a","account":"` + acct.Hex() + `","from_seq":12}`,
			api.ClientMessage{Op: "subscribe", ID: "a", Account: acct, FromSeq: &from}, ""},
		{"route", `{"op":"subscribe","id":"a","route":"alpha.beta"}`,
			api.ClientMessage{Op: "subscribe", ID: "a", Route: "alpha.beta"}, ""},
		{"unsubscribe", `{"op":"unsubscribe","id":"a"}`, api.ClientMessage{Op: "unsubscribe", ID: "a"}, ""},
		{"not json", `{"op":`, api.ClientMessage{}, string(api.CodeInvalidJSON)},
		{"trailing data", `{"op":"unsubscribe","id":"a"} {}`, api.ClientMessage{}, string(api.CodeInvalidJSON)},
		{"not an object", `[1]`, api.ClientMessage{}, string(api.CodeInvalidJSON)},
		{"unknown field", `{"op":"subscribe","id":"a","route":"alpha.beta","extra":1}`, api.ClientMessage{}, string(api.CodeUnknownField)},
		{"wrong type", `{"op":"subscribe","id":"a","route":"alpha.beta","from_seq":"1"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"negative from_seq", `{"op":"subscribe","id":"a","route":"alpha.beta","from_seq":-1}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"unknown op", `{"op":"watch","id":"a"}`, api.ClientMessage{}, api.StreamCodeUnknownOp},
		{"no id", `{"op":"subscribe","route":"alpha.beta"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"long id", `{"op":"subscribe","id":"` + longID + `","route":"alpha.beta"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"no filter", `{"op":"subscribe","id":"a"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"two filters", `{"op":"subscribe","id":"a","route":"alpha.beta","transfer":"alpha.beta.1"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"bad transfer", `{"op":"subscribe","id":"a","transfer":"alpha.beta.0"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"bad account", `{"op":"subscribe","id":"a","account":"0x12"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"zero account", `{"op":"subscribe","id":"a","account":"0x0000000000000000000000000000000000000000"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"bad route", `{"op":"subscribe","id":"a","route":"alpha"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
		{"loop route", `{"op":"subscribe","id":"a","route":"alpha.alpha"}`, api.ClientMessage{}, string(api.CodeInvalidField)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, bad := parseClientMessage([]byte(tc.in))
			if tc.code != "" {
				require.NotNil(t, bad)
				require.Equal(t, tc.code, bad.code, bad.detail)
				require.NotEmpty(t, bad.detail)
				return
			}
			require.Nil(t, bad)
			require.Equal(t, tc.want, got)
		})
	}
}

const longID = "0123456789012345678901234567890123456789012345678901234567890123456789"

func TestEventFrameIsServerMessage(t *testing.T) {
	t.Parallel()
	tr := &settlement.Transfer{ID: "alpha.beta.3", Src: "alpha", Dst: "beta", Seq: 3, Status: settlement.StatusDelivered,
		Sender: addrOf(1), Receiver: addrOf(2), Denom: "USD", Amount: uint256.NewInt(5), Fee: uint256.NewInt(0),
		TimeoutHeight: 9, Receipt: &settlement.Receipt{Status: settlement.ReceiptOK}}
	ev := settlement.Event{Seq: 77, TransferID: tr.ID, Src: "alpha", Dst: "beta", Status: tr.Status,
		At: time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)}
	tail, err := eventTail(ev, tr)
	require.NoError(t, err)
	for _, sub := range []string{"s", `we"ird\id`, "ünï"} {
		want, err := json.Marshal(api.ServerMessage{Type: api.MsgEvent, Sub: sub, Seq: ev.Seq, TransferID: ev.TransferID,
			Status: ev.Status, At: ev.At, Transfer: api.ViewOf(tr, false)})
		require.NoError(t, err)
		require.Equal(t, string(want), string(eventFrame(tail, mustJSONString(sub))))
	}
}

// FuzzClientMessage checks that the decoder never panics, and that what
// it accepts is well-formed and survives a round trip through the wire
// type.
func FuzzClientMessage(f *testing.F) {
	for _, s := range []string{
		`{"op":"subscribe","id":"a","transfer":"alpha.beta.42"}`,
		`{"op":"subscribe","id":"a","transfer":"alpha.beta.0x` + hashOf(1, 2).Hex()[2:] + `"}`,
		`{"op":"subscribe","id":"a","account":"` + addrOf(7).Hex() + `","from_seq":0}`,
		`{"op":"subscribe","id":"a","route":"alpha.beta","from_seq":18446744073709551615}`,
		`{"op":"unsubscribe","id":"a"}`,
		`{"op":"subscribe","id":"a","route":"alpha.beta","transfer":"x"}`,
		`{}`, `null`, `"op"`, `{"op":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, bad := parseClientMessage(data)
		if bad != nil {
			require.NotEmpty(t, bad.code)
			return
		}
		require.Contains(t, []string{api.OpSubscribe, api.OpUnsubscribe}, m.Op)
		require.NotEmpty(t, m.ID)
		require.LessOrEqual(t, len(m.ID), MaxSubIDBytes)
		if m.Op == api.OpUnsubscribe {
			return
		}
		f := filterOf(m)
		require.NotEqual(t, settlement.EventFilter{}, f)
		again, err := json.Marshal(m)
		require.NoError(t, err)
		m2, bad := parseClientMessage(again)
		require.Nil(t, bad, "%s", again)
		require.Equal(t, m, m2)
	})
}

func TestBenchEventTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2031, 5, 6, 7, 8, 9, 123456000, time.UTC)
	tr := &settlement.Transfer{ID: "alpha.beta.3", Src: "alpha", Dst: "beta", Seq: 3, Status: settlement.StatusSubmitted,
		Amount: uint256.NewInt(5), Fee: uint256.NewInt(0), CreatedAt: at.Add(-time.Hour), UpdatedAt: at.Add(-time.Minute)}
	tail, err := eventTail(settlement.Event{Seq: 1, TransferID: tr.ID, Status: tr.Status, At: at}, tr)
	require.NoError(t, err)
	got, err := eventTime(eventFrame(tail, mustJSONString("r")))
	require.NoError(t, err)
	require.True(t, at.Equal(got), "%s", got)
}
