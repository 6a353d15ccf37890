package chains

import (
	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
)

// Wire types of the node's JSON-RPC API, as Client returns them. They are
// defined by node/rpc, which owns the wire format.
type (
	Status             = rpc.Status
	Receipt            = rpc.Receipt
	Event              = rpc.Event
	Attr               = rpc.Attr
	Block              = rpc.Block
	BlockEvents        = rpc.BlockEvents
	EventsNotification = rpc.EventsNotification
	TxEvent            = rpc.TxEvent
	Account            = rpc.Account
	Balance            = rpc.Coin // an amount of one denom, as the node reports it
	Validators         = rpc.Validators
	Proofs             = rpc.Proofs
	KeyProof           = rpc.KeyProof
)

// CertifiedHeader is a certified header as served, with its RLP decoded.
// Certified is what a relay verifies (attest.VerifyCertifiedHeader) and
// forwards; the embedded JSON fields carry the same content for display.
type CertifiedHeader struct {
	rpc.CertifiedHeader
	Certified *attest.CertifiedHeader
}

func decodeCertifiedHeader(ch *rpc.CertifiedHeader) (*CertifiedHeader, error) {
	dec, err := ch.Decode()
	if err != nil {
		return nil, badResponse("certified header: %v", err)
	}
	return &CertifiedHeader{CertifiedHeader: *ch, Certified: dec}, nil
}
