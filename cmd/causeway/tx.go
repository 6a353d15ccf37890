package main

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/tx"
)

// Flags of `causeway tx`.
const (
	flagTxRPC     = "rpc"
	flagTxKey     = "key"
	flagTxTo      = "to"
	flagTxAmount  = "amount"
	flagTxDenom   = "denom"
	flagTxNoWait  = "no-wait"
	flagTxTimeout = "timeout"
	defaultTxRPC  = "http://127.0.0.1:27050" // devnet alpha, validator 0
	txWaitTimeout = 30 * time.Second
)

func newTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Sign and submit transactions to a chain over JSON-RPC",
	}
	cmd.AddCommand(newTxSendCmd())
	return cmd
}

func newTxSendCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "send --key FILE --to ADDRESS --amount N --denom USD",
		Short: "Send an amount of one denomination to another account on the same chain",
		Long: "Reads the chain id and genesis hash from the node (cw_status) and the sender's next\n" +
			"nonce (cw_getAccount), signs a bank.send with the keystore key, submits it and waits\n" +
			"for its receipt. Amounts are whole units as decimal integers.",
		Args: cobra.NoArgs,
		RunE: runTxSend,
	}
	f := cmd.Flags()
	f.String(flagTxRPC, defaultTxRPC, "JSON-RPC endpoint of a node of the chain")
	f.String(flagTxKey, "", "sender keystore file (go-ethereum JSON)")
	f.String(flagPasswordFile, "", "file holding the keystore password (else $"+envKeyPassword+" or a prompt)")
	f.String(flagTxTo, "", "receiver address (0x…)")
	f.String(flagTxAmount, "", "amount, a positive decimal integer")
	f.String(flagTxDenom, "USD", "denomination")
	f.Bool(flagTxNoWait, false, "print the transaction hash without waiting for the receipt")
	f.Duration(flagTxTimeout, txWaitTimeout, "how long to wait for the receipt")
	_ = cmd.MarkFlagRequired(flagTxKey)
	_ = cmd.MarkFlagRequired(flagTxTo)
	_ = cmd.MarkFlagRequired(flagTxAmount)
	return cmd
}

func runTxSend(cmd *cobra.Command, _ []string) error {
	f := cmd.Flags()
	url, _ := f.GetString(flagTxRPC)
	keyFile, _ := f.GetString(flagTxKey)
	toStr, _ := f.GetString(flagTxTo)
	amountStr, _ := f.GetString(flagTxAmount)
	denom, _ := f.GetString(flagTxDenom)
	to, err := rpc.ParseAddress(toStr)
	if err != nil {
		return fmt.Errorf("--%s: %w", flagTxTo, err)
	}
	amount, err := chains.ParseAmount(amountStr)
	if err != nil || amount.IsZero() {
		return fmt.Errorf("--%s %q: want a positive decimal integer", flagTxAmount, amountStr)
	}
	if !chains.ValidDenom(denom) {
		return fmt.Errorf("--%s %q: not a valid denomination", flagTxDenom, denom)
	}
	password, err := keyPassword(cmd, false)
	if err != nil {
		return err
	}
	key, err := chains.LoadKey(keyFile, password)
	if err != nil {
		return fmt.Errorf("--%s: %w", flagTxKey, err)
	}
	ctx := cmd.Context()
	c, err := chains.Dial(ctx, url)
	if err != nil {
		return fmt.Errorf("--%s: %w", flagTxRPC, err)
	}
	defer c.Close()
	raw, err := signSend(ctx, c, key, to, denom, amountStr)
	if err != nil {
		return err
	}
	hash, err := c.SendRawTransaction(ctx, raw)
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "submitted %s\n", hash.Hex())
	if noWait, _ := f.GetBool(flagTxNoWait); noWait {
		return nil
	}
	timeout, _ := f.GetDuration(flagTxTimeout)
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := c.WaitReceipt(wctx, hash)
	if err != nil {
		return fmt.Errorf("wait for receipt: %w", err)
	}
	if r.Code != 0 {
		return fmt.Errorf("transaction %s failed in block %d: code %d: %s", hash.Hex(), r.Height, r.Code, r.Log)
	}
	fmt.Fprintf(out, "committed in block %d: %s %s from %s to %s\n", r.Height, amountStr, denom,
		r.Sender.Attest().Hex(), to.Hex())
	return nil
}

// signSend builds and signs a bank.send for the chain c serves, at the
// sender's next nonce.
func signSend(ctx context.Context, c *chains.Client, key *ecdsa.PrivateKey, to attest.Address, denom, amount string) ([]byte, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("node status: %w", err)
	}
	acct, err := c.Account(ctx, attest.AddressOf(key))
	if err != nil {
		return nil, fmt.Errorf("sender account: %w", err)
	}
	amt, err := chains.ParseAmount(amount)
	if err != nil {
		return nil, err
	}
	typ, payload := bank.NewSend(to, denom, amt)
	t := &tx.Tx{ChainID: st.ChainID, Nonce: acct.Nonce, Type: typ, Payload: payload}
	if err := t.Sign(st.GenesisHash, key); err != nil {
		return nil, err
	}
	return t.Encode(), nil
}
