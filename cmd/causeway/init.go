package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// Flags of `causeway init` and their defaults.
const (
	flagChainID          = "chain-id"
	flagValidators       = "validators"
	flagAccounts         = "accounts"
	flagHost             = "host"
	flagBasePort         = "base-port"
	flagP2PPort          = "p2p-port"
	flagRPCPort          = "rpc-port"
	flagSeed             = "seed"
	defaultValidators    = 4
	defaultDemoAccounts  = 4
	accountsPasswordFile = "password.txt"
)

func newInitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init --chain-id ID [--validators N] --home DIR",
		Short: "Generate a local testnet: genesis, validator homes, keys and demo accounts",
		Long: "Writes DIR/genesis.json, one node home per validator (DIR/v0, DIR/v1, …: config,\n" +
			"genesis copy, encrypted validator key and its password file) and funded demo accounts\n" +
			"in DIR/accounts. Validator i listens for p2p on base-port+i and for JSON-RPC on\n" +
			"base-port+100+i. Refuses to overwrite an existing testnet unless --force.",
		Args: cobra.NoArgs,
		RunE: runInit,
	}
	f := cmd.Flags()
	f.String(flagChainID, "", "chain id ([a-z0-9-]{1,32})")
	f.Int(flagValidators, defaultValidators, "number of validators")
	f.Int(flagAccounts, defaultDemoAccounts, "number of demo accounts funded in "+fmt.Sprint(chains.DemoDenoms))
	f.String(flagHost, chains.DefaultTestnetHost, "host the validators listen on and dial")
	f.Int(flagBasePort, chains.DefaultTestnetBasePort, "first p2p port; RPC ports start 100 higher")
	f.Int(flagP2PPort, 0, "first p2p port (default --base-port)")
	f.Int(flagRPCPort, 0, "first RPC port (default --base-port + 100)")
	f.Int64(flagSeed, 0, "derive keys deterministically from this seed (testing only)")
	f.String(flagPasswordFile, "", "keystore password file (default: a random password, written next to the keys)")
	f.Bool(flagLightKDF, true, "light scrypt parameters for the keystores (fast; fine for local testnets)")
	f.Bool(flagForce, false, "replace an existing testnet in --home")
	f.String(flagInitLink, "", "home of a testnet generated earlier: the two chains become each other's counterparties")
	f.Bool(flagInitIdentity, false, "a consortium chain: an identity rule with 3 CAs and 3 regulators (keys in DIR/identity); only members send")
	_ = cmd.MarkFlagRequired(flagChainID)
	return cmd
}

func runInit(cmd *cobra.Command, _ []string) error {
	home, err := homeDir(cmd)
	if err != nil {
		return err
	}
	f := cmd.Flags()
	opts := chains.TestnetOptions{Home: home}
	opts.ChainID, _ = f.GetString(flagChainID)
	opts.Validators, _ = f.GetInt(flagValidators)
	opts.DemoAccounts, _ = f.GetInt(flagAccounts)
	opts.Host, _ = f.GetString(flagHost)
	opts.BasePort, _ = f.GetInt(flagBasePort)
	opts.P2PBasePort, _ = f.GetInt(flagP2PPort)
	opts.RPCBasePort, _ = f.GetInt(flagRPCPort)
	opts.LightKDF, _ = f.GetBool(flagLightKDF)
	opts.Force, _ = f.GetBool(flagForce)
	opts.Identity, _ = f.GetBool(flagInitIdentity)
	if f.Changed(flagSeed) {
		seed, _ := f.GetInt64(flagSeed)
		opts.Seed = &seed
	}
	if pf, _ := f.GetString(flagPasswordFile); pf != "" {
		if opts.Password, err = chains.ReadPassword(pf); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	tn, err := chains.GenerateTestnet(opts)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if dir, _ := f.GetString(flagInitLink); dir != "" {
		if err := linkTestnet(tn, dir); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	return printTestnet(cmd.OutOrStdout(), tn)
}

func printTestnet(w io.Writer, tn *chains.Testnet) error {
	fmt.Fprintf(w, "Testnet %q written to %s\n", tn.Genesis.ChainID, tn.Home)
	fmt.Fprintf(w, "genesis hash %s\n\n", tn.GenesisHash.Hex())
	tw := newTable(w)
	fmt.Fprintln(tw, "VALIDATOR\tADDRESS\tP2P\tRPC\tHOME")
	for _, v := range tn.Validators {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Name, v.Address.Hex(), v.P2PAddr, v.RPCAddr, v.Home)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(tn.Accounts) > 0 {
		dir := filepath.Dir(tn.Accounts[0].KeyFile)
		fmt.Fprintf(w, "\nDemo accounts, each funded with %s of %v (keystores in %s, password in %s):\n",
			tn.Genesis.Accounts[0].Balances[0].Amount, chains.DemoDenoms, dir, filepath.Join(dir, accountsPasswordFile))
		tw = newTable(w)
		for _, a := range tn.Accounts {
			fmt.Fprintf(tw, "  %s\t%s\n", a.Name, a.Address.Hex())
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(tn.IdentityKeys) > 0 {
		r := tn.Genesis.Identity
		fmt.Fprintf(w, "\nIdentity rule: registration needs %d CA endorsements; actions need %d of %d regulators.\n",
			r.Endorsements, r.Threshold.Required(len(r.Regulators)), len(r.Regulators))
		fmt.Fprintf(w, "Only members send: the validators are; demo accounts register under %q. Keys:\n", chains.TestnetDept)
		tw = newTable(w)
		for _, k := range tn.IdentityKeys {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", k.ID, attest.SchnorrPublic(k.Key), k.KeyFile)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "\nStart each validator in its own terminal:")
	for _, v := range tn.Validators {
		fmt.Fprintf(w, "  causeway node --home %s\n", v.Home)
	}
	return nil
}
