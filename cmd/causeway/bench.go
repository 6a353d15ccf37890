package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/node/localnet"
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

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput and latency",
	}
	cmd.AddCommand(newBenchChainCmd())
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
	dir, err := os.MkdirTemp("", "causeway-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o.Dir = dir
	log, err := newLogger(cmd, node.LogConfig{Level: "warn", Format: node.LogFormatConsole})
	if err != nil {
		return err
	}
	defer log.Sync()
	o.Logger = log
	stderr := cmd.ErrOrStderr()
	o.Progress = func(format string, args ...any) {
		fmt.Fprintf(stderr, "bench: "+format+"\n", args...)
	}
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
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
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
