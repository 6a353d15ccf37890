package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/settlement/gateway"
)

// Flags of causeway gateway.
const (
	flagGatewayConfig = "config"
	flagGatewayCheck  = "check"
)

var errGatewayConfig = errors.New("gateway: --" + flagGatewayConfig + " FILE is required (see deploy/config/gateway.example.toml)")

func newGatewayCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gateway --config FILE [--check]",
		Short: "Serve the gateway: REST API under /v1, the WebSocket feed, the tracker page",
		Long: "Reads the gateway configuration (TOML; deploy/config/gateway.example.toml shows every key),\n" +
			"decrypts the keys it signs intents with, dials every chain endpoint and checks it serves the\n" +
			"configured chain and genesis, opens the store (migrating it unless migrate = false) and\n" +
			"Redis when configured, then serves the API, the feed at /v1/stream and the tracker page at /\n" +
			"until interrupted. /metrics, /livez and /readyz are served on admin_listen.\n\n" +
			"--check runs the same checks without migrating or listening, prints a summary and exits.\n" +
			"The first Ctrl-C shuts down cleanly (open feeds are told to reconnect); a second exits at once.\n\n" +
			"API keys are managed with `causeway gateway keys`.",
		Args: cobra.NoArgs,
		RunE: runGateway,
	}
	cmd.PersistentFlags().String(flagGatewayConfig, "", "gateway configuration file (TOML)")
	cmd.Flags().Bool(flagGatewayCheck, false, "check config, keys, chains, store and Redis, print a summary and exit")
	cmd.AddCommand(newGatewayKeysCmd())
	return cmd
}

func runGateway(cmd *cobra.Command, _ []string) error {
	path, _ := cmd.Flags().GetString(flagGatewayConfig)
	if path == "" {
		return errGatewayConfig
	}
	cfg, err := gateway.LoadConfig(path)
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
	opts := gateway.Options{Logger: log}
	if check, _ := cmd.Flags().GetBool(flagGatewayCheck); check {
		sum, err := gateway.Check(ctx, cfg, opts)
		if err != nil {
			return err
		}
		printGatewayCheck(out, path, cfg, sum)
		return nil
	}
	svc, err := gateway.Open(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := svc.Listen(); err != nil {
		return err
	}
	printGatewayStart(out, cfg, svc)
	return svc.Run(ctx)
}

// printGatewayStart says what the gateway opened and where it listens.
func printGatewayStart(w io.Writer, cfg *gateway.Config, svc *gateway.Service) {
	sum := svc.Summary()
	fmt.Fprintf(w, "gateway for %s; store %s, %s; %d signer key(s)\n", gatewayChains(sum), sum.Store,
		fanOut(sum.Redis), len(sum.Signers))
	fmt.Fprintf(w, "  api      http://%s/v1\n", svc.Addr())
	if cfg.Tracker {
		fmt.Fprintf(w, "  tracker  http://%s/\n", svc.Addr())
	}
	admin := "disabled"
	if a := svc.AdminAddr(); a != "" {
		admin = "http://" + a + "/metrics, /livez, /readyz"
	}
	fmt.Fprintf(w, "  admin    %s\n", admin)
}

// gatewayChains is "alpha (height 12, 2/2 endpoints), beta (…)".
func gatewayChains(sum gateway.Summary) string {
	parts := make([]string, len(sum.Chains))
	for i, c := range sum.Chains {
		parts[i] = fmt.Sprintf("%s (height %d, %d/%d endpoints up)", c.ID, c.Height, c.EndpointsUp, c.Endpoints)
	}
	return strings.Join(parts, ", ")
}

func fanOut(redis bool) string {
	if redis {
		return "Redis for rate limits and feed fan-out"
	}
	return "in-process rate limits and feed (one instance)"
}

func printGatewayCheck(w io.Writer, path string, cfg *gateway.Config, sum *gateway.Summary) {
	fmt.Fprintf(w, "ok: %s\n", path)
	for _, c := range sum.Chains {
		fmt.Fprintf(w, "  chain %s: %d/%d endpoint(s) up and agree, height %d\n", c.ID, c.EndpointsUp, c.Endpoints, c.Height)
	}
	for _, s := range sum.Signers {
		fmt.Fprintf(w, "  signer for client %s: %s\n", s.Client, s.Address.Hex())
	}
	store := "store " + sum.Store + " reachable"
	if sum.StorePending {
		store += ", schema behind (migrations applied at start, migrate = true)"
	}
	fmt.Fprintf(w, "  %s; %s\n", store, fanOut(sum.Redis))
	admin := cfg.AdminListen
	if admin == "" {
		admin = "disabled"
	}
	fmt.Fprintf(w, "  listen %s, admin %s (not bound by --check)\n", cfg.Listen, admin)
}
