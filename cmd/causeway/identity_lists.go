package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
)

// Flags of the registry listings.
const (
	flagListRole  = "role"
	flagListAfter = "after"
	flagListLimit = "limit"
)

func newQueryMembersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "members [--role ROLE] [--after ADDRESS] [--limit N]",
		Short: "List the chain's members in address order, a page at a time",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := chains.MemberQuery{}
			q.Role, _ = cmd.Flags().GetString(flagListRole)
			if q.Role != "" {
				if _, err := attest.ParseRole(q.Role); err != nil {
					return fmt.Errorf("--%s: %w", flagListRole, err)
				}
			}
			q.Limit, _ = cmd.Flags().GetInt(flagListLimit)
			if q.Limit < 0 || q.Limit > rpc.MaxListLimit {
				return fmt.Errorf("--%s: %d must be in 1..%d (0 for the default)", flagListLimit, q.Limit, rpc.MaxListLimit)
			}
			if s, _ := cmd.Flags().GetString(flagListAfter); s != "" {
				a, err := rpc.ParseAddress(s)
				if err != nil {
					return fmt.Errorf("--%s: %w", flagListAfter, err)
				}
				q.After = &a
			}
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.MemberPage, error) { return c.Members(ctx, q) },
				"", printMembers)
		},
	}
	cmd.Flags().String(flagListRole, "", "only members of this role: user, exchange, relayer or validator")
	cmd.Flags().String(flagListAfter, "", "continue after this address (the last one of the previous page)")
	cmd.Flags().Int(flagListLimit, 0, fmt.Sprintf("members per page, at most %d (default %d)", rpc.MaxListLimit, rpc.DefaultListLimit))
	return cmd
}

func newQueryRelayersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "relayers",
		Short: "List the chain's relayers with their bonds, the relay fees they earned and their slashings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.RelayerList, error) { return c.Relayers(ctx) },
				"", printRelayers)
		},
	}
}

func newQuerySlashesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "slashes [--relayer ADDRESS]",
		Short: "List the slashings recorded on the chain, with their evidence",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := chains.SlashQuery{Limit: rpc.MaxListLimit}
			if s, _ := cmd.Flags().GetString("relayer"); s != "" {
				a, err := rpc.ParseAddress(s)
				if err != nil {
					return fmt.Errorf("--relayer: %w", err)
				}
				q.Relayer = &a
			}
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.SlashPage, error) { return c.Slashes(ctx, q) },
				"", printSlashes)
		},
	}
	cmd.Flags().String("relayer", "", "only this relayer's slashings")
	return cmd
}

func printMembers(w io.Writer, chain string, p *chains.MemberPage) {
	if len(p.Members) == 0 {
		fmt.Fprintf(w, "no members on %s at height %d (an open chain admits everyone)\n", chain, p.Height)
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "ADDRESS\tROLE\tSTATUS\tPARENT\tADMITTED\tBOND")
	for _, m := range p.Members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", m.Address.Hex(), m.Role, m.Status, m.Parent, m.AdmittedHeight, bondText(m.Bond))
	}
	_ = tw.Flush()
	if p.Next != nil {
		fmt.Fprintf(w, "more: --after %s\n", p.Next.Hex())
	}
}

func printRelayers(w io.Writer, chain string, l *chains.RelayerList) {
	if t := l.Terms; t != nil {
		fmt.Fprintf(w, "bonding on %s: at least %s %s, returned %d ms after unbonding, %d‰ burned per failed verification\n",
			chain, t.Min, t.Denom, t.UnbondDelayMs, t.SlashPermille)
	}
	if len(l.Relayers) == 0 {
		fmt.Fprintf(w, "no relayers on %s at height %d\n", chain, l.Height)
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "ADDRESS\tSTATUS\tBOND\tFEES EARNED\tSLASHES")
	for _, r := range l.Relayers {
		status := r.Status
		if r.Role == nil {
			status = "not a member"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", r.Address.Hex(), status, bondText(r.Bond), coinsText(r.FeesEarned), r.Slashes)
	}
	_ = tw.Flush()
}

func printSlashes(w io.Writer, chain string, p *chains.SlashPage) {
	if len(p.Slashes) == 0 {
		fmt.Fprintf(w, "no slashings on %s at height %d\n", chain, p.Height)
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "RELAYER\tHEIGHT\tTX\tTYPE\tCODE\tBURNED")
	for _, s := range p.Slashes {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s %s\n", s.Relayer.Hex(), s.Height, s.TxHash.Hex(), s.Type, s.Code, s.Amount, s.Denom)
	}
	_ = tw.Flush()
	if p.Next != nil {
		fmt.Fprintf(w, "more slashings follow %s\n", p.Next.Hex())
	}
}

// coinsText shows amounts of several denoms on one line.
func coinsText(cs []chains.Balance) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Amount + " " + c.Denom
	}
	return strings.Join(parts, ", ")
}

// bondText shows a bond on one line.
func bondText(b *chains.MemberBond) string {
	if b == nil {
		return "none"
	}
	state := "bonded"
	if b.ReleaseMs != 0 {
		state = fmt.Sprintf("unbonding, returned at %d", b.ReleaseMs)
	}
	return fmt.Sprintf("%s %s (%s; slashed %s)", b.Amount, b.Denom, state, b.Slashed)
}
