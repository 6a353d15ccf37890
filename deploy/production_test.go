package deploy

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node"
)

// productionDir holds the example configs of the production layout.
var productionDir = filepath.Join("config", "production")

// hostRe is a validator's host in the production layout: <chain>-<n>.internal.
var hostRe = regexp.MustCompile(`^([a-z0-9-]+)-[0-9]+\.internal$`)

// The production configs agree: the relay and the gateway serve the same
// chains with the same genesis hashes, reach validators on the JSON-RPC
// port the node configs listen on, share one Postgres and one Redis; the
// validators peer on their p2p port.
func TestProductionConfigsAgree(t *testing.T) {
	t.Parallel()
	nodes := map[string]node.Config{}
	for _, chain := range []string{"alpha", "beta"} {
		nodes[chain] = loadNode(t, filepath.Join(productionDir, "node-"+chain+"-0.toml"))
	}
	r := loadRelay(t, filepath.Join(productionDir, "relay.toml"))
	g := loadGateway(t, filepath.Join(productionDir, "gateway.toml"))

	for chain, n := range nodes {
		require.Len(t, n.P2P.Peers, 3, chain)
		for _, p := range n.P2P.Peers {
			_, hp, err := node.ParsePeer(p)
			require.NoError(t, err)
			requireValidatorHost(t, chain, hp, port(t, n.P2P.ListenAddr))
		}
	}
	relayGenesis := map[string]string{}
	for _, c := range r.Chains {
		n, ok := nodes[c.ID]
		require.True(t, ok, "relay chain %s has no node config", c.ID)
		relayGenesis[c.ID] = c.GenesisHash
		for _, e := range c.Endpoints {
			u, err := url.Parse(e)
			require.NoError(t, err)
			requireValidatorHost(t, c.ID, u.Host, port(t, n.RPC.ListenAddr))
		}
		require.NotEmpty(t, c.Signers, c.ID)
	}
	gatewayGenesis := map[string]string{}
	for _, c := range g.Chains {
		n, ok := nodes[c.ID]
		require.True(t, ok, "gateway chain %s has no node config", c.ID)
		gatewayGenesis[c.ID] = c.GenesisHash
		for _, e := range c.Endpoints {
			u, err := url.Parse(e)
			require.NoError(t, err)
			requireValidatorHost(t, c.ID, u.Host, port(t, n.RPC.ListenAddr))
		}
	}
	require.Equal(t, relayGenesis, gatewayGenesis)
	require.Len(t, relayGenesis, 2)
	require.Equal(t, r.Store, g.Store)
	q, err := url.Parse(r.Queue)
	require.NoError(t, err)
	rd, err := url.Parse(g.Redis)
	require.NoError(t, err)
	require.Equal(t, q.Host, rd.Host)
	require.NotEmpty(t, g.Signers)
}

func requireValidatorHost(t *testing.T, chain, hostport string, wantPort int) {
	t.Helper()
	host, _, _ := strings.Cut(hostport, ":")
	m := hostRe.FindStringSubmatch(host)
	require.NotNil(t, m, "%s is not <chain>-<n>.internal", hostport)
	require.Equal(t, chain, m[1], hostport)
	require.Equal(t, wantPort, port(t, hostport), hostport)
}

// Each systemd unit runs its role with a config the examples describe, and
// stops it with the signal that shuts it down cleanly.
func TestSystemdUnits(t *testing.T) {
	t.Parallel()
	for unit, exec := range map[string]string{
		"causeway-node@.service":    "/usr/local/bin/causeway node --home /var/lib/causeway/%i",
		"causeway-relay@.service":   "/usr/local/bin/causeway relay --config /etc/causeway/relay-%i.toml",
		"causeway-gateway@.service": "/usr/local/bin/causeway gateway --config /etc/causeway/gateway-%i.toml",
	} {
		b, err := os.ReadFile(filepath.Join("systemd", unit))
		require.NoError(t, err)
		s := string(b)
		require.Regexp(t, `(?m)^ExecStart=`+regexp.QuoteMeta(exec)+`( |$)`, s, unit)
		require.Regexp(t, `(?m)^KillSignal=SIGINT$`, s, unit)
		require.Regexp(t, `(?m)^WantedBy=multi-user.target$`, s, unit)
	}
}
