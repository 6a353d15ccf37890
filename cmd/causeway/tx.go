package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"time"

	"github.com/holiman/uint256"
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
	cmd.AddCommand(newTxTransferCmd())
	cmd.AddCommand(newTxRegisterCmd(), newTxRegulateCmd(), newTxRotateKeyCmd())
	cmd.AddCommand(newTxCertificateCmds()...)
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
	toStr, _ := f.GetString(flagTxTo)
	amountStr, _ := f.GetString(flagTxAmount)
	denom, _ := f.GetString(flagTxDenom)
	to, err := rpc.ParseAddress(toStr)
	if err != nil {
		return fmt.Errorf("--%s: %w", flagTxTo, err)
	}
	amount, err := parsePositiveAmount(flagTxAmount, amountStr)
	if err != nil {
		return err
	}
	if !chains.ValidDenom(denom) {
		return fmt.Errorf("--%s %q: not a valid denomination", flagTxDenom, denom)
	}
	c, key, err := dialSigner(cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	typ, payload := bank.NewSend(to, denom, amount)
	raw, err := signTx(cmd.Context(), c, key, typ, payload)
	if err != nil {
		return err
	}
	noWait, _ := f.GetBool(flagTxNoWait)
	wait, _ := f.GetDuration(flagTxTimeout)
	r, err := submitAndWait(cmd, c, raw, noWait, wait)
	if err != nil || r == nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "committed in block %d: %s %s from %s to %s\n", r.Height, amountStr, denom,
		r.Sender.Attest().Hex(), to.Hex())
	return nil
}

// parsePositiveAmount parses a flag's amount: a decimal integer in 1..2^256-1.
func parsePositiveAmount(flag, s string) (*uint256.Int, error) {
	amount, err := chains.ParseAmount(s)
	if err != nil || amount.IsZero() {
		return nil, fmt.Errorf("--%s %q: want a positive decimal integer below 2^256, without sign, fraction or leading zeros", flag, s)
	}
	return amount, nil
}

// dialSigner loads the --key keystore (password from --password-file, the
// environment or a prompt) and dials --rpc.
func dialSigner(cmd *cobra.Command) (*chains.Client, *ecdsa.PrivateKey, error) {
	f := cmd.Flags()
	url, _ := f.GetString(flagTxRPC)
	keyFile, _ := f.GetString(flagTxKey)
	password, err := keyPassword(cmd, false)
	if err != nil {
		return nil, nil, err
	}
	key, err := chains.LoadKey(keyFile, password)
	if err != nil {
		return nil, nil, fmt.Errorf("--%s: %w", flagTxKey, err)
	}
	c, err := chains.Dial(cmd.Context(), url)
	if err != nil {
		return nil, nil, fmt.Errorf("--%s: %w", flagTxRPC, err)
	}
	return c, key, nil
}

// submitAndWait submits raw and prints its hash; unless noWait, it waits up
// to wait for the receipt and returns it. A nil receipt means it did not
// wait. A transaction its module rejected is an error.
func submitAndWait(cmd *cobra.Command, c *chains.Client, raw []byte, noWait bool, wait time.Duration) (*chains.Receipt, error) {
	ctx := cmd.Context()
	hash, err := c.SendRawTransaction(ctx, raw)
	var re *rpc.Error
	if errors.As(err, &re) && re.Name != "" {
		return nil, fmt.Errorf("submit: refused with %s (code %d): %s", re.Name, re.Code, re.Msg)
	}
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "submitted %s\n", hash.Hex())
	if noWait {
		return nil, nil
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	r, err := c.WaitReceipt(wctx, hash)
	if err != nil {
		return nil, fmt.Errorf("wait for receipt: %w", err)
	}
	if r.Code != 0 {
		return nil, fmt.Errorf("transaction %s failed in block %d: code %d: %s", hash.Hex(), r.Height, r.Code, r.Log)
	}
	return r, nil
}

// signTx builds and signs a transaction for the chain c serves, at the
// sender's next nonce.
func signTx(ctx context.Context, c *chains.Client, key *ecdsa.PrivateKey, typ string, payload []byte) ([]byte, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("node status: %w", err)
	}
	acct, err := c.Account(ctx, attest.AddressOf(key))
	if err != nil {
		return nil, fmt.Errorf("sender account: %w", err)
	}
	t := &tx.Tx{ChainID: st.ChainID, Nonce: acct.Nonce, Type: typ, Payload: payload}
	if err := t.Sign(st.GenesisHash, key); err != nil {
		return nil, err
	}
	return t.Encode(), nil
}
