package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/holiman/uint256"
	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/client"
)

// Flags of `causeway transfer`.
const (
	flagTransferFrom   = "from"
	flagTransferTo     = "to"
	flagIdempotencyKey = "idempotency-key"
	flagFollow         = "follow"
	defaultTimeout     = 10 * time.Minute
)

// Exit codes of `causeway transfer --follow` beyond exitOK and exitError:
// the transfer ended, but not with the receiver credited.
const (
	exitRefunded = 2
	exitRejected = 3
)

func newTransferCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "transfer --from CHAIN:ADDRESS --to CHAIN:ADDRESS --amount N --denom USD [--follow]",
		Short: "Send an amount across chains through the gateway, and follow it to the end",
		Long: "Submits a cross-chain transfer to the gateway (POST /v1/transfers). Without --key the\n" +
			"gateway signs it with the key it holds for your API client (an intent); with --key it is\n" +
			"signed here (nonce from /v1/accounts, genesis hash and block time from /v1/chains) and\n" +
			"the gateway only relays the signed transaction.\n\n" +
			"Every submission carries an Idempotency-Key: a fresh UUID unless --idempotency-key is\n" +
			"given. It is printed; running the same command with it again is safe (the gateway\n" +
			"answers with the first submission instead of sending a second transfer).\n\n" +
			"--follow subscribes to the transfer on the gateway's feed and prints each stage as it\n" +
			"completes, reconnecting if the feed drops. It exits 0 when the transfer finished, " +
			fmt.Sprint(exitRefunded) + "\n" +
			"when it was refunded (the receipt says why) and " + fmt.Sprint(exitRejected) +
			" when the source chain rejected it.\n\n" +
			"The gateway is --gateway, else $" + envGateway + ", else the devnet's; the API key --api-key,\n" +
			"else $" + envAPIKey + ", else the devnet's (HOME/devnet/gateway/api-key).",
		Args: cobra.NoArgs,
		RunE: runTransfer,
	}
	f := cmd.Flags()
	f.String(flagTransferFrom, "", "sender, CHAIN:ADDRESS (with --key, CHAIN alone will do)")
	f.String(flagTransferTo, "", "receiver, CHAIN:ADDRESS on another chain")
	f.String(flagTxAmount, "", "amount, a positive decimal integer")
	f.String(flagTxDenom, "USD", "denomination as known on the source chain (a voucher carries its path, e.g. alpha/USD)")
	f.String(flagXferFee, "0", "relay fee in the same denomination")
	f.Duration(flagXferTimeout, defaultTimeout, "deadline after the source chain's latest block time; refunded if not delivered by then")
	f.String(flagXferMemo, "", "memo carried with the packet (at most 256 bytes)")
	f.String(flagTxKey, "", "sign here with this keystore (go-ethereum JSON) instead of by the gateway")
	f.String(flagPasswordFile, "", "file holding the keystore password (else $"+envKeyPassword+" or a prompt)")
	f.String(flagIdempotencyKey, "", "Idempotency-Key of the submission (default a fresh UUID); repeat one to retry safely")
	f.Bool(flagFollow, false, "follow the transfer on the feed until it finishes, is refunded or rejected")
	f.Bool(flagQueryJSON, false, "print the gateway's JSON (with --follow, one feed message per line)")
	addGatewayFlags(cmd)
	for _, name := range []string{flagTransferFrom, flagTransferTo, flagTxAmount} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// transferInput is what the flags say, checked.
type transferInput struct {
	from, to     api.Endpoint
	amount, fee  *uint256.Int
	denom, memo  string
	timeout      time.Duration
	keyFile      string
	idemKey      string
	follow, json bool
}

