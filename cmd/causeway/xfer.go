package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/holiman/uint256"
	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/xfer"
)

// Flags of `causeway tx transfer` and `causeway query`.
const (
	flagXferDst           = "dst"
	flagXferFee           = "fee"
	flagXferTimeout       = "timeout"
	flagXferTimeoutHeight = "timeout-height"
	flagXferMemo          = "memo"
	flagXferWait          = "wait"
	flagQuerySrc          = "src"
	flagQuerySeq          = "seq"
	flagQueryChain        = "chain"
	flagQueryJSON         = "json"
)

// errNoTimeout: a transfer needs a deadline so that it can be refunded.
var errNoTimeout = errors.New("a transfer needs --" + flagXferTimeout + " or --" + flagXferTimeoutHeight +
	": without a deadline a packet that is never delivered could never be refunded")

func newTxTransferCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "transfer --dst CHAIN --to ADDRESS --amount N --denom USD (--timeout 10m | --timeout-height H)",
		Short: "Send an amount to an account on another chain (xfer.transfer)",
		Long: "Signs an xfer.transfer with the keystore key at the sender's next nonce, submits it to the\n" +
			"source chain and waits for its receipt, then prints the route and the packet's sequence.\n" +
			"The amount leaves the sender at once: into the route's escrow for the chain's own asset,\n" +
			"burned for a voucher going home. A relay delivers it; if the destination refuses it or it\n" +
			"arrives after its deadline, the ack refunds the sender. Follow it with\n" +
			"`causeway query task --dst CHAIN --seq N`.\n\n" +
			"--timeout is a duration after the source chain's latest block time (the destination's\n" +
			"block time must be before it); --timeout-height a destination height. One is required;\n" +
			"both may be given.",
		Args: cobra.NoArgs,
		RunE: runTxTransfer,
	}
	f := cmd.Flags()
	f.String(flagTxRPC, defaultTxRPC, "JSON-RPC endpoint of a node of the source chain")
	f.String(flagTxKey, "", "sender keystore file (go-ethereum JSON)")
	f.String(flagPasswordFile, "", "file holding the keystore password (else $"+envKeyPassword+" or a prompt)")
	f.String(flagXferDst, "", "destination chain id")
	f.String(flagTxTo, "", "receiver address on the destination chain (0x…)")
	f.String(flagTxAmount, "", "amount, a positive decimal integer")
	f.String(flagTxDenom, "USD", "denomination as known on the source chain (a voucher carries its path, e.g. alpha/USD)")
	f.String(flagXferFee, "0", "relay fee in the same denomination, paid to whoever lands the ack")
	f.Duration(flagXferTimeout, 0, "deadline as a duration after the source chain's latest block time (e.g. 10m)")
	f.Uint64(flagXferTimeoutHeight, 0, "deadline as a destination chain height")
	f.String(flagXferMemo, "", "memo carried with the packet (at most 256 bytes)")
	f.Bool(flagTxNoWait, false, "print the transaction hash without waiting for the receipt")
	f.Duration(flagXferWait, txWaitTimeout, "how long to wait for the receipt")
	for _, name := range []string{flagTxKey, flagXferDst, flagTxTo, flagTxAmount} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func runTxTransfer(cmd *cobra.Command, _ []string) error {
	t, timeout, err := transferFromFlags(cmd)
	if err != nil {
		return err
	}
	c, key, err := dialSigner(cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := cmd.Context()
	st, err := c.Status(ctx)
	if err != nil {
		return fmt.Errorf("node status: %w", err)
	}
	if st.ChainID == t.Dst {
		return fmt.Errorf("--%s %s: that is the chain this node serves; use `causeway tx send`", flagXferDst, t.Dst)
	}
	if timeout > 0 {
		t.TimeoutTimeMs = chainTimeMs(st) + uint64(timeout.Milliseconds())
	}
	typ, payload := xfer.NewTransfer(*t)
	raw, err := signTx(ctx, c, key, typ, payload)
	if err != nil {
		return err
	}
	f := cmd.Flags()
	noWait, _ := f.GetBool(flagTxNoWait)
	wait, _ := f.GetDuration(flagXferWait)
	r, err := submitAndWait(cmd, c, raw, noWait, wait)
	if err != nil || r == nil {
		return err
	}
	return printSent(cmd.OutOrStdout(), r, t)
}

// transferFromFlags checks the flags that need no node and builds the
// transfer; the time deadline is returned as a duration, resolved against
// the chain's block time once the node is known.
func transferFromFlags(cmd *cobra.Command) (*xfer.Transfer, time.Duration, error) {
	f := cmd.Flags()
	dst, _ := f.GetString(flagXferDst)
	toStr, _ := f.GetString(flagTxTo)
	amountStr, _ := f.GetString(flagTxAmount)
	denom, _ := f.GetString(flagTxDenom)
	feeStr, _ := f.GetString(flagXferFee)
	memo, _ := f.GetString(flagXferMemo)
	timeout, _ := f.GetDuration(flagXferTimeout)
	timeoutHeight, _ := f.GetUint64(flagXferTimeoutHeight)
	if !chains.ValidChainID(dst) {
		return nil, 0, fmt.Errorf("--%s %q: a chain id is 1 to 32 of a-z, 0-9 and -", flagXferDst, dst)
	}
	to, err := rpc.ParseAddress(toStr)
	if err != nil {
		return nil, 0, fmt.Errorf("--%s: %w", flagTxTo, err)
	}
	amount, err := parsePositiveAmount(flagTxAmount, amountStr)
	if err != nil {
		return nil, 0, err
	}
	if !chains.ValidDenom(denom) {
		return nil, 0, fmt.Errorf("--%s %q: a denomination is a letter or digit, then up to 127 of letters, digits and / . _ -", flagTxDenom, denom)
	}
	fee, err := chains.ParseAmount(feeStr)
	if err != nil {
		return nil, 0, fmt.Errorf("--%s %q: want a decimal integer below 2^256", flagXferFee, feeStr)
	}
	if len(memo) > attest.MaxMemoBytes {
		return nil, 0, fmt.Errorf("--%s: %d bytes, at most %d", flagXferMemo, len(memo), attest.MaxMemoBytes)
	}
	switch {
	case timeout < 0:
		return nil, 0, fmt.Errorf("--%s %v: want a positive duration", flagXferTimeout, timeout)
	case timeout == 0 && timeoutHeight == 0:
		return nil, 0, errNoTimeout
	}
	return &xfer.Transfer{Dst: dst, Receiver: to, Denom: denom, Amount: amount, TimeoutHeight: timeoutHeight,
		RelayFee: fee, Memo: memo}, timeout, nil
}

// chainTimeMs is the chain's latest block time, which the deadline is
// checked against; before the first block, the local clock.
func chainTimeMs(st *chains.Status) uint64 {
	if st.LatestHeight == 0 {
		return uint64(time.Now().UnixMilli())
	}
	return st.LatestTimeMs
}

// printSent reports the packet the transfer's xfer.send event announced.
func printSent(w io.Writer, r *chains.Receipt, t *xfer.Transfer) error {
	for _, e := range r.Events {
		if e.Type != xfer.EventSend {
			continue
		}
		src, _ := e.Attr(xfer.AttrSrc)
		seq, _ := e.Attr(xfer.AttrSeq)
		fmt.Fprintf(w, "committed in block %d: %s %s from %s to %s on %s\n", r.Height, t.Amount.Dec(), t.Denom,
			r.Sender.Attest().Hex(), t.Receiver.Hex(), t.Dst)
		fmt.Fprintf(w, "route %s→%s sequence %s\n", src, t.Dst, seq)
		fmt.Fprintf(w, "follow it: causeway query task --dst %s --seq %s\n", t.Dst, seq)
		return nil
	}
	return fmt.Errorf("transaction %s committed in block %d without an %s event", r.TxHash.Hex(), r.Height, xfer.EventSend)
}

func newQueryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Read chain state from a node: tasks, receipts, light clients, routes, members, the identity rule",
	}
	cmd.PersistentFlags().String(flagTxRPC, defaultTxRPC, "JSON-RPC endpoint of a node of the chain to read")
	cmd.PersistentFlags().Bool(flagQueryJSON, false, "print the node's JSON answer instead of a table")
	cmd.AddCommand(newQueryTaskCmd(), newQueryReceiptCmd(), newQueryClientCmd(), newQueryRouteCmd(),
		newQueryMemberCmd(), newQueryMembersCmd(), newQueryRelayersCmd(), newQuerySlashesCmd(), newQueryIdentityCmd(),
		newQueryCertificateCmd())
	return cmd
}

func newQueryTaskCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "task --dst CHAIN --seq N",
		Short: "Show the task of a packet this chain sent (pending, finished or refunded)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dst, seq, err := routeFlags(cmd, flagXferDst)
			if err != nil {
				return err
			}
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.Task, error) { return c.Task(ctx, dst, seq) },
				fmt.Sprintf("no packet #%d to %s", seq, dst), printTask)
		},
	}
	cmd.Flags().String(flagXferDst, "", "destination chain of the packet")
	cmd.Flags().Uint64(flagQuerySeq, 0, "sequence of the packet on the route")
	return cmd
}

func newQueryReceiptCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "receipt --src CHAIN --seq N",
		Short: "Show the receipt this chain wrote for a packet it received (ok, failed or timeout)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			src, seq, err := routeFlags(cmd, flagQuerySrc)
			if err != nil {
				return err
			}
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.PacketReceipt, error) {
				return c.PacketReceipt(ctx, src, seq)
			}, fmt.Sprintf("packet #%d from %s not received yet", seq, src), printReceipt)
		},
	}
	cmd.Flags().String(flagQuerySrc, "", "source chain of the packet")
	cmd.Flags().Uint64(flagQuerySeq, 0, "sequence of the packet on the route")
	return cmd
}

func newQueryClientCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "client --chain CHAIN",
		Short: "Show this chain's light client of another chain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			chain, err := chainFlag(cmd)
			if err != nil {
				return err
			}
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.LightClient, error) {
				return c.ClientState(ctx, chain)
			}, fmt.Sprintf("no light client of %s", chain), printClient)
		},
	}
	cmd.Flags().String(flagQueryChain, "", "the counterparty chain")
	return cmd
}

func newQueryRouteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "route --chain CHAIN",
		Short: "Show the route with another chain: open or halted, next sequence, limits and window use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			chain, err := chainFlag(cmd)
			if err != nil {
				return err
			}
			return query(cmd, func(ctx context.Context, c *chains.Client) (*chains.Route, error) { return c.Route(ctx, chain) },
				fmt.Sprintf("%s is not a counterparty", chain), printRoute)
		},
	}
	cmd.Flags().String(flagQueryChain, "", "the counterparty chain")
	return cmd
}

// query dials --rpc, runs get and prints its answer as JSON or with
// render; a nil answer is an error saying what is missing.
func query[T any](cmd *cobra.Command, get func(context.Context, *chains.Client) (*T, error), missing string,
	render func(io.Writer, string, *T)) error {
	url, _ := cmd.Flags().GetString(flagTxRPC)
	asJSON, _ := cmd.Flags().GetBool(flagQueryJSON)
	ctx := cmd.Context()
	c, err := chains.Dial(ctx, url)
	if err != nil {
		return fmt.Errorf("--%s: %w", flagTxRPC, err)
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		return fmt.Errorf("node status: %w", err)
	}
	v, err := get(ctx, c)
	if err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("%s: %s on %s as of height %d", cmd.Name(), missing, st.ChainID, st.LatestHeight)
	}
	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	render(out, st.ChainID, v)
	return nil
}

func routeFlags(cmd *cobra.Command, chainFlagName string) (string, uint64, error) {
	chain, _ := cmd.Flags().GetString(chainFlagName)
	seq, _ := cmd.Flags().GetUint64(flagQuerySeq)
	if !chains.ValidChainID(chain) {
		return "", 0, fmt.Errorf("--%s %q: a chain id is 1 to 32 of a-z, 0-9 and -", chainFlagName, chain)
	}
	if seq == 0 {
		return "", 0, fmt.Errorf("--%s: sequences start at 1", flagQuerySeq)
	}
	return chain, seq, nil
}

func chainFlag(cmd *cobra.Command) (string, error) {
	chain, _ := cmd.Flags().GetString(flagQueryChain)
	if !chains.ValidChainID(chain) {
		return "", fmt.Errorf("--%s %q: a chain id is 1 to 32 of a-z, 0-9 and -", flagQueryChain, chain)
	}
	return chain, nil
}

