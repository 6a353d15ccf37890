package xfer

import (
	"fmt"
	"strings"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
)

// recv runs xfer.recv (block 2 of DESIGN §3.1). Everything is verified
// before anything is written: the header through the light client (once per
// header), then every packet's route and proof. A packet that fails
// verification fails the whole transaction; a verified packet always gets
// exactly one receipt, ok, failed or timeout.
func recv(ctx *app.Context, memo *headerMemo, relayer attest.Address, r *Recv, deliver bool) error {
	c, err := activeClient(ctx.State, r.Src)
	if err != nil {
		return err
	}
	hc, err := verifyHeader(ctx.State, memo, c, &r.Header)
	if err != nil {
		return err
	}
	if hc.conflict {
		return applyIf(deliver, func() error { return rememberHeader(ctx, c, hc) })
	}
	key, keyed := proofsKey("recv", ctx.TxHash, hc.root, c.GenesisHash, ctx.ChainID)
	if err := memo.verifyOnce(key, keyed, func() error {
		for i := range r.Packets {
			if err := verifyPacket(ctx.ChainID, c, hc.root, &r.Packets[i]); err != nil {
				return fmt.Errorf("recv from %s, packet %d: %w", r.Src, i, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if !deliver {
		return nil
	}
	if err := rememberHeader(ctx, c, hc); err != nil {
		return err
	}
	return receiveAll(ctx, relayer, r)
}

// verifyPacket checks that pp travels the route src→self and that src's
// state under root commits to it.
func verifyPacket(self string, c *ClientState, root attest.Hash, pp *attest.PacketProof) error {
	p := &pp.Packet
	if p.Src != c.ChainID || p.Dst != self {
		return rejectf(CodeWrongRoute, "packet %s→%s #%d on route %s→%s", p.Src, p.Dst, p.Seq, c.ChainID, self)
	}
	return attest.VerifyPacketProof(c.GenesisHash, root, pp)
}

// receiveAll writes one receipt per verified packet not received before,
// in order, each naming the relayer, and stores the route's window use
// once.
func receiveAll(ctx *app.Context, relayer attest.Address, r *Recv) error {
	route, err := loadRoute(ctx.State, r.Src)
	if err != nil {
		return err
	}
	used := false
	for i := range r.Packets {
		consumed, err := receive(ctx, route, relayer, &r.Packets[i].Packet)
		if err != nil {
			return fmt.Errorf("recv %s #%d: %w", r.Src, r.Packets[i].Packet.Seq, err)
		}
		used = used || consumed
	}
	if !used {
		return nil
	}
	return writeRLP(ctx.State, RouteKey(r.Src), route)
}

// receive judges one packet and writes its receipt; a packet already
// received is skipped. consumed reports a change to the route's windows.
func receive(ctx *app.Context, route *Route, relayer attest.Address, p *attest.Packet) (consumed bool, err error) {
	prior, err := loadReceipt(ctx.State, p.Src, p.Seq)
	if err != nil || prior != nil {
		return false, err
	}
	receipt, limit, err := judge(ctx, route, p)
	if err != nil {
		return false, err
	}
	if receipt.Status == attest.ReceiptOK {
		receipt, err = credit(ctx, p)
		if err != nil {
			return false, err
		}
	}
	receipt.Relayer = relayer
	if err := ctx.State.Set(attest.ReceiptKey(p.Src, p.Seq), attest.EncodeReceipt(receipt)); err != nil {
		return false, fmt.Errorf("write receipt %s/%d: %w", p.Src, p.Seq, err)
	}
	ctx.Emit(recvEvent(p, receipt))
	if receipt.Status != attest.ReceiptOK || limit == nil || limit.WindowMs == 0 {
		return false, nil
	}
	limit.consume(p.Amount, ctx.TimeMs)
	return true, nil
}

// judge applies DESIGN §3.1's checks in order: deadline, receiver, per-packet
// cap, window. It returns an ok receipt with the limit to charge when all pass.
func judge(ctx *app.Context, route *Route, p *attest.Packet) (*attest.PacketReceipt, *RouteLimit, error) {
	if timedOut(ctx, p) {
		return &attest.PacketReceipt{Status: attest.ReceiptTimeout}, nil, nil
	}
	blocked, err := isBlocked(ctx.State, p.Receiver)
	if err != nil {
		return nil, nil, err
	}
	if blocked {
		return failed(CodeReceiverBlocked), nil, nil
	}
	limit := route.limit(p.Denom)
	if code := limit.admit(p.Amount, ctx.TimeMs); code != app.CodeOK {
		return failed(code), nil, nil
	}
	return &attest.PacketReceipt{Status: attest.ReceiptOK}, limit, nil
}

// timedOut reports whether p's deadline has passed at this block.
func timedOut(ctx *app.Context, p *attest.Packet) bool {
	return (p.TimeoutHeight != 0 && ctx.Height >= p.TimeoutHeight) ||
		(p.TimeoutTimeMs != 0 && ctx.TimeMs >= p.TimeoutTimeMs)
}

// credit pays p's receiver: an asset returning home is released from the
// escrow of the route it left by; anything else is minted as the voucher
// "<src>/<denom>". A coded refusal from the bank (a voucher supply that
// would overflow, a voucher name too long) becomes a failed receipt.
func credit(ctx *app.Context, p *attest.Packet) (*attest.PacketReceipt, error) {
	var err error
	if native, ok := strings.CutPrefix(p.Denom, homePrefix(ctx.ChainID)); ok {
		if !chains.ValidDenom(native) {
			return failed(app.CodeInvalidDenom), nil
		}
		err = release(ctx, p.Src, p.Receiver, native, p.Amount)
	} else {
		err = bank.Mint(ctx, p.Receiver, VoucherDenom(p.Src, p.Denom), p.Amount)
	}
	if err != nil && !app.IsRejection(err) {
		return nil, err
	}
	if err != nil {
		return failed(app.CodeOf(err)), nil
	}
	return &attest.PacketReceipt{Status: attest.ReceiptOK}, nil
}

// release moves amt of denom out of the escrow of the route to chain. That
// escrow holds at least what chain can send back plus what is in flight to
// it (the conservation invariant), so a shortfall means the ledger is
// broken: halt rather than pay out unbacked money.
func release(ctx *app.Context, chain string, to attest.Address, denom string, amt *uint256.Int) error {
	escrow := EscrowAddress(chain)
	held, err := bank.Balance(ctx.State, escrow, denom)
	if err != nil {
		return err
	}
	if held.Lt(amt) {
		panic(fmt.Sprintf("xfer: invariant broken: escrow of the route to %s holds %s %s, releasing %s",
			chain, held.Dec(), denom, amt.Dec()))
	}
	return bank.Transfer(ctx, escrow, to, denom, amt)
}

func failed(code app.Code) *attest.PacketReceipt {
	return &attest.PacketReceipt{Status: attest.ReceiptFailed, Code: uint32(code)}
}