func runTransfer(cmd *cobra.Command, _ []string) error {
	in, err := transferFlags(cmd)
	if err != nil {
		return err
	}
	c, err := gatewayClient(cmd)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	req, err := transferRequest(ctx, cmd, c, in)
	if err != nil {
		return err
	}
	out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
	note := out
	if in.json {
		note = errOut // keep stdout machine-readable
	}
	fmt.Fprintf(note, "Idempotency-Key %s (run again with --%s %s to retry safely)\n", in.idemKey, flagIdempotencyKey, in.idemKey)
	start := time.Now()
	resp, err := c.Submit(ctx, in.idemKey, req)
	if err != nil {
		return err
	}
	if in.json && !in.follow {
		return writeJSON(out, resp)
	}
	p := newProgress(out, start)
	if !in.json {
		fmt.Fprintf(out, "submitted %s\n  tracker %s\n", resp.ID, c.URL("/transfers/"+string(resp.ID)))
		if resp.Transfer != nil {
			p.show(resp.Transfer)
		}
	}
	if !in.follow {
		if !in.json {
			fmt.Fprintf(out, "follow it: causeway status %s\n", resp.ID)
		}
		return nil
	}
	return followTransfer(ctx, c, resp.ID, p, in.json)
}

// transferFlags checks every flag that needs no gateway.
func transferFlags(cmd *cobra.Command) (*transferInput, error) {
	f := cmd.Flags()
	in := &transferInput{}
	in.keyFile, _ = f.GetString(flagTxKey)
	fromS, _ := f.GetString(flagTransferFrom)
	toS, _ := f.GetString(flagTransferTo)
	amountS, _ := f.GetString(flagTxAmount)
	feeS, _ := f.GetString(flagXferFee)
	in.denom, _ = f.GetString(flagTxDenom)
	in.memo, _ = f.GetString(flagXferMemo)
	in.timeout, _ = f.GetDuration(flagXferTimeout)
	in.idemKey, _ = f.GetString(flagIdempotencyKey)
	in.follow, _ = f.GetBool(flagFollow)
	in.json, _ = f.GetBool(flagQueryJSON)
	var err error
	if in.from, err = parseEndpoint(flagTransferFrom, fromS, in.keyFile != ""); err != nil {
		return nil, err
	}
	if in.to, err = parseEndpoint(flagTransferTo, toS, false); err != nil {
		return nil, err
	}
	if in.from.Chain == in.to.Chain {
		return nil, fmt.Errorf("--%s and --%s are both on %s: a transfer crosses chains (use `causeway tx send` within one)",
			flagTransferFrom, flagTransferTo, in.to.Chain)
	}
	if in.amount, err = parsePositiveAmount(flagTxAmount, amountS); err != nil {
		return nil, err
	}
	if !chains.ValidDenom(in.denom) {
		return nil, fmt.Errorf("--%s %q: a denomination is a letter or digit, then up to 127 of letters, digits and / . _ -", flagTxDenom, in.denom)
	}
	if in.fee, err = chains.ParseAmount(feeS); err != nil {
		return nil, fmt.Errorf("--%s %q: want a decimal integer below 2^256", flagXferFee, feeS)
	}
	if len(in.memo) > attest.MaxMemoBytes {
		return nil, fmt.Errorf("--%s: %d bytes, at most %d", flagXferMemo, len(in.memo), attest.MaxMemoBytes)
	}
	if in.timeout < time.Second {
		return nil, fmt.Errorf("--%s %v: want a duration of at least 1s (e.g. 10m)", flagXferTimeout, in.timeout)
	}
	if in.idemKey == "" {
		in.idemKey = uuid.NewString()
	} else if !api.ValidIdempotencyKey(in.idemKey) {
		return nil, fmt.Errorf("--%s %q: 1 to 128 of letters, digits and _ . : -", flagIdempotencyKey, in.idemKey)
	}
	return in, nil
}