func printTask(w io.Writer, _ string, t *chains.Task) {
	p := &t.Packet
	tw := newTable(w)
	fmt.Fprintf(tw, "packet\t%s→%s #%d (as of height %d)\n", p.Src, p.Dst, p.Seq, t.Height)
	fmt.Fprintf(tw, "status\t%s\n", t.Status)
	fmt.Fprintf(tw, "amount\t%s %s\n", p.Amount, p.Denom)
	fmt.Fprintf(tw, "relay fee\t%s %s\n", p.RelayFee, p.Denom)
	fmt.Fprintf(tw, "sender\t%s\n", p.Sender)
	fmt.Fprintf(tw, "receiver\t%s\n", p.Receiver)
	fmt.Fprintf(tw, "deadline\t%s\n", deadline(p.TimeoutHeight, p.TimeoutTimeMs))
	if p.Memo != "" {
		fmt.Fprintf(tw, "memo\t%q\n", p.Memo)
	}
	fmt.Fprintf(tw, "sent\theight %d\n", t.CreatedHeight)
	if r := t.Receipt; r != nil {
		fmt.Fprintf(tw, "receipt\t%s (%s height %d)\n", verdict(r.Status, r.Code, r.Name), p.Dst, r.Height)
		fmt.Fprintf(tw, "resolved\theight %d\n", t.ResolvedHeight)
	}
	tw.Flush()
}

func printReceipt(w io.Writer, chain string, r *chains.PacketReceipt) {
	tw := newTable(w)
	fmt.Fprintf(tw, "packet\t%s→%s #%d (as of height %d)\n", r.Src, chain, r.Seq, r.Height)
	fmt.Fprintf(tw, "receipt\t%s\n", verdict(r.Status, r.Code, r.Name))
	tw.Flush()
}

func printClient(w io.Writer, chain string, c *chains.LightClient) {
	tw := newTable(w)
	fmt.Fprintf(tw, "light client\tof %s on %s (as of height %d)\n", c.ChainID, chain, c.Height)
	fmt.Fprintf(tw, "genesis hash\t%s\n", c.GenesisHash.Hex())
	fmt.Fprintf(tw, "latest height\t%d\n", c.LatestHeight)
	frozen := "no"
	if c.Frozen {
		frozen = fmt.Sprintf("yes, by conflicting headers at %d", c.FrozenHeight)
	}
	fmt.Fprintf(tw, "frozen\t%s\n", frozen)
	for _, s := range c.ValidatorSets {
		fmt.Fprintf(tw, "validators from %d\t%d validators, power %d, hash %s\n", s.FromHeight, len(s.Validators),
			s.TotalPower, s.ValidatorsHash.Hex())
	}
	tw.Flush()
}

func printRoute(w io.Writer, chain string, r *chains.Route) {
	tw := newTable(w)
	state := "open"
	if !r.Open {
		state = "halted (light client frozen)"
	}
	fmt.Fprintf(tw, "route\t%s↔%s (as of height %d)\n", chain, r.Chain, r.Height)
	fmt.Fprintf(tw, "state\t%s\n", state)
	fmt.Fprintf(tw, "next sequence\t%d (to %s)\n", r.NextSequence, r.Chain)
	if len(r.Limits) == 0 {
		fmt.Fprintf(tw, "limits\tnone on packets from %s\n", r.Chain)
	}
	for _, l := range r.Limits {
		fmt.Fprintf(tw, "limit %s\tper packet %s; %s\n", l.Denom, orNone(l.MaxPerPacket), window(l))
	}
	tw.Flush()
}

func verdict(status string, code uint32, name string) string {
	switch {
	case code == 0:
		return status
	case name == "":
		return fmt.Sprintf("%s, code %d", status, code)
	}
	return fmt.Sprintf("%s, code %d %s", status, code, name)
}

func deadline(height, timeMs uint64) string {
	var out string
	if height > 0 {
		out = "destination height " + strconv.FormatUint(height, 10)
	}
	if timeMs > 0 {
		if out != "" {
			out += " or "
		}
		out += "destination time " + time.UnixMilli(int64(timeMs)).UTC().Format(time.RFC3339)
	}
	return out
}

func window(l chains.RouteLimit) string {
	if l.WindowMs == 0 {
		return "no window cap"
	}
	left := "?"
	if limit, err := uint256.FromDecimal(l.WindowAmount); err == nil {
		if used, err := uint256.FromDecimal(l.WindowUsed); err == nil && !used.Gt(limit) {
			left = new(uint256.Int).Sub(limit, used).Dec()
		}
	}
	return fmt.Sprintf("%s per %v, %s used in the window from %s (%s left)", l.WindowAmount,
		time.Duration(l.WindowMs)*time.Millisecond, l.WindowUsed,
		time.UnixMilli(int64(l.WindowStartMs)).UTC().Format(time.RFC3339), left)
}

func orNone(s string) string {
	if s == "" {
		return "no cap"
	}
	return s
}
