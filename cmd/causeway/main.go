// Command causeway is the one Causeway binary: chain validators, the relay,
// the settlement gateway, and the operator tools around them (init, keys,
// config). Subcommands only wire configuration, logger and services; the
// logic lives in the node, chains, relay and settlement packages.
package main

import "os"

func main() {
	ctx, stop := signalContext()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
