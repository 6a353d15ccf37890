package bank

import (
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// Module name, methods and the transaction types they form.
const (
	ModuleName = "bank"
	MethodSend = "send"
	TypeSend   = ModuleName + app.TypeSeparator + MethodSend
)

// Send is the payload of bank.send: move Amount of Denom from the signer to To.
// Amount is RLP-encoded as a big-endian integer of at most 32 bytes.
type Send struct {
	To     attest.Address
	Denom  string
	Amount *uint256.Int
}

// NewSend builds the type and payload of a bank.send transaction.
func NewSend(to attest.Address, denom string, amt *uint256.Int) (txType string, payload []byte) {
	if amt == nil {
		amt = new(uint256.Int)
	}
	b, err := rlp.EncodeToBytes(&Send{To: to, Denom: denom, Amount: amt})
	if err != nil {
		panic("bank: encode send: " + err.Error())
	}
	return TypeSend, b
}

// DecodeSend parses a bank.send payload. Anything but one canonical RLP Send
// (including an amount over 2^256-1) is a Malformed rejection.
func DecodeSend(payload []byte) (*Send, error) {
	var s Send
	if err := rlp.DecodeBytes(payload, &s); err != nil {
		return nil, app.Errorf(app.CodeMalformed, "decode bank.send: %v", err)
	}
	if s.Amount == nil {
		s.Amount = new(uint256.Int)
	}
	return &s, nil
}

// validate checks a send against the sender's current balance without writing.
func (s *Send) validate(kv app.KV, sender attest.Address) error {
	if err := checkCoin(s.Denom, s.Amount); err != nil {
		return err
	}
	mod, err := IsModuleAccount(kv, s.To)
	if err != nil {
		return err
	}
	if mod {
		return app.Errorf(app.CodeUnauthorized, "%s is a module account; only its module moves funds into it", s.To)
	}
	bal, err := Balance(kv, sender, s.Denom)
	if err != nil {
		return fmt.Errorf("check bank.send: %w", err)
	}
	if bal.Lt(s.Amount) {
		return insufficient(sender, s.Denom, bal, s.Amount)
	}
	return nil
}
