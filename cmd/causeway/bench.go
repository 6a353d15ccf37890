package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/relay/relaytest"
)

// Flags of `causeway bench chain`.
const (
	flagBenchDuration   = "duration"
	flagBenchAccounts   = "accounts"
	flagBenchValidators = "validators"
	flagBenchTransport  = "transport"
	flagBenchShareSigs  = "share-sig-cache"
	flagBenchKill       = "kill-proposer"
	flagBenchJSON       = "json"
	flagBenchSamples    = "light-samples"
	flagBenchCPUProfile = "cpuprofile"
)

// Flags of `causeway bench e2e` besides the shared ones above.
const (
	flagBenchPostgres      = "postgres"
	flagBenchRedis         = "redis"
	flagBenchTransfers     = "transfers"
	flagBenchLight         = "light"
	flagBenchRate          = "rate"
	flagBenchBlockInterval = "block-interval-ms"
	flagBenchSenders       = "senders"
	flagBenchProcesses     = "processes"
	flagBenchGatewayRate   = "gateway-rate"
)

// defaultBenchGatewayRate is how many intents per second go through the
// gateway during the throughput phase of `bench e2e --processes`.
const defaultBenchGatewayRate = 10

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput and latency",
	}
	cmd.AddCommand(newBenchChainCmd(), newBenchE2ECmd())
	return cmd
}

func newBenchChainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chain",
		Short: "One chain, validators in this process: committed signed transfers per second and commit latency",
		Args:  cobra.NoArgs,
		RunE:  runBenchChain,
	}
	f := cmd.Flags()
	f.Duration(flagBenchDuration, localnet.DefaultBenchDuration, "measured load duration (after a warm-up)")
	f.Int(flagBenchAccounts, localnet.DefaultBenchAccounts, "sending accounts")
	f.Int(flagBenchValidators, 4, "validators")
	f.String(flagBenchTransport, localnet.TransportTCP, "validator transport: tcp (loopback) or mem")
	f.Bool(flagBenchShareSigs, false, "validators share one signature cache (one verification per tx per process)")
	f.Bool(flagBenchKill, true, "stop the next proposer after the load and time the next commit")
	f.Int(flagBenchSamples, localnet.DefaultLightSamples, "transactions sent one at a time for light-load latency")
	f.Bool(flagBenchJSON, false, "print the result as JSON")
	f.String(flagBenchCPUProfile, "", "write a CPU profile of the whole run to this file")
	return cmd
}

