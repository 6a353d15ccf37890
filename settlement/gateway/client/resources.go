package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// Submit sends a transfer (POST /v1/transfers) under idemKey, the
// Idempotency-Key: sending the same request again with the same key is
// safe and returns the first answer.
func (c *Client) Submit(ctx context.Context, idemKey string, req api.SubmitRequest) (*api.SubmitResponse, error) {
	h := http.Header{}
	h.Set(api.HeaderIdempotencyKey, idemKey)
	var out api.SubmitResponse
	if err := c.do(ctx, http.MethodPost, "/v1/transfers", h, req, &out); err != nil {
		return nil, fmt.Errorf("submit transfer: %w", err)
	}
	return &out, nil
}

// Transfer returns one transfer with its timeline (GET /v1/transfers/{id}).
// An unknown id is an *api.Problem with code not_found.
func (c *Client) Transfer(ctx context.Context, id settlement.TransferID) (*api.Transfer, error) {
	var out api.Transfer
	if err := c.get(ctx, "/v1/transfers/"+url.PathEscape(string(id)), &out); err != nil {
		return nil, fmt.Errorf("get transfer %s: %w", id, err)
	}
	return &out, nil
}

// ListQuery filters GET /v1/transfers; zero fields do not filter.
type ListQuery struct {
	Account attest.Address    // sender or receiver
	Route   string            // "src.dst", see api.RouteID
	Status  settlement.Status //
	Cursor  string            // NextCursor of the previous page
	Limit   int               // 0: the gateway's default page size
}

// List returns one page of transfers, newest first (GET /v1/transfers).
func (c *Client) List(ctx context.Context, q ListQuery) (*api.TransferPage, error) {
	v := url.Values{}
	if q.Account != (attest.Address{}) {
		v.Set("account", q.Account.Hex())
	}
	if q.Route != "" {
		v.Set("route", q.Route)
	}
	if q.Status != "" {
		v.Set("status", string(q.Status))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	path := "/v1/transfers"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out api.TransferPage
	if err := c.get(ctx, path, &out); err != nil {
		return nil, fmt.Errorf("list transfers: %w", err)
	}
	return &out, nil
}

// Chains lists the chains the gateway serves with their heights and
// validators (GET /v1/chains).
func (c *Client) Chains(ctx context.Context) (*api.ChainList, error) {
	var out api.ChainList
	if err := c.get(ctx, "/v1/chains", &out); err != nil {
		return nil, fmt.Errorf("list chains: %w", err)
	}
	return &out, nil
}

// Chain returns the chain with id from Chains, or an *api.Problem with
// code unknown_chain.
func (c *Client) Chain(ctx context.Context, id string) (*api.Chain, error) {
	list, err := c.Chains(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list.Chains {
		if list.Chains[i].ID == id {
			return &list.Chains[i], nil
		}
	}
	return nil, api.NewProblem(api.CodeUnknownChain, fmt.Sprintf("the gateway does not serve chain %q", id))
}

// Routes lists the routes between the chains (GET /v1/routes).
func (c *Client) Routes(ctx context.Context) (*api.RouteList, error) {
	var out api.RouteList
	if err := c.get(ctx, "/v1/routes", &out); err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	return &out, nil
}

// Account returns an account's nonce and balances on chain
// (GET /v1/accounts/{chain}/{address}).
func (c *Client) Account(ctx context.Context, chain string, addr attest.Address) (*api.Account, error) {
	var out api.Account
	if err := c.get(ctx, "/v1/accounts/"+url.PathEscape(chain)+"/"+addr.Hex(), &out); err != nil {
		return nil, fmt.Errorf("get account %s on %s: %w", addr.Hex(), chain, err)
	}
	return &out, nil
}
