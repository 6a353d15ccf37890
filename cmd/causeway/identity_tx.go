package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/rpc"
)

const flagIDEndorsement = "endorsement"

func addTxFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String(flagTxRPC, defaultTxRPC, "JSON-RPC endpoint of a node of the chain")
	f.String(flagTxKey, "", "sender keystore file (go-ethereum JSON)")
	f.String(flagPasswordFile, "", "file holding the keystore password (else $"+envKeyPassword+" or a prompt)")
	f.Bool(flagTxNoWait, false, "print the transaction hash without waiting for the receipt")
	f.Duration(flagTxTimeout, txWaitTimeout, "how long to wait for the receipt")
	_ = cmd.MarkFlagRequired(flagTxKey)
}

// sendRegistryTx signs a registry transaction with --key, submits it to
// --rpc and waits for its receipt; it returns the receipt, nil with
// --no-wait.
func sendRegistryTx(cmd *cobra.Command, method string, payload []byte) (*chains.Receipt, error) {
	c, key, err := dialSigner(cmd)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	raw, err := signTx(cmd.Context(), c, key, registry.ModuleName+"."+method, payload)
	if err != nil {
		return nil, err
	}
	noWait, _ := cmd.Flags().GetBool(flagTxNoWait)
	wait, _ := cmd.Flags().GetDuration(flagTxTimeout)
	return submitAndWait(cmd, c, raw, noWait, wait)
}

func newTxRegisterCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register --key FILE --role ROLE --identity-hash HASH --expires TIME --endorsement FILE ...",
		Short: "Register the --key account as a member, with K CA endorsements",
		Long: "Submits registry.register for the sender with the endorsements CAs wrote with\n" +
			"`causeway identity endorse` (one --endorsement FILE each). --role, --parent,\n" +
			"--identity-hash and --expires must be exactly what the CAs endorsed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ends, err := readSigs(cmd, flagIDEndorsement)
			if err != nil {
				return err
			}
			password, err := keyPassword(cmd, false)
			if err != nil {
				return err
			}
			keyFile, _ := cmd.Flags().GetString(flagTxKey)
			key, err := chains.LoadKey(keyFile, password)
			if err != nil {
				return fmt.Errorf("--%s: %w", flagTxKey, err)
			}
			reg, err := registrationFromFlags(cmd, attest.AddressOf(key))
			if err != nil {
				return err
			}
			payload := (&attest.Endorsed{Registration: reg, Endorsements: ends}).Encode()
			r, err := sendRegistryTx(cmd, registry.MethodRegister, payload)
			if err != nil || r == nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "registered in block %d: %s as %s under %s\n", r.Height, reg.Member.Hex(), reg.Role,
				reg.Parent)
			return nil
		},
	}
	addTxFlags(cmd)
	addRegistrationFlags(cmd)
	cmd.Flags().StringArray(flagIDEndorsement, nil, "endorsement file from `causeway identity endorse` (repeat)")
	return cmd
}

func newTxRegulateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "regulate --key FILE --method M --nonce N --expires TIME --sig FILE ... [--target ADDRESS ...]",
		Short: "Submit regulators' signatures on an action; it applies once enough regulators signed",
		Long: "Submits registry.regulate with the signatures regulators wrote with `causeway identity\n" +
			"sign-action` (one --sig FILE each). The action flags must be exactly what they signed.\n" +
			"Signatures gather on chain across submissions until the rule's threshold; the sender\n" +
			"must be a member.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sigs, err := readSigs(cmd, flagIDSig)
			if err != nil {
				return err
			}
			a, err := actionFromFlags(cmd)
			if err != nil {
				return err
			}
			payload := (&attest.SignedAction{Action: a, Signatures: sigs}).Encode()
			r, err := sendRegistryTx(cmd, registry.MethodRegulate, payload)
			if err != nil || r == nil {
				return err
			}
			for _, e := range r.Events {
				signers, _ := e.Attr(registry.AttrSigners)
				required, _ := e.Attr("required")
				switch e.Type {
				case registry.EventActionApplied:
					fmt.Fprintf(cmd.OutOrStdout(), "applied in block %d: %s %s (signed by %s)\n", r.Height, a.Method,
						a.Target.Hex(), signers)
				case registry.EventActionPending:
					fmt.Fprintf(cmd.OutOrStdout(), "collected in block %d: %d of %s signatures so far (%s)\n", r.Height,
						len(strings.Split(signers, ",")), required, signers)
				}
			}
			return nil
		},
	}
	addTxFlags(cmd)
	addActionFlags(cmd)
	cmd.Flags().StringArray(flagIDSig, nil, "signature file from `causeway identity sign-action` (repeat)")
	return cmd
}

func newTxRotateKeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rotate-key --key FILE --kind ca|regulator --holder ID --new-key PUBKEY --signing-key FILE",
		Short: "Move a CA or regulator to its next key, signed with its current Schnorr key",
		Long: "Reads the holder's current key version from the chain (cw_getIdentity), signs the\n" +
			"rotation to the next version with --signing-key (the current key) and submits it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			kindStr, _ := f.GetString(flagIDKind)
			holder, _ := f.GetString(flagIDHolder)
			newKeyStr, _ := f.GetString(flagIDNewKey)
			var kind attest.KeyKind
			switch kindStr {
			case "ca":
				kind = attest.KeyCA
			case "regulator":
				kind = attest.KeyRegulator
			default:
				return fmt.Errorf("--%s %q: want ca or regulator", flagIDKind, kindStr)
			}
			newKey, err := attest.ParseSchnorrKey(newKeyStr)
			if err != nil {
				return fmt.Errorf("--%s: %w", flagIDNewKey, err)
			}
			signing, err := schnorrKeyFlag(cmd, flagIDSigningKey)
			if err != nil {
				return err
			}
			rot, genesis, err := nextRotation(cmd, kind, holder, newKey)
			if err != nil {
				return err
			}
			sig, err := attest.SignSchnorr(signing, rot.Digest(genesis))
			if err != nil {
				return err
			}
			r, err := sendRegistryTx(cmd, registry.MethodRotate, (&attest.SignedRotation{Rotation: rot, Sig: sig}).Encode())
			if err != nil || r == nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rotated in block %d: %s %s is at key version %d\n", r.Height, kindStr, holder,
				rot.NewVersion)
			return nil
		},
	}
	addTxFlags(cmd)
	f := cmd.Flags()
	f.String(flagIDKind, "", "ca or regulator")
	f.String(flagIDHolder, "", "the CA's or regulator's id")
	f.String(flagIDNewKey, "", "the new public key (0x…, from `causeway identity key new`)")
	f.String(flagIDSigningKey, "", "the holder's current Schnorr key file")
	for _, name := range []string{flagIDKind, flagIDHolder, flagIDNewKey, flagIDSigningKey} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// nextRotation reads the holder's current version from the chain.
func nextRotation(cmd *cobra.Command, kind attest.KeyKind, holder string, key attest.SchnorrKey) (attest.KeyRotation, attest.Hash, error) {
	url, _ := cmd.Flags().GetString(flagTxRPC)
	ctx := cmd.Context()
	c, err := chains.Dial(ctx, url)
	if err != nil {
		return attest.KeyRotation{}, attest.Hash{}, fmt.Errorf("--%s: %w", flagTxRPC, err)
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		return attest.KeyRotation{}, attest.Hash{}, err
	}
	id, err := c.Identity(ctx)
	if err != nil {
		return attest.KeyRotation{}, attest.Hash{}, err
	}
	if id == nil {
		return attest.KeyRotation{}, attest.Hash{}, fmt.Errorf("%s has no identity rule", st.ChainID)
	}
	holders := id.CAs
	if kind == attest.KeyRegulator {
		holders = id.Regulators
	}
	for _, h := range holders {
		if h.ID == holder {
			cur := h.Keys[len(h.Keys)-1].Version
			return attest.KeyRotation{Kind: kind, Holder: holder, NewVersion: cur + 1, NewKey: key}, st.GenesisHash, nil
		}
	}
	return attest.KeyRotation{}, attest.Hash{}, fmt.Errorf("--%s %q: no such holder on %s", flagIDHolder, holder, st.ChainID)
}

func newQueryMemberCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "member --address ADDRESS",
		Short: "Show the registry's record of an account: role, status, permissions, endorsers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, _ := cmd.Flags().GetString(flagIDMember)
			addr, err := rpc.ParseAddress(s)
			if err != nil {
				return fmt.Errorf("--%s: %w", flagIDMember, err)
			}
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.Member, error) { return c.Member(ctx, addr) },
				fmt.Sprintf("%s never registered", addr.Hex()), printMember)
		},
	}
	cmd.Flags().String(flagIDMember, "", "account address")
	return cmd
}

func newQueryIdentityCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "identity",
		Short: "Show the chain's identity rule: CAs, regulators and their key versions, K, threshold",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.Identity, error) { return c.Identity(ctx) },
				"no identity rule (an open chain)", printIdentity)
		},
	}
}

func printMember(w io.Writer, _ string, m *chains.Member) {
	tw := newTable(w)
	fmt.Fprintf(tw, "member\t%s\n", m.Address.Hex())
	fmt.Fprintf(tw, "status\t%s\n", m.Status)
	fmt.Fprintf(tw, "role\t%s\n", m.Role)
	fmt.Fprintf(tw, "parent\t%s\n", m.Parent)
	fmt.Fprintf(tw, "permissions\t%s\n", orNone(strings.Join(m.Permissions, ", ")))
	fmt.Fprintf(tw, "identity hash\t%s\n", m.IdentityHash.Hex())
	fmt.Fprintf(tw, "admitted\theight %d, endorsed by %s\n", m.AdmittedHeight, orNone(strings.Join(m.Endorsers, ", ")))
	if m.Bond != nil {
		fmt.Fprintf(tw, "bond\t%s\n", bondText(m.Bond))
	}
	fmt.Fprintf(tw, "relay fees earned\t%s\n", coinsText(m.FeesEarned))
	_ = tw.Flush()
}

func printIdentity(w io.Writer, chain string, id *chains.Identity) {
	fmt.Fprintf(w, "identity rule of %s at height %d\n", chain, id.Height)
	fmt.Fprintf(w, "registration: %d CA endorsements; actions: %d of %d regulators\n", id.Endorsements, id.Required,
		len(id.Regulators))
	tw := newTable(w)
	fmt.Fprintln(tw, "KIND\tID\tVERSION\tKEY\tROLES")
	for _, set := range []struct {
		kind string
		hs   []chains.IdentityHolder
	}{{"ca", id.CAs}, {"regulator", id.Regulators}} {
		for _, h := range set.hs {
			cur := h.Keys[len(h.Keys)-1]
			var roles []string
			for _, r := range h.Roles {
				roles = append(roles, r.String())
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", set.kind, h.ID, cur.Version, cur.Key, orNone(strings.Join(roles, ",")))
		}
	}
	_ = tw.Flush()
}
