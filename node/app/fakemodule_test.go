package app_test

import (
	"errors"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
)

// counter is a hand-written module for execution tests. Methods:
//
//	inc   writes counter/<payload> = "1" and emits an event
//	fail  writes counter/<payload>, then rejects with Unauthorized
//	boom  returns an uncoded error (an internal failure)
//	proof rejects with an attest code
//
// EndBlock returns the updates queued in valUpdates.
type counter struct {
	valUpdates []attest.Validator
	endErr     error
}

var errBoom = errors.New("boom")

func (*counter) Name() string { return "counter" }

func (*counter) InitGenesis(ctx *app.Context, _ *chains.Genesis) error {
	return ctx.State.Set([]byte("counter/genesis"), []byte("1"))
}

func (*counter) Check(ctx *app.Context, _ attest.Address, method string, payload []byte) error {
	if method == "fail" {
		return app.Errorf(app.CodeUnauthorized, "check refuses %s", payload)
	}
	return ctx.State.Set([]byte("counter/check"), payload) // must be refused: read-only
}

func (*counter) Deliver(ctx *app.Context, _ attest.Address, method string, payload []byte) error {
	key := append([]byte("counter/"), payload...)
	switch method {
	case "inc":
		ctx.Emit(app.Event{Type: "inc", Attrs: []app.Attr{{Key: "key", Value: string(payload)}}})
		return ctx.State.Set(key, []byte("1"))
	case "fail":
		ctx.Emit(app.Event{Type: "never"})
		if err := ctx.State.Set(key, []byte("1")); err != nil {
			return err
		}
		return app.Errorf(app.CodeUnauthorized, "not allowed")
	case "boom":
		return errBoom
	case "proof":
		return attest.ErrBadProof
	}
	return app.Errorf(app.CodeUnknownTxType, "counter has no method %q", method)
}

func (c *counter) EndBlock(*app.Context) ([]attest.Validator, error) {
	return c.valUpdates, c.endErr
}
