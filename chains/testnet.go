package chains

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/causeway/causeway/attest"
)

// Testnet defaults and limits.
const (
	// DefaultTestnetHost is the host every generated validator listens on.
	DefaultTestnetHost = "127.0.0.1"
	// DefaultTestnetBasePort is validator 0's p2p port; validator i uses
	// BasePort+i for p2p and BasePort+RPCPortOffset+i for JSON-RPC.
	DefaultTestnetBasePort = 26656
	// RPCPortOffset separates the RPC port range from the p2p range.
	RPCPortOffset = 100
	// MaxTestnetValidators keeps the p2p range below the RPC range.
	MaxTestnetValidators = RPCPortOffset
	// MaxTestnetAccounts bounds the demo accounts one testnet funds.
	MaxTestnetAccounts = 10_000
	// DefaultDemoBalance is what each demo account holds of each demo denom.
	DefaultDemoBalance = "1000000000000"
	// TestnetValidatorPower is every generated validator's voting power.
	TestnetValidatorPower = 1

	// testnetPasswordBytes is the entropy of a generated keystore password.
	testnetPasswordBytes = 16
	// testnetKeyTag domain-separates deterministic testnet keys.
	testnetKeyTag = "causeway/testnet-key/v1"
	maxPort       = 65535
	// maxKeyDerivationTries bounds the retries of a deterministic key derivation.
	maxKeyDerivationTries = 16
)

// DemoDenoms are the denominations every demo account is funded in.
var DemoDenoms = []string{"USD", "EUR"}

var (
	// ErrTestnetExists is returned when the target directory already holds a
	// testnet and TestnetOptions.Force is not set.
	ErrTestnetExists = errors.New("testnet already exists (use --force to replace it)")
	// ErrInvalidTestnetOptions wraps every option validation failure.
	ErrInvalidTestnetOptions = errors.New("invalid testnet options")
)

// TestnetOptions describe a local testnet. Zero values take the defaults
// noted on each field.
type TestnetOptions struct {
	ChainID       string // required
	Validators    int    // required, 1..MaxTestnetValidators
	Home          string // output directory (GenerateTestnet only)
	Host          string // default DefaultTestnetHost
	BasePort      int    // default DefaultTestnetBasePort
	P2PBasePort   int    // validator 0's p2p port; default BasePort
	RPCBasePort   int    // validator 0's RPC port; default BasePort+RPCPortOffset
	DemoAccounts  int    // funded accounts besides the validators
	DemoBalance   string // per demo denom; default DefaultDemoBalance
	Password      string // keystore password; default a random one
	LightKDF      bool   // light scrypt parameters (fast; for devnets)
	Seed          *int64 // deterministic keys when set
	GenesisTimeMs uint64 // default now
	Params        Params // zero value means DefaultParams()
	Force         bool   // replace an existing testnet in Home
	// Identity gives the chain an identity rule (see testnetRule) and writes
	// the CA and regulator keys to identity/<id>.key.
	Identity bool
}

// Testnet is a generated testnet: its genesis, validators and demo accounts
// with their private keys.
type Testnet struct {
	Genesis *Genesis
	// GenesisHash is Genesis.Hash(); LinkCounterparties does not change it.
	GenesisHash attest.Hash
	Validators  []TestnetValidator
	Accounts    []TestnetAccount
	Password    string // protects every keystore file written
	Home        string // empty for an in-memory testnet
	// IdentityKeys are the CA and regulator keys of a testnet with an
	// identity rule.
	IdentityKeys []IdentityKey
}

// TestnetValidator is one generated validator.
type TestnetValidator struct {
	Name    string // "v0", "v1", …
	Address attest.Address
	Key     *ecdsa.PrivateKey
	P2PAddr string // host:port
	RPCAddr string // host:port
	Home    string // the node's home directory; empty in memory
}

// TestnetAccount is one funded demo account.
type TestnetAccount struct {
	Name    string // "demo0", "demo1", …
	Address attest.Address
	Key     *ecdsa.PrivateKey
	KeyFile string // empty in memory
}

// Peer is the validator's p2p address in config form: 0xADDRESS@host:port.
func (v TestnetValidator) Peer() string {
	return v.Address.Hex() + "@" + v.P2PAddr
}

// Peers returns every validator's peer string except validator i's own.
func (t *Testnet) Peers(i int) []string {
	out := make([]string, 0, len(t.Validators))
	for j, v := range t.Validators {
		if j != i {
			out = append(out, v.Peer())
		}
	}
	return out
}

