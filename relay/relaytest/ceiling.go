package relaytest

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/localnet"
)

// Samples of the crypto ceiling's timings.
const (
	ceilingHeaderSamples = 300
	ceilingProofSamples  = 3000
)

// CryptoCeiling is the signature and proof work one transfer needs and
// the rate the machine's cores could settle if they did nothing else. One
// transfer is three transactions (transfer, recv, ack): each signature is
// recovered once (the validators of a chain in one process share a
// signature cache); every validator of the destination checks the packet
// proof and every validator of the source the receipt proof; and every
// validator checks the certified header of each recv and ack batch once,
// shared by the batch's packets.
type CryptoCeiling struct {
	SigVerify    time.Duration `json:"sig_verify_ns"`    // one secp256k1 recovery
	HeaderVerify time.Duration `json:"header_verify_ns"` // one certified header: its QC
	ProofVerify  time.Duration `json:"proof_verify_ns"`  // one packet's Merkle proof against its header
	MeanBatch    float64       `json:"mean_batch"`       // packets per recv or ack this run
	PerTransfer  time.Duration `json:"cpu_per_transfer_ns"`
	Cores        int           `json:"cores"`
	// TransfersPerSec is Cores / PerTransfer; Fraction is the measured
	// throughput over it.
	TransfersPerSec float64 `json:"transfers_per_sec"`
	Fraction        float64 `json:"fraction"`
}

// pacer releases one caller per 1/rate seconds, on a fixed schedule from
// its creation: open-loop load that does not slow when the system does.
type pacer struct {
	mu    sync.Mutex
	start time.Time
	every time.Duration
	n     int64
}

func newPacer(rate float64) *pacer {
	return &pacer{start: time.Now(), every: time.Duration(float64(time.Second) / rate)}
}

// wait blocks until the caller's slot; false when ctx ends first.
func (p *pacer) wait(ctx context.Context) bool {
	p.mu.Lock()
	at := p.start.Add(time.Duration(p.n) * p.every)
	p.n++
	p.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	return sleepFor(ctx, d)
}

// sleepFor waits d or until ctx ends; it reports whether d passed.
func sleepFor(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// cryptoCeiling times the run's own artifacts: a certified header and a
// packet proof of the last transfer alpha sent, and a signature recovery.
func (b *e2eBench) cryptoCeiling(ctx context.Context) error {
	var last *Sent
	for i := len(b.all) - 1; i >= 0; i-- {
		if b.all[i].Src == b.p.Alpha.ID {
			last = &b.all[i]
			break
		}
	}
	if last == nil {
		return errors.New("no transfer from alpha to measure")
	}
	row, err := b.store.GetPacket(ctx, last.Src, last.Dst, last.Seq)
	if err != nil {
		return err
	}
	src := b.p.Alpha
	header, proofs, err := src.RPC.PacketProofs(ctx, last.Dst, []uint64{last.Seq}, row.Source.Height)
	if err != nil {
		return err
	}
	if len(proofs) != 1 || proofs[0] == nil {
		return errors.New("no packet proof at the transfer's source height")
	}
	vals, err := src.RPC.Validators(ctx)
	if err != nil {
		return err
	}
	set, err := vals.Set()
	if err != nil {
		return err
	}
	genesis := src.GenesisHash()
	c := &b.res.Crypto
	c.SigVerify = localnet.SigBaseline()
	if c.HeaderVerify, err = timeEach(ceilingHeaderSamples, func() error {
		return attest.VerifyCertifiedHeader(genesis, src.ID, set, header)
	}); err != nil {
		return err
	}
	if c.ProofVerify, err = timeEach(ceilingProofSamples, func() error {
		return attest.VerifyPacketProof(genesis, header.Header.StateRoot, proofs[0])
	}); err != nil {
		return err
	}
	stats, err := b.store.RelayerStats(ctx)
	if err != nil {
		return err
	}
	var packets, included int
	for _, s := range stats {
		packets, included = packets+s.Packets, included+s.Included
	}
	c.MeanBatch = 1
	if included > 0 && packets > included {
		c.MeanBatch = float64(packets) / float64(included)
	}
	v := time.Duration(e2eValidators)
	c.PerTransfer = 3*c.SigVerify + 2*v*c.ProofVerify + time.Duration(float64(2*v*c.HeaderVerify)/c.MeanBatch)
	c.Cores = runtime.GOMAXPROCS(0)
	c.TransfersPerSec = float64(c.Cores) * float64(time.Second) / float64(c.PerTransfer)
	c.Fraction = b.res.TransfersPerSec / c.TransfersPerSec
	return nil
}

// timeEach runs fn n times and returns the mean time of one run.
func timeEach(n int, fn func() error) (time.Duration, error) {
	start := time.Now()
	for range n {
		if err := fn(); err != nil {
			return 0, err
		}
	}
	return time.Since(start) / time.Duration(n), nil
}
