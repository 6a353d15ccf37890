package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// Client message limits.
const (
	// MaxMessageBytes bounds a client message; a longer one closes the
	// connection with api.CloseBadRequest.
	MaxMessageBytes = 4 << 10
	// MaxSubIDBytes bounds a subscription id.
	MaxSubIDBytes = 64
)

// msgError is a bad client message: the code and detail of the error
// message that answers it.
type msgError struct {
	id     string
	code   string
	detail string
}

func badField(id, format string, args ...any) *msgError {
	return &msgError{id: id, code: string(api.CodeInvalidField), detail: fmt.Sprintf(format, args...)}
}

// wireClientMessage is api.ClientMessage before its fields are checked, so
// a malformed address or id is reported as that field's error rather than
// as unparseable JSON.
type wireClientMessage struct {
	Op       string  `json:"op"`
	ID       string  `json:"id"`
	Transfer string  `json:"transfer"`
	Account  string  `json:"account"`
	Route    string  `json:"route"`
	FromSeq  *uint64 `json:"from_seq"`
}

// clientFields are wireClientMessage's JSON names.
var clientFields = map[string]bool{"op": true, "id": true, "transfer": true, "account": true, "route": true, "from_seq": true}

// parseClientMessage decodes and checks one client message. A subscribe
// names exactly one well-formed filter; an unsubscribe names its id.
func parseClientMessage(data []byte) (api.ClientMessage, *msgError) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return api.ClientMessage{}, &msgError{code: string(api.CodeInvalidJSON), detail: err.Error()}
	}
	for k := range fields {
		if !clientFields[k] {
			return api.ClientMessage{}, &msgError{code: string(api.CodeUnknownField), detail: fmt.Sprintf("unknown field %q", k)}
		}
	}
	var w wireClientMessage
	if err := json.Unmarshal(data, &w); err != nil {
		return api.ClientMessage{}, &msgError{code: string(api.CodeInvalidField), detail: err.Error()}
	}
	m := api.ClientMessage{Op: w.Op, ID: w.ID, Route: w.Route, FromSeq: w.FromSeq}
	if w.Op != api.OpSubscribe && w.Op != api.OpUnsubscribe {
		return m, &msgError{id: w.ID, code: api.StreamCodeUnknownOp, detail: fmt.Sprintf("op %q: want %s or %s", w.Op, api.OpSubscribe, api.OpUnsubscribe)}
	}
	if w.ID == "" || len(w.ID) > MaxSubIDBytes {
		return m, badField("", "id: want 1 to %d bytes", MaxSubIDBytes)
	}
	if w.Op == api.OpUnsubscribe {
		return m, nil
	}
	return m, parseFilter(&m, w)
}

// parseFilter fills m's one filter from w.
func parseFilter(m *api.ClientMessage, w wireClientMessage) *msgError {
	n := 0
	for _, s := range []string{w.Transfer, w.Account, w.Route} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return badField(w.ID, "want exactly one of transfer, account and route, have %d", n)
	}
	switch {
	case w.Transfer != "":
		id, _, _, err := settlement.ParseTransferID(w.Transfer)
		if err != nil {
			return badField(w.ID, "transfer: %v", err)
		}
		m.Transfer = id
	case w.Account != "":
		var a attest.Address
		if err := a.UnmarshalText([]byte(w.Account)); err != nil || a == (attest.Address{}) {
			return badField(w.ID, "account %q: want a 0x-prefixed 20-byte hex address", w.Account)
		}
		m.Account = a
	default:
		if _, _, err := splitRoute(w.Route); err != nil {
			return badField(w.ID, "route: %v", err)
		}
	}
	return nil
}

// errBadRoute: a route is not "src.dst" of two distinct chain ids.
var errBadRoute = errors.New(`want "src.dst" of two distinct chain ids`)

func splitRoute(r string) (src, dst string, err error) {
	src, dst, ok := strings.Cut(r, ".")
	if !ok || !settlement.ValidChainID(src) || !settlement.ValidChainID(dst) || src == dst {
		return "", "", fmt.Errorf("%q: %w", r, errBadRoute)
	}
	return src, dst, nil
}

// filterOf is the store filter matching a checked subscribe message.
func filterOf(m api.ClientMessage) settlement.EventFilter {
	switch {
	case m.Transfer != "":
		return settlement.EventFilter{TransferID: m.Transfer}
	case m.Account != (attest.Address{}):
		return settlement.EventFilter{Account: m.Account}
	}
	src, dst, _ := splitRoute(m.Route)
	return settlement.EventFilter{Src: src, Dst: dst}
}

// Frames. Control messages are small and encoded per message; an event's
// body is encoded once and spliced per subscription (eventFrame).

// eventHead is how every event frame starts: ServerMessage's first field
// is its type, and ID is empty for events, so Sub comes next.
var eventHead = []byte(`{"type":"` + api.MsgEvent + `",`)

// eventTail encodes the event message of ev without a subscription: the
// bytes after eventHead.
func eventTail(ev settlement.Event, t *settlement.Transfer) ([]byte, error) {
	m := api.ServerMessage{Type: api.MsgEvent, Seq: ev.Seq, TransferID: ev.TransferID, Status: ev.Status, At: ev.At}
	if t != nil {
		m.Transfer = api.ViewOf(t, false)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode event %d: %w", ev.Seq, err)
	}
	if !bytes.HasPrefix(b, eventHead) {
		// ServerMessage's field order changed; the splice would be wrong.
		panic(fmt.Sprintf("feed: event message starts %q, want %q", b[:min(len(b), len(eventHead))], eventHead))
	}
	return b[len(eventHead):], nil
}

// eventFrame is the event message for the subscription whose id is
// encoded as subJSON: what json.Marshal of the full ServerMessage gives.
func eventFrame(tail, subJSON []byte) []byte {
	b := make([]byte, 0, len(eventHead)+len(`"sub":,`)+len(subJSON)+len(tail))
	b = append(b, eventHead...)
	b = append(b, `"sub":`...)
	b = append(b, subJSON...)
	b = append(b, ',')
	return append(b, tail...)
}

// controlFrame encodes a message other than an event.
func controlFrame(m api.ServerMessage) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		// ServerMessage has no field that can fail to encode.
		panic(fmt.Sprintf("feed: encode %s message: %v", m.Type, err))
	}
	return b
}

func heartbeatFrame(seq uint64, now time.Time) []byte {
	return controlFrame(api.ServerMessage{Type: api.MsgHeartbeat, Seq: seq, Time: now})
}

func errorFrame(e *msgError) []byte {
	return controlFrame(api.ServerMessage{Type: api.MsgError, ID: e.id, Code: e.code, Detail: e.detail})
}

func mustJSONString(s string) []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("feed: encode string: %v", err))
	}
	return b
}
