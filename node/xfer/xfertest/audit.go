package xfertest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/xfer"
)

// packetID names one packet network-wide.
type packetID struct {
	Src, Dst string
	Seq      uint64
}

func (p packetID) String() string { return fmt.Sprintf("%s→%s #%d", p.Src, p.Dst, p.Seq) }

// Auditor checks the invariants of DESIGN §3.4 over a network's committed
// state after every step of a test. It remembers what it has seen, so it
// also catches what no single state shows: a receipt rewritten, a task
// resolved twice, a packet credited in two blocks.
type Auditor struct {
	net      *Network
	natives  map[string]map[string]*uint256.Int // chain → native denom → supply at the start
	receipts map[packetID][]byte                // receipt as first seen on the destination
	resolved map[packetID]xfer.TaskStatus       // final status as first seen on the source
	credits  map[packetID]uint64                // height of the xfer.recv event
	acks     map[packetID]uint64                // height of the xfer.ack event
	scanned  map[string]uint64                  // blocks already scanned for events
	checked  string                             // heights at the last full check
}

// NewAuditor records the native supplies of every chain as they are now;
// call it before any transfer.
func NewAuditor(n *Network) (*Auditor, error) {
	a := &Auditor{
		net: n, natives: map[string]map[string]*uint256.Int{},
		receipts: map[packetID][]byte{}, resolved: map[packetID]xfer.TaskStatus{},
		credits: map[packetID]uint64{}, acks: map[packetID]uint64{}, scanned: map[string]uint64{},
	}
	for _, c := range n.Chains {
		supplies, err := c.Supplies()
		if err != nil {
			return nil, err
		}
		a.natives[c.ID] = map[string]*uint256.Int{}
		for d, amt := range supplies {
			if !isVoucher(n, d) {
				a.natives[c.ID][d] = amt
			}
		}
	}
	return a, nil
}

// Check runs every check. State only changes when a chain commits, so a
// check at unchanged heights returns at once.
func (a *Auditor) Check() error {
	heights := fmt.Sprint(a.net.Heights())
	if heights == a.checked {
		return nil
	}
	for _, check := range []func() error{
		a.scanEvents,
		func() error { return CheckConservation(a.net) },
		a.checkNatives,
		a.checkLedgers,
		a.checkTasks,
		a.checkReceipts,
	} {
		if err := check(); err != nil {
			return err
		}
	}
	a.checked = heights
	return nil
}

// Resolved reports how many tasks reached a final status, by status.
func (a *Auditor) Resolved() map[xfer.TaskStatus]int {
	out := map[xfer.TaskStatus]int{}
	for _, s := range a.resolved {
		out[s]++
	}
	return out
}

// scanEvents counts xfer.recv and xfer.ack events in the blocks committed
// since the last scan: one credit per packet and one resolution per task.
func (a *Auditor) scanEvents() error {
	for _, c := range a.net.Chains {
		for h := a.scanned[c.ID] + 1; h <= c.Height(); h++ {
			b, err := c.Block(h)
			if err != nil {
				return err
			}
			if err := a.scanBlock(c, b); err != nil {
				return err
			}
			a.scanned[c.ID] = h
		}
	}
	return nil
}

