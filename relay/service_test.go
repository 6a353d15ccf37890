package relay_test

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/relay"
)

// servicePassword encrypts the test keystores (light scrypt).
const servicePassword = "relay-test"

// serviceConfig relays alpha and beta through two ws endpoints each, with a
// SQLite store under t.TempDir() and the in-process queue. Alpha's signer
// is a keystore file; beta's key is given in memory.
func serviceConfig(t *testing.T, alpha, beta *testChain) *relay.Config {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "alpha.password")
	require.NoError(t, chains.WritePassword(pw, servicePassword))
	ks := filepath.Join(dir, "alpha.json")
	require.NoError(t, chains.SaveKey(ks, alpha.keys[relayerAcct], servicePassword, true))

	a := relay.NewChainConfig(alpha.id, alpha.net.Genesis.Hash(), wsEndpoints(alpha.net, 2))
	a.Signers = []relay.SignerConfig{{Keystore: ks, PasswordFile: pw}}
	b := relay.NewChainConfig(beta.id, beta.net.Genesis.Hash(), wsEndpoints(beta.net, 2), beta.keys[relayerAcct])
	cfg := relay.NewConfig("sqlite:"+filepath.Join(dir, "relay.db"), "memory:", a, b)
	cfg.AdminListen = "127.0.0.1:0"
	return cfg
}

func wsEndpoints(ln *localnet.Net, n int) []string {
	out := make([]string, n)
	for v := range n {
		out[v] = "ws://" + ln.Node(v).RPCAddr()
	}
	return out
}

// startLone starts a one-validator chain linked to no other chain.
func startLone(t *testing.T, id string) *localnet.Net {
	t.Helper()
	params := chains.DefaultParams()
	params.BlockIntervalMs = blockMs
	ln, err := localnet.New(localnet.Options{ChainID: id, Validators: 1, Accounts: 1, Seed: 300, Dir: t.TempDir(),
		Transport: localnet.TransportMem, Params: &params, RPCPorts: []int{0}, P2PPorts: unboundPorts[:1],
		Logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)).Named(id)})
	require.NoError(t, err)
	require.NoError(t, ln.Start(t.Context()))
	t.Cleanup(ln.Stop)
	return ln
}

// unusedAddr is a loopback address nothing listens on.
func unusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// Open refuses a relay whose chains are not what its config says, naming
// the field; then a correct one relays a transfer to finished.
func TestService(t *testing.T) {
	t.Parallel()
	alpha, beta := startPair(t, nil)
	log := zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))

	refused := func(t *testing.T, edit func(*relay.Config), want ...string) {
		t.Helper()
		cfg := serviceConfig(t, alpha, beta)
		edit(cfg)
		svc, err := relay.Open(t.Context(), cfg, log)
		require.Error(t, err)
		require.Nil(t, svc)
		for _, w := range want {
			require.ErrorContains(t, err, w)
		}
		require.NoFileExists(t, strings.TrimPrefix(cfg.Store, "sqlite:"), "nothing opened after a refused chain")
	}

	t.Run("another genesis is refused", func(t *testing.T) {
		refused(t, func(c *relay.Config) { c.Chains[1].GenesisHash = attest.Hash{9}.Hex() },
			"chains[1].genesis_hash: endpoint "+wsEndpoints(beta.net, 1)[0]+" serves genesis "+beta.net.Genesis.Hash().Hex()+
				", config says "+attest.Hash{9}.Hex())
	})
	t.Run("an endpoint of another chain is refused", func(t *testing.T) {
		refused(t, func(c *relay.Config) { c.Chains[0].Endpoints[1] = wsEndpoints(beta.net, 1)[0] },
			`chains[0].endpoints[1]: serves chain "beta", not "alpha"`)
	})
	t.Run("an unreachable endpoint is refused", func(t *testing.T) {
		addr := "ws://" + unusedAddr(t)
		refused(t, func(c *relay.Config) { c.Chains[1].Endpoints = append(c.Chains[1].Endpoints, addr) },
			"chains[1].endpoints[2] "+addr+": unreachable")
	})
	t.Run("a missing keystore is refused", func(t *testing.T) {
		refused(t, func(c *relay.Config) { c.Chains[0].Signers[0].Keystore = filepath.Join(t.TempDir(), "nope.json") },
			"chains[0].signers[0].keystore: load key: open", "no such file or directory")
	})
	t.Run("a wrong password is refused", func(t *testing.T) {
		wrong := filepath.Join(t.TempDir(), "wrong.password")
		require.NoError(t, chains.WritePassword(wrong, "not-"+servicePassword))
		refused(t, func(c *relay.Config) { c.Chains[0].Signers[0].PasswordFile = wrong },
			"chains[0].signers[0].keystore: load key", "could not decrypt")
	})
	t.Run("a chain without a light client of another is refused", func(t *testing.T) {
		gamma := startLone(t, "gamma")
		refused(t, func(c *relay.Config) {
			c.Chains[1] = relay.NewChainConfig("gamma", gamma.Genesis.Hash(), wsEndpoints(gamma, 1), gamma.Accounts[0])
		}, "chains[0]: alpha has no light client of gamma")
	})

	t.Run("check reports the chains and closes what it opened", func(t *testing.T) {
		cfg := serviceConfig(t, alpha, beta)
		sum, err := relay.Check(t.Context(), cfg, log)
		require.NoError(t, err)
		require.Len(t, sum.Chains, 2)
		require.Equal(t, "alpha", sum.Chains[0].ID)
		require.Equal(t, 2, sum.Chains[0].Endpoints)
		require.NotZero(t, sum.Chains[0].Height)
		require.Equal(t, []attest.Address{alpha.addr(relayerAcct)}, sum.Chains[0].Signers)
		require.Equal(t, "sqlite", sum.Store)
		require.Equal(t, "memory", sum.Queue)
	})

	t.Run("a transfer alpha to beta ends finished", func(t *testing.T) {
		cfg := serviceConfig(t, alpha, beta)
		svc, err := relay.Open(t.Context(), cfg, log)
		require.NoError(t, err)
		defer func() { require.NoError(t, svc.Close()) }()
		require.NoError(t, svc.ListenAdmin())
		admin := svc.AdminAddr()
		require.NotEmpty(t, admin)

		relayOneTransfer(t, svc, alpha, beta, func() {
			eventually(t, "/readyz answers 200", func() (bool, error) {
				code, _ := httpGet(t, "http://"+admin+"/readyz")
				return code == http.StatusOK, nil
			})
			code, body := httpGet(t, "http://"+admin+"/metrics")
			require.Equal(t, http.StatusOK, code)
			require.Contains(t, body, "causeway_relay_transitions_total")
		})
	})
}

// httpGet fetches url and returns the status code and body; a transport error
// is code 0.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}
