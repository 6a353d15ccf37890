package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/spf13/cobra"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/rpc"
)

// Flags of the certificate and bond commands.
const (
	flagCertName     = "name"
	flagCertID       = "id"
	flagCertField    = "field"
	flagCertTemplate = "template"
	flagCertHolder   = "holder"
	flagCertValue    = "value"
	flagCertExpires  = "expires"
	flagBondAmount   = "amount"
)

// registryTxCmd is a `causeway tx` command that sends one registry
// transaction whose payload build makes from the flags; done prints what
// the receipt says.
func registryTxCmd(use, short, method string, build func(cmd *cobra.Command) (any, error),
	done func(w io.Writer, r *chains.Receipt)) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := build(cmd)
			if err != nil {
				return err
			}
			var payload []byte
			if v != nil {
				if payload, err = rlp.EncodeToBytes(v); err != nil {
					return err
				}
			}
			r, err := sendRegistryTx(cmd, method, payload)
			if err != nil || r == nil {
				return err
			}
			done(cmd.OutOrStdout(), r)
			return nil
		},
	}
	addTxFlags(cmd)
	return cmd
}

func eventAttr(r *chains.Receipt, typ, key string) string {
	for _, e := range r.Events {
		if e.Type == typ {
			v, _ := e.Attr(key)
			return v
		}
	}
	return ""
}

func newTxCertificateCmds() []*cobra.Command {
	issuer := registryTxCmd("register-issuer --key FILE --name NAME", "Register the --key member as a certificate issuer",
		registry.MethodRegisterIssuer, func(cmd *cobra.Command) (any, error) {
			name, _ := cmd.Flags().GetString(flagCertName)
			return registry.IssuerRequest{Name: name}, nil
		}, func(w io.Writer, r *chains.Receipt) {
			fmt.Fprintf(w, "issuer registered in block %d\n", r.Height)
		})
	issuer.Flags().String(flagCertName, "", "the issuer's name")
	_ = issuer.MarkFlagRequired(flagCertName)

	publish := registryTxCmd("publish-template --key FILE --id ID --field NAME ...", "Publish a certificate template: its named fields, fixed for good",
		registry.MethodPublish, func(cmd *cobra.Command) (any, error) {
			id, _ := cmd.Flags().GetString(flagCertID)
			fields, _ := cmd.Flags().GetStringArray(flagCertField)
			return registry.Template{ID: id, Fields: fields}, nil
		}, func(w io.Writer, r *chains.Receipt) {
			fmt.Fprintf(w, "template %s published in block %d\n", eventAttr(r, registry.EventTemplate, registry.AttrTemplate), r.Height)
		})
	publish.Flags().String(flagCertID, "", "template id")
	publish.Flags().StringArray(flagCertField, nil, "field name (repeat, in order)")
	_ = publish.MarkFlagRequired(flagCertID)

	issue := registryTxCmd("issue-certificate --key FILE --template ID --holder ADDRESS --value V ...",
		"Issue a certificate of one of your templates to a member; prints its id",
		registry.MethodIssue, func(cmd *cobra.Command) (any, error) {
			f := cmd.Flags()
			req := registry.IssueRequest{}
			req.Template, _ = f.GetString(flagCertTemplate)
			req.Values, _ = f.GetStringArray(flagCertValue)
			holder, _ := f.GetString(flagCertHolder)
			var err error
			if req.Holder, err = rpc.ParseAddress(holder); err != nil {
				return nil, fmt.Errorf("--%s: %w", flagCertHolder, err)
			}
			if s, _ := f.GetString(flagCertExpires); s != "" {
				if req.ExpiresMs, err = expiresFlag(cmd); err != nil {
					return nil, err
				}
			}
			return req, nil
		}, func(w io.Writer, r *chains.Receipt) {
			fmt.Fprintf(w, "certificate %s issued in block %d\n", eventAttr(r, registry.EventIssued, registry.AttrCertificate), r.Height)
		})
	issue.Flags().String(flagCertTemplate, "", "template id")
	issue.Flags().String(flagCertHolder, "", "the member it is issued to")
	issue.Flags().StringArray(flagCertValue, nil, "field value (repeat, in the template's field order)")
	issue.Flags().String(flagCertExpires, "", "when it expires, as chain block time: RFC 3339 or unix milliseconds (default never)")
	_ = issue.MarkFlagRequired(flagCertTemplate)
	_ = issue.MarkFlagRequired(flagCertHolder)

	revoke := registryTxCmd("revoke-certificate --key FILE --id CERTIFICATE", "Revoke a certificate you issued",
		registry.MethodRevoke, func(cmd *cobra.Command) (any, error) {
			return hashFlag(cmd, flagCertID)
		}, func(w io.Writer, r *chains.Receipt) {
			fmt.Fprintf(w, "revoked in block %d\n", r.Height)
		})
	revoke.Flags().String(flagCertID, "", "certificate id (0x…)")
	_ = revoke.MarkFlagRequired(flagCertID)

	bond := registryTxCmd("bond --key FILE --amount N", "Bond an amount as a relayer (in the chain's bond denomination)",
		registry.MethodBond, func(cmd *cobra.Command) (any, error) {
			s, _ := cmd.Flags().GetString(flagBondAmount)
			return parsePositiveAmount(flagBondAmount, s)
		}, func(w io.Writer, r *chains.Receipt) {
			fmt.Fprintf(w, "bonded in block %d: %s in total\n", r.Height, eventAttr(r, registry.EventBonded, registry.AttrAmount))
		})
	bond.Flags().String(flagBondAmount, "", "amount added to the bond")
	_ = bond.MarkFlagRequired(flagBondAmount)

	unbond := registryTxCmd("unbond --key FILE", "Stop relaying and have the bond returned after the rule's delay",
		registry.MethodUnbond, func(*cobra.Command) (any, error) { return nil, nil },
		func(w io.Writer, r *chains.Receipt) {
			fmt.Fprintf(w, "unbonding from block %d; returned at block time %s\n", r.Height,
				eventAttr(r, registry.EventUnbond, registry.AttrReleaseMs))
		})
	return []*cobra.Command{issuer, publish, issue, revoke, bond, unbond}
}

func newQueryCertificateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "certificate --id CERTIFICATE",
		Short: "Verify a certificate: valid, revoked, expired or unknown, with its proof checked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := hashFlag(cmd, flagCertID)
			if err != nil {
				return err
			}
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.CertificateStatus, error) {
				return c.VerifyCertificate(ctx, id)
			}, "no answer", printCertificate)
		},
	}
	cmd.Flags().String(flagCertID, "", "certificate id (0x…)")
	return cmd
}

func printCertificate(w io.Writer, _ string, s *chains.CertificateStatus) {
	fmt.Fprintf(w, "status   %s (height %d, proof checked against state root %s)\n", s.Status, s.Height, s.StateRoot.Hex())
	c := s.Certificate
	if c == nil {
		return
	}
	tw := newTable(w)
	fmt.Fprintf(tw, "issuer\t%s\n", c.Issuer.Hex())
	fmt.Fprintf(tw, "template\t%s\n", c.Template)
	fmt.Fprintf(tw, "holder\t%s\n", c.Holder.Hex())
	fmt.Fprintf(tw, "values\t%s\n", strings.Join(c.Values, " | "))
	fmt.Fprintf(tw, "issued\theight %d\n", c.IssuedHeight)
	if c.Revoked {
		fmt.Fprintf(tw, "revoked\theight %d\n", c.RevokedHeight)
	}
	_ = tw.Flush()
}
