package xfertest

import (
	"errors"
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// ErrUnsettled is returned by Settle when the network still has relay work
// after its rounds.
var ErrUnsettled = errors.New("network did not settle")

// Failure is a relayer transaction a chain rejected.
type Failure struct {
	Chain  string
	Height uint64
	Type   string
	Code   app.Code
	Log    string
}

// Relay is an honest, in-order relay for tests: each Step carries every
// block committed since the last Step to where it is needed. A handoff block
// goes to every other chain's light client, sent packets to their
// destination under the block's own certified header, written receipts back
// to the packets' source. It exists so module tests need no processes; the
// production relay (watchers, batching, retries) belongs to relay/.
type Relay struct {
	net  *Network
	next map[string]uint64 // next height to scan, per chain
	// Failures collects the relayer's own transactions that were rejected.
	Failures []Failure
}

// NewRelay returns a relay that starts at each chain's first block.
func NewRelay(n *Network) *Relay {
	next := make(map[string]uint64, len(n.Chains))
	for _, c := range n.Chains {
		next[c.ID] = 1
	}
	return &Relay{net: n, next: next}
}

// Step queues the transactions for every block committed since the last
// Step and reports how many it queued.
func (r *Relay) Step() (int, error) {
	queued := 0
	for _, c := range r.net.Chains {
		for h := r.next[c.ID]; h <= c.Height(); h++ {
			n, err := r.carry(c, h)
			if err != nil {
				return queued, err
			}
			queued += n
			r.next[c.ID] = h + 1
		}
	}
	return queued, nil
}

// Settle alternates Step and committing every chain until a Step finds
// nothing to carry, for at most maxRounds rounds.
func (r *Relay) Settle(maxRounds int) error {
	for range maxRounds {
		n, err := r.Step()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if err := r.net.CommitAll(); err != nil {
			return err
		}
	}
	return fmt.Errorf("after %d rounds: %w", maxRounds, ErrUnsettled)
}

// carry queues what block h of c needs carried elsewhere.
func (r *Relay) carry(c *Chain, h uint64) (int, error) {
	b, err := c.Block(h)
	if err != nil {
		return 0, err
	}
	r.noteFailures(c, b)
	queued := 0
	if b.Handoff() {
		for _, to := range r.net.Chains {
			if to == c {
				continue
			}
			if _, err := HandOff(c, to, h); err != nil {
				return queued, err
			}
			queued++
		}
	}
	n, err := r.deliver(c, h)
	if err != nil {
		return queued, err
	}
	queued += n
	n, err = r.acknowledge(c, h)
	return queued + n, err
}

func (r *Relay) deliver(src *Chain, h uint64) (int, error) {
	packets, err := src.SentPackets(h)
	if err != nil {
		return 0, err
	}
	byDst := map[string][]attest.Packet{}
	var order []string
	for _, p := range packets {
		if _, ok := byDst[p.Dst]; !ok {
			order = append(order, p.Dst)
		}
		byDst[p.Dst] = append(byDst[p.Dst], p)
	}
	queued := 0
	for _, dst := range order {
		to := r.net.Chain(dst)
		if to == nil {
			continue // a route out of the network: nobody to deliver to
		}
		hashes, err := Deliver(src, to, h, byDst[dst])
		if err != nil {
			return queued, err
		}
		queued += len(hashes)
	}
	return queued, nil
}

func (r *Relay) acknowledge(dst *Chain, h uint64) (int, error) {
	refs, err := dst.WrittenReceipts(h)
	if err != nil {
		return 0, err
	}
	bySrc := map[string][]uint64{}
	var order []string
	for _, ref := range refs {
		if _, ok := bySrc[ref.Src]; !ok {
			order = append(order, ref.Src)
		}
		bySrc[ref.Src] = append(bySrc[ref.Src], ref.Seq)
	}
	queued := 0
	for _, src := range order {
		to := r.net.Chain(src)
		if to == nil {
			continue
		}
		hashes, err := Acknowledge(dst, to, h, bySrc[src])
		if err != nil {
			return queued, err
		}
		queued += len(hashes)
	}
	return queued, nil
}

func (r *Relay) noteFailures(c *Chain, b *Block) {
	relayer := Relayer().Address
	for _, rc := range b.Receipts {
		if rc.Sender == relayer && !rc.OK() {
			r.Failures = append(r.Failures, Failure{Chain: c.ID, Height: rc.Height, Type: rc.Type, Code: rc.Code, Log: rc.Log})
		}
	}
}
