package main

import (
	"context"
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
	"github.com/causeway/causeway/settlement/gateway"
	"github.com/causeway/causeway/settlement/gateway/client"
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
	flagDevnetDemo       = "demo"
	devnetBasePort       = 27000
	devnetPortsPerChain  = 100 // chain k uses base+k*100: p2p +0.., rpc +50..
	devnetRPCOffset      = 50
	devnetAdminOffset    = 99 // relay admin listener: base+99
	devnetGatewayOffset  = 80 // gateway API and tracker: base+80
	devnetGwAdminOffset  = 98 // gateway admin listener: base+98
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
		Short: "Run the whole system locally in one process: two 4-validator chains, a relay, the gateway",
		Long: "Starts chains alpha and beta, four validators each, talking over loopback TCP, with\n" +
			"funded demo accounts and a JSON-RPC endpoint per validator; a relay that settles\n" +
			"transfers between them; and the gateway (REST API, WebSocket feed and tracker page on\n" +
			"base+80, http://127.0.0.1:27080 by default) on the relay's store. The relay and the\n" +
			"gateway keep their state in an embedded SQLite file and in-process queues; --postgres\n" +
			"and --redis switch them to real services.\n\n" +
			"The gateway has an API client \"devnet\" whose key is in HOME/devnet/gateway/api-key and\n" +
			"which may send from every demo account (the gateway signs), so `causeway transfer` works\n" +
			"with no --key and no --api-key. --demo keeps a transfer going every 500 ms so the tracker\n" +
			"has something to show.\n\n" +
			"Data lives under HOME/devnet and survives a restart; --fresh starts over. Keys are\n" +
			"derived from a fixed seed: a devnet is for development only.",
		Args: cobra.NoArgs,
		RunE: runDevnet,
	}
	f := cmd.Flags()
	f.Int(flagDevnetBasePort, devnetBasePort, "first port; chain k uses base+100k (p2p) and base+100k+50 (RPC)")
	f.Int(flagDevnetValidators, 4, "validators per chain")
	f.Int(flagDevnetAccounts, devnetAccounts, "funded demo accounts per chain")
	f.Bool(flagFresh, false, "delete the devnet's data and start from genesis")
	f.String(flagDevnetPostgres, "", "relay store: this Postgres URL instead of HOME/devnet/relay/relay.db")
	f.String(flagDevnetRedis, "", "relay queues and gateway fan-out: this Redis URL (redis://host:port/db) instead of in-process")
	f.Bool(flagDevnetDemo, false, "keep demo transfers flowing through the gateway (one every 500 ms)")
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
	gcfg, err := devnetGatewayConfig(cmd, rcfg, nets, accounts, base)
	if err != nil {
		return err
	}
	gw, err := gateway.Open(ctx, gcfg, gateway.Options{Store: svc.Store, Logger: log.Named("gateway")})
	if err != nil {
		return fmt.Errorf("devnet gateway: %w", err)
	}
	defer gw.Close()
	if err := gw.Listen(); err != nil {
		return fmt.Errorf("devnet gateway: %w", err)
	}
	key, _, err := devnetAPIKey(ctx, svc.Store, dir)
	if err != nil {
		return err
	}
	return runDevnetServices(cmd, svc, gw, key, devnetSummary{dir: dir, nets: nets, accounts: accounts, rcfg: rcfg, gcfg: gcfg})
}

// runDevnetServices runs the relay, the gateway and, with --demo, the demo
// traffic until the first Ctrl-C or until one of them fails.
func runDevnetServices(cmd *cobra.Command, svc *relay.Service, gw *gateway.Service, key string, sum devnetSummary) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	out := cmd.OutOrStdout()
	type result struct {
		name string
		err  error
	}
	done := make(chan result, 3)
	running := 2
	go func() { done <- result{"relay", svc.Run(ctx)} }()
	go func() { done <- result{"gateway", gw.Run(ctx)} }()
	sum.gateway = "http://" + gw.Addr()
	sum.home, _ = cmd.Flags().GetString(flagHome)
	printDevnet(out, sum)
	if demo, _ := cmd.Flags().GetBool(flagDevnetDemo); demo {
		c, err := client.New(sum.gateway, key)
		if err != nil {
			return err
		}
		running++
		go func() { done <- result{"demo", newDevnetDemo(c, out, sum.nets, sum.accounts).Run(ctx)} }()
	}
	var first error
	for ; running > 0; running-- {
		r := <-done
		if r.err != nil && ctx.Err() == nil && first == nil {
			first = fmt.Errorf("devnet %s stopped: %w", r.name, r.err)
		}
		cancel() // one stopping stops the others
	}
	fmt.Fprintln(out, "devnet: shutting down")
	return first
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

