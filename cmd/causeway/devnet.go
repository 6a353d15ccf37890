package main

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/relay"
)

// Devnet defaults: two chains, four validators each, fixed loopback ports so
// endpoints stay the same across restarts.
const (
	flagDevnetBasePort   = "base-port"
	flagDevnetValidators = "validators"
	flagDevnetAccounts   = "accounts"
	flagFresh            = "fresh"
	flagDevnetPostgres   = "postgres"
	flagDevnetRedis      = "redis"
	devnetBasePort       = 27000
	devnetPortsPerChain  = 100 // chain k uses base+k*100: p2p +0.., rpc +50..
	devnetRPCOffset      = 50
	devnetAdminOffset    = 99 // relay admin listener: base+99
	devnetSeed           = 7
	devnetAccounts       = 4
	devnetDir            = "devnet"
	devnetPassword       = "devnet" // demo keystores are for development only
)

// devnetChains are the chains devnet runs, in port order.
var devnetChains = []string{"alpha", "beta"}

func newDevnetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Run the whole system locally in one process (two 4-validator chains and a relay)",
		Long: "Starts chains alpha and beta, four validators each, talking over loopback TCP, with\n" +
			"funded demo accounts and a JSON-RPC endpoint per validator, and a relay that settles\n" +
			"transfers between them. The relay keeps its state in an embedded SQLite file and\n" +
			"in-process queues; --postgres and --redis switch it to real services. Data lives\n" +
			"under HOME/devnet and survives a restart; --fresh starts over. Keys are derived\n" +
			"from a fixed seed: a devnet is for development only.",
		Args: cobra.NoArgs,
		RunE: runDevnet,
	}
	f := cmd.Flags()
	f.Int(flagDevnetBasePort, devnetBasePort, "first port; chain k uses base+100k (p2p) and base+100k+50 (RPC)")
	f.Int(flagDevnetValidators, 4, "validators per chain")
	f.Int(flagDevnetAccounts, devnetAccounts, "funded demo accounts per chain")
	f.Bool(flagFresh, false, "delete the devnet's data and start from genesis")
	f.String(flagDevnetPostgres, "", "relay store: this Postgres URL instead of HOME/devnet/relay/relay.db")
	f.String(flagDevnetRedis, "", "relay queues: this Redis URL (redis://host:port/db) instead of in-process queues")
	return cmd
}

func runDevnet(cmd *cobra.Command, _ []string) error {
	home, err := homeDir(cmd)
	if err != nil {
		return err
	}
	dir := filepath.Join(home, devnetDir)
	f := cmd.Flags()
	base, _ := f.GetInt(flagDevnetBasePort)
	vals, _ := f.GetInt(flagDevnetValidators)
	accounts, _ := f.GetInt(flagDevnetAccounts)
	if fresh, _ := f.GetBool(flagFresh); fresh {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("remove %s: %w", dir, err)
		}
	}
	log, err := newLogger(cmd, node.LogConfig{Level: "warn", Format: node.LogFormatConsole})
	if err != nil {
		return err
	}
	defer log.Sync()
	nets := make([]*localnet.Net, len(devnetChains))
	for k, id := range devnetChains {
		chainBase := base + k*devnetPortsPerChain
		nets[k], err = localnet.New(localnet.Options{
			ChainID: id, Validators: vals, Accounts: accounts + 1, Seed: devnetSeed, // the last one signs for the relay
			Dir: filepath.Join(dir, id), P2PPorts: portRange(chainBase, vals),
			RPCPorts: portRange(chainBase+devnetRPCOffset, vals), Logger: log.Named(id),
		})
		if err != nil {
			return err
		}
	}
	if err := chains.LinkCounterparties(nets[0].Genesis, nets[1].Genesis); err != nil {
		return err
	}
	if err := writeDevnetKeys(dir, nets, accounts); err != nil {
		return err
	}
	ctx := cmd.Context() // cancelled by the first Ctrl-C (see main)
	for _, ln := range nets {
		if err := ln.Start(ctx); err != nil {
			return err
		}
		defer ln.Stop()
	}
	rcfg, err := devnetRelayConfig(cmd, dir, nets, accounts, base)
	if err != nil {
		return err
	}
	svc, err := relay.Open(ctx, rcfg, log.Named("relay"))
	if err != nil {
		return fmt.Errorf("devnet relay: %w", err)
	}
	defer svc.Close()
	relayDone := make(chan error, 1)
	go func() { relayDone <- svc.Run(ctx) }()
	printDevnet(cmd.OutOrStdout(), dir, nets, accounts, rcfg)
	select {
	case <-ctx.Done():
		<-relayDone
	case err := <-relayDone:
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("devnet relay stopped: %w", err)
		}
	}
	fmt.Fprintln(cmd.OutOrStdout(), "devnet: shutting down")
	return nil
}

