package gateway

import (
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// maxTimeoutSeconds bounds an intent's timeout_seconds far above any
// chain's maximum transfer timeout, so the deadline cannot overflow.
const maxTimeoutSeconds = 365 * 24 * 3600

// plan is a submission that passed every check needing no chain read:
// what to send, on which route.
type plan struct {
	src, dst *chain
	// signed is the client's transaction (signed_tx); nil for an intent
	// until the gateway signs it.
	signed *signedTx
	// intent and signer are what the gateway signs with (intent).
	intent *api.Intent
	signer *signer
	xfer   xfer.Transfer // the intent's transfer, deadline not yet set
}

// signedTx is one transfer transaction, decoded.
type signedTx struct {
	raw    []byte
	hash   attest.Hash
	tx     *tx.Tx
	xfer   *xfer.Transfer
	sender attest.Address
}

// parseSubmission checks a request body: its JSON, exactly one of
// signed_tx and intent, and everything in it that needs no chain read.
func (s *server) parseSubmission(body []byte, c caller) (*plan, *api.Problem) {
	var req api.SubmitRequest
	if p := decodeStrict(body, &req); p != nil {
		return nil, p
	}
	switch {
	case req.SignedTx != "" && req.Intent != nil:
		return nil, fieldProblem(api.CodeInvalidField, "body", "has both signed_tx and intent (give exactly one)")
	case req.SignedTx != "":
		return s.parseSignedTx(req.SignedTx)
	case req.Intent != nil:
		return s.parseIntent(req.Intent, c)
	}
	return nil, fieldProblem(api.CodeInvalidField, "body", "has neither signed_tx nor intent (give exactly one)")
}

// parseSignedTx decodes a client-signed xfer.transfer and recovers its
// sender with its chain's genesis hash.
func (s *server) parseSignedTx(hexTx string) (*plan, *api.Problem) {
	if !strings.HasPrefix(hexTx, "0x") {
		hexTx = "0x" + hexTx
	}
	raw, err := hexutil.Decode(hexTx)
	if err != nil {
		return nil, fieldProblem(api.CodeInvalidField, "signed_tx", "must be the hex of an encoded transaction")
	}
	st, p := s.decodeSigned(raw)
	if p != nil {
		return nil, p
	}
	src := s.chains.get(st.tx.ChainID)
	dst := s.chains.get(st.xfer.Dst)
	switch {
	case dst == nil || dst == src:
		return nil, api.NewProblem(api.CodeUnknownRoute, "the gateway serves no route "+st.tx.ChainID+"→"+st.xfer.Dst)
	}
	if p := checkTransferFields(st.xfer); p != nil {
		return nil, p
	}
	return &plan{src: src, dst: dst, signed: st}, nil
}

// decodeSigned decodes raw as a transfer transaction of a served chain and
// recovers its sender.
func (s *server) decodeSigned(raw []byte) (*signedTx, *api.Problem) {
	t, err := tx.Decode(raw)
	if err != nil {
		return nil, api.NewProblem(api.CodeInvalidTransaction, "signed_tx is not a transaction: "+err.Error())
	}
	src := s.chains.get(t.ChainID)
	if src == nil {
		return nil, api.NewProblem(api.CodeUnknownChain, "the transaction is for chain "+strconv.Quote(t.ChainID)+", which the gateway does not serve")
	}
	if t.Type != xfer.TypeTransfer {
		return nil, api.NewProblem(api.CodeInvalidTransaction, "the transaction is a "+strconv.Quote(t.Type)+", not an "+xfer.TypeTransfer)
	}
	x, err := xfer.DecodeTransfer(t.Payload)
	if err != nil {
		return nil, api.NewProblem(api.CodeInvalidTransaction, "the transfer payload does not decode: "+err.Error())
	}
	sender, err := t.Sender(src.genesis)
	if err != nil {
		return nil, api.NewProblem(api.CodeBadSignature, "no sender recovers from the signature over "+t.ChainID+"'s genesis: "+err.Error())
	}
	return &signedTx{raw: raw, hash: txHashOf(raw), tx: t, xfer: x, sender: sender}, nil
}

// checkTransferFields refuses what the source chain would refuse for the
// transfer's fields alone.
func checkTransferFields(x *xfer.Transfer) *api.Problem {
	if x.Amount.IsZero() {
		return fieldProblem(api.CodeInvalidAmount, "amount", "must be positive")
	}
	if _, overflow := new(uint256.Int).AddOverflow(x.Amount, x.RelayFee); overflow {
		return fieldProblem(api.CodeInvalidAmount, "amount", "plus the relay fee exceeds 2^256-1")
	}
	switch {
	case !chains.ValidDenom(x.Denom):
		return api.NewProblem(api.CodeInvalidTransaction, "denom "+strconv.Quote(x.Denom)+" is not a valid denomination")
	case x.Receiver == (attest.Address{}):
		return api.NewProblem(api.CodeInvalidTransaction, "the receiver is the zero address")
	case len(x.Memo) > attest.MaxMemoBytes:
		return api.NewProblem(api.CodeInvalidTransaction, "the memo is over "+strconv.Itoa(attest.MaxMemoBytes)+" bytes")
	case x.TimeoutHeight == 0 && x.TimeoutTimeMs == 0:
		return api.NewProblem(api.CodeInvalidTransaction, "the transfer has neither a timeout height nor a timeout time")
	}
	return nil
}

// parseIntent checks an intent and finds the key the gateway holds for it.
func (s *server) parseIntent(in *api.Intent, c caller) (*plan, *api.Problem) {
	src, dst, p := s.intentRoute(in)
	if p != nil {
		return nil, p
	}
	amount, p := parseAmount("intent.amount", in.Amount)
	if p != nil {
		return nil, p
	}
	fee := new(uint256.Int)
	if in.Fee != "" {
		if fee, p = parseDecimal("intent.fee", in.Fee); p != nil {
			return nil, p
		}
	}
	if _, overflow := new(uint256.Int).AddOverflow(amount, fee); overflow {
		return nil, fieldProblem(api.CodeInvalidAmount, "intent.amount", "plus intent.fee exceeds 2^256-1")
	}
	switch {
	case in.Denom == "":
		return nil, fieldProblem(api.CodeInvalidField, "intent.denom", "is missing")
	case !chains.ValidDenom(in.Denom):
		return nil, fieldProblem(api.CodeInvalidField, "intent.denom", "is not a valid denomination")
	case len(in.Memo) > attest.MaxMemoBytes:
		return nil, fieldProblem(api.CodeInvalidField, "intent.memo", "is over "+strconv.Itoa(attest.MaxMemoBytes)+" bytes")
	case in.TimeoutSeconds > maxTimeoutSeconds:
		return nil, fieldProblem(api.CodeInvalidField, "intent.timeout_seconds", "is over "+strconv.Itoa(maxTimeoutSeconds))
	}
	sg := s.signers.lookup(c.clientID(), in.From.Address)
	if sg == nil {
		return nil, api.NewProblem(api.CodeForbidden, "the gateway holds no key of "+in.From.Address.Hex()+" for this client")
	}
	x := xfer.Transfer{Dst: dst.id, Receiver: in.To.Address, Denom: in.Denom, Amount: amount, RelayFee: fee,
		TimeoutHeight: in.TimeoutHeight, Memo: in.Memo}
	return &plan{src: src, dst: dst, intent: in, signer: sg, xfer: x}, nil
}

// intentRoute checks the intent's endpoints.
func (s *server) intentRoute(in *api.Intent) (src, dst *chain, p *api.Problem) {
	for _, e := range []struct {
		field string
		ep    api.Endpoint
	}{{"intent.from", in.From}, {"intent.to", in.To}} {
		switch {
		case e.ep.Chain == "":
			return nil, nil, fieldProblem(api.CodeInvalidField, e.field+".chain", "is missing")
		case s.chains.get(e.ep.Chain) == nil:
			return nil, nil, api.NewProblem(api.CodeUnknownChain, e.field+".chain: the gateway does not serve chain "+strconv.Quote(e.ep.Chain))
		case e.ep.Address == (attest.Address{}):
			return nil, nil, fieldProblem(api.CodeInvalidField, e.field+".address", "is missing or zero")
		}
	}
	if in.From.Chain == in.To.Chain {
		return nil, nil, api.NewProblem(api.CodeUnknownRoute, "from and to are both on "+in.From.Chain)
	}
	return s.chains.get(in.From.Chain), s.chains.get(in.To.Chain), nil
}