// devnetSummary is what printDevnet shows.
type devnetSummary struct {
	dir      string
	home     string // --home as given ("" when the default)
	nets     []*localnet.Net
	accounts int
	rcfg     *relay.Config
	gcfg     *gateway.Config
	gateway  string // the gateway's URL
}

func printDevnet(w io.Writer, s devnetSummary) {
	fmt.Fprintf(w, "Causeway devnet — data in %s\n\n", s.dir)
	for _, ln := range s.nets {
		g := ln.Genesis
		fmt.Fprintf(w, "chain %s  genesis %s\n", g.ChainID, g.Hash())
		for i := range ln.Keys {
			fmt.Fprintf(w, "  validator v%d %s  rpc http://%s  ws://%s\n", i, attest.AddressOf(ln.Keys[i]).Hex(),
				ln.Config(i).RPC.ListenAddr, ln.Config(i).RPC.ListenAddr)
		}
		for i, k := range ln.Accounts[:s.accounts] {
			fmt.Fprintf(w, "  demo account %d  %s  key %s\n", i, attest.AddressOf(k).Hex(), devnetKeyFile(s.dir, g.ChainID, i))
		}
		fmt.Fprintf(w, "  relayer        %s\n", attest.AddressOf(ln.Accounts[s.accounts]).Hex())
		fmt.Fprintln(w)
	}
	pw := filepath.Join(s.dir, "accounts", "password.txt")
	fmt.Fprintf(w, "Demo accounts hold %s of each of %v; keystore password in %s.\n", chains.DefaultDemoBalance,
		chains.DemoDenoms, pw)
	fmt.Fprintf(w, "Relay: store %s, queues %s; metrics http://%s/metrics\n", redactURL(s.rcfg.Store), redactURL(s.rcfg.Queue),
		s.rcfg.AdminListen)
	fmt.Fprintf(w, "Gateway: API %s/v1 (client %q, key in %s); metrics http://%s/metrics\n\n", s.gateway, devnetClient,
		devnetAPIKeyFile(s.dir), s.gcfg.AdminListen)
	fmt.Fprintf(w, "  ==> Tracker: %s/  (open it in a browser)\n\n", s.gateway)
	a, b := s.nets[0], s.nets[1]
	to := 0
	if s.accounts > 1 {
		to = 1
	}
	args := fmt.Sprintf("transfer --from %s:%s --to %s:%s --amount 10 --denom USD --follow", a.Genesis.ChainID,
		attest.AddressOf(a.Accounts[0]).Hex(), b.Genesis.ChainID, attest.AddressOf(b.Accounts[to]).Hex())
	if s.gateway != defaultGatewayURL {
		args += " --gateway " + s.gateway
	}
	if s.home != "" {
		args += " --home " + s.home
	}
	fmt.Fprintf(w, "Send 10 USD from alpha to beta through the gateway and follow it, in another terminal:\n")
	fmt.Fprintf(w, "  causeway %s\n  go run ./cmd/causeway %s   # from a source checkout\n\n", args, args)
	fmt.Fprintf(w, "Or straight to a node, signing here:\n  causeway tx transfer --rpc http://%s --key %s \\\n"+
		"    --password-file %s --dst %s --to %s --amount 10 --denom USD --timeout 10m\n\n",
		a.Config(0).RPC.ListenAddr, devnetKeyFile(s.dir, a.Genesis.ChainID, 0), pw, b.Genesis.ChainID,
		attest.AddressOf(b.Accounts[0]).Hex())
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}
