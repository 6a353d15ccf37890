package app

import (
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
)

// Event is a typed record a module emits while delivering a transaction,
// such as transfer{from,to,denom,amount}. Attribute order is the module's.
type Event struct {
	Type  string
	Attrs []Attr
}

// Attr is one key/value attribute of an event.
type Attr struct {
	Key, Value string
}

// Receipt is the outcome of one transaction of a block. A failed transaction
// has a non-zero Code, its error text in Log and no events.
type Receipt struct {
	TxHash attest.Hash
	Height uint64
	Index  uint32
	Sender attest.Address // zero when the signature could not be recovered
	Type   string
	Code   Code
	Log    string
	Events []Event
}

// OK reports whether the transaction succeeded.
func (r *Receipt) OK() bool { return r.Code == CodeOK }

// Attr returns the value of the first attribute named key, or "".
func (e Event) Attr(key string) string {
	for _, a := range e.Attrs {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// EncodeReceipts returns the RLP encoding of a block's receipts.
func EncodeReceipts(rs []Receipt) []byte {
	if rs == nil {
		rs = []Receipt{}
	}
	b, err := rlp.EncodeToBytes(rs)
	if err != nil {
		panic("app: encode receipts: " + err.Error())
	}
	return b
}

// DecodeReceipts parses the output of EncodeReceipts, refusing trailing bytes.
func DecodeReceipts(b []byte) ([]Receipt, error) {
	var rs []Receipt
	if err := rlp.DecodeBytes(b, &rs); err != nil {
		return nil, fmt.Errorf("decode receipts: %w", err)
	}
	for i := range rs {
		if len(rs[i].Events) == 0 {
			rs[i].Events = nil // RLP cannot tell nil from empty; execution emits nil
		}
	}
	return rs, nil
}
