package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// maxUint256Plus1 is 2^256.
const maxUint256Plus1 = "115792089237316195423570985008687907853269984665640564039457584007913129639936"

// badCase is one bad submission: its body and headers, and the answer it
// must get.
type badCase struct {
	name   string
	body   string
	header []string // replaces the default headers when set
	status int
	code   api.Code
	field  string // the field the problem names, when it names one
}

// intentJSON is a valid intent of from with one field replaced by raw
// JSON: field "amount" and value `"-1"` give "amount":"-1".
func intentJSON(from attest.Address, field, value string) string {
	fields := [][2]string{
		{"from", `{"chain":"alpha","address":"` + from.Hex() + `"}`},
		{"to", `{"chain":"beta","address":"` + relaytest.FreshAddress().Hex() + `"}`},
		{"amount", `"10"`}, {"denom", `"USD"`}, {"fee", `"1"`}, {"timeout_seconds", `600`},
	}
	var b strings.Builder
	b.WriteString(`{"intent":{`)
	for i, f := range fields {
		if f[0] == field {
			f[1] = value
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + f[0] + `":` + f[1])
	}
	if field != "" && !strings.Contains(b.String(), `"`+field+`"`) {
		b.WriteString(`,"` + field + `":` + value)
	}
	b.WriteString("}}")
	return b.String()
}

