package feed

import (
	"encoding/json"

	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement"
)

// fanEvent is an outbox event prepared once for all its subscribers: the
// payload decoded at most once, the message encoded at most once.
type fanEvent struct {
	settlement.Event
	decoded  bool
	transfer *settlement.Transfer // nil when the payload does not decode
	tail     []byte
}

func newFanEvent(e settlement.Event) *fanEvent { return &fanEvent{Event: e} }

// decode returns the transfer in the payload, decoding it on first use.
// A payload that does not decode is a broken outbox: logged, and the
// event still goes out, without its transfer.
func (fe *fanEvent) decode(log *zap.Logger) *settlement.Transfer {
	if fe.decoded {
		return fe.transfer
	}
	fe.decoded = true
	var t settlement.Transfer
	if err := json.Unmarshal(fe.Payload, &t); err != nil {
		log.Error("event payload is not a transfer", zap.Uint64("seq", fe.Seq),
			zap.String("transfer_id", string(fe.TransferID)), zap.Error(err))
		return nil
	}
	fe.transfer = &t
	return fe.transfer
}

// frameTail returns the event's message without a subscription id,
// encoding it on first use.
func (fe *fanEvent) frameTail(log *zap.Logger) []byte {
	if fe.tail != nil {
		return fe.tail
	}
	tail, err := eventTail(fe.Event, fe.decode(log))
	if err != nil {
		log.Error("encode event", zap.Uint64("seq", fe.Seq), zap.Error(err))
		tail, _ = eventTail(fe.Event, nil)
	}
	fe.tail = tail
	return tail
}
