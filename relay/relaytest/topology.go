package relaytest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/client"
)

// Topology is the devnet run outside the bench's process (E2EOptions.Start):
// chains reached over RPC, a relay and a gateway of their own, sharing the
// bench's store and queue.
type Topology struct {
	// Pair reaches both chains over RPC; it names the senders the load
	// signs with.
	Pair *Pair
	// Gateway takes intents from the bench's API client and signs them as
	// GatewaySender on chain GatewayChain; nil runs no gateway load.
	Gateway       *client.Client
	GatewayChain  string
	GatewaySender attest.Address
	// Processes is how many processes the topology runs.
	Processes int
	// Usage is what the topology's processes have used so far.
	Usage func() Usage
	// Done ends, with the cause as its error, when a process exits on its
	// own.
	Done context.Context
	Stop func()
}

// Usage is what a Topology's processes have used.
type Usage struct {
	CPUSeconds float64
	// PeakPSS is the largest sum of the processes' proportional set sizes
	// seen: their resident memory with pages they share (the binary's
	// text) counted once, sampled while they run.
	PeakPSS int64
	// PeakRSS is each process's own peak resident set, by name; each
	// counts the shared pages in full.
	PeakRSS map[string]int64
}

// Start starts a topology whose relay and gateway use the store and queue
// at storeURL and queueURL (namespaces the bench made for the run).
type Start func(ctx context.Context, storeURL, queueURL string) (*Topology, error)

// e2eGatewayTimeout is an intent's deadline after the source's latest block.
const e2eGatewayTimeout = uint64(e2eTTL / time.Second)

// gatewayLoad submits intents through a Topology's gateway at a fixed rate
// while the throughput phase runs, each under its own Idempotency-Key.
type gatewayLoad struct {
	topo     *Topology
	rate     float64
	from, to api.Endpoint
	prefix   string
	stopc    chan struct{}
	wg       sync.WaitGroup

	mu       sync.Mutex
	accepted []gatewaySent
	err      error
}

type gatewaySent struct {
	id     settlement.TransferID
	sentAt time.Time
}

func startGatewayLoad(ctx context.Context, topo *Topology, rate float64, other string) *gatewayLoad {
	l := &gatewayLoad{topo: topo, rate: rate, stopc: make(chan struct{}),
		prefix: "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		from:   api.Endpoint{Chain: topo.GatewayChain, Address: topo.GatewaySender},
		to:     api.Endpoint{Chain: other, Address: FreshAddress()}}
	l.wg.Go(func() { l.drive(ctx) })
	return l
}

func (l *gatewayLoad) drive(ctx context.Context) {
	tick := time.NewTicker(time.Duration(float64(time.Second) / l.rate))
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-l.stopc:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		req := api.SubmitRequest{Intent: &api.Intent{From: l.from, To: l.to, Amount: strconv.Itoa(e2eAmount),
			Denom: Denom, TimeoutSeconds: e2eGatewayTimeout}}
		at := time.Now()
		resp, err := l.topo.Gateway.Submit(ctx, l.prefix+"-"+strconv.Itoa(i), req)
		l.mu.Lock()
		if err != nil {
			l.err = fmt.Errorf("gateway intent %d: %w", i, err)
		} else {
			l.accepted = append(l.accepted, gatewaySent{resp.ID, at})
		}
		l.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// stop ends the load after the submission under way has its answer.
func (l *gatewayLoad) stop() ([]gatewaySent, error) {
	close(l.stopc)
	l.wg.Wait()
	return l.accepted, l.err
}

// settleGateway waits until every accepted intent has ended in the store
// and returns the records the final check takes, with each one's latency
// from submission to finished.
func (b *e2eBench) settleGateway(ctx context.Context, accepted []gatewaySent) ([]Sent, []time.Duration, error) {
	deadline := time.Now().Add(e2eSettleTimeout)
	sent := make([]Sent, 0, len(accepted))
	var lat []time.Duration
	for _, a := range accepted {
		for {
			t, err := b.store.Get(ctx, a.id)
			if err != nil && !errors.Is(err, settlement.ErrNotFound) {
				return nil, nil, err
			}
			if err == nil && t.Status.Terminal() {
				if t.Seq == 0 {
					return nil, nil, fmt.Errorf("gateway transfer %s ended %s without committing", t.ID, t.Status)
				}
				sent = append(sent, Sent{Src: t.Src, Dst: t.Dst, Seq: t.Seq, TxHash: t.Source.TxHash, Receiver: t.Receiver,
					Amount: e2eAmount, SentAt: a.sentAt})
				if t.Status == settlement.StatusFinished {
					lat = append(lat, t.StatusAt.Sub(a.sentAt))
				}
				break
			}
			if time.Now().After(deadline) {
				return nil, nil, fmt.Errorf("gateway transfer %s not ended %s after the load", a.id, e2eSettleTimeout)
			}
			if !sleepFor(ctx, e2eTailPoll) {
				return nil, nil, ctx.Err()
			}
		}
	}
	return sent, lat, nil
}
