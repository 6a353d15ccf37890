package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/gateway"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// Flags of causeway gateway keys.
const (
	flagKeysStore  = "store"
	flagKeysClient = "client"
	flagKeysRate   = "rate"
	flagKeysBurst  = "burst"
)

var errKeysStore = errors.New("gateway keys: --" + flagGatewayConfig + " FILE or --" + flagKeysStore + " URL is required")

func newGatewayKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, list and revoke the API keys of gateway clients",
		Long: "API keys live in the settlement store, hashed: the store named by the gateway config\n" +
			"(--config) or by --store. A key is shown once, when it is created.",
	}
	cmd.PersistentFlags().String(flagKeysStore, "", "store URL (postgres://… or sqlite:PATH) instead of the config's")
	cmd.AddCommand(newAPIKeysAddCmd(), newAPIKeysListCmd(), newAPIKeysRevokeCmd())
	return cmd
}

func newAPIKeysAddCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add --client ID [--rate N --burst N]",
		Short: "Create an API key for a client and print it, once",
		Long: "Creates a key for client ID (1 to 64 of a-z, 0-9 and -, starting with a letter or digit).\n" +
			"The key is printed alone on stdout, so `… > key.txt` keeps it; only its hash is stored and it\n" +
			"cannot be shown again. A client may hold several keys (rotate by adding one, then revoking\n" +
			"the old). --rate and --burst override the gateway's default rate limit for this key.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			client, _ := f.GetString(flagKeysClient)
			rate, _ := f.GetInt(flagKeysRate)
			burst, _ := f.GetInt(flagKeysBurst)
			if !api.ValidClientID(client) {
				return fmt.Errorf("--%s %q: 1 to 64 of a-z, 0-9 and -, starting with a letter or digit", flagKeysClient, client)
			}
			if rate < 0 || burst < 0 {
				return fmt.Errorf("--%s and --%s: want 0 (the gateway's default) or more", flagKeysRate, flagKeysBurst)
			}
			return withKeyStore(cmd, func(ctx context.Context, store settlement.Store) error {
				key, err := createAPIKey(ctx, store, client, rate, burst)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), key)
				id, _, _ := api.ParseAPIKey(key)
				fmt.Fprintf(cmd.ErrOrStderr(), "API key %s for client %s created. Keep it now: it cannot be shown again "+
					"(only its hash is stored).\n", id, client)
				return nil
			})
		},
	}
	cmd.Flags().String(flagKeysClient, "", "the client the key authenticates")
	cmd.Flags().Int(flagKeysRate, 0, "requests per second for this key (0: the gateway's default)")
	cmd.Flags().Int(flagKeysBurst, 0, "burst for this key (0: the gateway's default)")
	_ = cmd.MarkFlagRequired(flagKeysClient)
	return cmd
}

// createAPIKey makes a key for client and stores its hash.
func createAPIKey(ctx context.Context, store settlement.Store, client string, rate, burst int) (string, error) {
	key, id, hash, err := api.NewAPIKey()
	if err != nil {
		return "", fmt.Errorf("generate API key: %w", err)
	}
	k := &settlement.APIKey{ID: id, ClientID: client, Hash: hash, RatePerSec: rate, Burst: burst, CreatedAt: time.Now().UTC()}
	if err := store.CreateAPIKey(ctx, k); err != nil {
		return "", fmt.Errorf("store API key: %w", err)
	}
	return key, nil
}

func newAPIKeysListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [--client ID]",
		Short: "List API keys: id, client, created, revoked (never the secret)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			client, _ := cmd.Flags().GetString(flagKeysClient)
			return withKeyStore(cmd, func(ctx context.Context, store settlement.Store) error {
				keys, err := store.ListAPIKeys(ctx, client)
				if err != nil {
					return fmt.Errorf("list API keys: %w", err)
				}
				return printAPIKeys(cmd.OutOrStdout(), keys)
			})
		},
	}
	cmd.Flags().String(flagKeysClient, "", "only this client's keys")
	return cmd
}

func printAPIKeys(w io.Writer, keys []*settlement.APIKey) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tCLIENT\tCREATED\tREVOKED\tRATE/S\tBURST")
	for _, k := range keys {
		revoked, rate, burst := "-", "default", "default"
		if k.Revoked() {
			revoked = k.RevokedAt.UTC().Format(time.RFC3339)
		}
		if k.RatePerSec > 0 {
			rate = fmt.Sprint(k.RatePerSec)
		}
		if k.Burst > 0 {
			burst = fmt.Sprint(k.Burst)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.ClientID, k.CreatedAt.UTC().Format(time.RFC3339), revoked, rate, burst)
	}
	return tw.Flush()
}

func newAPIKeysRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key at once (by its id, the 12 hex digits after cwk_)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if full, _, err := api.ParseAPIKey(id); err == nil {
				id = full // a whole key names its id too
			}
			return withKeyStore(cmd, func(ctx context.Context, store settlement.Store) error {
				err := store.RevokeAPIKey(ctx, id, time.Now().UTC())
				if errors.Is(err, settlement.ErrNotFound) {
					return fmt.Errorf("no API key %q (`causeway gateway keys list` shows them)", id)
				}
				if err != nil {
					return fmt.Errorf("revoke API key %s: %w", id, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked API key %s\n", id)
				return nil
			})
		},
	}
}

// withKeyStore opens the store of --store, else of the --config gateway
// config (migrating it when the config says so), and runs fn on it.
func withKeyStore(cmd *cobra.Command, fn func(context.Context, settlement.Store) error) error {
	f := cmd.Flags()
	url, _ := f.GetString(flagKeysStore)
	path, _ := f.GetString(flagGatewayConfig)
	opts := backend.StoreOptions{}
	switch {
	case url != "":
	case path != "":
		// The store is all that is needed: chains and signers are not checked.
		cfg, err := gateway.ReadConfig(path, os.LookupEnv)
		if err != nil {
			return err
		}
		if cfg.Store == "" {
			return fmt.Errorf("%s: store is not set", path)
		}
		url, opts = cfg.Store, backend.StoreOptions{Migrate: cfg.Migrate, Dir: cfg.Dir}
	default:
		return errKeysStore
	}
	ctx := cmd.Context()
	store, err := backend.OpenStore(ctx, url, opts)
	if err != nil {
		return fmt.Errorf("open store %s: %w", redactURL(url), err)
	}
	defer store.Close()
	return fn(ctx, store)
}
