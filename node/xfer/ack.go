package xfer

import (
	"fmt"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
)

// ack runs xfer.ack (block 3 of DESIGN §3.1): the header and every receipt
// proof are verified before anything is written; then each pending task is
// resolved once, and any other receipt is skipped.
func ack(ctx *app.Context, memo *headerMemo, relayer attest.Address, a *Ack, deliver bool) error {
	c, err := activeClient(ctx.State, a.Dst)
	if err != nil {
		return err
	}
	hc, err := verifyHeader(ctx.State, memo, c, &a.Header)
	if err != nil {
		return err
	}
	if hc.conflict {
		return applyIf(deliver, func() error { return rememberHeader(ctx, c, hc) })
	}
	key, keyed := proofsKey("ack", ctx.TxHash, hc.root, c.GenesisHash, ctx.ChainID)
	if err := memo.verifyOnce(key, keyed, func() error {
		for i := range a.Receipts {
			if err := verifyReceipt(ctx.ChainID, hc.root, &a.Receipts[i]); err != nil {
				return fmt.Errorf("ack from %s, receipt %d: %w", a.Dst, i, err)
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
	for i := range a.Receipts {
		if err := resolve(ctx, relayer, a.Dst, hc.height, &a.Receipts[i]); err != nil {
			return fmt.Errorf("ack %s #%d: %w", a.Dst, a.Receipts[i].Seq, err)
		}
	}
	return nil
}

// verifyReceipt checks that the destination's state under root holds rp's
// receipt for a packet from self.
func verifyReceipt(self string, root attest.Hash, rp *attest.ReceiptProof) error {
	if ReceiptStatusName(rp.Receipt.Status) == "" {
		return app.Errorf(app.CodeMalformed, "receipt #%d status %d", rp.Seq, rp.Receipt.Status)
	}
	return attest.VerifyReceiptProof(root, self, rp)
}

// resolve settles the task of rp's packet: ok finishes it, failed or timeout
// refunds the sender. Either way the commitment goes and the relay fee is
// paid to the relayer. A task that is missing or already resolved is left
// alone, so a second ack changes nothing.
func resolve(ctx *app.Context, relayer attest.Address, dst string, height uint64, rp *attest.ReceiptProof) error {
	t, err := loadTask(ctx.State, dst, rp.Seq)
	if err != nil || t == nil || t.Status != TaskPending {
		return err
	}
	if err := dropCommitment(ctx.State, dst, rp.Seq); err != nil {
		return err
	}
	outcome := TaskFinished
	if rp.Receipt.Status != attest.ReceiptOK {
		outcome = TaskRefunded
		if err := refund(ctx, &t.Packet); err != nil {
			return err
		}
	}
	if err := payFee(ctx, relayer, rp.Receipt.Relayer, &t.Packet); err != nil {
		return err
	}
	t.settle(outcome, ctx.Height, height, &rp.Receipt)
	if err := writeRLP(ctx.State, TaskKey(dst, rp.Seq), t); err != nil {
		return err
	}
	ctx.Emit(ackEvent(t, relayer))
	return nil
}

// settle moves a pending task to its final status. Reaching it twice would
// mean a sender both confirmed and refunded (or refunded twice): halt.
func (t *Task) settle(outcome TaskStatus, height, receiptHeight uint64, r *attest.PacketReceipt) {
	if t.Status != TaskPending {
		panic(fmt.Sprintf("xfer: invariant broken: task %s/%d resolved as %s after %s",
			t.Packet.Dst, t.Packet.Seq, outcome, t.Status))
	}
	t.Status, t.ResolvedHeight, t.ReceiptHeight = outcome, height, receiptHeight
	t.ReceiptStatus, t.ReceiptCode = r.Status, r.Code
}

// dropCommitment deletes a pending task's packet commitment. A pending task
// without one means the two records disagree: halt.
func dropCommitment(kv app.KV, dst string, seq uint64) error {
	key := attest.PacketKey(dst, seq)
	v, err := kv.Get(key)
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	if v == nil {
		panic(fmt.Sprintf("xfer: invariant broken: pending task %s/%d has no commitment", dst, seq))
	}
	return deleteKey(kv, key)
}

// refund gives the sender back what transfer took: a burned voucher is
// minted again, an escrowed asset released.
func refund(ctx *app.Context, p *attest.Packet) error {
	var err error
	if goingHome(p.Denom, p.Dst) {
		err = bank.Mint(ctx, p.Sender, p.Denom, p.Amount)
	} else {
		err = release(ctx, p.Dst, p.Sender, p.Denom, p.Amount)
	}
	if err != nil && app.IsRejection(err) {
		panic(fmt.Sprintf("xfer: invariant broken: refund of %s/%d refused: %v", p.Dst, p.Seq, err))
	}
	return err
}

// payFee pays the relay fee held since the transfer: the chain's share to
// the relayer whose recv wrote the receipt (when the receipt names one),
// the rest to the relayer whose ack lands.
func payFee(ctx *app.Context, ackRelayer, recvRelayer attest.Address, p *attest.Packet) error {
	if p.RelayFee.IsZero() {
		return nil
	}
	held, err := bank.Balance(ctx.State, FeeAddress(), p.Denom)
	if err != nil {
		return err
	}
	if held.Lt(p.RelayFee) {
		panic(fmt.Sprintf("xfer: invariant broken: fee account holds %s %s, packet %s/%d owes %s",
			held.Dec(), p.Denom, p.Dst, p.Seq, p.RelayFee.Dec()))
	}
	params, err := loadParams(ctx.State)
	if err != nil {
		return err
	}
	share := new(uint256.Int)
	if params.RecvFeePermille > 0 && recvRelayer != (attest.Address{}) {
		share.Mul(p.RelayFee, uint256.NewInt(uint64(params.RecvFeePermille)))
		share.Div(share, uint256.NewInt(1000))
	}
	if !share.IsZero() {
		if err := addEarned(ctx, recvRelayer, p.Denom, share); err != nil {
			return err
		}
	}
	rest := new(uint256.Int).Sub(p.RelayFee, share)
	if rest.IsZero() {
		return nil
	}
	return addEarned(ctx, ackRelayer, p.Denom, rest)
}
