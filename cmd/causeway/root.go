package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/causeway/causeway/node"
)

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
)

// Global flags and the environment variable behind --home.
const (
	flagHome       = "home"
	flagLogLevel   = "log-level"
	flagLogFormat  = "log-format"
	envHome        = "CAUSEWAY_HOME"
	defaultHomeDir = ".causeway" // under the user's home directory
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "causeway",
		Short: "Cross-chain relay and asset-transfer gateway for consortium blockchains",
		Long: "causeway runs consortium chain validators, the relay that carries consensus messages\n" +
			"between chains, and the settlement gateway, all from one binary.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.String(flagHome, "", "home directory (default $"+envHome+" or ~/"+defaultHomeDir+")")
	pf.String(flagLogLevel, "", "log level: debug, info, warn or error (overrides config and env)")
	pf.String(flagLogFormat, "", "log format: json or console (overrides config and env)")

	root.AddCommand(
		newInitCmd(),
		newKeysCmd(),
		newConfigCmd(),
		newVersionCmd(),
	)

	// ---- Subcommands defined in their own files (node.go, devnet.go,
	// bench.go, …): add one line each, e.g. `newXxxCmd(),`. ----
	more := []*cobra.Command{
		newNodeCmd(),
		newDevnetCmd(),
		newBenchCmd(),
		newTxCmd(),
		newQueryCmd(),
		newMigrateCmd(),
		newRelayCmd(),
		newTransferCmd(),
		newStatusCmd(),
		newGatewayCmd(),
		newIdentityCmd(),
	}
	root.AddCommand(more...)
	return root
}

// run executes the command line and returns the process exit code. Errors are
// printed once, here.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stderr, "causeway: %v\n", err)
		return exitCode(err)
	}
	return exitOK
}

// homeDir resolves the home directory: --home, then $CAUSEWAY_HOME, then
// ~/.causeway.
func homeDir(cmd *cobra.Command) (string, error) {
	if h, _ := cmd.Flags().GetString(flagHome); h != "" {
		return h, nil
	}
	if h := os.Getenv(envHome); h != "" {
		return h, nil
	}
	u, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("resolve home directory (set --%s or $%s): %w", flagHome, envHome, err)
	}
	return filepath.Join(u, defaultHomeDir), nil
}

// newLogger builds the process logger from cfg with --log-level and
// --log-format applied on top. Subcommands pass the result down explicitly.
func newLogger(cmd *cobra.Command, cfg node.LogConfig) (*zap.Logger, error) {
	if v, _ := cmd.Flags().GetString(flagLogLevel); v != "" {
		cfg.Level = v
	}
	if v, _ := cmd.Flags().GetString(flagLogFormat); v != "" {
		cfg.Format = v
	}
	return node.NewLogger(cfg)
}

// signalContext returns a context cancelled by the first SIGINT or SIGTERM,
// so services shut down cleanly; a second signal exits the process at once.
// The returned stop function releases the signal handler.
func signalContext() (context.Context, context.CancelFunc) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stop := watchSignals(context.Background(), sigs, os.Stderr, os.Exit)
	return ctx, func() {
		signal.Stop(sigs)
		stop()
	}
}

// watchSignals implements signalContext over an injectable signal channel
// and exit function. Its goroutine ends when stop is called.
func watchSignals(parent context.Context, sigs <-chan os.Signal, stderr io.Writer, exit func(int)) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "causeway: %v: shutting down; send it again to exit at once\n", s)
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			exit(exitInterrupted)
		case <-done:
		}
	})
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			close(done)
			cancel()
			wg.Wait()
		})
	}
}
