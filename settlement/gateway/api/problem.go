package api

import "net/http"

// ContentTypeProblem is the media type of every error body (RFC 9457).
const ContentTypeProblem = "application/problem+json"

// ProblemTypeBase prefixes a problem's type URI; the code follows it.
const ProblemTypeBase = "https://causeway.dev/problems/"

// Problem is an error body. Code is stable and is what clients branch on;
// Title is the code's fixed human summary and Detail says what was wrong
// with this request. Errors lists the fields at fault, when any.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Code     Code         `json:"code"`
	Detail   string       `json:"detail,omitzero"`
	Instance string       `json:"instance,omitzero"`
	Errors   []FieldError `json:"errors,omitempty"`
	// ChainCode is the chain's stable rejection code when the chain refused
	// the transaction (tx_refused).
	ChainCode int `json:"chain_code,omitzero"`
}

// FieldError names one bad field by its JSON path ("intent.amount").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Code is a stable problem code.
type Code string

// The problem code registry. Codes are never renamed or reused.
const (
	CodeInvalidJSON         Code = "invalid_json"            // 400 body is not JSON, or trailing data
	CodeUnknownField        Code = "unknown_field"           // 400 a field the schema does not have
	CodeInvalidField        Code = "invalid_field"           // 400 wrong type, missing or malformed field
	CodeInvalidAmount       Code = "invalid_amount"          // 400 not a positive decimal integer below 2^256
	CodeInvalidParameter    Code = "invalid_parameter"       // 400 a bad query or path parameter
	CodeUnknownChain        Code = "unknown_chain"           // 404 a chain the gateway does not serve
	CodeUnknownRoute        Code = "unknown_route"           // 422 no route between the two chains
	CodeBadSignature        Code = "bad_signature"           // 422 the signed transaction does not verify
	CodeInvalidTransaction  Code = "invalid_transaction"     // 422 not a well-formed xfer.transfer
	CodeIdempotencyMissing  Code = "idempotency_key_missing" // 400 POST without Idempotency-Key
	CodeIdempotencyInvalid  Code = "idempotency_key_invalid" // 400 key is empty, too long or has bad characters
	CodeIdempotencyReused   Code = "idempotency_key_reused"  // 422 same key, different body
	CodeIdempotencyInFlight Code = "idempotency_in_flight"   // 409 same key, first request still running
	CodeUnauthorized        Code = "unauthorized"            // 401 missing, malformed, unknown or revoked API key
	CodeForbidden           Code = "forbidden"               // 403 the key may not do this (no signer for that address)
	CodeRateLimited         Code = "rate_limited"            // 429 over the key's rate; see Retry-After
	CodeBodyTooLarge        Code = "body_too_large"          // 413
	CodeUnsupportedMedia    Code = "unsupported_media_type"  // 415 POST body is not application/json
	CodeNotFound            Code = "not_found"               // 404
	CodeMethodNotAllowed    Code = "method_not_allowed"      // 405
	CodeTxRefused           Code = "tx_refused"              // 422 the chain refused the transaction; see chain_code
	CodeChainUnavailable    Code = "chain_unavailable"       // 503 no endpoint of the chain answers
	CodeInternal            Code = "internal"                // 500
	CodeFeedUnavailable     Code = "feed_unavailable"        // 503 the feed is at its connection limit or not running; retry later
)

// codeInfo is each code's HTTP status and title.
var codeInfo = map[Code]struct {
	status int
	title  string
}{
	CodeInvalidJSON:         {http.StatusBadRequest, "Request body is not valid JSON"},
	CodeUnknownField:        {http.StatusBadRequest, "Request has an unknown field"},
	CodeInvalidField:        {http.StatusBadRequest, "Request has an invalid field"},
	CodeInvalidAmount:       {http.StatusBadRequest, "Amount is not a positive integer below 2^256"},
	CodeInvalidParameter:    {http.StatusBadRequest, "Invalid parameter"},
	CodeUnknownChain:        {http.StatusNotFound, "Unknown chain"},
	CodeUnknownRoute:        {http.StatusUnprocessableEntity, "No such route"},
	CodeBadSignature:        {http.StatusUnprocessableEntity, "Signature does not verify"},
	CodeInvalidTransaction:  {http.StatusUnprocessableEntity, "Not a valid transfer transaction"},
	CodeIdempotencyMissing:  {http.StatusBadRequest, "Idempotency-Key header is required"},
	CodeIdempotencyInvalid:  {http.StatusBadRequest, "Idempotency-Key is invalid"},
	CodeIdempotencyReused:   {http.StatusUnprocessableEntity, "Idempotency-Key was used with a different request"},
	CodeIdempotencyInFlight: {http.StatusConflict, "A request with this Idempotency-Key is in progress"},
	CodeUnauthorized:        {http.StatusUnauthorized, "Missing or invalid API key"},
	CodeForbidden:           {http.StatusForbidden, "Not allowed for this API key"},
	CodeRateLimited:         {http.StatusTooManyRequests, "Rate limit exceeded"},
	CodeBodyTooLarge:        {http.StatusRequestEntityTooLarge, "Request body too large"},
	CodeUnsupportedMedia:    {http.StatusUnsupportedMediaType, "Request body must be application/json"},
	CodeNotFound:            {http.StatusNotFound, "Not found"},
	CodeMethodNotAllowed:    {http.StatusMethodNotAllowed, "Method not allowed"},
	CodeTxRefused:           {http.StatusUnprocessableEntity, "The chain refused the transaction"},
	CodeChainUnavailable:    {http.StatusServiceUnavailable, "Chain unavailable"},
	CodeInternal:            {http.StatusInternalServerError, "Internal error"},
	CodeFeedUnavailable:     {http.StatusServiceUnavailable, "Feed unavailable"},
}

// Codes lists every registered code.
func Codes() []Code {
	out := make([]Code, 0, len(codeInfo))
	for c := range codeInfo {
		out = append(out, c)
	}
	return out
}

// NewProblem builds the problem of code with detail. An unregistered code
// is a programming error and becomes internal.
func NewProblem(code Code, detail string) *Problem {
	info, ok := codeInfo[code]
	if !ok {
		code, info = CodeInternal, codeInfo[CodeInternal]
	}
	return &Problem{Type: ProblemTypeBase + string(code), Title: info.title, Status: info.status, Code: code, Detail: detail}
}

// Error makes a Problem usable as an error (the CLI returns it).
func (p *Problem) Error() string {
	if p.Detail != "" {
		return string(p.Code) + ": " + p.Detail
	}
	return string(p.Code) + ": " + p.Title
}
