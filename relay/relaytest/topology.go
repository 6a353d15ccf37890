package relaytest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/causeway/causeway/attest"
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

// GatewayLoadOptions shape a GatewayLoad.
type GatewayLoadOptions struct {
	Client   *client.Client
	From, To api.Endpoint
	Rate     float64 // intents per second
	Amount   uint64
	Fee      uint64
	// TimeoutSeconds is each intent's deadline after the source's latest
	// block time.
	TimeoutSeconds uint64
	// Prefix starts every Idempotency-Key; a fresh one when empty.
	Prefix string
	// RetryEvery, when set, posts a key again while the gateway has not
	// answered it (down, 5xx, rate limited, the key in flight), at most
	// until RetryFor has passed; otherwise the first error stops the load.
	RetryEvery, RetryFor time.Duration
}

// GatewayLoad submits intents through a gateway at a fixed rate, each
// under its own Idempotency-Key, until Stop.
type GatewayLoad struct {
	o     GatewayLoadOptions
	stopc chan struct{}
	wg    sync.WaitGroup

	mu       sync.Mutex
	accepted []GatewaySent
	err      error
}

// GatewaySent is an intent the gateway accepted.
type GatewaySent struct {
	Resp   api.SubmitResponse
	SentAt time.Time // the first attempt
}

// StartGatewayLoad starts submitting in the background.
func StartGatewayLoad(ctx context.Context, o GatewayLoadOptions) *GatewayLoad {
	if o.Prefix == "" {
		o.Prefix = "load-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	l := &GatewayLoad{o: o, stopc: make(chan struct{})}
	l.wg.Go(func() { l.drive(ctx) })
	return l
}

func (l *GatewayLoad) drive(ctx context.Context) {
	tick := time.NewTicker(time.Duration(float64(time.Second) / l.o.Rate))
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-l.stopc:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		key := l.o.Prefix + "-" + strconv.Itoa(i)
		req := api.SubmitRequest{Intent: &api.Intent{From: l.o.From, To: l.o.To, Amount: strconv.FormatUint(l.o.Amount, 10),
			Denom: Denom, Fee: strconv.FormatUint(l.o.Fee, 10), TimeoutSeconds: l.o.TimeoutSeconds}}
		at := time.Now()
		resp, err := l.submit(ctx, key, req)
		l.mu.Lock()
		if err != nil {
			l.err = fmt.Errorf("intent %s: %w", key, err)
		} else {
			l.accepted = append(l.accepted, GatewaySent{*resp, at})
		}
		l.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// submit posts req under key until the gateway answers it, when retrying:
// a 202, or a refusal that is final.
func (l *GatewayLoad) submit(ctx context.Context, key string, req api.SubmitRequest) (*api.SubmitResponse, error) {
	deadline := time.Now().Add(l.o.RetryFor)
	for {
		resp, err := l.o.Client.Submit(ctx, key, req)
		if err == nil || l.o.RetryEvery == 0 {
			return resp, err
		}
		switch client.ProblemCode(err) {
		case "", api.CodeInternal, api.CodeChainUnavailable, api.CodeIdempotencyInFlight, api.CodeRateLimited:
			// no answer yet: the gateway is down or busy with this key
		default:
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no answer by %s: %w", l.o.RetryFor, err)
		}
		if !sleepFor(ctx, l.o.RetryEvery) {
			return nil, ctx.Err()
		}
	}
}

// Stop ends the load after the submission under way has its answer and
// returns the intents accepted, with the error that stopped it if any.
func (l *GatewayLoad) Stop() ([]GatewaySent, error) {
	close(l.stopc)
	l.wg.Wait()
	return l.accepted, l.err
}

// settleGateway waits until every intent accepted has ended in the store,
// following the store's events like the rest of the load, and returns the
// records the final check takes with each one's latency from submission to
// its end.
func (b *e2eBench) settleGateway(ctx context.Context, o GatewayLoadOptions, accepted []GatewaySent) ([]Sent, []time.Duration, error) {
	sent := make([]Sent, len(accepted))
	for i, a := range accepted {
		sent[i] = Sent{Src: o.From.Chain, Dst: o.To.Chain, TxHash: a.Resp.TxHash, Receiver: o.To.Address, Amount: o.Amount,
			SentAt: a.SentAt}
	}
	deadline := time.Now().Add(e2eSettleTimeout)
	for {
		if err := b.tail.poll(ctx); err != nil {
			return nil, nil, err
		}
		settled := b.tail.settled(sent)
		if settled == len(sent) {
			break
		}
		if time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("gateway intents: %w", b.unsettled(sent, settled))
		}
		if !sleepFor(ctx, e2eTailPoll) {
			return nil, nil, ctx.Err()
		}
	}
	lat := make([]time.Duration, len(sent))
	for i := range sent {
		e := b.tail.ended[sent[i].TxHash]
		sent[i].Seq, lat[i] = e.seq, e.at.Sub(sent[i].SentAt)
	}
	return sent, lat, nil
}
