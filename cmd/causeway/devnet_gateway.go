package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// devnetClient is the API client devnet creates and signs intents for.
const devnetClient = "devnet"

// Modes of the devnet's API key file and its directory.
const (
	devnetKeyDirMode  = 0o700
	devnetKeyFileMode = 0o600
)

// devnetGatewayConfig is the gateway devnet runs: on the relay's store
// (shared through Options.Store; Store names it for the summary), public
// reads and the tracker on, every validator as an endpoint starting with
// the ones the relay does not use, and every demo account of both chains
// as a signer of client "devnet".
func devnetGatewayConfig(cmd *cobra.Command, rcfg *relay.Config, nets []*localnet.Net, accounts, base int) (*gateway.Config, error) {
	cfg := gateway.DefaultConfig()
	cfg.Listen = net.JoinHostPort(chains.DefaultTestnetHost, strconv.Itoa(base+devnetGatewayOffset))
	cfg.AdminListen = net.JoinHostPort(chains.DefaultTestnetHost, strconv.Itoa(base+devnetGwAdminOffset))
	cfg.Store = rcfg.Store
	if u, _ := cmd.Flags().GetString(flagDevnetRedis); u != "" {
		cfg.Redis = u
	}
	cfg.Migrate, cfg.PublicReads, cfg.Tracker = false, true, true
	for _, ln := range nets {
		n := len(ln.Keys)
		eps := make([]string, n)
		for v := range n {
			eps[v] = "http://" + ln.Config((v+2)%n).RPC.ListenAddr
		}
		cfg.Chains = append(cfg.Chains, gateway.ChainConfig{ID: ln.Genesis.ChainID, GenesisHash: ln.Genesis.Hash().Hex(), Endpoints: eps})
		for _, k := range ln.Accounts[:accounts] {
			cfg.Signers = append(cfg.Signers, gateway.SignerConfig{Client: devnetClient, Key: k})
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("devnet gateway: %w", err)
	}
	return &cfg, nil
}

// devnetAPIKey returns the API key of client "devnet" kept in
// DIR/gateway/api-key, creating it (stored hashed, written 0600) when the
// file is missing or the store does not know it (a fresh --postgres
// schema) or it was revoked.
func devnetAPIKey(ctx context.Context, store settlement.Store, dir string) (key string, created bool, err error) {
	path := devnetAPIKeyFile(dir)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if ok, err := knownAPIKey(ctx, store, strings.TrimSpace(string(b))); err != nil || ok {
			return strings.TrimSpace(string(b)), false, err
		}
	case !errors.Is(err, os.ErrNotExist):
		return "", false, fmt.Errorf("read devnet API key: %w", err)
	}
	key, err = createAPIKey(ctx, store, devnetClient, 0, 0)
	if err != nil {
		return "", false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), devnetKeyDirMode); err != nil {
		return "", false, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(key+"\n"), devnetKeyFileMode); err != nil {
		return "", false, fmt.Errorf("write devnet API key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", false, fmt.Errorf("write devnet API key: %w", err)
	}
	return key, true, nil
}

// knownAPIKey reports whether key is a live key of client "devnet" in store.
func knownAPIKey(ctx context.Context, store settlement.Store, key string) (bool, error) {
	id, secret, err := api.ParseAPIKey(key)
	if err != nil {
		return false, nil
	}
	k, err := store.GetAPIKey(ctx, id)
	switch {
	case errors.Is(err, settlement.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up devnet API key: %w", err)
	}
	return !k.Revoked() && k.ClientID == devnetClient && api.SecretMatches(secret, k.Hash), nil
}
