package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/client"
)

// Pace and size of devnet --demo traffic.
const (
	demoInterval = 500 * time.Millisecond
	// demoReport is how often the demo prints its tally.
	demoReport = 10 * time.Second
	// demoTimeout is each transfer's deadline; the devnet settles in about
	// a second, so only a stalled relay lets one expire (and be refunded).
	demoTimeout = 2 * time.Minute
	// demoCheckPerReport bounds the transfers whose status one report reads.
	demoCheckPerReport = 64
)

// demoLeg is one kind of transfer the demo sends, per demo account k: the
// chains' own USD and EUR across, then the vouchers they became going home.
type demoLeg struct {
	src, dst int // indexes into the devnet's chains
	denom    string
	amount   uint64
}

// demoLegs alternate directions; a voucher goes home two rounds after it
// arrived, when the earlier transfer has long settled.
func demoLegs(nets []*localnet.Net) []demoLeg {
	a, b := nets[0].Genesis.ChainID, nets[1].Genesis.ChainID
	return []demoLeg{
		{0, 1, "USD", 3},
		{1, 0, "EUR", 2},
		{1, 0, a + "/USD", 1}, // USD going home to alpha
		{0, 1, b + "/EUR", 1}, // EUR going home to beta
	}
}

// devnetDemo keeps transfers flowing through the gateway so the tracker
// has something to show: one every demoInterval, rotating over demo
// accounts and legs, each from account k on one chain to account k on the
// other. Account 0 is left alone for the commands devnet prints.
type devnetDemo struct {
	c        *client.Client
	out      io.Writer
	nets     []*localnet.Net
	accounts []int
	legs     []demoLeg

	n                                       int
	pending                                 []settlement.TransferID
	submitted, finished, refunded, rejected int
	failed                                  int
}

func newDevnetDemo(c *client.Client, out io.Writer, nets []*localnet.Net, accounts int) *devnetDemo {
	d := &devnetDemo{c: c, out: out, nets: nets, legs: demoLegs(nets)}
	for k := 1; k < accounts; k++ {
		d.accounts = append(d.accounts, k)
	}
	if len(d.accounts) == 0 {
		d.accounts = []int{0}
	}
	return d
}

// Run sends until ctx ends.
func (d *devnetDemo) Run(ctx context.Context) error {
	tick := time.NewTicker(demoInterval)
	defer tick.Stop()
	report := time.NewTicker(demoReport)
	defer report.Stop()
	fmt.Fprintf(d.out, "demo: sending a transfer every %s through the gateway; watch the tracker\n", demoInterval)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			d.send(ctx)
		case <-report.C:
			d.report(ctx)
		}
	}
}

// send submits the next transfer of the rotation.
func (d *devnetDemo) send(ctx context.Context) {
	k := d.accounts[d.n%len(d.accounts)]
	leg := d.legs[(d.n/len(d.accounts))%len(d.legs)]
	d.n++
	src, dst := d.nets[leg.src], d.nets[leg.dst]
	in := &api.Intent{
		From:   api.Endpoint{Chain: src.Genesis.ChainID, Address: attest.AddressOf(src.Accounts[k])},
		To:     api.Endpoint{Chain: dst.Genesis.ChainID, Address: attest.AddressOf(dst.Accounts[k])},
		Amount: strconv.FormatUint(leg.amount, 10), Denom: leg.denom, TimeoutSeconds: uint64(demoTimeout.Seconds()),
	}
	key := fmt.Sprintf("demo-%d-%d", time.Now().UnixNano(), d.n)
	resp, err := d.c.Submit(ctx, key, api.SubmitRequest{Intent: in})
	if err != nil {
		if ctx.Err() == nil {
			d.failed++
			fmt.Fprintf(d.out, "demo: %s→%s %d %s: %v\n", in.From.Chain, in.To.Chain, leg.amount, leg.denom, err)
		}
		return
	}
	d.submitted++
	d.pending = append(d.pending, resp.ID)
}

// report reads how the pending transfers ended and prints the tally.
func (d *devnetDemo) report(ctx context.Context) {
	still := d.pending[:0]
	for i, id := range d.pending {
		if i >= demoCheckPerReport {
			still = append(still, d.pending[i:]...)
			break
		}
		t, err := d.c.Transfer(ctx, id)
		switch {
		case err != nil || !t.Status.Terminal():
			still = append(still, id)
		case t.Status == settlement.StatusFinished:
			d.finished++
		case t.Status == settlement.StatusRefunded:
			d.refunded++
		default:
			d.rejected++
		}
	}
	d.pending = still
	fmt.Fprintf(d.out, "demo: %d submitted: %d finished, %d refunded, %d rejected, %d in flight; %d not accepted\n",
		d.submitted, d.finished, d.refunded, d.rejected, len(d.pending), d.failed)
}
