package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/relay"
)

// Flags of causeway relay.
const (
	flagRelayConfig = "config"
	flagRelayCheck  = "check"
)

var errRelayConfig = errors.New("relay: --" + flagRelayConfig + " FILE is required (see deploy/config/relay.example.toml)")

func newRelayCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "relay --config FILE [--check]",
		Short: "Relay transfers between chains: watch, deliver, confirm, sweep, reconcile",
		Long: "Reads the relay configuration (TOML; deploy/config/relay.example.toml shows every key), decrypts\n" +
			"the signer keys, dials every chain endpoint and checks it serves the configured chain and\n" +
			"genesis, checks each chain holds a light client of the others, opens the store (migrating\n" +
			"it unless migrate = false) and the queue, then relays until interrupted. /metrics, /livez\n" +
			"and /readyz are served on admin_listen.\n\n" +
			"--check runs the same checks without migrating or relaying, prints a summary and exits.\n" +
			"The first Ctrl-C shuts down cleanly; a second exits at once.",
		Args: cobra.NoArgs,
		RunE: runRelay,
	}
	f := cmd.Flags()
	f.String(flagRelayConfig, "", "relay configuration file (TOML)")
	f.Bool(flagRelayCheck, false, "check config, keys, chains, store and queue, print a summary and exit")
	return cmd
}

func runRelay(cmd *cobra.Command, _ []string) error {
	path, _ := cmd.Flags().GetString(flagRelayConfig)
	if path == "" {
		return errRelayConfig
	}
	cfg, err := relay.LoadConfig(path)
	if err != nil {
		return err
	}
	log, err := newLogger(cmd, node.LogConfig{Level: cfg.Log.Level, Format: cfg.Log.Format})
	if err != nil {
		return err
	}
	defer log.Sync()
	ctx := cmd.Context() // cancelled by the first Ctrl-C (see main)
	out := cmd.OutOrStdout()
	if check, _ := cmd.Flags().GetBool(flagRelayCheck); check {
		sum, err := relay.Check(ctx, cfg, log)
		if err != nil {
			return err
		}
		printRelayCheck(out, path, cfg, sum)
		return nil
	}
	svc, err := relay.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := svc.ListenAdmin(); err != nil {
		return err
	}
	admin := "disabled"
	if a := svc.AdminAddr(); a != "" {
		admin = "http://" + a
	}
	sum := svc.Summary()
	fmt.Fprintf(out, "relay %s between %s; store %s, queue %s; admin %s\n",
		cfg.Consumer, relayChains(sum), sum.Store, sum.Queue, admin)
	return svc.Run(ctx)
}

// relayChains is "alpha (height 12), beta (height 40)".
func relayChains(sum relay.Summary) string {
	parts := make([]string, len(sum.Chains))
	for i, c := range sum.Chains {
		parts[i] = fmt.Sprintf("%s (height %d)", c.ID, c.Height)
	}
	return strings.Join(parts, ", ")
}

func printRelayCheck(w io.Writer, path string, cfg *relay.Config, sum *relay.Summary) {
	fmt.Fprintf(w, "ok: %s, consumer %s\n", path, cfg.Consumer)
	for _, c := range sum.Chains {
		signers := make([]string, len(c.Signers))
		for i, a := range c.Signers {
			signers[i] = a.Hex()
		}
		for i := range c.Bonds {
			signers[i] += " (bonded " + c.Bonds[i] + ")"
		}
		members := ""
		if c.Consortium {
			members = " (members allowed to relay)"
		}
		fmt.Fprintf(w, "  chain %s: %d endpoint(s) agree, height %d, light clients ok, signers %s%s\n",
			c.ID, c.Endpoints, c.Height, strings.Join(signers, ", "), members)
	}
	store := "store " + sum.Store + " reachable"
	if sum.StorePending {
		store += ", schema behind (migrations applied at start, migrate = true)"
	}
	fmt.Fprintf(w, "  %s; queue %s reachable\n", store, sum.Queue)
	admin := cfg.AdminListen
	if admin == "" {
		admin = "disabled"
	}
	fmt.Fprintf(w, "  admin %s (not bound by --check)\n", admin)
}