// GenerateTestnetInMemory builds a testnet without touching the disk.
func GenerateTestnetInMemory(opts TestnetOptions) (*Testnet, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	keys := newKeySource(opts.ChainID, opts.Seed)
	tn := &Testnet{Password: opts.Password}
	g := &Genesis{ChainID: opts.ChainID, GenesisTimeMs: opts.GenesisTimeMs, Params: opts.Params}
	for i := range opts.Validators {
		key, err := keys.next("validator", i)
		if err != nil {
			return nil, err
		}
		v := TestnetValidator{
			Name:    "v" + strconv.Itoa(i),
			Address: attest.AddressOf(key),
			Key:     key,
			P2PAddr: net.JoinHostPort(opts.Host, strconv.Itoa(opts.P2PBasePort+i)),
			RPCAddr: net.JoinHostPort(opts.Host, strconv.Itoa(opts.RPCBasePort+i)),
		}
		tn.Validators = append(tn.Validators, v)
		g.Validators = append(g.Validators, GenesisValidator{Name: v.Name, Address: v.Address, Power: TestnetValidatorPower})
	}
	for i := range opts.DemoAccounts {
		key, err := keys.next("account", i)
		if err != nil {
			return nil, err
		}
		a := TestnetAccount{Name: "demo" + strconv.Itoa(i), Address: attest.AddressOf(key), Key: key}
		tn.Accounts = append(tn.Accounts, a)
		g.Accounts = append(g.Accounts, GenesisAccount{Address: a.Address, Balances: demoBalances(opts.DemoBalance)})
	}
	if opts.Identity {
		if g.Identity, tn.IdentityKeys, err = testnetRule(keys, g.Validators); err != nil {
			return nil, err
		}
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("generate testnet %s: %w", opts.ChainID, err)
	}
	tn.Genesis = g
	tn.GenesisHash = g.Hash()
	return tn, nil
}

// GenerateTestnet builds a testnet and writes it under opts.Home:
//
//	genesis.json                  the chain's genesis
//	v<i>/config/config.toml       node config: p2p listen, peers, rpc listen
//	v<i>/config/genesis.json      a copy of the genesis
//	v<i>/keys/validator.json      the validator's keystore (0600)
//	v<i>/keys/password.txt        its password (0600)
//	accounts/demo<i>.json         demo account keystores (0600)
//	accounts/password.txt         their password (0600)
//
// An existing testnet in opts.Home yields ErrTestnetExists unless opts.Force
// is set, in which case the files and directories above are removed first;
// nothing else in opts.Home is touched.
func GenerateTestnet(opts TestnetOptions) (*Testnet, error) {
	if opts.Home == "" {
		return nil, fmt.Errorf("%w: home directory is empty", ErrInvalidTestnetOptions)
	}
	tn, err := GenerateTestnetInMemory(opts)
	if err != nil {
		return nil, err
	}
	if err := prepareTestnetHome(opts.Home, opts.Force); err != nil {
		return nil, err
	}
	tn.Home = opts.Home
	if err := tn.write(opts.LightKDF); err != nil {
		return nil, fmt.Errorf("write testnet %s to %s: %w", tn.Genesis.ChainID, opts.Home, err)
	}
	return tn, nil
}

// LinkCounterparties records each chain as the other's counterparty: chain id,
// genesis hash and initial validator set. An existing entry for the same chain is
// replaced, so linking twice is harmless; entries stay sorted by chain id.
func LinkCounterparties(a, b *Genesis) error {
	if a.ChainID == b.ChainID {
		return fmt.Errorf("link counterparties: both chains are %q", a.ChainID)
	}
	ca, cb := counterpartyOf(b), counterpartyOf(a)
	setCounterparty(a, ca)
	setCounterparty(b, cb)
	if err := a.Validate(); err != nil {
		return fmt.Errorf("link counterparties %s: %w", a.ChainID, err)
	}
	if err := b.Validate(); err != nil {
		return fmt.Errorf("link counterparties %s: %w", b.ChainID, err)
	}
	return nil
}

func counterpartyOf(g *Genesis) Counterparty {
	vals := make([]GenesisValidator, len(g.Validators))
	copy(vals, g.Validators)
	return Counterparty{ChainID: g.ChainID, GenesisHash: g.Hash(), Validators: vals}
}

