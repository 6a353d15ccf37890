package xfer

import (
	"fmt"
	"math"
	"strings"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
)

// transfer runs xfer.transfer (block 1 of DESIGN §3.1). Check skips the
// checks that need the block time, which a mempool context lacks.
func transfer(ctx *app.Context, sender attest.Address, t *Transfer, deliver bool) error {
	seq, err := checkTransfer(ctx, sender, t, deliver)
	if err != nil || !deliver {
		return err
	}
	deadline, err := timeDeadline(ctx, t.TimeoutTimeMs)
	if err != nil {
		return err
	}
	p := &attest.Packet{
		Src: ctx.ChainID, Dst: t.Dst, Seq: seq, Sender: sender, Receiver: t.Receiver,
		Denom: t.Denom, Amount: t.Amount, TimeoutHeight: t.TimeoutHeight, TimeoutTimeMs: deadline,
		RelayFee: t.RelayFee, Memo: t.Memo,
	}
	if err := debit(ctx, p); err != nil {
		return fmt.Errorf("transfer to %s #%d: %w", t.Dst, seq, err)
	}
	if err := storeSequence(ctx.State, t.Dst, seq); err != nil {
		return err
	}
	if err := ctx.State.Set(attest.PacketKey(t.Dst, seq), attest.PacketCommitment(ctx.Genesis, p)); err != nil {
		return fmt.Errorf("write commitment %s/%d: %w", t.Dst, seq, err)
	}
	task := &Task{Packet: *p, Status: TaskPending, CreatedHeight: ctx.Height}
	if err := writeRLP(ctx.State, TaskKey(t.Dst, seq), task); err != nil {
		return err
	}
	ctx.Emit(sendEvent(p))
	return nil
}

// checkTransfer validates t against state without writing and returns the
// sequence the packet gets.
func checkTransfer(ctx *app.Context, sender attest.Address, t *Transfer, inBlock bool) (uint64, error) {
	if err := checkTransferFields(ctx.ChainID, t); err != nil {
		return 0, err
	}
	c, err := activeClient(ctx.State, t.Dst)
	if err != nil {
		return 0, err
	}
	if t.TimeoutHeight != 0 && t.TimeoutHeight <= c.LatestHeight {
		return 0, rejectf(CodeBadTimeout, "timeout height %d, %s is already at %d", t.TimeoutHeight, t.Dst, c.LatestHeight)
	}
	if err := checkFunds(ctx.State, sender, t); err != nil {
		return 0, err
	}
	last, err := lastSequence(ctx.State, t.Dst)
	if err != nil {
		return 0, err
	}
	if last == math.MaxUint64 {
		return 0, app.Errorf(app.CodeOverflow, "route to %s has used every sequence", t.Dst)
	}
	// Last, so that Check (which has no block time) refuses with the same
	// code as Deliver whenever it refuses at all.
	if inBlock {
		if err := checkTimeoutTime(ctx, t.TimeoutTimeMs); err != nil {
			return 0, err
		}
	}
	return last + 1, nil
}

// timeDeadline is the packet's time deadline: the one asked for, or, for a
// transfer that names only a height, the block time plus the chain's maximum
// transfer timeout. Every packet thus times out within the maximum, even on a
// route whose destination stops producing blocks.
func timeDeadline(ctx *app.Context, asked uint64) (uint64, error) {
	if asked != 0 {
		return asked, nil
	}
	p, err := loadParams(ctx.State)
	if err != nil {
		return 0, err
	}
	return ctx.TimeMs + p.MaxTransferTimeoutMs, nil
}

// checkTransferFields checks what needs no state.
func checkTransferFields(self string, t *Transfer) error {
	switch {
	case len(t.Memo) > attest.MaxMemoBytes:
		return rejectf(CodeMemoTooLarge, "memo is %d bytes, max %d", len(t.Memo), attest.MaxMemoBytes)
	case !chains.ValidDenom(t.Denom):
		return app.Errorf(app.CodeInvalidDenom, "denom %q", t.Denom)
	case !goingHome(t.Denom, t.Dst) && !chains.ValidDenom(VoucherDenom(self, t.Denom)):
		return app.Errorf(app.CodeInvalidDenom, "denom %q would arrive on %s as an invalid voucher", t.Denom, t.Dst)
	case t.Amount.IsZero():
		return app.Errorf(app.CodeInvalidAmount, "amount must be positive")
	case t.TimeoutHeight == 0 && t.TimeoutTimeMs == 0:
		return rejectf(CodeBadTimeout, "neither a timeout height nor a timeout time")
	case t.Dst == self:
		return rejectf(CodeWrongRoute, "transfer to this chain")
	}
	return nil
}

// checkTimeoutTime bounds a time deadline by the block time and the chain's
// maximum transfer timeout. The destination's clock may differ from ours;
// the bound keeps a packet from locking funds for longer than the maximum.
func checkTimeoutTime(ctx *app.Context, deadline uint64) error {
	if deadline == 0 {
		return nil
	}
	if deadline <= ctx.TimeMs {
		return rejectf(CodeBadTimeout, "timeout time %d is not after block time %d", deadline, ctx.TimeMs)
	}
	p, err := loadParams(ctx.State)
	if err != nil {
		return err
	}
	if deadline-ctx.TimeMs > p.MaxTransferTimeoutMs {
		return rejectf(CodeTimeoutTooLong, "timeout %d ms after block time, max %d", deadline-ctx.TimeMs, p.MaxTransferTimeoutMs)
	}
	return nil
}

// checkFunds checks that the sender holds amount plus relay fee.
func checkFunds(kv app.KV, sender attest.Address, t *Transfer) error {
	total, overflow := new(uint256.Int).AddOverflow(t.Amount, t.RelayFee)
	if overflow {
		return app.Errorf(app.CodeOverflow, "amount plus relay fee exceeds 2^256-1")
	}
	bal, err := bank.Balance(kv, sender, t.Denom)
	if err != nil {
		return err
	}
	if bal.Lt(total) {
		return app.Errorf(app.CodeInsufficientBalance, "%s holds %s %s, needs %s with the relay fee",
			sender, bal.Dec(), t.Denom, total.Dec())
	}
	return nil
}

// debit takes the amount and fee from the sender: a voucher going home is
// burned (its backing sits in the destination's escrow), anything else moves
// into the route's escrow; the fee waits in the fee account.
func debit(ctx *app.Context, p *attest.Packet) error {
	var err error
	if goingHome(p.Denom, p.Dst) {
		err = bank.Burn(ctx, p.Sender, p.Denom, p.Amount)
	} else {
		err = bank.Transfer(ctx, p.Sender, EscrowAddress(p.Dst), p.Denom, p.Amount)
	}
	if err != nil || p.RelayFee.IsZero() {
		return err
	}
	return bank.Transfer(ctx, p.Sender, FeeAddress(), p.Denom, p.RelayFee)
}

// goingHome reports whether denom is a voucher of chain, returning there.
func goingHome(denom, chain string) bool { return strings.HasPrefix(denom, homePrefix(chain)) }
