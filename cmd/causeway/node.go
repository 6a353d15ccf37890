package main

import (
	"crypto/ecdsa"
	"fmt"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
)

func newNodeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node --home DIR",
		Short: "Run a validator (or full node) of one chain",
		Long: "Reads HOME/config/config.toml (see `causeway config show`), the genesis and the\n" +
			"validator keystore it names, then joins the chain over TCP and serves JSON-RPC.\n" +
			"The first Ctrl-C shuts down cleanly; a second exits at once.",
		Args: cobra.NoArgs,
		RunE: runNode,
	}
	addNodeConfigFlags(cmd.Flags())
	return cmd
}

func runNode(cmd *cobra.Command, _ []string) error {
	cfg, err := loadNodeConfig(cmd)
	if err != nil {
		return err
	}
	log, err := newLogger(cmd, cfg.Log)
	if err != nil {
		return err
	}
	defer log.Sync()
	key, err := loadValidatorKey(cfg)
	if err != nil {
		return err
	}
	n, err := node.New(cfg, node.Options{Key: key, Logger: log})
	if err != nil {
		return err
	}
	ctx := cmd.Context() // cancelled by the first Ctrl-C (see main)
	if err := n.Start(ctx); err != nil {
		n.Stop()
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "node %s of chain %s at height %d; JSON-RPC on http://%s\n",
		n.Address().Hex(), n.ChainID(), n.Height(), n.RPCAddr())
	<-ctx.Done()
	log.Info("shutting down", zap.Uint64("height", n.Height()))
	return n.Stop()
}

// loadValidatorKey decrypts the keystore the config names, if any.
func loadValidatorKey(cfg node.Config) (*ecdsa.PrivateKey, error) {
	if cfg.Key == "" {
		return nil, nil
	}
	password, err := chains.ReadPassword(cfg.Path(cfg.PasswordFile))
	if err != nil {
		return nil, fmt.Errorf("password_file: %w", err)
	}
	key, err := chains.LoadKey(cfg.Path(cfg.Key), password)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	return key, nil
}
