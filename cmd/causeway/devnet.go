package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/node/localnet"
)

// Devnet defaults: two chains, four validators each, fixed loopback ports so
// endpoints stay the same across restarts.
const (
	flagDevnetBasePort   = "base-port"
	flagDevnetValidators = "validators"
	flagDevnetAccounts   = "accounts"
	flagFresh            = "fresh"
	devnetBasePort       = 27000
	devnetPortsPerChain  = 100 // chain k uses base+k*100: p2p +0.., rpc +50..
	devnetRPCOffset      = 50
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
		Short: "Run the whole system locally in one process (two 4-validator chains)",
		Long: "Starts chains alpha and beta, four validators each, talking over loopback TCP, with\n" +
			"funded demo accounts and a JSON-RPC endpoint per validator. Data lives under\n" +
			"HOME/devnet and survives a restart; --fresh starts over. Keys are derived from a\n" +
			"fixed seed: a devnet is for development only.",
		Args: cobra.NoArgs,
		RunE: runDevnet,
	}
	f := cmd.Flags()
	f.Int(flagDevnetBasePort, devnetBasePort, "first port; chain k uses base+100k (p2p) and base+100k+50 (RPC)")
	f.Int(flagDevnetValidators, 4, "validators per chain")
	f.Int(flagDevnetAccounts, devnetAccounts, "funded demo accounts per chain")
	f.Bool(flagFresh, false, "delete the devnet's data and start from genesis")
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
			ChainID: id, Validators: vals, Accounts: accounts, Seed: devnetSeed,
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
	if err := writeDevnetKeys(dir, nets); err != nil {
		return err
	}
	ctx := cmd.Context() // cancelled by the first Ctrl-C (see main)
	for _, ln := range nets {
		if err := ln.Start(ctx); err != nil {
			return err
		}
		defer ln.Stop()
	}
	printDevnet(cmd.OutOrStdout(), dir, nets)
	<-ctx.Done()
	fmt.Fprintln(cmd.OutOrStdout(), "devnet: shutting down")
	return nil
}

// writeDevnetKeys saves the demo accounts' keys as keystores under
// DIR/accounts (once; the keys are the same on every start), so that
// `causeway tx send` can sign with them.
func writeDevnetKeys(dir string, nets []*localnet.Net) error {
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
		for i, k := range ln.Accounts {
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

func portRange(first, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = first + i
	}
	return out
}

func printDevnet(w io.Writer, dir string, nets []*localnet.Net) {
	fmt.Fprintf(w, "Causeway devnet — data in %s\n\n", dir)
	for _, ln := range nets {
		g := ln.Genesis
		fmt.Fprintf(w, "chain %s  genesis %s\n", g.ChainID, g.Hash())
		for i := range ln.Keys {
			fmt.Fprintf(w, "  validator v%d %s  rpc http://%s  ws://%s\n", i, attest.AddressOf(ln.Keys[i]).Hex(),
				ln.Config(i).RPC.ListenAddr, ln.Config(i).RPC.ListenAddr)
		}
		for i, k := range ln.Accounts {
			fmt.Fprintf(w, "  demo account %d  %s  key %s\n", i, attest.AddressOf(k).Hex(), devnetKeyFile(dir, g.ChainID, i))
		}
		fmt.Fprintln(w)
	}
	a := nets[0]
	fmt.Fprintf(w, "Demo accounts hold %s of each of %v; keystore password in %s.\n\n", chains.DefaultDemoBalance,
		chains.DemoDenoms, filepath.Join(dir, "accounts", "password.txt"))
	fmt.Fprintf(w, "Try, in another terminal:\n  causeway tx send --rpc http://%s --key %s \\\n"+
		"    --password-file %s --to %s --amount 25 --denom USD\n",
		a.Config(0).RPC.ListenAddr, devnetKeyFile(dir, a.Genesis.ChainID, 0),
		filepath.Join(dir, "accounts", "password.txt"), attest.AddressOf(a.Accounts[1]).Hex())
	fmt.Fprintf(w, "  curl -s -H 'Content-Type: application/json' \\\n"+
		"    -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"cw_getAccount\",\"params\":[\"%s\",null]}' http://%s\n",
		attest.AddressOf(a.Accounts[1]).Hex(), a.Config(0).RPC.ListenAddr)
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}