// devnetRelayConfig is the relay devnet runs: every chain through its first
// two validators, signed by each chain's last funded account, with the
// embedded store and queues unless --postgres or --redis name real ones.
func devnetRelayConfig(cmd *cobra.Command, dir string, nets []*localnet.Net, accounts, base int) (*relay.Config, error) {
	store := "sqlite:" + filepath.Join(dir, "relay", "relay.db")
	if u, _ := cmd.Flags().GetString(flagDevnetPostgres); u != "" {
		store = u
	}
	queueURL := "memory:"
	if u, _ := cmd.Flags().GetString(flagDevnetRedis); u != "" {
		queueURL = u
	}
	var chs []relay.ChainConfig
	for _, ln := range nets {
		var eps []string
		for v := range min(2, len(ln.Keys)) {
			eps = append(eps, "ws://"+ln.Config(v).RPC.ListenAddr)
		}
		c := relay.NewChainConfig(ln.Genesis.ChainID, ln.Genesis.Hash(), eps, ln.Accounts[accounts])
		c.Denoms = chains.DemoDenoms
		chs = append(chs, c)
	}
	cfg := relay.NewConfig(store, queueURL, chs...)
	cfg.Consumer = "devnet"
	cfg.AdminListen = net.JoinHostPort(chains.DefaultTestnetHost, strconv.Itoa(base+devnetAdminOffset))
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("devnet relay: %w", err)
	}
	return cfg, nil
}

// writeDevnetKeys saves the demo accounts' keys as keystores under
// DIR/accounts (once; the keys are the same on every start), so that
// `causeway tx send` can sign with them.
func writeDevnetKeys(dir string, nets []*localnet.Net, demo int) error {
	accounts := filepath.Join(dir, "accounts")
	pwFile := filepath.Join(accounts, "password.txt")
	if _, err := os.Stat(pwFile); err != nil {
		if err := os.MkdirAll(accounts, 0o700); err != nil {
			return err
		}
		if err := chains.WritePassword(pwFile, devnetPassword); err != nil {
			return err
		}
	}
	for _, ln := range nets {
		for i, k := range ln.Accounts[:demo] {
			path := devnetKeyFile(dir, ln.Genesis.ChainID, i)
			if _, err := os.Stat(path); err == nil {
				continue
			}
			if err := chains.SaveKey(path, k, devnetPassword, true); err != nil {
				return fmt.Errorf("save devnet key: %w", err)
			}
		}
	}
	return nil
}

func devnetKeyFile(dir, chainID string, i int) string {
	return filepath.Join(dir, "accounts", fmt.Sprintf("%s-demo%d.json", chainID, i))
}

// redactURL hides a password in a service URL before it is printed.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

func portRange(first, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = first + i
	}
	return out
}

func printDevnet(w io.Writer, dir string, nets []*localnet.Net, accounts int, rcfg *relay.Config) {
	fmt.Fprintf(w, "Causeway devnet — data in %s\n\n", dir)
	for _, ln := range nets {
		g := ln.Genesis
		fmt.Fprintf(w, "chain %s  genesis %s\n", g.ChainID, g.Hash())
		for i := range ln.Keys {
			fmt.Fprintf(w, "  validator v%d %s  rpc http://%s  ws://%s\n", i, attest.AddressOf(ln.Keys[i]).Hex(),
				ln.Config(i).RPC.ListenAddr, ln.Config(i).RPC.ListenAddr)
		}
		for i, k := range ln.Accounts[:accounts] {
			fmt.Fprintf(w, "  demo account %d  %s  key %s\n", i, attest.AddressOf(k).Hex(), devnetKeyFile(dir, g.ChainID, i))
		}
		fmt.Fprintf(w, "  relayer        %s\n", attest.AddressOf(ln.Accounts[accounts]).Hex())
		fmt.Fprintln(w)
	}
	a := nets[0]
	fmt.Fprintf(w, "Demo accounts hold %s of each of %v; keystore password in %s.\n\n", chains.DefaultDemoBalance,
		chains.DemoDenoms, filepath.Join(dir, "accounts", "password.txt"))
	fmt.Fprintf(w, "Try, in another terminal:\n  causeway tx send --rpc http://%s --key %s \\\n"+
		"    --password-file %s --to %s --amount 25 --denom USD\n",
		a.Config(0).RPC.ListenAddr, devnetKeyFile(dir, a.Genesis.ChainID, 0),
		filepath.Join(dir, "accounts", "password.txt"), attest.AddressOf(a.Accounts[1]).Hex())
	b := nets[1]
	pw := filepath.Join(dir, "accounts", "password.txt")
	fmt.Fprintf(w, "  causeway tx transfer --rpc http://%s --key %s \\\n"+
		"    --password-file %s --dst %s --to %s --amount 10 --denom USD --timeout 10m\n",
		a.Config(0).RPC.ListenAddr, devnetKeyFile(dir, a.Genesis.ChainID, 0), pw, b.Genesis.ChainID,
		attest.AddressOf(b.Accounts[0]).Hex())
	fmt.Fprintf(w, "  causeway query task --rpc http://%s --dst %s --seq 1   # pending → finished\n\n",
		a.Config(0).RPC.ListenAddr, b.Genesis.ChainID)
	fmt.Fprintf(w, "Relay: store %s, queues %s\n", redactURL(rcfg.Store), redactURL(rcfg.Queue))
	fmt.Fprintf(w, "  metrics http://%s/metrics  readiness http://%s/readyz\n\n", rcfg.AdminListen, rcfg.AdminListen)
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}
