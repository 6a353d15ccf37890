//go:build integration

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/client"
)

// The gateway of the fault topology takes intents alpha → beta from one
// API client, signing them with the account it holds for it, beside the
// direct load.
const (
	faultGatewayClient = "faults"
	faultGatewayRate   = 4 // intents per second
	faultGatewayAmount = 2
	faultGatewayRetry  = 200 * time.Millisecond // between attempts of one Idempotency-Key
)

// gatewayAcct is the demo account index of the account the gateway signs
// with: after the senders and the relay signers.
const gatewayAcct = faultSenders + faultRelayers

func (n *faultNet) gatewayAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ports+portGateway))
}

func (n *faultNet) gatewayAdminAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ports+portGateway+1))
}

// gatewaySigner is the address the gateway signs the client's intents with.
func (n *faultNet) gatewaySigner() attest.Address {
	return n.chains[0].tn.Accounts[gatewayAcct].Address
}

// setupGateway writes the gateway's config, makes the client's API key
// with `causeway gateway keys add` and prepares the process. Its endpoints
// are validators 2 and 0 of each chain, so a scenario that perturbs
// validator 2 makes it fail over.
func (n *faultNet) setupGateway(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "listen = %q\nadmin_listen = %q\nstore = %q\nmigrate = true\n", n.gatewayAddr(), n.gatewayAdminAddr(), n.pg.url())
	b.WriteString("[log]\nlevel = \"info\"\nformat = \"console\"\n[idempotency]\nlease = \"3s\"\n")
	for _, c := range n.chains {
		tn := c.tn
		fmt.Fprintf(&b, "\n[[chains]]\nid = %q\ngenesis_hash = %q\nendpoints = [%q, %q]\n", tn.Genesis.ChainID,
			tn.GenesisHash.Hex(), "http://"+tn.Validators[2].RPCAddr, "http://"+tn.Validators[0].RPCAddr)
	}
	acct := n.chains[0].tn.Accounts[gatewayAcct]
	fmt.Fprintf(&b, "\n[[signers]]\nclient = %q\nkeystore = %q\npassword_file = %q\n", faultGatewayClient, acct.KeyFile,
		filepath.Join(filepath.Dir(acct.KeyFile), accountsPasswordFile))
	cfg := filepath.Join(n.dir, "gateway.toml")
	require.NoError(t, os.WriteFile(cfg, []byte(b.String()), 0o600))
	out, err := exec.Command(n.bin, "gateway", "keys", "add", "--config", cfg, "--client", faultGatewayClient,
		"--rate", "100", "--burst", "200").Output()
	require.NoError(t, err, "gateway keys add")
	n.gwKey = strings.TrimSpace(string(out))
	require.NotEmpty(t, n.gwKey)
	n.gateway = &proc{name: "gateway", log: filepath.Join(n.dir, "gateway.log"), args: []string{n.bin, "gateway", "--config", cfg}}
}

// startGateway starts the gateway process and waits until it is ready.
func (n *faultNet) startGateway(t *testing.T) {
	n.gateway.start(t)
	url := "http://" + n.gatewayAdminAddr() + "/readyz"
	hc := &http.Client{Timeout: faultProbe}
	require.Eventually(t, func() bool {
		if !n.gateway.running() {
			return true
		}
		resp, err := hc.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, faultStartWait, faultPoll, "gateway not ready at %s", url)
	require.True(t, n.gateway.running(), "gateway exited at start: %v\n%s", n.gateway.exitErr, logTail(n.gateway.log, faultLogLines))
}

// killGateway: kill -9 of the gateway mid-load, restarted after an outage.
// Clients retry each submission with its Idempotency-Key until they get an
// answer; every intent must become exactly one transfer.
func (n *faultNet) killGateway(t *testing.T) {
	n.run(t, nil, func(t *testing.T) outage {
		down := time.Now()
		n.gateway.kill()
		n.perturbed("kill -9 the gateway, restart after %s", faultOutage)
		hold(t, faultOutage)
		up := time.Now()
		n.startGateway(t)
		return outage{down, up}
	}, nil)
}

// startGatewayLoad submits intents through the gateway at
// faultGatewayRate, each under its own Idempotency-Key, retrying a key
// whose answer did not come (the gateway down, 5xx, 409 in flight) until
// it does.
func (n *faultNet) startGatewayLoad(t *testing.T) *relaytest.GatewayLoad {
	c, err := client.New("http://"+n.gatewayAddr(), n.gwKey)
	require.NoError(t, err)
	return relaytest.StartGatewayLoad(t.Context(), relaytest.GatewayLoadOptions{Client: c, Rate: faultGatewayRate,
		From: api.Endpoint{Chain: "alpha", Address: n.gatewaySigner()}, To: api.Endpoint{Chain: "beta", Address: relaytest.FreshAddress()},
		Amount: faultGatewayAmount, Fee: 1, TimeoutSeconds: uint64(faultTTL.Seconds()),
		Prefix: fmt.Sprintf("%s-%d", n.sc.Name, time.Now().UnixNano()), RetryEvery: faultGatewayRetry, RetryFor: faultSettleWait})
}

// settledGateway turns the accepted intents into the records the checks
// take, once each has its packet sequence, and requires that the gateway
// signed exactly one transaction per accepted intent.
func (n *faultNet) settledGateway(t *testing.T, ctx context.Context, accepted []relaytest.GatewaySent, nonceBefore uint64) []relaytest.Sent {
	out := make([]relaytest.Sent, 0, len(accepted))
	for _, a := range accepted {
		var tr *settlement.Transfer
		if !assert.Eventually(t, func() bool {
			var err error
			tr, err = n.store.Get(ctx, a.Resp.ID)
			return err == nil && tr.Seq != 0
		}, faultSettleWait, faultPoll) {
			rec, rerr := n.store.GetRequest(ctx, faultGatewayClient, tr.ClientRef)
			r, cerr := n.pair.Alpha.RPC.TransactionReceipt(ctx, tr.Source.TxHash)
			t.Fatalf("gateway transfer %s never committed on alpha: row %+v; request %+v (%v); receipt on alpha %+v (%v)",
				a.Resp.ID, tr, rec, rerr, r, cerr)
		}
		n.sentIDs[tr.ID] = true
		out = append(out, relaytest.Sent{Src: tr.Src, Dst: tr.Dst, Seq: tr.Seq, TxHash: tr.Source.TxHash,
			Receiver: tr.Receiver, Amount: faultGatewayAmount, SentAt: a.SentAt})
	}
	acct, err := n.pair.Alpha.RPC.Account(ctx, n.gatewaySigner())
	require.NoError(t, err)
	require.Equal(t, nonceBefore+uint64(len(accepted)), acct.Nonce,
		"the gateway's account sent %d transactions for %d accepted intents", acct.Nonce-nonceBefore, len(accepted))
	n.sc.check("one transaction per accepted intent")
	n.sc.GatewayAccepted = len(accepted)
	return out
}
