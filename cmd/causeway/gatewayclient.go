package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/client"
)

// How the CLI's client commands (transfer, status) find a gateway.
const (
	flagGateway      = "gateway"
	flagAPIKey       = "api-key"
	envGateway       = "CAUSEWAY_GATEWAY"
	envAPIKey        = "CAUSEWAY_API_KEY"
	devnetKeyName    = "api-key" // HOME/devnet/gateway/api-key, written by devnet
	devnetGatewayDir = "gateway" // HOME/devnet/gateway
)

// defaultGatewayURL is the devnet's gateway.
var defaultGatewayURL = "http://127.0.0.1:" + strconv.Itoa(devnetBasePort+devnetGatewayOffset)

// addGatewayFlags adds --gateway and --api-key.
func addGatewayFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String(flagGateway, "", "gateway URL (default $"+envGateway+", else "+defaultGatewayURL+", the devnet's)")
	f.String(flagAPIKey, "", "API key (default $"+envAPIKey+", else HOME/devnet/gateway/api-key when it exists)")
}

// gatewayClient is a client of --gateway authenticated with --api-key,
// each falling back to its environment variable and then to the devnet's.
func gatewayClient(cmd *cobra.Command) (*client.Client, error) {
	f := cmd.Flags()
	url, _ := f.GetString(flagGateway)
	if url == "" {
		url = os.Getenv(envGateway)
	}
	if url == "" {
		url = defaultGatewayURL
	}
	key, err := apiKey(cmd)
	if err != nil {
		return nil, err
	}
	c, err := client.New(url, key)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagGateway, err)
	}
	return c, nil
}

// apiKey is --api-key, else $CAUSEWAY_API_KEY, else the devnet's key file,
// else "" (public reads only). A key given explicitly must be well formed.
func apiKey(cmd *cobra.Command) (string, error) {
	key, _ := cmd.Flags().GetString(flagAPIKey)
	source := "--" + flagAPIKey
	if key == "" {
		key, source = os.Getenv(envAPIKey), "$"+envAPIKey
	}
	if key == "" {
		home, err := homeDir(cmd)
		if err != nil {
			return "", err
		}
		path := devnetAPIKeyFile(filepath.Join(home, devnetDir))
		b, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return "", nil
		case err != nil:
			return "", fmt.Errorf("read API key: %w", err)
		}
		key, source = strings.TrimSpace(string(b)), path
	}
	if _, _, err := api.ParseAPIKey(key); err != nil {
		return "", fmt.Errorf("%s: %w (keys look like cwk_<12 hex>_<48 hex>)", source, err)
	}
	return key, nil
}

// devnetAPIKeyFile is where devnet keeps the API key of its client.
func devnetAPIKeyFile(dir string) string { return filepath.Join(dir, devnetGatewayDir, devnetKeyName) }

// parseEndpoint parses a CHAIN:ADDRESS flag value. allowBare accepts a
// chain alone (the address then comes from elsewhere, a key).
func parseEndpoint(flag, s string, allowBare bool) (api.Endpoint, error) {
	chain, addr, found := strings.Cut(s, ":")
	if !chains.ValidChainID(chain) {
		return api.Endpoint{}, fmt.Errorf("--%s %q: want CHAIN:ADDRESS (e.g. alpha:0x5f…); %q is not a chain id (1 to 32 of a-z, 0-9 and -)",
			flag, s, chain)
	}
	if !found {
		if allowBare {
			return api.Endpoint{Chain: chain}, nil
		}
		return api.Endpoint{}, fmt.Errorf("--%s %q: want CHAIN:ADDRESS (e.g. %s:0x5f…)", flag, s, chain)
	}
	a, err := rpc.ParseAddress(addr)
	if err != nil {
		return api.Endpoint{}, fmt.Errorf("--%s %q: %w", flag, s, err)
	}
	return api.Endpoint{Chain: chain, Address: a}, nil
}
