//go:build integration

package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/gateway"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// buildCauseway builds the binary the scripts run into a directory that
// becomes the front of PATH.
func buildCauseway(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "causeway"), "../cmd/causeway").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return dir
}

// The compose init job, run on this machine: two linked testnets whose
// validator configs load and peer by container name, relay and gateway
// configs that load with the real genesis hashes and keystores that
// decrypt, and a first API key the store knows; a second run does nothing.
func TestComposeInitScript(t *testing.T) {
	t.Parallel()
	bin := buildCauseway(t)
	data := t.TempDir()
	storeURL := "sqlite:" + filepath.Join(t.TempDir(), "gateway.db")
	run := func() string {
		cmd := exec.Command("sh", filepath.Join(composeDir, "init.sh"))
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
			"CAUSEWAY_COMPOSE_DATA="+data, "CAUSEWAY_COMPOSE_TEMPLATES="+composeDir, "CAUSEWAY_GATEWAY_STORE="+storeURL)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "init.sh: %s", out)
		return string(out)
	}
	out := run()
	require.Contains(t, out, "init: alpha genesis 0x")

	genesis := map[string]*chains.Genesis{}
	for _, chain := range []string{"alpha", "beta"} {
		g, err := chains.LoadGenesis(filepath.Join(data, chain, "genesis.json"))
		require.NoError(t, err)
		require.Len(t, g.Counterparties, 1, "%s is linked", chain)
		genesis[chain] = g
		for i := range 4 {
			home := filepath.Join(data, chain, "v"+itoa(i))
			cfg, err := node.ReadConfig(home, noEnv)
			require.NoError(t, err)
			require.NoError(t, cfg.Validate())
			require.Len(t, cfg.P2P.Peers, 3)
			for _, p := range cfg.P2P.Peers {
				_, hp, err := node.ParsePeer(p)
				require.NoError(t, err)
				require.Regexp(t, `^`+chain+`-[0-3]:26656$`, hp)
				require.NotEqual(t, chain+"-"+itoa(i)+":26656", hp, "no validator peers with itself")
			}
			vg, err := chains.LoadGenesis(cfg.Path(cfg.Genesis))
			require.NoError(t, err)
			require.Len(t, vg.Counterparties, 1, "the validator's copy is linked too")
		}
	}

	r, err := relay.ReadConfig(filepath.Join(data, "relay", "relay.toml"), noEnv)
	require.NoError(t, err)
	require.NoError(t, r.Validate())
	for _, c := range r.Chains {
		require.Equal(t, genesis[c.ID].Hash().Hex(), c.GenesisHash)
		for _, s := range c.Signers {
			pw, err := chains.ReadPassword(r.Path(s.PasswordFile))
			require.NoError(t, err)
			_, err = chains.LoadKey(r.Path(s.Keystore), pw)
			require.NoError(t, err)
		}
	}
	g, err := gateway.ReadConfig(filepath.Join(data, "gateway", "gateway.toml"), noEnv)
	require.NoError(t, err)
	require.NoError(t, g.Validate())
	for _, c := range g.Chains {
		require.Equal(t, genesis[c.ID].Hash().Hex(), c.GenesisHash)
	}
	for _, s := range g.Signers {
		pw, err := chains.ReadPassword(g.Path(s.PasswordFile))
		require.NoError(t, err)
		_, err = chains.LoadKey(g.Path(s.Keystore), pw)
		require.NoError(t, err)
	}

	key, err := os.ReadFile(filepath.Join(data, "gateway", "api-key"))
	require.NoError(t, err)
	id, secret, err := api.ParseAPIKey(string(key))
	require.NoError(t, err)
	store, err := backend.OpenStore(t.Context(), storeURL, backend.StoreOptions{})
	require.NoError(t, err)
	defer store.Close()
	k, err := store.GetAPIKey(t.Context(), id)
	require.NoError(t, err)
	require.Equal(t, "exchange", k.ClientID)
	require.True(t, api.SecretMatches(secret, k.Hash))

	require.Contains(t, run(), "already initialised")
	again, err := chains.LoadGenesis(filepath.Join(data, "alpha", "genesis.json"))
	require.NoError(t, err)
	require.Equal(t, genesis["alpha"].Hash(), again.Hash(), "a second run changes nothing")
}

// generate.sh writes an overlay whose node configs, relay and gateway
// configs load; with kubectl at hand, the overlay builds and every
// reference to a generated object resolves.
func TestKubernetesGenerateScript(t *testing.T) {
	t.Parallel()
	bin := buildCauseway(t)
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(k8sDir, "generate.sh"), out)
	cmd.Env = append(os.Environ(), "CAUSEWAY="+filepath.Join(bin, "causeway"))
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "generate.sh: %s", b)

	for _, chain := range []string{"alpha", "beta"} {
		for i := range 4 {
			cfg := loadNode(t, filepath.Join(out, chain+"-testnet", "config-"+itoa(i)+".toml"))
			require.Len(t, cfg.P2P.Peers, 3)
			require.NotContains(t, strings.Join(cfg.P2P.Peers, ","), "@"+chain+"-"+itoa(i)+"."+chain+":")
		}
	}
	r, err := relay.ReadConfig(filepath.Join(out, "relay-config", "relay.toml"), noEnv)
	require.NoError(t, err)
	require.NoError(t, r.Validate())
	for _, c := range r.Chains {
		for _, s := range c.Signers {
			pw, err := chains.ReadPassword(r.Path(s.PasswordFile))
			require.NoError(t, err)
			_, err = chains.LoadKey(r.Path(s.Keystore), pw)
			require.NoError(t, err, "the relay's keystore %s decrypts", s.Keystore)
		}
	}
	g, err := gateway.ReadConfig(filepath.Join(out, "gateway-config", "gateway.toml"), noEnv)
	require.NoError(t, err)
	require.NoError(t, g.Validate())
	for _, s := range g.Signers {
		_, err := os.Stat(g.Path(s.Keystore))
		require.NoError(t, err)
	}

	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl not found: the overlay is not built")
		return
	}
	built, err := exec.Command(kubectl, "kustomize", out).CombinedOutput()
	require.NoError(t, err, "kubectl kustomize: %s", built)
	for _, name := range []string{"alpha-testnet", "alpha-validator-keys", "relay-config", "gateway-config", "causeway-store"} {
		require.Contains(t, string(built), "name: "+name+"-", "generated %s is referenced with its hash suffix", name)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
