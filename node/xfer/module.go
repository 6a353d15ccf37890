package xfer

import (
	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
)

// Module is the cross-chain transfer module as an app.Module. All chain
// state is in the app.State it is handed; the Module itself only remembers,
// in memory, which certified headers it has verified (see headerMemo). It is
// safe for concurrent use.
type Module struct {
	memo *headerMemo
}

var _ app.Module = (*Module)(nil)

// NewModule returns the xfer module.
func NewModule() *Module { return &Module{memo: newHeaderMemo(DefaultMemoSize)} }

// Name is "xfer".
func (*Module) Name() string { return ModuleName }

// InitGenesis writes the module parameters, blocked receivers, one light
// client per counterparty and the route limits.
func (*Module) InitGenesis(ctx *app.Context, g *chains.Genesis) error {
	return initGenesis(ctx.State, g)
}

// Check runs every verification of a method (light-client header, proofs,
// balances) against read-only state, without the checks that need the block
// time. It writes nothing.
func (m *Module) Check(ctx *app.Context, sender attest.Address, method string, payload []byte) error {
	return m.dispatch(ctx, sender, method, payload, false)
}

// Deliver executes a method.
func (m *Module) Deliver(ctx *app.Context, sender attest.Address, method string, payload []byte) error {
	return m.dispatch(ctx, sender, method, payload, true)
}

// EndBlock does nothing: the module never changes validators.
func (*Module) EndBlock(*app.Context) ([]attest.Validator, error) { return nil, nil }

func (m *Module) dispatch(ctx *app.Context, sender attest.Address, method string, payload []byte, deliver bool) error {
	switch method {
	case MethodTransfer:
		t, err := DecodeTransfer(payload)
		if err != nil {
			return err
		}
		return transfer(ctx, sender, t, deliver)
	case MethodRecv:
		r, err := DecodeRecv(payload)
		if err != nil {
			return err
		}
		return recv(ctx, m.memo, sender, r, deliver)
	case MethodAck:
		a, err := DecodeAck(payload)
		if err != nil {
			return err
		}
		return ack(ctx, m.memo, sender, a, deliver)
	case MethodUpdateClient:
		u, err := DecodeUpdateClient(payload)
		if err != nil {
			return err
		}
		return updateClient(ctx, m.memo, u, deliver)
	case MethodMisbehaviour:
		m, err := DecodeSubmitMisbehaviour(payload)
		if err != nil {
			return err
		}
		return submitMisbehaviour(ctx, m, deliver)
	}
	return app.Errorf(app.CodeUnknownTxType, "xfer has no method %q", method)
}