func runBenchChain(cmd *cobra.Command, _ []string) error {
	f := cmd.Flags()
	var o localnet.BenchOptions
	o.Duration, _ = f.GetDuration(flagBenchDuration)
	o.Accounts, _ = f.GetInt(flagBenchAccounts)
	o.Validators, _ = f.GetInt(flagBenchValidators)
	o.Transport, _ = f.GetString(flagBenchTransport)
	o.ShareSigCache, _ = f.GetBool(flagBenchShareSigs)
	o.KillProposer, _ = f.GetBool(flagBenchKill)
	o.LightSamples, _ = f.GetInt(flagBenchSamples)
	asJSON, _ := f.GetBool(flagBenchJSON)
	scratch, err := newBenchScratch(cmd, "causeway-bench-")
	if err != nil {
		return err
	}
	defer scratch.close()
	o.Dir, o.Logger, o.Progress = scratch.dir, scratch.log, scratch.progress
	ctx := cmd.Context() // cancelled by the first Ctrl-C (see main)
	if path, _ := f.GetString(flagBenchCPUProfile); path != "" {
		pf, err := os.Create(path)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := localnet.RunChainBench(ctx, o)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		return printJSON(out, res)
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(out, "validators            %d over %s (shared signature cache: %v)\n", res.Validators, res.Transport, res.SharedSigCache)
	fmt.Fprintf(out, "committed             %d txs in %.1f s, %d blocks\n", res.Committed, res.Seconds, res.Blocks)
	fmt.Fprintf(out, "throughput            %.0f tx/s\n", res.TxPerSec)
	fmt.Fprintf(out, "latency under load    p50 %s  p99 %s\n", ms(res.LoadLatencyP50), ms(res.LoadLatencyP99))
	fmt.Fprintf(out, "latency at light load p50 %s  p99 %s\n", ms(res.LightLatencyP50), ms(res.LightLatencyP99))
	if o.KillProposer {
		fmt.Fprintf(out, "proposer stopped      next commit after %s\n", ms(res.ProposerRecovery))
	}
	fmt.Fprintf(out, "cpu                   %.1f s (%s per tx, all validators)\n", res.CPUSeconds, res.CPUPerTx)
	fmt.Fprintf(out, "peak rss              %.0f MiB\n", float64(res.PeakRSSBytes)/(1<<20))
	fmt.Fprintf(out, "signature verify      %s per signature (baseline, same run)\n", res.SigVerifyBaseline)
	return nil
}

func newBenchE2ECmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "e2e",
		Short: "Two chains, a relay, a store and a queue in this process: settled transfers per second and latency",
		Long: "Runs the devnet topology in one process (chains alpha and beta, four validators each over\n" +
			"loopback TCP, one relay engine, a settlement store and a stage queue) and measures\n" +
			"settlement end to end: a warm-up, latency at light load (one transfer at a time,\n" +
			"broadcast to finished in the store), then throughput (transfers sent both ways as fast\n" +
			"as the chains take them, or offered at --rate per second, until all are finished) with\n" +
			"per-stage latency, CPU and peak RSS, and the crypto ceiling: the signature and proof\n" +
			"work one transfer needs, timed in the same run, and the rate it would cap the cores\n" +
			"at. It ends by checking the settlement invariants and fails if they do not hold.\n\n" +
			"The store is embedded SQLite and the queue in-process unless --postgres and --redis name\n" +
			"servers. The bench works in a Postgres schema of its own (cw_bench_<random>, dropped at\n" +
			"the end) and under a fresh Redis key prefix (deleted at the end) unless the Redis URL\n" +
			"sets ?prefix=.\n\n" +
			"With --processes the topology runs as separate processes of this binary instead: eight\n" +
			"`causeway node`, one `causeway relay` and one `causeway gateway`, sharing the --postgres\n" +
			"store and the --redis queue (both required). The load generator stays in this process\n" +
			"and sends through the validators' RPC; --gateway-rate intents per second also go through\n" +
			"the gateway's REST API during the throughput phase. CPU is then the topology's\n" +
			"processes' and the load generator's, and memory the peak of the processes' summed PSS\n" +
			"(their shared pages counted once), with each process's own peak RSS beside it.",
		Args: cobra.NoArgs,
		RunE: runBenchE2E,
	}
	f := cmd.Flags()
	f.String(flagBenchPostgres, "", "settlement store on this Postgres (postgres://…); default embedded SQLite")
	f.String(flagBenchRedis, "", "stage queue on this Redis (redis://…); default in-process")
	f.Int(flagBenchTransfers, relaytest.DefaultE2ETransfers, "transfers in the throughput phase, half each way")
	f.Duration(flagBenchDuration, 0, "send for this long in the throughput phase instead of --transfers")
	f.Float64(flagBenchRate, 0, "open-loop: offer this many transfers per second in all (half each way) instead of as many as the chains take")
	f.Int(flagBenchLight, relaytest.DefaultE2ELightSamples, "transfers sent one at a time for light-load latency")
	f.Uint64(flagBenchBlockInterval, chains.DefaultParams().BlockIntervalMs, "idle block interval of both chains, in ms")
	f.Int(flagBenchSenders, relaytest.DefaultE2ESenders, "funded sending accounts per chain")
	f.String(flagBenchTransport, localnet.TransportTCP, "validator transport: tcp (loopback) or mem")
	f.Bool(flagBenchProcesses, false, "run nodes, relay and gateway as separate processes (needs --postgres and --redis)")
	f.Float64(flagBenchGatewayRate, defaultBenchGatewayRate, "with --processes: intents per second through the gateway during the throughput phase (0: none)")
	f.Bool(flagBenchJSON, false, "print the result as JSON")
	f.String(flagBenchCPUProfile, "", "write a CPU profile of the throughput phase to this file (the bench's own process)")
	return cmd
}

