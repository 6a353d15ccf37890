package chains

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func seed(v int64) *int64 { return &v }

func memTestnet(t *testing.T, opts TestnetOptions) *Testnet {
	t.Helper()
	tn, err := GenerateTestnetInMemory(opts)
	require.NoError(t, err)
	return tn
}

func TestGenerateTestnetInMemory(t *testing.T) {
	t.Parallel()
	tn := memTestnet(t, TestnetOptions{ChainID: "alpha", Validators: 4, DemoAccounts: 2, Seed: seed(7)})

	require.NoError(t, tn.Genesis.Validate())
	require.Equal(t, tn.Genesis.Hash(), tn.GenesisHash)
	require.Len(t, tn.Validators, 4)
	require.Len(t, tn.Genesis.Validators, 4)
	require.Len(t, tn.Accounts, 2)
	require.NotEmpty(t, tn.Password)
	require.Empty(t, tn.Home)

	for i, v := range tn.Validators {
		require.Equal(t, attest.AddressOf(v.Key), v.Address)
		require.Equal(t, v.Address, tn.Genesis.Validators[i].Address)
		require.Equal(t, "127.0.0.1:"+strconv.Itoa(DefaultTestnetBasePort+i), v.P2PAddr)
		require.Equal(t, "127.0.0.1:"+strconv.Itoa(DefaultTestnetBasePort+RPCPortOffset+i), v.RPCAddr)
		peers := tn.Peers(i)
		require.Len(t, peers, 3)
		require.NotContains(t, peers, v.Peer())
	}
	for _, a := range tn.Genesis.Accounts {
		require.Len(t, a.Balances, len(DemoDenoms))
		require.Equal(t, DefaultDemoBalance, a.Balances[0].Amount)
	}
}

func TestGenerateTestnetSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	opts := TestnetOptions{ChainID: "alpha", Validators: 3, DemoAccounts: 1, Seed: seed(42), GenesisTimeMs: 1}
	a, b := memTestnet(t, opts), memTestnet(t, opts)
	require.Equal(t, a.GenesisHash, b.GenesisHash)
	require.Equal(t, a.Validators[2].Address, b.Validators[2].Address)

	opts.ChainID = "beta"
	c := memTestnet(t, opts)
	require.NotEqual(t, a.Validators[0].Address, c.Validators[0].Address, "same seed, other chain: other keys")

	opts.ChainID, opts.Seed = "alpha", nil
	d := memTestnet(t, opts)
	require.NotEqual(t, a.Validators[0].Address, d.Validators[0].Address)
}

func TestGenerateTestnetOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    TestnetOptions
		wantErr bool
	}{
		{name: "minimal", opts: TestnetOptions{ChainID: "a", Validators: 1}},
		{name: "custom ports", opts: TestnetOptions{ChainID: "a", Validators: 4, P2PBasePort: 40000, RPCBasePort: 41000}},
		{name: "bad chain id", opts: TestnetOptions{ChainID: "Alpha", Validators: 4}, wantErr: true},
		{name: "no validators", opts: TestnetOptions{ChainID: "a"}, wantErr: true},
		{name: "too many validators", opts: TestnetOptions{ChainID: "a", Validators: MaxTestnetValidators + 1}, wantErr: true},
		{name: "negative accounts", opts: TestnetOptions{ChainID: "a", Validators: 1, DemoAccounts: -1}, wantErr: true},
		{name: "port overflow", opts: TestnetOptions{ChainID: "a", Validators: 4, BasePort: 65500}, wantErr: true},
		{name: "overlapping ranges", opts: TestnetOptions{ChainID: "a", Validators: 4, P2PBasePort: 30000, RPCBasePort: 30002}, wantErr: true},
		{name: "bad balance", opts: TestnetOptions{ChainID: "a", Validators: 1, DemoBalance: "1.5"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := GenerateTestnetInMemory(tc.opts)
			if tc.wantErr {
				require.ErrorIs(t, err, ErrInvalidTestnetOptions)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestGenerateTestnetFiles(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	opts := TestnetOptions{ChainID: "alpha", Validators: 2, DemoAccounts: 1, Home: home, LightKDF: true}
	tn, err := GenerateTestnet(opts)
	require.NoError(t, err)
	require.Equal(t, home, tn.Home)

	g, err := LoadGenesis(filepath.Join(home, "genesis.json"))
	require.NoError(t, err)
	require.Equal(t, tn.GenesisHash, g.Hash())

	for i, v := range tn.Validators {
		require.Equal(t, filepath.Join(home, v.Name), v.Home)
		vg, err := LoadGenesis(filepath.Join(v.Home, "config", "genesis.json"))
		require.NoError(t, err)
		require.Equal(t, tn.GenesisHash, vg.Hash())

		pw, err := ReadPassword(filepath.Join(v.Home, "keys", "password.txt"))
		require.NoError(t, err)
		key, err := LoadKey(filepath.Join(v.Home, "keys", "validator.json"), pw)
		require.NoError(t, err)
		require.Equal(t, v.Address, attest.AddressOf(key))
		requireMode(t, filepath.Join(v.Home, "keys", "validator.json"), keyFileMode)
		requireMode(t, filepath.Join(v.Home, "keys", "password.txt"), keyFileMode)

		var cfg struct {
			Genesis string `toml:"genesis"`
			P2P     struct {
				ListenAddr string   `toml:"listen_addr"`
				Peers      []string `toml:"peers"`
			} `toml:"p2p"`
			RPC struct {
				ListenAddr string `toml:"listen_addr"`
			} `toml:"rpc"`
		}
		_, err = toml.DecodeFile(filepath.Join(v.Home, "config", "config.toml"), &cfg)
		require.NoError(t, err)
		require.Equal(t, v.P2PAddr, cfg.P2P.ListenAddr)
		require.Equal(t, tn.Peers(i), cfg.P2P.Peers)
		require.Equal(t, v.RPCAddr, cfg.RPC.ListenAddr)
	}

	pw, err := ReadPassword(filepath.Join(home, "accounts", "password.txt"))
	require.NoError(t, err)
	key, err := LoadKey(tn.Accounts[0].KeyFile, pw)
	require.NoError(t, err)
	require.Equal(t, tn.Accounts[0].Address, attest.AddressOf(key))
}

func TestGenerateTestnetRefusesOverwrite(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	keep := filepath.Join(home, "notes.txt")
	require.NoError(t, os.WriteFile(keep, []byte("mine"), 0o644))
	opts := TestnetOptions{ChainID: "alpha", Validators: 3, Home: home, LightKDF: true}
	first, err := GenerateTestnet(opts)
	require.NoError(t, err)

	_, err = GenerateTestnet(opts)
	require.ErrorIs(t, err, ErrTestnetExists)

	opts.Force, opts.Validators = true, 1
	second, err := GenerateTestnet(opts)
	require.NoError(t, err)
	require.NotEqual(t, first.Validators[0].Address, second.Validators[0].Address)
	require.NoDirExists(t, filepath.Join(home, "v2"), "stale validator homes are removed")
	require.FileExists(t, keep, "files that are not the testnet's are kept")
}

func TestLinkCounterparties(t *testing.T) {
	t.Parallel()
	a := memTestnet(t, TestnetOptions{ChainID: "alpha", Validators: 4, Seed: seed(1)}).Genesis
	b := memTestnet(t, TestnetOptions{ChainID: "beta", Validators: 4, Seed: seed(1)}).Genesis
	baseA, baseB := a.Hash(), b.Hash()

	require.NoError(t, LinkCounterparties(a, b))
	require.Equal(t, baseA, a.Hash(), "linking leaves the genesis hash alone")
	require.Len(t, a.Counterparties, 1)
	require.Equal(t, "beta", a.Counterparties[0].ChainID)
	require.Equal(t, baseB, a.Counterparties[0].GenesisHash)
	require.Equal(t, b.Validators, a.Counterparties[0].Validators)
	require.Equal(t, baseA, b.Counterparties[0].GenesisHash)

	linked := *a
	linked.Counterparties = append([]Counterparty(nil), a.Counterparties...)
	require.NoError(t, LinkCounterparties(a, b))
	require.Equal(t, linked.Counterparties, a.Counterparties, "linking twice changes nothing")

	c := memTestnet(t, TestnetOptions{ChainID: "gamma", Validators: 1}).Genesis
	require.NoError(t, LinkCounterparties(c, a))
	require.Equal(t, []string{"beta", "gamma"}, []string{a.Counterparties[0].ChainID, a.Counterparties[1].ChainID})

	require.Error(t, LinkCounterparties(a, a))
}

func requireMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, want, st.Mode().Perm(), path)
}