func (a *Auditor) scanBlock(c *Chain, b *Block) error {
	h := b.Header.Header.Height
	for _, kind := range []struct {
		typ  string
		seen map[packetID]uint64
		what string
	}{{xfer.EventRecv, a.credits, "received"}, {xfer.EventAck, a.acks, "resolved"}} {
		for _, e := range events(b, kind.typ) {
			seq, err := strconv.ParseUint(e.Attr(xfer.AttrSeq), 10, 64)
			if err != nil {
				return fmt.Errorf("%w: %s block %d: %s event seq %q", ErrInvariant, c.ID, h, kind.typ, e.Attr(xfer.AttrSeq))
			}
			id := packetID{Src: e.Attr(xfer.AttrSrc), Dst: e.Attr(xfer.AttrDst), Seq: seq}
			if prev, dup := kind.seen[id]; dup {
				return fmt.Errorf("%w: packet %s %s twice, at %s heights %d and %d", ErrInvariant, id, kind.what, c.ID, prev, h)
			}
			kind.seen[id] = h
			if kind.typ == xfer.EventRecv {
				if err := a.checkVerdict(c, b, id, e.Attr(xfer.AttrStatus), e.Attr(xfer.AttrCode)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkVerdict re-judges a receipt dst wrote in block b against the packet
// its source committed: a timeout only after a deadline, a credit only before
// both deadlines, to an allowed receiver, within the route's per-packet cap.
// (Rate windows are left to the module's own tests.)
func (a *Auditor) checkVerdict(dst *Chain, b *Block, id packetID, status, code string) error {
	src := a.net.Chain(id.Src)
	if src == nil {
		return fmt.Errorf("%w: %s received %s from outside the network", ErrInvariant, dst.ID, id)
	}
	t, err := xfer.GetTask(src.State(), dst.ID, id.Seq)
	if err != nil {
		return fmt.Errorf("%w: %s received %s, which its source never sent: %v", ErrInvariant, dst.ID, id, err)
	}
	p, hdr := &t.Packet, &b.Header.Header
	late := (p.TimeoutHeight != 0 && hdr.Height >= p.TimeoutHeight) || (p.TimeoutTimeMs != 0 && hdr.TimeMs >= p.TimeoutTimeMs)
	view, err := dst.View(hdr.Height)
	if err != nil {
		return err
	}
	blocked, err := xfer.IsBlocked(view, p.Receiver)
	if err != nil {
		return err
	}
	bad := ""
	switch {
	case late != (status == xfer.StatusTimeout):
		bad = fmt.Sprintf("deadline h%d/t%d at block h%d/t%d", p.TimeoutHeight, p.TimeoutTimeMs, hdr.Height, hdr.TimeMs)
	case status == xfer.StatusOK && blocked:
		bad = "credited a blocked receiver"
	case status == xfer.StatusFailed && code == strconv.FormatUint(uint64(xfer.CodeReceiverBlocked), 10) && !blocked:
		bad = "refused an allowed receiver"
	case status == xfer.StatusOK:
		bad, err = overCap(view, id.Src, p.Denom, p.Amount)
	}
	if err != nil {
		return err
	}
	if bad != "" {
		return fmt.Errorf("%w: %s receipt for %s is %s (code %s): %s", ErrInvariant, dst.ID, id, status, code, bad)
	}
	return nil
}

// overCap describes how amt breaks the per-packet cap on denom from src, or "".
func overCap(kv View, src, denom string, amt *uint256.Int) (string, error) {
	r, err := xfer.GetRoute(kv, src)
	if err != nil {
		return "", err
	}
	for _, l := range r.Limits {
		if l.Denom == denom && l.HasPacketCap && amt.Gt(l.MaxPerPacket) {
			return fmt.Sprintf("credited %s over the cap %s", amt.Dec(), l.MaxPerPacket.Dec()), nil
		}
	}
	return "", nil
}

// checkNatives: a chain's own assets are never minted or burned by
// transfers, only moved in and out of escrow.
func (a *Auditor) checkNatives() error {
	for _, c := range a.net.Chains {
		for d, want := range a.natives[c.ID] {
			got, err := c.Supply(d)
			if err != nil {
				return err
			}
			if !got.Eq(want) {
				return fmt.Errorf("%w: %s native supply of %q is %s, was %s", ErrInvariant, c.ID, d, got.Dec(), want.Dec())
			}
		}
	}
	return nil
}

// checkLedgers: every supply is the sum of its balances and no balance is
// zero-stored or beyond its supply. (The bank panics on a negative balance;
// Commit turns that into ErrPanic.)
func (a *Auditor) checkLedgers() error {
	for _, c := range a.net.Chains {
		sums := map[string]*uint256.Int{}
		err := c.State().Iterate([]byte(bank.BalancePrefix), func(k, v []byte) error {
			rest := string(k[len(bank.BalancePrefix):])
			_, denom, ok := strings.Cut(rest, voucherSep)
			if !ok || len(v) == 0 || v[0] == 0 {
				return fmt.Errorf("%w: %s balance %q = %x", ErrInvariant, c.ID, k, v)
			}
			if sums[denom] == nil {
				sums[denom] = new(uint256.Int)
			}
			if _, overflow := sums[denom].AddOverflow(sums[denom], new(uint256.Int).SetBytes(v)); overflow {
				return fmt.Errorf("%w: %s balances of %q overflow", ErrInvariant, c.ID, denom)
			}
			return nil
		})
		if err != nil {
			return err
		}
		supplies, err := c.Supplies()
		if err != nil {
			return err
		}
		for d, s := range supplies {
			sum := sums[d]
			if sum == nil || !sum.Eq(s) {
				return fmt.Errorf("%w: %s supply of %q is %s, balances sum to %v", ErrInvariant, c.ID, d, s.Dec(), sum)
			}
			delete(sums, d)
		}
		for d := range sums {
			return fmt.Errorf("%w: %s has balances of %q without a supply", ErrInvariant, c.ID, d)
		}
	}
	return nil
}

// checkTasks: a task's status agrees with its commitment and with the
// destination's receipt, and a final status never changes.
func (a *Auditor) checkTasks() error {
	for _, c := range a.net.Chains {
		tasks, err := Tasks(c)
		if err != nil {
			return err
		}
		for i := range tasks {
			if err := a.checkTask(c, &tasks[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *Auditor) checkTask(c *Chain, t *TaskEntry) error {
	id := packetID{Src: c.ID, Dst: t.Dst, Seq: t.Seq}
	p := &t.Packet
	if p.Src != c.ID || p.Dst != t.Dst || p.Seq != t.Seq {
		return fmt.Errorf("%w: task %s holds packet %s→%s #%d", ErrInvariant, id, p.Src, p.Dst, p.Seq)
	}
	commitment, err := c.State().Get(attest.PacketKey(t.Dst, t.Seq))
	if err != nil {
		return err
	}
	if prev, ok := a.resolved[id]; ok && prev != t.Status {
		return fmt.Errorf("%w: task %s was %s, now %s", ErrInvariant, id, prev, t.Status)
	}
	if t.Status == xfer.TaskPending {
		if want := attest.PacketCommitment(c.GenesisHash, p); !bytes.Equal(commitment, want) {
			return fmt.Errorf("%w: pending task %s: commitment %x, packet commits to %x", ErrInvariant, id, commitment, want)
		}
		return nil
	}
	if commitment != nil {
		return fmt.Errorf("%w: task %s is %s but its commitment remains", ErrInvariant, id, t.Status)
	}
	dst := a.net.Chain(t.Dst)
	if dst == nil {
		return fmt.Errorf("%w: task %s is %s, its destination is outside the network", ErrInvariant, id, t.Status)
	}
	r, err := xfer.GetReceipt(dst.State(), c.ID, t.Seq)
	if err != nil {
		return fmt.Errorf("%w: task %s is %s without a receipt on %s: %v", ErrInvariant, id, t.Status, t.Dst, err)
	}
	wantStatus := xfer.TaskRefunded
	if r.Status == attest.ReceiptOK {
		wantStatus = xfer.TaskFinished
	}
	switch {
	case t.Status != wantStatus:
		return fmt.Errorf("%w: task %s is %s, receipt on %s is %s", ErrInvariant, id, t.Status, t.Dst, xfer.ReceiptStatusName(r.Status))
	case t.ReceiptStatus != r.Status || t.ReceiptCode != r.Code:
		return fmt.Errorf("%w: task %s records receipt %d/%d, %s holds %d/%d", ErrInvariant, id, t.ReceiptStatus, t.ReceiptCode, t.Dst, r.Status, r.Code)
	}
	a.resolved[id] = t.Status
	return nil
}

// checkReceipts: receipts are written once and never change or vanish, and
// each answers a packet its source committed (a task exists for it).
func (a *Auditor) checkReceipts() error {
	for id, want := range a.receipts {
		got, err := a.net.Chain(id.Dst).State().Get(attest.ReceiptKey(id.Src, id.Seq))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%w: receipt of %s changed from %x to %x", ErrInvariant, id, want, got)
		}
	}
	for _, c := range a.net.Chains {
		if err := a.discoverReceipts(c); err != nil {
			return err
		}
	}
	return nil
}

func (a *Auditor) discoverReceipts(dst *Chain) error {
	const prefix = "xin/"
	var found []packetID
	err := dst.State().Iterate([]byte(prefix), func(k, v []byte) error {
		src, seq, err := splitSeqKey(string(k[len(prefix):]))
		if err != nil {
			return fmt.Errorf("%w: %s receipt key %q: %v", ErrInvariant, dst.ID, k, err)
		}
		if _, err := attest.DecodeReceipt(v); err != nil {
			return fmt.Errorf("%w: %s receipt %q: %v", ErrInvariant, dst.ID, k, err)
		}
		id := packetID{Src: src, Dst: dst.ID, Seq: seq}
		if _, ok := a.receipts[id]; !ok {
			a.receipts[id] = bytes.Clone(v)
			found = append(found, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range found {
		src := a.net.Chain(id.Src)
		if src == nil {
			return fmt.Errorf("%w: %s holds a receipt for %s from outside the network", ErrInvariant, dst.ID, id)
		}
		if _, err := xfer.GetTask(src.State(), dst.ID, id.Seq); err != nil {
			return fmt.Errorf("%w: receipt for %s on %s has no task on %s: %v", ErrInvariant, id, dst.ID, id.Src, err)
		}
	}
	return nil
}

// splitSeqKey splits "<chain>/<seq>".
func splitSeqKey(s string) (string, uint64, error) {
	i := strings.LastIndex(s, voucherSep)
	if i < 0 {
		return "", 0, errors.New("no sequence")
	}
	seq, err := strconv.ParseUint(s[i+1:], 10, 64)
	return s[:i], seq, err
}

// isVoucher reports whether denom names a voucher of a chain in n.
func isVoucher(n *Network, denom string) bool {
	origin, _, ok := strings.Cut(denom, voucherSep)
	return ok && n.Chain(origin) != nil
}

// Unresolved lists the pending tasks of every chain, sorted.
func Unresolved(n *Network) ([]string, error) {
	var out []string
	for _, c := range n.Chains {
		tasks, err := Tasks(c)
		if err != nil {
			return nil, err
		}
		for _, t := range tasks {
			if t.Status == xfer.TaskPending {
				out = append(out, packetID{Src: c.ID, Dst: t.Dst, Seq: t.Seq}.String())
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