func runBenchE2E(cmd *cobra.Command, _ []string) error {
	f := cmd.Flags()
	var o relaytest.E2EOptions
	o.StoreURL, _ = f.GetString(flagBenchPostgres)
	o.QueueURL, _ = f.GetString(flagBenchRedis)
	o.Transfers, _ = f.GetInt(flagBenchTransfers)
	o.Duration, _ = f.GetDuration(flagBenchDuration)
	o.Rate, _ = f.GetFloat64(flagBenchRate)
	if o.Rate < 0 {
		return fmt.Errorf("--%s: %v must be positive (or 0 for closed-loop)", flagBenchRate, o.Rate)
	}
	o.LightSamples, _ = f.GetInt(flagBenchLight)
	o.BlockIntervalMs, _ = f.GetUint64(flagBenchBlockInterval)
	o.Senders, _ = f.GetInt(flagBenchSenders)
	o.Transport, _ = f.GetString(flagBenchTransport)
	processes, _ := f.GetBool(flagBenchProcesses)
	o.GatewayRate, _ = f.GetFloat64(flagBenchGatewayRate)
	switch {
	case processes && (o.StoreURL == "" || o.QueueURL == ""):
		return fmt.Errorf("--%s needs --%s and --%s: the relay and gateway processes share the store and the queue through them",
			flagBenchProcesses, flagBenchPostgres, flagBenchRedis)
	case processes && f.Changed(flagBenchTransport):
		return fmt.Errorf("--%s runs validators over loopback TCP; --%s applies to the in-process topology", flagBenchProcesses, flagBenchTransport)
	case o.GatewayRate < 0:
		return fmt.Errorf("--%s: %v must be positive (or 0 for none)", flagBenchGatewayRate, o.GatewayRate)
	case !processes && f.Changed(flagBenchGatewayRate):
		return fmt.Errorf("--%s needs --%s: the in-process topology has no gateway", flagBenchGatewayRate, flagBenchProcesses)
	}
	asJSON, _ := f.GetBool(flagBenchJSON)
	scratch, err := newBenchScratch(cmd, "causeway-bench-e2e-")
	if err != nil {
		return err
	}
	defer scratch.close()
	o.Dir, o.Logger, o.Progress = scratch.dir, scratch.log, scratch.progress
	if processes {
		o.BlockIntervalMs = cmp.Or(o.BlockIntervalMs, chains.DefaultParams().BlockIntervalMs)
		o.Senders = cmp.Or(o.Senders, relaytest.DefaultE2ESenders)
		o.Start = processStarter(scratch.dir, o.Senders, o.BlockIntervalMs, scratch.progress)
	}
	if path, _ := f.GetString(flagBenchCPUProfile); path != "" {
		pf, err := os.Create(path)
		if err != nil {
			return err
		}
		defer pf.Close()
		o.CPUProfile = pf
	}
	res, err := relaytest.RunE2EBench(cmd.Context(), o) // ctx: cancelled by the first Ctrl-C (see main)
	if err != nil {
		return err
	}
	if err := printE2E(cmd, res, asJSON); err != nil {
		return err
	}
	if !res.CheckOK {
		return fmt.Errorf("settlement check failed: %s", res.CheckError)
	}
	return nil
}