func setCounterparty(g *Genesis, c Counterparty) {
	kept := g.Counterparties[:0:0]
	for _, old := range g.Counterparties {
		if old.ChainID != c.ChainID {
			kept = append(kept, old)
		}
	}
	kept = append(kept, c)
	sort.Slice(kept, func(i, j int) bool { return kept[i].ChainID < kept[j].ChainID })
	g.Counterparties = kept
}

func (o TestnetOptions) withDefaults() (TestnetOptions, error) {
	if o.Host == "" {
		o.Host = DefaultTestnetHost
	}
	if o.BasePort == 0 {
		o.BasePort = DefaultTestnetBasePort
	}
	if o.P2PBasePort == 0 {
		o.P2PBasePort = o.BasePort
	}
	if o.RPCBasePort == 0 {
		o.RPCBasePort = o.BasePort + RPCPortOffset
	}
	if o.DemoBalance == "" {
		o.DemoBalance = DefaultDemoBalance
	}
	if o.Params == (Params{}) {
		o.Params = DefaultParams()
	}
	if o.GenesisTimeMs == 0 {
		o.GenesisTimeMs = uint64(time.Now().UnixMilli())
	}
	if o.Password == "" {
		pw, err := randomPassword()
		if err != nil {
			return o, err
		}
		o.Password = pw
	}
	return o, o.validate()
}

func (o TestnetOptions) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidTestnetOptions, fmt.Sprintf(format, args...))
	}
	switch {
	case !ValidChainID(o.ChainID):
		return bad("chain id %q must match [a-z0-9-]{1,32}", o.ChainID)
	case o.Validators < 1 || o.Validators > MaxTestnetValidators:
		return bad("validators %d must be in 1..%d", o.Validators, MaxTestnetValidators)
	case o.DemoAccounts < 0 || o.DemoAccounts > MaxTestnetAccounts:
		return bad("demo accounts %d must be in 0..%d", o.DemoAccounts, MaxTestnetAccounts)
	case !portRangeOK(o.P2PBasePort, o.Validators):
		return bad("p2p ports %d..%d out of range", o.P2PBasePort, o.P2PBasePort+o.Validators-1)
	case !portRangeOK(o.RPCBasePort, o.Validators):
		return bad("rpc ports %d..%d out of range", o.RPCBasePort, o.RPCBasePort+o.Validators-1)
	case rangesOverlap(o.P2PBasePort, o.RPCBasePort, o.Validators):
		return bad("p2p ports from %d and rpc ports from %d overlap", o.P2PBasePort, o.RPCBasePort)
	}
	if _, err := ParseAmount(o.DemoBalance); err != nil {
		return bad("demo balance: %v", err)
	}
	return nil
}

func portRangeOK(base, n int) bool { return base >= 1 && base+n-1 <= maxPort }

func rangesOverlap(a, b, n int) bool { return a < b+n && b < a+n }

func demoBalances(amount string) []Coin {
	out := make([]Coin, len(DemoDenoms))
	for i, d := range DemoDenoms {
		out[i] = Coin{Denom: d, Amount: amount}
	}
	return out
}

func randomPassword() (string, error) {
	b := make([]byte, testnetPasswordBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// keySource hands out testnet keys: random ones, or, with a seed, keys derived
// from (chain id, seed, role, index) so that the same options give the same
// validators and accounts.
type keySource struct {
	chainID string
	seed    *int64
}

func newKeySource(chainID string, seed *int64) keySource {
	return keySource{chainID: chainID, seed: seed}
}

func (s keySource) next(role string, index int) (*ecdsa.PrivateKey, error) {
	if s.seed == nil {
		key, err := crypto.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("generate %s key %d: %w", role, index, err)
		}
		return key, nil
	}
	// '|' cannot occur in a chain id or role, so the preimage is unambiguous.
	// A derived scalar is out of range with probability ~2^-128; the counter
	// makes the derivation total anyway.
	for counter := 0; counter < maxKeyDerivationTries; counter++ {
		pre := fmt.Sprintf("%s|%s|%d|%s|%d|%d", testnetKeyTag, s.chainID, *s.seed, role, index, counter)
		h := attest.Keccak([]byte(pre))
		if key, err := crypto.ToECDSA(h[:]); err == nil {
			return key, nil
		}
	}
	return nil, fmt.Errorf("derive %s key %d: no valid scalar", role, index)
}

// Testnet layout, relative to the testnet home or to a validator's home. The
// node paths match node.DefaultConfig, so a generated node home needs no
// path settings.
const (
	testnetGenesisFile   = "genesis.json"
	testnetAccountsDir   = "accounts"
	nodeConfigFile       = "config/config.toml"
	nodeGenesisFile      = "config/genesis.json"
	nodeKeyFile          = "keys/validator.json"
	nodePasswordFile     = "keys/password.txt"
	accountsPasswordFile = "password.txt"
	publicDirMode        = 0o755
	publicFileMode       = 0o644
)

var validatorDirRe = regexp.MustCompile(`^v[0-9]+$`)

// prepareTestnetHome refuses (or, with force, clears) an existing testnet.
func prepareTestnetHome(home string, force bool) error {
	entries, err := os.ReadDir(home)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(home, publicDirMode)
	}
	if err != nil {
		return fmt.Errorf("inspect testnet home: %w", err)
	}
	var ours []string
	for _, e := range entries {
		n := e.Name()
		if n == testnetGenesisFile || n == testnetAccountsDir || n == testnetIdentityDir || (e.IsDir() && validatorDirRe.MatchString(n)) {
			ours = append(ours, filepath.Join(home, n))
		}
	}
	if len(ours) == 0 {
		return nil
	}
	if !force {
		return fmt.Errorf("generate testnet in %s: %w", home, ErrTestnetExists)
	}
	for _, p := range ours {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("replace testnet: %w", err)
		}
	}
	return nil
}

