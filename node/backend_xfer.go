package node

import (
	"context"
	"errors"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/state"
	"github.com/causeway/causeway/node/xfer"
)

// Task implements rpc.XferReader.
func (b *backend) Task(_ context.Context, dst string, seq, h uint64) (*rpc.Task, error) {
	var out *rpc.Task
	err := b.readAt(h, func(kv app.KV) error {
		t, err := xfer.GetTask(kv, dst, seq)
		if err != nil {
			return err
		}
		out = toRPCTask(h, t)
		return nil
	})
	return out, notFoundIsNil(err)
}

// PacketReceipt implements rpc.XferReader.
func (b *backend) PacketReceipt(_ context.Context, src string, seq, h uint64) (*rpc.PacketReceipt, error) {
	var out *rpc.PacketReceipt
	err := b.readAt(h, func(kv app.KV) error {
		r, err := xfer.GetReceipt(kv, src, seq)
		if err != nil {
			return err
		}
		out = &rpc.PacketReceipt{Height: h, Src: src, Seq: seq, Status: rpc.ReceiptStatusName(r.Status),
			Code: r.Code, Name: codeName(r.Code)}
		return nil
	})
	return out, notFoundIsNil(err)
}

// LightClient implements rpc.XferReader.
func (b *backend) LightClient(_ context.Context, chain string, h uint64) (*rpc.LightClient, error) {
	var out *rpc.LightClient
	err := b.readAt(h, func(kv app.KV) error {
		c, err := xfer.GetClient(kv, chain)
		if err != nil {
			return err
		}
		out, err = toRPCClient(h, c)
		return err
	})
	return out, notFoundIsNil(err)
}

// Route implements rpc.XferReader. A chain this chain has no light client
// of is not a counterparty: no route.
func (b *backend) Route(_ context.Context, chain string, h uint64) (*rpc.Route, error) {
	var out *rpc.Route
	err := b.readAt(h, func(kv app.KV) error {
		c, err := xfer.GetClient(kv, chain)
		if err != nil {
			return err
		}
		r, err := xfer.GetRoute(kv, chain)
		if err != nil {
			return err
		}
		next, err := xfer.NextSequence(kv, chain)
		if err != nil {
			return err
		}
		out = &rpc.Route{Height: h, Chain: chain, Open: !c.Frozen, NextSequence: next,
			Limits: make([]rpc.RouteLimit, len(r.Limits))}
		for i := range r.Limits {
			out.Limits[i] = toRPCLimit(&r.Limits[i])
		}
		return nil
	})
	return out, notFoundIsNil(err)
}

// readAt runs fn on a read-only view of the state after height h. The
// latest state comes from the pool of reusable views; older roots get a
// view of their own.
func (b *backend) readAt(h uint64, fn func(app.KV) error) error {
	root, err := b.rootAt(h)
	if err != nil {
		return err
	}
	b.n.mu.RLock()
	latest := b.n.chain.root == root
	b.n.mu.RUnlock()
	var view *state.Overlay
	done := func() {}
	if latest {
		view, done, err = b.n.views.acquire(b.n.sdb, root)
	} else {
		view, err = b.n.sdb.Fork(root)
	}
	if err != nil {
		return err
	}
	defer done()
	return fn(app.ReadOnly(iterable{view}))
}

func notFoundIsNil(err error) error {
	if errors.Is(err, xfer.ErrNotFound) {
		return nil
	}
	return err
}

func codeName(code uint32) string {
	if code == 0 {
		return ""
	}
	return xfer.CodeName(app.Code(code))
}

func toRPCTask(h uint64, t *xfer.Task) *rpc.Task {
	out := &rpc.Task{Height: h, Packet: rpc.NewPacket(&t.Packet), Status: t.Status.String(),
		CreatedHeight: t.CreatedHeight, ResolvedHeight: t.ResolvedHeight}
	if t.Status != xfer.TaskPending {
		out.Receipt = &rpc.TaskReceipt{Status: rpc.ReceiptStatusName(t.ReceiptStatus), Code: t.ReceiptCode,
			Name: codeName(t.ReceiptCode), Height: t.ReceiptHeight}
	}
	return out
}

func toRPCClient(h uint64, c *xfer.ClientState) (*rpc.LightClient, error) {
	out := &rpc.LightClient{Height: h, ChainID: c.ChainID, GenesisHash: c.GenesisHash, LatestHeight: c.LatestHeight,
		Frozen: c.Frozen, FrozenHeight: c.FrozenHeight, ValidatorSets: make([]rpc.ClientValidators, len(c.Sets))}
	for i, ts := range c.Sets {
		set, err := attest.NewValidatorSet(ts.Validators)
		if err != nil {
			return nil, err
		}
		v := rpc.NewValidators(ts.FromHeight, set)
		out.ValidatorSets[i] = rpc.ClientValidators{FromHeight: ts.FromHeight, ValidatorsHash: v.ValidatorsHash,
			Validators: v.Validators, TotalPower: v.TotalPower}
	}
	return out, nil
}

func toRPCLimit(l *xfer.RouteLimit) rpc.RouteLimit {
	out := rpc.RouteLimit{Denom: l.Denom, WindowMs: l.WindowMs, WindowStartMs: l.WindowStartMs, WindowUsed: decimalOrZero(l.WindowUsed)}
	if l.HasPacketCap {
		out.MaxPerPacket = decimalOrZero(l.MaxPerPacket)
	}
	if l.WindowMs > 0 {
		out.WindowAmount = decimalOrZero(l.WindowAmount)
	}
	return out
}

func decimalOrZero(v *uint256.Int) string {
	if v == nil {
		return "0"
	}
	return v.Dec()
}
