package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
)

const flagForce = "force"

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Create, print and check a node's configuration (HOME/" + node.ConfigFile + ")",
	}
	cmd.AddCommand(newConfigInitCmd(), newConfigShowCmd(), newConfigValidateCmd())
	return cmd
}

func newConfigInitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write the default node configuration to HOME/" + node.ConfigFile,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := homeDir(cmd)
			if err != nil {
				return err
			}
			cfg := node.DefaultConfig()
			cfg.Home = home
			force, _ := cmd.Flags().GetBool(flagForce)
			if err := cfg.WriteFile(force); err != nil {
				return fmt.Errorf("config init (use --%s to replace an existing file): %w", flagForce, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", cfg.Path(node.ConfigFile))
			return nil
		},
	}
	cmd.Flags().Bool(flagForce, false, "replace an existing config file")
	return cmd
}

func newConfigShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the effective node configuration (defaults < file < env < flags)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := readNodeConfig(cmd)
			if err != nil {
				return err
			}
			if err := cfg.WriteTOML(cmd.OutOrStdout()); err != nil {
				return fmt.Errorf("config show: %w", err)
			}
			return cfg.Validate()
		},
	}
	addNodeConfigFlags(cmd.Flags())
	return cmd
}

func newConfigValidateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the node configuration and the genesis and key files it names",
		Long: "Loads the configuration as `causeway node` would (defaults < file < env < flags), checks\n" +
			"every key, loads the genesis, and checks that the validator key file is readable.\n" +
			"Exits non-zero naming the first thing that is wrong.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadNodeConfig(cmd)
			if err != nil {
				return err
			}
			g, err := chains.LoadGenesis(cfg.Path(cfg.Genesis))
			if err != nil {
				return fmt.Errorf("genesis: %w", err)
			}
			role := "full node (no key)"
			if cfg.Key != "" {
				addr, err := chains.KeyFileAddress(cfg.Path(cfg.Key))
				if err != nil {
					return fmt.Errorf("key: %w", err)
				}
				role = "validator key " + addr.Hex()
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: chain %s, genesis %s, %s\n", g.ChainID, g.Hash().Hex(), role)
			return nil
		},
	}
	addNodeConfigFlags(cmd.Flags())
	return cmd
}

// loadNodeConfig is the node configuration with every layer applied
// (defaults < HOME/config/config.toml < CAUSEWAY_… env < flags), validated.
// Commands that run a node register the flags with addNodeConfigFlags.
func loadNodeConfig(cmd *cobra.Command) (node.Config, error) {
	cfg, err := readNodeConfig(cmd)
	if err != nil {
		return node.Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return node.Config{}, err
	}
	return cfg, nil
}

func readNodeConfig(cmd *cobra.Command) (node.Config, error) {
	home, err := homeDir(cmd)
	if err != nil {
		return node.Config{}, err
	}
	cfg, err := node.ReadConfig(home, os.LookupEnv)
	if err != nil {
		return node.Config{}, err
	}
	for _, v := range node.EnvVars() {
		f := cmd.Flags().Lookup(configFlagName(v.Key))
		if f == nil || !f.Changed {
			continue
		}
		if err := cfg.Set(v.Key, f.Value.String()); err != nil {
			return node.Config{}, fmt.Errorf("--%s: %w", f.Name, err)
		}
	}
	return cfg, nil
}

// addNodeConfigFlags registers one flag per node config key, named after the
// key ("p2p.listen_addr" → --p2p-listen-addr). Log keys are the global
// --log-level and --log-format flags.
func addNodeConfigFlags(fs *pflag.FlagSet) {
	for _, v := range node.EnvVars() {
		name := configFlagName(v.Key)
		if name == flagLogLevel || name == flagLogFormat {
			continue
		}
		fs.String(name, "", fmt.Sprintf("%s (config %s, env %s)", strings.TrimSuffix(v.Doc, "."), v.Key, v.Name))
	}
}

func configFlagName(key string) string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(key)
}
