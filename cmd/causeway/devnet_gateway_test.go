package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/client"
)

// gatewayURL is the devnet's gateway.
func (d *devnetProc) gatewayURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d", d.base+devnetGatewayOffset)
}

// cli runs the binary against the devnet's home and gateway and returns its
// output and exit code.
func (d *devnetProc) cli(args ...string) (string, int) {
	d.t.Helper()
	args = append(args, "--home", d.home, "--gateway", d.gatewayURL())
	cmd := exec.Command(d.bin, args...)
	cmd.Env = append(os.Environ(), envAPIKey+"=", envGateway+"=") // the devnet's own key file, not the caller's
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(d.t, ok, "run %v: %v", args, err)
		code = ee.ExitCode()
	}
	return string(out), code
}

// apiKey is the key devnet wrote for its client.
func (d *devnetProc) apiKey() string {
	d.t.Helper()
	path := devnetAPIKeyFile(filepath.Join(d.home, devnetDir))
	fi, err := os.Stat(path)
	require.NoError(d.t, err)
	require.Equal(d.t, os.FileMode(devnetKeyFileMode), fi.Mode().Perm())
	b, err := os.ReadFile(path)
	require.NoError(d.t, err)
	return strings.TrimSpace(string(b))
}

// followTransfer sends 10 USD from alpha demo 0 to receiver with
// `causeway transfer --follow` and checks that every stage was printed and
// it finished; it returns the transfer id.
func (d *devnetProc) followTransfer(receiver attest.Address) settlement.TransferID {
	d.t.Helper()
	out, code := d.cli("transfer", "--from", "alpha:"+demoAddress(d.t, d, "alpha", 0).Hex(), "--to", "beta:"+receiver.Hex(),
		"--amount", "10", "--denom", "USD", "--follow")
	require.Equal(d.t, exitOK, code, out)
	var stages []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 2 && strings.HasPrefix(line, "  ") && f[0] != "tracker" {
			stages = append(stages, f[0])
		}
	}
	require.Equal(d.t, []string{"submitted", "source_committed", "delivered", "finished"}, stages, out)
	require.Contains(d.t, out, "finished: 10 USD from alpha:")
	m := regexp.MustCompile(`(?m)^submitted (\S+)$`).FindStringSubmatch(out)
	require.NotNil(d.t, m, out)
	return settlement.TransferID(m[1])
}

// The devnet runs the gateway: it serves the chains and the tracker page;
// `causeway transfer --follow` with no key and no API key prints every
// stage and ends finished; `causeway status` shows it finished; --demo
// traffic settles; and after a restart the same API key still works.
func TestDevnetGateway(t *testing.T) {
	t.Parallel()
	d := &devnetProc{t: t, bin: buildBinary(t), home: t.TempDir(), base: freeDevnetBase(t), args: []string{"--demo"}}
	d.start()
	key := d.apiKey()
	_, _, err := api.ParseAPIKey(key)
	require.NoError(t, err)
	c, err := client.New(d.gatewayURL(), key)
	require.NoError(t, err)

	t.Run("chains and tracker", func(t *testing.T) {
		// Each chain up with its four validators (a refresh that timed out
		// under load leaves the set empty until the next one).
		deadline := time.Now().Add(devnetWait)
		for {
			list, err := c.Chains(t.Context())
			require.NoError(t, err)
			require.Len(t, list.Chains, 2)
			complete := 0
			for _, ch := range list.Chains {
				if ch.Up && len(ch.Validators) == 4 && ch.Height > 0 {
					complete++
				}
			}
			if complete == len(list.Chains) {
				break
			}
			require.False(t, time.Now().After(deadline), "chains not up with their validators: %+v", list.Chains)
			time.Sleep(200 * time.Millisecond)
		}
		resp, err := http.Get(d.gatewayURL() + "/")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, resp.Header.Get("Content-Type"), "text/html")
		require.Contains(t, string(body), "<title>")
	})

	receiver := attest.Address{0x9a, 0x7e}
	t.Run("transfer follows to finished and status shows it", func(t *testing.T) {
		id := d.followTransfer(receiver)
		out, code := d.cli("status", string(id))
		require.Equal(t, exitOK, code, out)
		require.Regexp(t, `(?m)^status\s+finished`, out)
		require.Regexp(t, `(?m)^\s+delivered\s+done\s+beta\s+\d+`, out)
		out, code = d.cli("status", "alpha.beta.999999")
		require.Equal(t, exitError, code, out)
		require.Contains(t, out, "not found")
	})

	t.Run("demo traffic settles", func(t *testing.T) {
		// Account 2 is only the demo's.
		from := demoAddress(t, d, "alpha", 2)
		deadline := time.Now().Add(devnetWait)
		for {
			page, err := c.List(t.Context(), client.ListQuery{Account: from, Status: settlement.StatusFinished})
			require.NoError(t, err)
			if len(page.Transfers) > 0 {
				require.Equal(t, settlement.StatusFinished, page.Transfers[0].Status)
				break
			}
			require.False(t, time.Now().After(deadline), "no demo transfer of %s finished", from.Hex())
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("gateway command", func(t *testing.T) { runGatewayCommand(t, d, c) })

	d.stop()
	d.args = nil
	d.start()
	require.Equal(t, key, d.apiKey(), "the key survives a restart")
	d.followTransfer(receiver)
	require.Equal(t, "20", betaBalance(t, d.base, receiver, "alpha/USD"))
	d.stop()
}

// runGatewayCommand runs `causeway gateway` as its own process over the
// devnet's chains: --check reports them, and the served gateway answers
// until the first SIGINT stops it cleanly.
func runGatewayCommand(t *testing.T, d *devnetProc, c *client.Client) {
	list, err := c.Chains(t.Context())
	require.NoError(t, err)
	dir := t.TempDir()
	listen, admin := freeAddr(t), freeAddr(t)
	var b strings.Builder
	fmt.Fprintf(&b, "listen = %q\nadmin_listen = %q\nstore = \"sqlite:gw.db\"\n", listen, admin)
	for i, ch := range list.Chains {
		fmt.Fprintf(&b, "[[chains]]\nid = %q\ngenesis_hash = %q\nendpoints = [\"http://127.0.0.1:%d\"]\n", ch.ID,
			ch.GenesisHash.Hex(), d.base+i*devnetPortsPerChain+devnetRPCOffset)
	}
	cfg := filepath.Join(dir, "gateway.toml")
	require.NoError(t, os.WriteFile(cfg, []byte(b.String()), 0o600))

	out, err := exec.Command(d.bin, "gateway", "--config", cfg, "--check").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "ok: "+cfg)
	require.Regexp(t, `chain alpha: 1/1 endpoint\(s\) up and agree, height \d+`, string(out))
	require.Contains(t, string(out), "not bound by --check")

	logPath := filepath.Join(dir, "gateway.log")
	logf, err := os.Create(logPath)
	require.NoError(t, err)
	defer logf.Close()
	cmd := exec.Command(d.bin, "gateway", "--config", cfg)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	d.waitOK("http://"+admin+"/readyz", time.Now().Add(devnetWait))
	gc, err := client.New("http://"+listen, "")
	require.NoError(t, err)
	got, err := gc.Chains(t.Context())
	require.NoError(t, err)
	require.Len(t, got.Chains, 2)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait())
	printed, err := os.ReadFile(logPath)
	require.NoError(t, err)
	require.Contains(t, string(printed), "api      http://"+listen+"/v1")
	require.Contains(t, string(printed), "tracker  http://"+listen+"/")
}

// freeAddr is a loopback host:port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}