func printE2E(cmd *cobra.Command, res *relaytest.E2EResult, asJSON bool) error {
	out := cmd.OutOrStdout()
	if asJSON {
		return printJSON(out, res)
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
	lat := func(l relaytest.Latency) string { return "p50 " + ms(l.P50) + "  p99 " + ms(l.P99) }
	where := "in this process"
	if res.Processes > 1 {
		where = fmt.Sprintf("as %d processes (nodes, relay, gateway)", res.Processes)
	}
	fmt.Fprintf(out, "topology              2 chains × %d validators over %s, %d senders each, idle block %d ms, %s\n",
		res.Validators, res.Transport, res.Senders, res.BlockIntervalMs, where)
	fmt.Fprintf(out, "store, queue          %s, %s\n", res.Store, res.Queue)
	fmt.Fprintf(out, "light load            %s (%d transfers, broadcast → finished)\n", lat(res.LightLatency), res.LightSamples)
	fmt.Fprintf(out, "settled               %d transfers in %.2f s (%d refunded); last debit at %.2f s\n",
		res.Transfers, res.Seconds, res.Refunded, res.SendSeconds)
	load := "closed-loop: as fast as the chains take them"
	if res.Mode == "open-loop" {
		load = fmt.Sprintf("open-loop: %.0f offered per second", res.OfferedRate)
	}
	fmt.Fprintf(out, "throughput            %.0f settled transfers/s (%s)\n", res.TransfersPerSec, load)
	fmt.Fprintf(out, "stage source          %s (broadcast → debit committed)\n", lat(res.Source))
	fmt.Fprintf(out, "stage delivery        %s (debit → credit committed)\n", lat(res.Delivery))
	fmt.Fprintf(out, "stage confirm         %s (credit → ack committed)\n", lat(res.Confirm))
	fmt.Fprintf(out, "end to end            %s (broadcast → ack committed)\n", lat(res.EndToEnd))
	if res.GatewayIntents > 0 {
		fmt.Fprintf(out, "gateway intents       %s (%d intents, submitted → finished)\n", lat(res.GatewayLatency), res.GatewayIntents)
	}
	whole, rss := "whole process", ""
	if res.Processes > 1 {
		whole, rss = "the topology's processes and the load generator",
			fmt.Sprintf(", the topology's processes (%s: shared pages counted once)", res.MemoryMeasure)
	}
	fmt.Fprintf(out, "cpu                   %.1f s (%s per transfer, %s)\n", res.CPUSeconds, res.CPUPerTransfer, whole)
	fmt.Fprintf(out, "peak rss              %.0f MiB%s\n", float64(res.PeakRSSBytes)/(1<<20), rss)
	if len(res.PeakRSSByProcess) > 0 {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(res.PeakRSSByProcess)) {
			parts = append(parts, fmt.Sprintf("%s %.0f", name, float64(res.PeakRSSByProcess[name])/(1<<20)))
		}
		fmt.Fprintf(out, "peak rss by process   %s (MiB, each with the shared binary)\n", strings.Join(parts, ", "))
	}
	c := res.Crypto
	fmt.Fprintf(out, "crypto per transfer   %s: 3 signatures × %s, %d proofs × %s, %d headers × %s / %.1f packets a batch\n",
		c.PerTransfer, c.SigVerify, 2*res.Validators, c.ProofVerify, 2*res.Validators, c.HeaderVerify, c.MeanBatch)
	fmt.Fprintf(out, "crypto ceiling        %.0f transfers/s on %d cores; measured %.1f%% of it\n", c.TransfersPerSec, c.Cores,
		100*c.Fraction)
	check := "ok"
	if !res.CheckOK {
		check = "FAILED: " + res.CheckError
	}
	fmt.Fprintf(out, "check                 %s (%d transfers)\n", check, res.Checked)
	return nil
}

// benchScratch is what every benchmark runs in: a temporary directory, a
// quiet logger and progress lines on stderr.
type benchScratch struct {
	dir      string
	log      *zap.Logger
	progress func(format string, args ...any)
}

func newBenchScratch(cmd *cobra.Command, prefix string) (*benchScratch, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	log, err := newLogger(cmd, node.LogConfig{Level: "warn", Format: node.LogFormatConsole})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stderr := cmd.ErrOrStderr()
	return &benchScratch{dir: dir, log: log, progress: func(format string, args ...any) {
		fmt.Fprintf(stderr, "bench: "+format+"\n", args...)
	}}, nil
}

func (b *benchScratch) close() {
	_ = b.log.Sync()
	os.RemoveAll(b.dir)
}

// printJSON writes a benchmark result as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
