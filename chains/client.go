package chains

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	gethrpc "github.com/ethereum/go-ethereum/rpc"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
)

// Client tuning.
const (
	// ReceiptPollInterval is how often WaitReceipt asks for a receipt.
	ReceiptPollInterval = 250 * time.Millisecond
	// MaxMessageBytes caps one WebSocket message from the node: a full
	// block of 16 MiB is 32 MiB of hex, plus JSON.
	MaxMessageBytes = 64 << 20
)

// Client talks to one node over JSON-RPC (namespace "cw"). It is safe for
// concurrent use. Over http(s) every call is a request; over ws(s) calls
// share one connection, which subscriptions need.
type Client struct {
	url string
	ws  bool
	rpc *gethrpc.Client
}

// Dial connects to a node at an http://, https://, ws:// or wss:// URL.
// Over HTTP nothing is sent until the first call.
func Dial(ctx context.Context, rawURL string) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", rawURL, err)
	}
	var ws bool
	switch u.Scheme {
	case "http", "https":
	case "ws", "wss":
		ws = true
	default:
		return nil, fmt.Errorf("dial %s: %w", rawURL, ErrUnsupportedScheme)
	}
	c, err := gethrpc.DialOptions(ctx, rawURL, gethrpc.WithWebsocketMessageSizeLimit(MaxMessageBytes))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", rawURL, err)
	}
	return &Client{url: rawURL, ws: ws, rpc: c}, nil
}

// Close ends the connection and every subscription on it.
func (c *Client) Close() { c.rpc.Close() }

// URL is the node's URL as dialled.
func (c *Client) URL() string { return c.url }

// Status returns the node's status (cw_status).
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var st Status
	if err := c.call(ctx, &st, "cw_status"); err != nil {
		return nil, err
	}
	return &st, nil
}

// SendRawTransaction submits an encoded transaction and returns its hash.
// An admission rejection is an *Error with the node's code.
func (c *Client) SendRawTransaction(ctx context.Context, raw []byte) (attest.Hash, error) {
	var h attest.Hash
	if err := c.call(ctx, &h, "cw_sendRawTransaction", hexutil.Bytes(raw)); err != nil {
		return attest.Hash{}, err
	}
	return h, nil
}

// TransactionReceipt returns a committed transaction's receipt, or nil and
// no error while the transaction is unknown or pending.
func (c *Client) TransactionReceipt(ctx context.Context, txHash attest.Hash) (*Receipt, error) {
	var r *Receipt
	if err := c.call(ctx, &r, "cw_getTransactionReceipt", txHash); err != nil {
		return nil, err
	}
	return r, nil
}

// WaitReceipt polls every ReceiptPollInterval until the transaction's
// receipt exists or ctx ends. A receipt with a non-zero Code is returned
// as is: the transaction committed and was rejected by its module.
func (c *Client) WaitReceipt(ctx context.Context, txHash attest.Hash) (*Receipt, error) {
	t := time.NewTicker(ReceiptPollInterval)
	defer t.Stop()
	for {
		r, err := c.TransactionReceipt(ctx, txHash)
		if err != nil || r != nil {
			return r, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait receipt %s: %w", txHash, ctx.Err())
		case <-t.C:
		}
	}
}

// BlockByHeight returns the certified block at height; fullTxs includes the
// encoded transactions.
func (c *Client) BlockByHeight(ctx context.Context, height uint64, fullTxs bool) (*Block, error) {
	var b Block
	if err := c.call(ctx, &b, "cw_getBlockByHeight", height, fullTxs); err != nil {
		return nil, err
	}
	if h := b.Header.Attest(); b.Height != height || h.Hash() != b.Hash {
		return nil, badResponse("block %d: header does not hash to %s or is for height %d", height, b.Hash, b.Height)
	}
	return &b, nil
}

// CertifiedHeader returns the header at height with the QC that committed
// it, decoded from RLP and checked against the JSON fields.
func (c *Client) CertifiedHeader(ctx context.Context, height uint64) (*CertifiedHeader, error) {
	var ch rpc.CertifiedHeader
	if err := c.call(ctx, &ch, "cw_getCertifiedHeader", height); err != nil {
		return nil, err
	}
	out, err := decodeCertifiedHeader(&ch)
	if err != nil {
		return nil, fmt.Errorf("cw_getCertifiedHeader %d: %w", height, err)
	}
	if out.Certified.Header.Height != height {
		return nil, badResponse("asked for the header at %d, got %d", height, out.Certified.Header.Height)
	}
	return out, nil
}

// Proof returns Merkle Patricia proofs of keys (readable state keys such as
// "bal/0x…/USD") at height, each verified against the returned state root.
// The root is the StateRoot of the header at height; a caller that does not
// trust this node checks that header's QC.
func (c *Client) Proof(ctx context.Context, keys []string, height uint64) (*Proofs, error) {
	var p Proofs
	if err := c.call(ctx, &p, "cw_getProof", keys, height); err != nil {
		return nil, err
	}
	if p.Height != height || len(p.Proofs) != len(keys) {
		return nil, badResponse("asked %d keys at %d, got %d at %d", len(keys), height, len(p.Proofs), p.Height)
	}
	if err := p.Verify(); err != nil {
		return nil, badResponse("%v", err)
	}
	return &p, nil
}

// Account returns an account at the latest height.
func (c *Client) Account(ctx context.Context, addr attest.Address) (*Account, error) {
	return c.account(ctx, addr, nil)
}

// AccountAt returns an account as of height.
func (c *Client) AccountAt(ctx context.Context, addr attest.Address, height uint64) (*Account, error) {
	return c.account(ctx, addr, &height)
}

func (c *Client) account(ctx context.Context, addr attest.Address, height *uint64) (*Account, error) {
	var a Account
	if err := c.call(ctx, &a, "cw_getAccount", rpc.Address(addr), height); err != nil {
		return nil, err
	}
	return &a, nil
}

// BlockEvents returns the receipts and block events of height.
func (c *Client) BlockEvents(ctx context.Context, height uint64) (*BlockEvents, error) {
	var ev BlockEvents
	if err := c.call(ctx, &ev, "cw_getBlockEvents", height); err != nil {
		return nil, err
	}
	return &ev, nil
}

// Validators returns the validator set of the latest height.
func (c *Client) Validators(ctx context.Context) (*Validators, error) {
	return c.validators(ctx, nil)
}

// ValidatorsAt returns the validator set that signs the block at height.
func (c *Client) ValidatorsAt(ctx context.Context, height uint64) (*Validators, error) {
	return c.validators(ctx, &height)
}

func (c *Client) validators(ctx context.Context, height *uint64) (*Validators, error) {
	var v Validators
	if err := c.call(ctx, &v, "cw_getValidators", height); err != nil {
		return nil, err
	}
	if _, err := v.Set(); err != nil {
		return nil, badResponse("%v", err)
	}
	return &v, nil
}

// call runs one method, turning the node's errors into *Error.
func (c *Client) call(ctx context.Context, out any, method string, args ...any) error {
	if err := c.rpc.CallContext(ctx, out, method, args...); err != nil {
		return fmt.Errorf("%s: %w", method, nodeError(err))
	}
	return nil
}
