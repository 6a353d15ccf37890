package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/rpc"
)

// Flags of the identity commands.
const (
	flagInitIdentity   = "identity"
	flagIDKey          = "key"
	flagIDOut          = "out"
	flagIDSigner       = "signer"
	flagIDKeyVersion   = "key-version"
	flagIDGenesis      = "genesis"
	flagIDMember       = "member"
	flagIDRole         = "role"
	flagIDParent       = "parent"
	flagIDIdentityHash = "identity-hash"
	flagIDExpires      = "expires"
	flagIDMethod       = "method"
	flagIDTarget       = "target"
	flagIDNonce        = "nonce"
	flagIDPermissions  = "permissions"
	flagIDNewRole      = "new-role"
	flagIDChain        = "chain"
	flagIDSig          = "sig"
	flagIDKind         = "kind"
	flagIDHolder       = "holder"
	flagIDNewKey       = "new-key"
	flagIDSigningKey   = "signing-key"
	flagIDRule         = "rule"
)

// sigFile is a CA's endorsement or a regulator's signature as the identity
// commands write and read it: one JSON object per file.
type sigFile struct {
	Signer     string `json:"signer"`
	KeyVersion uint32 `json:"key_version"`
	Sig        string `json:"sig"` // 0x-prefixed hex of the 64-byte signature
}

func newIdentityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "identity",
		Short: "CA and regulator tools: Schnorr keys, endorsements and regulatory signatures (offline)",
		Long: "What certification authorities and regulators run on their own machines. Nothing here\n" +
			"talks to a chain: endorsements and signatures are written to stdout as JSON and handed to\n" +
			"whoever submits them (`causeway tx register`, `causeway tx regulate`).",
	}
	key := &cobra.Command{Use: "key", Short: "Create or show a BIP-340 Schnorr key"}
	key.AddCommand(newIdentityKeyNewCmd(), newIdentityKeyShowCmd())
	cmd.AddCommand(key, newIdentityEndorseCmd(), newIdentitySignActionCmd())
	return cmd
}

func newIdentityKeyNewCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "new --out FILE",
		Short: "Generate a Schnorr key, write it to FILE (0600) and print its public key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, _ := cmd.Flags().GetString(flagIDOut)
			k, err := attest.NewSchnorrKey()
			if err != nil {
				return err
			}
			if err := chains.WriteSchnorrKey(out, k); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), attest.SchnorrPublic(k))
			return nil
		},
	}
	cmd.Flags().String(flagIDOut, "", "file to create; an existing one is never replaced")
	_ = cmd.MarkFlagRequired(flagIDOut)
	return cmd
}

func newIdentityKeyShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show --key FILE",
		Short: "Print the public key of a Schnorr key file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := schnorrKeyFlag(cmd, flagIDKey)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), attest.SchnorrPublic(k))
			return nil
		},
	}
	cmd.Flags().String(flagIDKey, "", "Schnorr key file")
	_ = cmd.MarkFlagRequired(flagIDKey)
	return cmd
}

// registrationFlags are the fields a registration binds, shared by
// `identity endorse` and `tx register` so both build the same message.
func addRegistrationFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String(flagIDRole, "", "role: user, exchange, relayer or validator")
	f.String(flagIDParent, chains.TestnetDept, "account tree node the member hangs under")
	f.String(flagIDIdentityHash, "", "hash of the member's identity documents (0x…, 32 bytes)")
	f.String(flagIDExpires, "", "when the endorsements expire, as chain block time: RFC 3339 or unix milliseconds")
	_ = cmd.MarkFlagRequired(flagIDRole)
	_ = cmd.MarkFlagRequired(flagIDIdentityHash)
	_ = cmd.MarkFlagRequired(flagIDExpires)
}

func registrationFromFlags(cmd *cobra.Command, member attest.Address) (attest.Registration, error) {
	f := cmd.Flags()
	reg := attest.Registration{Member: member}
	roleStr, _ := f.GetString(flagIDRole)
	var err error
	if reg.Role, err = attest.ParseRole(roleStr); err != nil {
		return reg, fmt.Errorf("--%s: %w", flagIDRole, err)
	}
	reg.Parent, _ = f.GetString(flagIDParent)
	if !chains.ValidAccountPath(reg.Parent) {
		return reg, fmt.Errorf("--%s %q: want org or org/department of [a-z0-9-]", flagIDParent, reg.Parent)
	}
	if reg.IdentityHash, err = hashFlag(cmd, flagIDIdentityHash); err != nil {
		return reg, err
	}
	reg.ExpiresMs, err = expiresFlag(cmd)
	return reg, err
}

func newIdentityEndorseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "endorse --key FILE --signer CA --genesis HASH --member ADDRESS --role ROLE --identity-hash HASH --expires TIME",
		Short: "Endorse a registration as a CA: prints the endorsement as JSON",
		Long: "Signs the registration (member, role, parent, identity hash, expiry) for the chain with\n" +
			"that genesis hash. The registrant submits K such endorsements with `causeway tx register`\n" +
			"using the same --role, --parent, --identity-hash and --expires.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, genesis, signer, version, err := signingFlags(cmd)
			if err != nil {
				return err
			}
			memberStr, _ := cmd.Flags().GetString(flagIDMember)
			member, err := rpc.ParseAddress(memberStr)
			if err != nil {
				return fmt.Errorf("--%s: %w", flagIDMember, err)
			}
			reg, err := registrationFromFlags(cmd, member)
			if err != nil {
				return err
			}
			return writeSig(cmd.OutOrStdout(), k, reg.Digest(genesis), signer, version)
		},
	}
	addSigningFlags(cmd, "CA id")
	cmd.Flags().String(flagIDMember, "", "the registrant's account address")
	_ = cmd.MarkFlagRequired(flagIDMember)
	addRegistrationFlags(cmd)
	return cmd
}

// addActionFlags are the fields of a regulatory action, shared by
// `identity sign-action` and `tx regulate`.
func addActionFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String(flagIDMethod, "", "blacklist, remove, limit, demote, unfreeze or change_rule")
	f.String(flagIDTarget, "", "the member acted on (blacklist, remove, limit, demote)")
	f.String(flagIDPermissions, "", "limit: what the member keeps, comma-separated of send,transfer,relay,registry")
	f.String(flagIDNewRole, "", "demote: the lower role")
	f.String(flagIDChain, "", "unfreeze: the counterparty whose light client is trusted again")
	f.String(flagIDRule, "", "change_rule: JSON file of the new terms (endorsements, threshold, methods, rotation, roles, accounts), as in genesis")
	f.Uint64(flagIDNonce, 0, "a number no applied action of this chain used")
	f.String(flagIDExpires, "", "until when signatures may gather, as chain block time: RFC 3339 or unix milliseconds")
	_ = cmd.MarkFlagRequired(flagIDMethod)
	_ = cmd.MarkFlagRequired(flagIDNonce)
	_ = cmd.MarkFlagRequired(flagIDExpires)
}

// permissionBits are the names of the registry's permission bits, as
// cw_getMember lists them.
var permissionBits = map[string]uint64{"send": 1, "transfer": 2, "relay": 4, "registry": 8}

func actionFromFlags(cmd *cobra.Command) (attest.RegulatoryAction, error) {
	f := cmd.Flags()
	var a attest.RegulatoryAction
	methodStr, _ := f.GetString(flagIDMethod)
	var err error
	if a.Method, err = attest.ParseMethod(methodStr); err != nil {
		return a, fmt.Errorf("--%s: %w", flagIDMethod, err)
	}
	a.Nonce, _ = f.GetUint64(flagIDNonce)
	if a.ExpiresMs, err = expiresFlag(cmd); err != nil {
		return a, err
	}
	var params any
	switch a.Method {
	case attest.MethodLimit:
		s, _ := f.GetString(flagIDPermissions)
		var bits uint64
		for _, name := range strings.Split(s, ",") {
			bit, ok := permissionBits[strings.TrimSpace(name)]
			if !ok && strings.TrimSpace(name) != "" {
				return a, fmt.Errorf("--%s: %q is none of send, transfer, relay, registry", flagIDPermissions, name)
			}
			bits |= bit
		}
		params = bits
	case attest.MethodDemote:
		s, _ := f.GetString(flagIDNewRole)
		role, err := attest.ParseRole(s)
		if err != nil {
			return a, fmt.Errorf("--%s: %w", flagIDNewRole, err)
		}
		params = role
	case attest.MethodUnfreeze:
		chain, _ := f.GetString(flagIDChain)
		if !chains.ValidChainID(chain) {
			return a, fmt.Errorf("--%s %q: not a chain id", flagIDChain, chain)
		}
		params = chain
	case attest.MethodChangeRule:
		path, _ := f.GetString(flagIDRule)
		raw, err := os.ReadFile(path)
		if err != nil {
			return a, fmt.Errorf("--%s: %w", flagIDRule, err)
		}
		var r chains.IdentityRule
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return a, fmt.Errorf("--%s %s: %w", flagIDRule, path, err)
		}
		params = &registry.Rule{Endorsements: r.Endorsements, Threshold: r.Threshold, Methods: r.Methods,
			Rotation: r.Rotation, Roles: r.Roles, Accounts: r.Accounts}
	}
	if a.Method != attest.MethodUnfreeze && a.Method != attest.MethodChangeRule {
		target, _ := f.GetString(flagIDTarget)
		if a.Target, err = rpc.ParseAddress(target); err != nil {
			return a, fmt.Errorf("--%s: %w", flagIDTarget, err)
		}
	}
	if params != nil {
		if a.Params, err = rlp.EncodeToBytes(params); err != nil {
			return a, err
		}
	}
	return a, nil
}

func newIdentitySignActionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sign-action --key FILE --signer REGULATOR --genesis HASH --method M --nonce N --expires TIME [...]",
		Short: "Sign a regulatory action as a regulator: prints the signature as JSON",
		Long: "Every regulator signs the identical action (method, target, parameters, nonce, expiry) for\n" +
			"the chain with that genesis hash; `causeway tx regulate` submits the signatures, in one\n" +
			"transaction or several, until enough regulators signed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, genesis, signer, version, err := signingFlags(cmd)
			if err != nil {
				return err
			}
			a, err := actionFromFlags(cmd)
			if err != nil {
				return err
			}
			return writeSig(cmd.OutOrStdout(), k, a.Digest(genesis), signer, version)
		},
	}
	addSigningFlags(cmd, "regulator id")
	addActionFlags(cmd)
	return cmd
}

func addSigningFlags(cmd *cobra.Command, signer string) {
	f := cmd.Flags()
	f.String(flagIDKey, "", "Schnorr key file of the signer")
	f.String(flagIDSigner, "", signer)
	f.Uint32(flagIDKeyVersion, 1, "version of the signer's key (1 until it first rotates)")
	f.String(flagIDGenesis, "", "genesis hash of the chain (cw_status genesis_hash)")
	for _, name := range []string{flagIDKey, flagIDSigner, flagIDGenesis} {
		_ = cmd.MarkFlagRequired(name)
	}
}

func signingFlags(cmd *cobra.Command) (*attest.SchnorrPrivateKey, attest.Hash, string, uint32, error) {
	k, err := schnorrKeyFlag(cmd, flagIDKey)
	if err != nil {
		return nil, attest.Hash{}, "", 0, err
	}
	genesis, err := hashFlag(cmd, flagIDGenesis)
	if err != nil {
		return nil, attest.Hash{}, "", 0, err
	}
	signer, _ := cmd.Flags().GetString(flagIDSigner)
	if !chains.ValidHolderID(signer) {
		return nil, attest.Hash{}, "", 0, fmt.Errorf("--%s %q: not a CA or regulator id", flagIDSigner, signer)
	}
	version, _ := cmd.Flags().GetUint32(flagIDKeyVersion)
	return k, genesis, signer, version, nil
}

func writeSig(w io.Writer, k *attest.SchnorrPrivateKey, d attest.Hash, signer string, version uint32) error {
	sig, err := attest.SignSchnorr(k, d)
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(sigFile{Signer: signer, KeyVersion: version, Sig: "0x" + hex.EncodeToString(sig[:])})
}

// readSigs reads the JSON signature files named by flag.
func readSigs(cmd *cobra.Command, flag string) ([]attest.GroupSig, error) {
	files, _ := cmd.Flags().GetStringArray(flag)
	out := make([]attest.GroupSig, 0, len(files))
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		var s sigFile
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("--%s %s: %w", flag, path, err)
		}
		b, err := hexutil.Decode(s.Sig)
		if err != nil || len(b) != attest.SchnorrSigLength {
			return nil, fmt.Errorf("--%s %s: sig is not 64 bytes of hex", flag, path)
		}
		g := attest.GroupSig{Signer: s.Signer, KeyVersion: s.KeyVersion}
		copy(g.Sig[:], b)
		out = append(out, g)
	}
	return out, nil
}

func schnorrKeyFlag(cmd *cobra.Command, flag string) (*attest.SchnorrPrivateKey, error) {
	path, _ := cmd.Flags().GetString(flag)
	k, err := chains.ReadSchnorrKey(path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	return k, nil
}

func hashFlag(cmd *cobra.Command, flag string) (attest.Hash, error) {
	s, _ := cmd.Flags().GetString(flag)
	b, err := hexutil.Decode(s)
	if err != nil || len(b) != len(attest.Hash{}) {
		return attest.Hash{}, fmt.Errorf("--%s %q: want 32 bytes as 0x-prefixed hex", flag, s)
	}
	return attest.Hash(b), nil
}

// expiresFlag reads --expires: RFC 3339, or unix milliseconds.
func expiresFlag(cmd *cobra.Command) (uint64, error) {
	s, _ := cmd.Flags().GetString(flagIDExpires)
	if ms, err := strconv.ParseUint(s, 10, 64); err == nil {
		return ms, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.UnixMilli() <= 0 {
		return 0, fmt.Errorf("--%s %q: want RFC 3339 (2026-12-31T00:00:00Z) or unix milliseconds", flagIDExpires, s)
	}
	return uint64(t.UnixMilli()), nil
}
