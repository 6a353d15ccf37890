package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/client"
)

// Widths of the short forms of hashes and addresses in progress lines.
const (
	shortHead = 8 // "0x" and 6 hex digits
	shortTail = 4
)

func newStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status TRANSFER_ID [--json]",
		Short: "Show a transfer with its stage timeline, as the gateway knows it",
		Long: "Reads GET /v1/transfers/{id} from the gateway and prints the transfer: route, amount,\n" +
			"sender and receiver, status, receipt or rejection, and each stage with the block and\n" +
			"transaction that completed it, when, and the relayer that carried it. Exits non-zero\n" +
			"when the gateway does not know the transfer.\n\n" +
			"The gateway and API key are found as for `causeway transfer`.",
		Args: cobra.ExactArgs(1),
		RunE: runStatus,
	}
	cmd.Flags().Bool(flagQueryJSON, false, "print the gateway's JSON")
	addGatewayFlags(cmd)
	return cmd
}

func runStatus(cmd *cobra.Command, args []string) error {
	id, _, _, err := settlement.ParseTransferID(args[0])
	if err != nil {
		return fmt.Errorf("%q is not a transfer id (SRC.DST.SEQ or SRC.DST.0xTXHASH, as `causeway transfer` prints)", args[0])
	}
	c, err := gatewayClient(cmd)
	if err != nil {
		return err
	}
	t, err := c.Transfer(cmd.Context(), id)
	if client.ProblemCode(err) == api.CodeNotFound {
		return fmt.Errorf("transfer %s not found at %s", id, c.BaseURL())
	}
	if err != nil {
		return err
	}
	if asJSON, _ := cmd.Flags().GetBool(flagQueryJSON); asJSON {
		return writeJSON(cmd.OutOrStdout(), t)
	}
	printTransfer(cmd.OutOrStdout(), t, c.URL("/transfers/"+string(t.ID)))
	return nil
}

// printTransfer renders a transfer and its timeline.
func printTransfer(w io.Writer, t *api.Transfer, trackerURL string) {
	tw := newTable(w)
	fmt.Fprintf(tw, "transfer\t%s\n", t.ID)
	fmt.Fprintf(tw, "status\t%s\n", statusLine(t))
	fmt.Fprintf(tw, "amount\t%s %s (relay fee %s)\n", t.Amount, t.Denom, t.Fee)
	fmt.Fprintf(tw, "from\t%s %s\n", t.Src, t.Sender.Hex())
	fmt.Fprintf(tw, "to\t%s %s\n", t.Dst, t.Receiver.Hex())
	if t.Seq != 0 {
		fmt.Fprintf(tw, "packet\t%s→%s #%d\n", t.Src, t.Dst, t.Seq)
	}
	if t.TimeoutHeight != 0 || t.TimeoutTimeMs != 0 {
		fmt.Fprintf(tw, "deadline\t%s\n", deadline(t.TimeoutHeight, t.TimeoutTimeMs))
	}
	if t.ClientRef != "" {
		fmt.Fprintf(tw, "idempotency key\t%s\n", t.ClientRef)
	}
	if t.LastError != "" && t.Status != settlement.StatusRejected {
		fmt.Fprintf(tw, "last error\t%s\n", t.LastError)
	}
	fmt.Fprintf(tw, "created\t%s\n", t.CreatedAt.Local().Format(time.RFC3339Nano))
	fmt.Fprintf(tw, "tracker\t%s\n", trackerURL)
	tw.Flush()
	fmt.Fprintln(w, "\ntimeline:")
	tw = newTable(w)
	fmt.Fprintln(tw, "  STAGE\tSTATE\tCHAIN\tHEIGHT\tTX\tRELAYER\tAT")
	for _, s := range t.Timeline {
		height, at := "", ""
		if s.Height != 0 {
			height = fmt.Sprint(s.Height)
		}
		if !s.Time.IsZero() {
			at = s.Time.Local().Format("15:04:05.000")
			if !t.CreatedAt.IsZero() {
				at += " (+" + s.Time.Sub(t.CreatedAt).Round(time.Millisecond).String() + ")"
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Stage, s.State, stageChain(t, s.Stage), height,
			shortHash(s.TxHash), shortAddr(s.Relayer), at)
	}
	tw.Flush()
}

// statusLine is the status with what explains it: latency, receipt,
// rejection.
func statusLine(t *api.Transfer) string {
	s := string(t.Status)
	switch {
	case t.Status == settlement.StatusRefunded:
		s += " (" + receiptReason(t.Receipt) + ")"
	case t.Reject != nil:
		s += fmt.Sprintf(" (code %d", t.Reject.Code)
		if t.Reject.Reason != "" {
			s += ": " + t.Reject.Reason
		}
		s += ")"
	case t.Receipt != nil && t.Status == settlement.StatusDelivered:
		s += " (receipt " + string(t.Receipt.Status) + ")"
	}
	if t.LatencyMs > 0 {
		s += fmt.Sprintf(", %s end to end", (time.Duration(t.LatencyMs) * time.Millisecond).String())
	}
	return s
}

// progress prints a transfer's stages once each, as they complete.
type progress struct {
	w       io.Writer
	start   time.Time
	printed map[string]bool
}

func newProgress(w io.Writer, start time.Time) *progress {
	return &progress{w: w, start: start, printed: map[string]bool{}}
}

// show prints the stages of t done since the last call: stage, chain and
// height, transaction, relayer, and the time since the submission.
func (p *progress) show(t *api.Transfer) {
	for _, s := range t.Timeline {
		if s.State != api.StepDone || p.printed[s.Stage] {
			continue
		}
		p.printed[s.Stage] = true
		parts := []string{fmt.Sprintf("  %-16s %-6s", s.Stage, stageChain(t, s.Stage))}
		if s.Height != 0 {
			parts = append(parts, fmt.Sprintf("height %d", s.Height))
		}
		if s.TxHash != (attest.Hash{}) {
			parts = append(parts, "tx "+shortHash(s.TxHash))
		}
		if s.Relayer != (attest.Address{}) {
			parts = append(parts, "relayer "+shortAddr(s.Relayer))
		}
		parts = append(parts, "+"+time.Since(p.start).Round(time.Millisecond).String())
		fmt.Fprintln(p.w, strings.Join(parts, "  "))
	}
}

// stageChain is the chain a stage happens on: delivery on the destination,
// everything else on the source.
func stageChain(t *api.Transfer, stage string) string {
	if stage == api.StageDelivered {
		return t.Dst
	}
	return t.Src
}

func shortHash(h attest.Hash) string {
	if h == (attest.Hash{}) {
		return ""
	}
	return shorten(h.Hex())
}

func shortAddr(a attest.Address) string {
	if a == (attest.Address{}) {
		return ""
	}
	return shorten(a.Hex())
}

func shorten(s string) string {
	if len(s) <= shortHead+shortTail+1 {
		return s
	}
	return s[:shortHead] + "…" + s[len(s)-shortTail:]
}
