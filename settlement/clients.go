package settlement

import (
	"context"
	"time"

	"github.com/causeway/causeway/attest"
)

// GatewayStore is what the gateway keeps besides transfers: API keys,
// idempotency records of submissions, and the reads behind its listing
// endpoints. Store includes it, so every store implements it and runs its
// conformance suite.
type GatewayStore interface {
	// CreateAPIKey stores k. An existing key id returns ErrConflict.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// GetAPIKey returns the key with id, revoked or not, or ErrNotFound.
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)
	// ListAPIKeys returns the keys of clientID ("" for all), oldest first.
	ListAPIKeys(ctx context.Context, clientID string) ([]*APIKey, error)
	// RevokeAPIKey marks key id revoked at at. Revoking a revoked key keeps
	// the first time; an unknown id returns ErrNotFound.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error

	// BeginRequest starts, or finds, the request (r.ClientID, r.Key). When
	// none exists it stores r as RequestPending, locked until now+lease, and
	// returns BeginCreated. When one exists it is returned unchanged with
	// BeginInFlight (not done, lock held), BeginDone (its response is
	// stored) — except that a request not done whose lock has expired (its
	// gateway died) is locked again for the caller and returned with
	// BeginClaimed, carrying whatever it recorded (a signed transaction) so
	// the caller resumes it instead of starting over. Exactly one of many
	// concurrent callers gets BeginCreated or BeginClaimed. The caller
	// compares BodyHash itself.
	BeginRequest(ctx context.Context, r *IdempotencyRecord, lease time.Duration) (*IdempotencyRecord, BeginOutcome, error)
	// UpdateRequest records progress on request (clientID, key): a signed
	// transaction (RequestSent) or the final response (RequestDone), and
	// extends its lock by lease. It returns ErrNotFound when the request is
	// gone and ErrConflict when it is already done.
	UpdateRequest(ctx context.Context, clientID, key string, u RequestUpdate, lease time.Duration) (*IdempotencyRecord, error)
	// DeleteRequest forgets a request that changed nothing (refused before
	// anything was signed or sent), so the key may be used again. A done
	// request is never deleted (ErrConflict); an unknown one is not an
	// error.
	DeleteRequest(ctx context.Context, clientID, key string) error
	// PurgeRequests deletes done requests created before before and returns
	// how many it deleted.
	PurgeRequests(ctx context.Context, before time.Time) (int, error)
	// GetRequest returns the request (clientID, key) as stored, or
	// ErrNotFound. It changes nothing: the gateway reads a done request's
	// transaction to send it again when the chain lost it.
	GetRequest(ctx context.Context, clientID, key string) (*IdempotencyRecord, error)
	// AbandonedRequests returns requests not done whose lock expired
	// before before, oldest lock first, at most limit: submissions whose
	// gateway died, or gave up on a chain that did not answer. A caller
	// claims one with BeginRequest before resuming it.
	AbandonedRequests(ctx context.Context, before time.Time, limit int) ([]*IdempotencyRecord, error)

	// LastEventSeq returns the seq of the newest event, 0 when none.
	LastEventSeq(ctx context.Context) (uint64, error)
	// LatestReconciliations returns the newest check of every route and
	// denom, ordered by src, dst, denom.
	LatestReconciliations(ctx context.Context) ([]*Reconciliation, error)
	// RelayerStats summarises relay submissions per chain and signer,
	// ordered by chain then signer.
	RelayerStats(ctx context.Context) ([]RelayerStat, error)
}

// APIKey authenticates one API client. The secret is never stored: only
// its SHA-256. A client may hold several keys (rotation); each key has its
// own id, shown in logs and lists.
type APIKey struct {
	ID       string      `json:"id"`        // public part of the key, [a-z0-9]{8,32}
	ClientID string      `json:"client_id"` // the client its transfers belong to
	Hash     attest.Hash `json:"-"`         // SHA-256 of the secret
	// RatePerSec and Burst override the gateway's default rate limit for
	// this key; 0 keeps the default.
	RatePerSec int       `json:"rate_per_sec,omitzero"`
	Burst      int       `json:"burst,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// Revoked reports whether the key no longer authenticates.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// RequestState is how far a submission behind an Idempotency-Key got.
type RequestState string

// Request states.
const (
	RequestPending RequestState = "pending" // validated, nothing signed or sent yet
	RequestSent    RequestState = "sent"    // a signed transaction exists and may have been sent
	RequestDone    RequestState = "done"    // the response is stored and is replayed
)

// BeginOutcome is what BeginRequest found.
type BeginOutcome int

// BeginRequest outcomes.
const (
	BeginCreated  BeginOutcome = iota + 1 // new request, locked for the caller
	BeginClaimed                          // an abandoned request, locked for the caller to resume
	BeginInFlight                         // another caller holds it
	BeginDone                             // finished; replay its response
)

// IdempotencyRecord is one submission keyed by (ClientID, Key), the
// client's Idempotency-Key header.
type IdempotencyRecord struct {
	ClientID string       `json:"client_id"`
	Key      string       `json:"key"`
	BodyHash attest.Hash  `json:"body_hash"` // SHA-256 of the request body
	State    RequestState `json:"state"`
	// Chain, TxHash and RawTx are the signed transaction, once there is one
	// (RequestSent and after).
	Chain  string      `json:"chain,omitzero"`
	TxHash attest.Hash `json:"tx_hash,omitzero"`
	RawTx  []byte      `json:"raw_tx,omitzero"`
	// TransferID, Status and Response are the answer given (RequestDone).
	TransferID  TransferID `json:"transfer_id,omitzero"`
	Status      int        `json:"status,omitzero"`
	Response    []byte     `json:"response,omitzero"`
	LockedUntil time.Time  `json:"locked_until"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// RequestUpdate moves an IdempotencyRecord forward: to RequestSent with
// Chain, TxHash and RawTx, or to RequestDone with Status and Response (and
// TransferID when one was created).
type RequestUpdate struct {
	State      RequestState
	Chain      string
	TxHash     attest.Hash
	RawTx      []byte
	TransferID TransferID
	Status     int
	Response   []byte
}

// RelayerStat summarises one relay signer's submissions to one chain.
type RelayerStat struct {
	Chain    string         `json:"chain"`
	Signer   attest.Address `json:"signer"`
	Included int            `json:"included"`
	Failed   int            `json:"failed"`
	Pending  int            `json:"pending"`
	Dropped  int            `json:"dropped"`
	// Packets sums the batch sizes of included submissions.
	Packets int       `json:"packets"`
	LastAt  time.Time `json:"last_at"`
}