// transferRequest is the body to submit: an intent for the gateway to sign,
// or, with --key, a transaction signed here.
func transferRequest(ctx context.Context, cmd *cobra.Command, c *client.Client, in *transferInput) (api.SubmitRequest, error) {
	if in.keyFile == "" {
		return api.SubmitRequest{Intent: &api.Intent{From: in.from, To: in.to, Amount: in.amount.Dec(), Denom: in.denom,
			Fee: in.fee.Dec(), TimeoutSeconds: uint64(in.timeout.Seconds()), Memo: in.memo}}, nil
	}
	password, err := keyPassword(cmd, false)
	if err != nil {
		return api.SubmitRequest{}, err
	}
	key, err := chains.LoadKey(in.keyFile, password)
	if err != nil {
		return api.SubmitRequest{}, fmt.Errorf("--%s: %w", flagTxKey, err)
	}
	sender := attest.AddressOf(key)
	if in.from.Address != (attest.Address{}) && in.from.Address != sender {
		return api.SubmitRequest{}, fmt.Errorf("--%s %s: the key in %s is %s", flagTransferFrom, in.from.Address.Hex(), in.keyFile, sender.Hex())
	}
	chain, err := c.Chain(ctx, in.from.Chain)
	if err != nil {
		return api.SubmitRequest{}, fmt.Errorf("--%s: %w", flagTransferFrom, err)
	}
	acct, err := c.Account(ctx, in.from.Chain, sender)
	if err != nil {
		return api.SubmitRequest{}, err
	}
	blockTime := chain.BlockTime
	if blockTime.IsZero() {
		blockTime = time.Now()
	}
	typ, payload := xfer.NewTransfer(xfer.Transfer{Dst: in.to.Chain, Receiver: in.to.Address, Denom: in.denom,
		Amount: in.amount, TimeoutTimeMs: uint64(blockTime.Add(in.timeout).UnixMilli()), RelayFee: in.fee, Memo: in.memo})
	t := &tx.Tx{ChainID: chain.ID, Nonce: acct.Nonce, Type: typ, Payload: payload}
	if err := t.Sign(chain.GenesisHash, key); err != nil {
		return api.SubmitRequest{}, fmt.Errorf("sign transfer: %w", err)
	}
	return api.SubmitRequest{SignedTx: "0x" + hex.EncodeToString(t.Encode())}, nil
}

// followTransfer prints the transfer's stages from the feed until it ends,
// and turns a refund or a rejection into its exit code.
func followTransfer(ctx context.Context, c *client.Client, id settlement.TransferID, p *progress, asJSON bool) error {
	var last *api.Transfer
	err := c.Follow(ctx, id, 0, func(m api.ServerMessage) error {
		if m.Type != api.MsgEvent {
			return nil
		}
		if asJSON {
			if err := writeJSONLine(p.w, m); err != nil {
				return err
			}
		}
		t := m.Transfer
		if t == nil { // an event without its row: read it
			var err error
			if t, err = c.Transfer(ctx, id); err != nil {
				return err
			}
		}
		if !asJSON {
			p.show(t)
		}
		if t.Status.Terminal() {
			last = t
			return client.StopFollow
		}
		return nil
	})
	if err != nil {
		return err
	}
	return outcome(p, last, asJSON)
}

// outcome reports how the transfer ended; only finished is success.
func outcome(p *progress, t *api.Transfer, asJSON bool) error {
	elapsed := time.Since(p.start).Round(time.Millisecond)
	switch t.Status {
	case settlement.StatusFinished:
		if !asJSON {
			fmt.Fprintf(p.w, "finished: %s %s from %s:%s to %s:%s in %s\n", t.Amount, t.Denom, t.Src, t.Sender.Hex(),
				t.Dst, t.Receiver.Hex(), elapsed)
		}
		return nil
	case settlement.StatusRefunded:
		return &exitCodeError{code: exitRefunded, err: fmt.Errorf("transfer %s refunded to %s after %s: %s", t.ID,
			t.Sender.Hex(), elapsed, receiptReason(t.Receipt))}
	}
	reason := "rejected"
	if t.Reject != nil {
		reason = fmt.Sprintf("code %d", t.Reject.Code)
		if t.Reject.Reason != "" {
			reason += ": " + t.Reject.Reason
		}
	}
	return &exitCodeError{code: exitRejected, err: fmt.Errorf("transfer %s rejected by %s: %s", t.ID, t.Src, reason)}
}

// receiptReason says why a receipt refunded.
func receiptReason(r *api.Receipt) string {
	switch {
	case r == nil:
		return "no receipt"
	case r.Status == settlement.ReceiptTimeout:
		return "receipt timeout: not delivered before its deadline"
	case r.Code != 0:
		return fmt.Sprintf("receipt %s, code %d", r.Status, r.Code)
	}
	return "receipt " + string(r.Status)
}

// exitCodeError is an error with its own process exit code.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

// exitCode is the process exit code of a command's error.
func exitCode(err error) int {
	var ec *exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	return exitError
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeJSONLine(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
