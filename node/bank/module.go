package bank

import (
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
)

// Module is the bank as an app.Module. It is stateless; all state is in the
// app.State it is handed.
type Module struct{}

var _ app.Module = (*Module)(nil)

// NewModule returns the bank module.
func NewModule() *Module { return &Module{} }

// Name is "bank".
func (*Module) Name() string { return ModuleName }

// InitGenesis credits every genesis balance and sets supplies to their sums.
// Zero balances are skipped; a supply overflow is an error.
func (*Module) InitGenesis(ctx *app.Context, g *chains.Genesis) error {
	for _, acct := range g.Accounts {
		for _, c := range acct.Balances {
			amt, err := chains.ParseAmount(c.Amount)
			if err != nil {
				return fmt.Errorf("bank genesis %s %s: %w", acct.Address, c.Denom, err)
			}
			if amt.IsZero() {
				continue
			}
			if err := Mint(ctx, acct.Address, c.Denom, amt); err != nil {
				return fmt.Errorf("bank genesis %s %s: %w", acct.Address, c.Denom, err)
			}
		}
	}
	return nil
}

// Check validates a send against current balances. It does not account for
// the sender's other pending transactions, so an admitted send may still fail
// with InsufficientBalance when its block executes.
func (*Module) Check(ctx *app.Context, sender attest.Address, method string, payload []byte) error {
	s, err := decodeMethod(method, payload)
	if err != nil {
		return err
	}
	return s.validate(ctx.State, sender)
}

// Deliver executes a send.
func (*Module) Deliver(ctx *app.Context, sender attest.Address, method string, payload []byte) error {
	s, err := decodeMethod(method, payload)
	if err != nil {
		return err
	}
	if err := s.validate(ctx.State, sender); err != nil {
		return err
	}
	return Transfer(ctx, sender, s.To, s.Denom, s.Amount)
}

// EndBlock does nothing: the bank never changes validators.
func (*Module) EndBlock(*app.Context) ([]attest.Validator, error) { return nil, nil }

func decodeMethod(method string, payload []byte) (*Send, error) {
	if method != MethodSend {
		return nil, app.Errorf(app.CodeUnknownTxType, "bank has no method %q", method)
	}
	return DecodeSend(payload)
}
