package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/causeway/causeway/settlement/gateway/api"
)

// Limits and timeouts of a Client.
const (
	// RequestTimeout bounds one REST call when the caller's context has no
	// deadline of its own.
	RequestTimeout = 30 * time.Second
	// MaxResponseBytes bounds a response body read into memory.
	MaxResponseBytes = 16 << 20
	// errorSnippetBytes is how much of a non-problem error body an error
	// quotes.
	errorSnippetBytes = 256
)

// ErrBadURL: the gateway URL is not an absolute http:// or https:// URL.
var ErrBadURL = errors.New("gateway URL must be http:// or https://host[:port]")

// ErrUnexpectedResponse: the gateway answered with a status or body the
// API does not define (a proxy's error page, a truncated body).
var ErrUnexpectedResponse = errors.New("unexpected response")

// Client calls one gateway. It is safe for concurrent use.
type Client struct {
	base   *url.URL
	apiKey string
	// HTTP does the REST calls; replace it to set transport options.
	HTTP *http.Client
	// Feed tunes how Follow and Subscribe keep a feed subscription alive.
	Feed FollowConfig
}

// New returns a client of the gateway at baseURL (scheme and host, e.g.
// http://127.0.0.1:27080; a path prefix is kept) that authenticates with
// apiKey ("" sends no key: public reads only).
func New(baseURL, apiKey string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: %w", baseURL, ErrBadURL)
	}
	return &Client{base: u, apiKey: strings.TrimSpace(apiKey), HTTP: &http.Client{}, Feed: DefaultFollowConfig()}, nil
}

// BaseURL is the gateway's URL as given to New.
func (c *Client) BaseURL() string { return c.base.String() }

// URL is the absolute URL of an API path ("/v1/transfers/…").
func (c *Client) URL(path string) string { return c.base.String() + path }

// authorize adds the API key, when there is one.
func (c *Client) authorize(h http.Header) {
	if c.apiKey != "" {
		h.Set("Authorization", "Bearer "+c.apiKey)
	}
}

// get GETs path and decodes a 200 answer into out.
func (c *Client) get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, nil, out)
}

// do sends one request and decodes a 2xx JSON answer into out; any other
// answer is an error, an *api.Problem when the body is problem+json.
func (c *Client) do(ctx context.Context, method, path string, header http.Header, body any, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, RequestTimeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL(path), rd)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	c.authorize(req.Header)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if len(data) > MaxResponseBytes {
		return fmt.Errorf("%w: body over %d bytes", ErrUnexpectedResponse, MaxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return responseError(resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: HTTP %d: decode body: %w", ErrUnexpectedResponse, resp.StatusCode, err)
	}
	return nil
}

// responseError turns a non-2xx answer into an error: the *api.Problem of a
// problem+json body, or ErrUnexpectedResponse quoting the body's start.
func responseError(resp *http.Response, data []byte) error {
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == api.ContentTypeProblem {
		p := new(api.Problem)
		if err := json.Unmarshal(data, p); err == nil && p.Code != "" {
			if p.Status == 0 {
				p.Status = resp.StatusCode
			}
			return p
		}
	}
	snippet := strings.TrimSpace(string(data))
	if len(snippet) > errorSnippetBytes {
		snippet = snippet[:errorSnippetBytes] + "…"
	}
	return fmt.Errorf("%w: HTTP %d: %s", ErrUnexpectedResponse, resp.StatusCode, snippet)
}

// ProblemCode is the problem code behind err, "" when err is not a
// problem the gateway returned.
func ProblemCode(err error) api.Code {
	var p *api.Problem
	if errors.As(err, &p) {
		return p.Code
	}
	return ""
}