func (t *Testnet) write(light bool) error {
	if err := t.Genesis.Save(filepath.Join(t.Home, testnetGenesisFile)); err != nil {
		return fmt.Errorf("save genesis: %w", err)
	}
	for i := range t.Validators {
		if err := t.writeValidator(i, light); err != nil {
			return err
		}
	}
	if err := t.writeIdentityKeys(); err != nil {
		return err
	}
	if len(t.Accounts) == 0 {
		return nil
	}
	dir := filepath.Join(t.Home, testnetAccountsDir)
	if err := WritePassword(filepath.Join(dir, accountsPasswordFile), t.Password); err != nil {
		return err
	}
	for i := range t.Accounts {
		a := &t.Accounts[i]
		a.KeyFile = filepath.Join(dir, a.Name+".json")
		if err := SaveKey(a.KeyFile, a.Key, t.Password, light); err != nil {
			return err
		}
	}
	return nil
}

func (t *Testnet) writeValidator(i int, light bool) error {
	v := &t.Validators[i]
	v.Home = filepath.Join(t.Home, v.Name)
	if err := os.MkdirAll(filepath.Join(v.Home, filepath.Dir(nodeConfigFile)), publicDirMode); err != nil {
		return err
	}
	if err := t.Genesis.Save(filepath.Join(v.Home, nodeGenesisFile)); err != nil {
		return fmt.Errorf("save genesis for %s: %w", v.Name, err)
	}
	cfg := nodeConfigTOML(t.Genesis.ChainID, *v, t.Peers(i))
	if err := os.WriteFile(filepath.Join(v.Home, nodeConfigFile), []byte(cfg), publicFileMode); err != nil {
		return fmt.Errorf("write config for %s: %w", v.Name, err)
	}
	if err := WritePassword(filepath.Join(v.Home, nodePasswordFile), t.Password); err != nil {
		return err
	}
	return SaveKey(filepath.Join(v.Home, nodeKeyFile), v.Key, t.Password, light)
}

// nodeConfigTOML renders the settings that differ per validator; every other
// key keeps node.DefaultConfig's value. Strings are written as JSON strings,
// which are valid TOML basic strings.
func nodeConfigTOML(chainID string, v TestnetValidator, peers []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Node configuration of validator %s of testnet %q, written by `causeway init`.\n", v.Name, chainID)
	b.WriteString("# Keys not set here take their defaults; `causeway config show --home <this dir>` prints them all.\n\n")
	fmt.Fprintf(&b, "genesis = %s\nkey = %s\npassword_file = %s\n\n", tomlString(nodeGenesisFile), tomlString(nodeKeyFile), tomlString(nodePasswordFile))
	fmt.Fprintf(&b, "[p2p]\nlisten_addr = %s\npeers = [\n", tomlString(v.P2PAddr))
	for _, p := range peers {
		fmt.Fprintf(&b, "  %s,\n", tomlString(p))
	}
	fmt.Fprintf(&b, "]\n\n[rpc]\nlisten_addr = %s\n", tomlString(v.RPCAddr))
	return b.String()
}

func tomlString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic("chains: marshal string: " + err.Error())
	}
	return string(b)
}