// TestSubmitRefusesBadInput sends every kind of bad submission. Each gets
// its status and problem code as problem+json; none leaves a transfer or a
// request row behind, and none reaches the chain: the senders' nonces do
// not move and no transaction built for the cases is committed.
func TestSubmitRefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	signer := attest.AddressOf(e.signer)
	key := sender(t)
	from := attest.AddressOf(key)
	signerBefore, fromBefore := e.nonce(signer), e.nonce(from)
	genesis := e.pair.Alpha.GenesisHash()
	next := fromBefore
	sign := func(chainID string, g attest.Hash, x xfer.Transfer) []byte {
		return transferTx(t, chainID, g, key, next, x)
	}
	valid := e.validTransfer(10)
	with := func(edit func(*xfer.Transfer)) xfer.Transfer {
		x := valid
		edit(&x)
		return x
	}
	var built []attest.Hash
	signed := func(raw []byte) string {
		built = append(built, txHashOf(raw))
		return string(signedBody(raw))
	}
	flipped := sign("alpha", genesis, valid)
	flipped[len(flipped)-5] ^= 0x40 // inside the signature, the last field
	bankTx := &tx.Tx{ChainID: "alpha", Nonce: next, Type: bank.TypeSend, Payload: []byte{0xc0}}
	require.NoError(t, bankTx.Sign(genesis, key))
	hdr := func(kv ...string) []string {
		return append([]string{"Authorization", "Bearer " + e.key}, kv...)
	}
	okHeaders := hdr("Content-Type", "application/json", api.HeaderIdempotencyKey, "k")
	cases := []badCase{
		// the envelope
		{name: "no key", body: intentJSON(signer, "", ""), header: []string{"Content-Type", "application/json", api.HeaderIdempotencyKey, "k"},
			status: 401, code: api.CodeUnauthorized},
		{name: "malformed key", body: intentJSON(signer, "", ""), header: []string{"Authorization", "Bearer cwk_nope",
			"Content-Type", "application/json", api.HeaderIdempotencyKey, "k"}, status: 401, code: api.CodeUnauthorized},
		{name: "no content type", body: intentJSON(signer, "", ""), header: hdr(api.HeaderIdempotencyKey, "k"),
			status: 415, code: api.CodeUnsupportedMedia},
		{name: "text content type", body: intentJSON(signer, "", ""), header: hdr("Content-Type", "text/plain", api.HeaderIdempotencyKey, "k"),
			status: 415, code: api.CodeUnsupportedMedia},
		{name: "no idempotency key", body: intentJSON(signer, "", ""), header: hdr("Content-Type", "application/json"),
			status: 400, code: api.CodeIdempotencyMissing},
		{name: "idempotency key with a space", body: intentJSON(signer, "", ""), header: hdr("Content-Type", "application/json",
			api.HeaderIdempotencyKey, "a b"), status: 400, code: api.CodeIdempotencyInvalid},
		{name: "idempotency key too long", body: intentJSON(signer, "", ""), header: hdr("Content-Type", "application/json",
			api.HeaderIdempotencyKey, strings.Repeat("k", api.MaxIdempotencyKeyBytes+1)), status: 400, code: api.CodeIdempotencyInvalid},
		{name: "two idempotency keys", body: intentJSON(signer, "", ""), header: hdr("Content-Type", "application/json",
			api.HeaderIdempotencyKey, "k", api.HeaderIdempotencyKey, "j"), status: 400, code: api.CodeIdempotencyInvalid},
		{name: "oversize body", body: intentJSON(signer, "memo", `"`+strings.Repeat("m", DefaultMaxBodyBytes)+`"`),
			status: 413, code: api.CodeBodyTooLarge},
		// the JSON
		{name: "empty body", body: "", status: 400, code: api.CodeInvalidJSON},
		{name: "truncated", body: `{"intent":{`, status: 400, code: api.CodeInvalidJSON},
		{name: "not JSON", body: `intent=1`, status: 400, code: api.CodeInvalidJSON},
		{name: "trailing data", body: intentJSON(signer, "", "") + `{}`, status: 400, code: api.CodeInvalidJSON},
		{name: "array body", body: `[]`, status: 400, code: api.CodeInvalidField, field: "body"},
		{name: "neither", body: `{}`, status: 400, code: api.CodeInvalidField, field: "body"},
		{name: "both", body: `{"signed_tx":"0x00","intent":` + strings.TrimPrefix(strings.TrimSuffix(intentJSON(signer, "", ""), "}"), `{"intent":`) + `}`,
			status: 400, code: api.CodeInvalidField, field: "body"},
		{name: "unknown top-level field", body: `{"intnet":{}}`, status: 400, code: api.CodeUnknownField, field: "intnet"},
		{name: "case variant of a field", body: `{"Intent":{}}`, status: 400, code: api.CodeUnknownField, field: "Intent"},
		{name: "unknown intent field", body: intentJSON(signer, "amout", `"1"`), status: 400, code: api.CodeUnknownField, field: "intent.amout"},
		{name: "unknown endpoint field", body: intentJSON(signer, "to", `{"chain":"beta","address":"`+from.Hex()+`","tag":1}`),
			status: 400, code: api.CodeUnknownField, field: "intent.to.tag"},
		{name: "amount as a number", body: intentJSON(signer, "amount", `10`), status: 400, code: api.CodeInvalidField, field: "intent.amount"},
		{name: "timeout as a string", body: intentJSON(signer, "timeout_seconds", `"600"`), status: 400, code: api.CodeInvalidField, field: "intent.timeout_seconds"},
		{name: "negative timeout", body: intentJSON(signer, "timeout_seconds", `-1`), status: 400, code: api.CodeInvalidField, field: "intent.timeout_seconds"},
		{name: "endpoint as a string", body: intentJSON(signer, "from", `"alpha"`), status: 400, code: api.CodeInvalidField, field: "intent.from"},
		{name: "bad address", body: intentJSON(signer, "to", `{"chain":"beta","address":"0x1234"}`), status: 400, code: api.CodeInvalidField, field: "intent.to.address"},
		{name: "signed_tx as a number", body: `{"signed_tx":12}`, status: 400, code: api.CodeInvalidField, field: "signed_tx"},
		// amounts
		{name: "negative amount", body: intentJSON(signer, "amount", `"-10"`), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "zero amount", body: intentJSON(signer, "amount", `"0"`), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "fractional amount", body: intentJSON(signer, "amount", `"1.5"`), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "exponent amount", body: intentJSON(signer, "amount", `"1e3"`), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "amount of 2^256", body: intentJSON(signer, "amount", `"`+maxUint256Plus1+`"`), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "amount with a plus", body: intentJSON(signer, "amount", `"+10"`), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "amount with spaces", body: intentJSON(signer, "amount", `" 10"`), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "amount with a leading zero", body: intentJSON(signer, "amount", `"010"`), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "empty amount", body: intentJSON(signer, "amount", `""`), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "fractional fee", body: intentJSON(signer, "fee", `"0.1"`), status: 400, code: api.CodeInvalidAmount, field: "intent.fee"},
		{name: "amount plus fee over 2^256", body: strings.Replace(intentJSON(signer, "amount", `"`+new(uint256.Int).SetAllOne().Dec()+`"`),
			`"fee":"1"`, `"fee":"2"`, 1), status: 400, code: api.CodeInvalidAmount, field: "intent.amount"},
		{name: "signed zero amount", body: signed(sign("alpha", genesis, with(func(x *xfer.Transfer) { x.Amount = uint256.NewInt(0) }))),
			status: 400, code: api.CodeInvalidAmount, field: "amount"},
		// other intent fields
		{name: "bad denom", body: intentJSON(signer, "denom", `"U S D"`), status: 400, code: api.CodeInvalidField, field: "intent.denom"},
		{name: "no denom", body: intentJSON(signer, "denom", `""`), status: 400, code: api.CodeInvalidField, field: "intent.denom"},
		{name: "long memo", body: intentJSON(signer, "memo", `"`+strings.Repeat("m", attest.MaxMemoBytes+1)+`"`), status: 400, code: api.CodeInvalidField, field: "intent.memo"},
		{name: "no receiver", body: intentJSON(signer, "to", `{"chain":"beta"}`), status: 400, code: api.CodeInvalidField, field: "intent.to.address"},
		// chains and routes
		{name: "unknown source chain", body: intentJSON(signer, "from", `{"chain":"gamma","address":"`+signer.Hex()+`"}`), status: 404, code: api.CodeUnknownChain},
		{name: "unknown destination chain", body: intentJSON(signer, "to", `{"chain":"gamma","address":"`+signer.Hex()+`"}`), status: 404, code: api.CodeUnknownChain},
		{name: "route to itself", body: intentJSON(signer, "to", `{"chain":"alpha","address":"`+from.Hex()+`"}`), status: 422, code: api.CodeUnknownRoute},
		{name: "signed for an unknown chain", body: signed(sign("gamma", genesis, valid)), status: 404, code: api.CodeUnknownChain},
		{name: "signed to an unknown chain", body: signed(sign("alpha", genesis, with(func(x *xfer.Transfer) { x.Dst = "gamma" }))),
			status: 422, code: api.CodeUnknownRoute},
		{name: "signed to its own chain", body: signed(sign("alpha", genesis, with(func(x *xfer.Transfer) { x.Dst = "alpha" }))),
			status: 422, code: api.CodeUnknownRoute},
		// the key
		{name: "intent from an address without a key", body: intentJSON(from, "", ""), status: 403, code: api.CodeForbidden},
		// signatures and transactions
		{name: "signed for another genesis", body: signed(sign("alpha", attest.Keccak([]byte("another genesis")), valid)),
			status: 422, code: api.CodeBadSignature},
		{name: "flipped signature byte", body: signed(flipped), status: 422, code: api.CodeBadSignature},
		{name: "not hex", body: `{"signed_tx":"0xzz"}`, status: 400, code: api.CodeInvalidField, field: "signed_tx"},
		{name: "not a transaction", body: `{"signed_tx":"0xdeadbeef"}`, status: 422, code: api.CodeInvalidTransaction},
		{name: "not a transfer", body: signed(bankTx.Encode()), status: 422, code: api.CodeInvalidTransaction},
		{name: "transfer without a timeout", body: signed(sign("alpha", genesis, with(func(x *xfer.Transfer) { x.TimeoutTimeMs = 0 }))),
			status: 422, code: api.CodeInvalidTransaction},
		{name: "transfer with a bad denom", body: signed(sign("alpha", genesis, with(func(x *xfer.Transfer) { x.Denom = "" }))),
			status: 422, code: api.CodeInvalidTransaction},
	}
	for _, tc := range cases {
		h := tc.header
		if h == nil {
			h = okHeaders
		}
		r := e.do(http.MethodPost, "/v1/transfers", []byte(tc.body), h...)
		p := r.requireProblem(t, tc.status, tc.code)
		if tc.field != "" {
			require.Len(t, p.Errors, 1, tc.name)
			require.Equal(t, tc.field, p.Errors[0].Field, tc.name)
		}
		require.NotEmpty(t, p.Detail, tc.name)
		e.requireNothingStored("k")
	}
	e.requireNotSent(signer, signerBefore)
	e.requireNotSent(from, fromBefore, built...)
}

// The unsent transaction of the bad-input test is valid apart from what
// each case breaks: sent as is, it is accepted.
func TestSubmitBadInputBaseline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.requireAccepted(e.submit("base", []byte(intentJSON(attest.AddressOf(e.signer), "", ""))))
	key := sender(t)
	e.requireAccepted(e.submit("base-signed", signedBody(e.signedTransfer(key, 10))))
}
