// Package gateway is the Causeway gateway server: the REST API under /v1
// (submit a transfer, read transfers, chains, routes, relayers, accounts and
// reconciliation), the WebSocket feed at /v1/stream and the tracker page at
// /, with API-key authentication, per-client rate limits, idempotent
// submissions and the gateway's operator endpoints. Config describes a
// gateway process; Open wires it into a Service that Run serves.
//
// It owns HTTP: routing, request validation, the submission flow (validate,
// claim the Idempotency-Key, sign when asked, send to the source chain,
// record the transfer) and the resubmission of transactions a chain lost.
// The wire format is settlement/gateway/api's, the feed is
// settlement/gateway/feed's and the page is settlement/gateway/tracker's.
//
// It creates transfers in submitted and moves one on only when its
// transaction can no longer land (submitted → rejected, once the deadline
// has passed unincluded); every other move is the relay's, from what the
// chains say. It must not verify chain cryptography beyond recovering a
// transaction's sender.
package gateway
