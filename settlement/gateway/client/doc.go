// Package client is a Go client of the Causeway gateway API: the REST
// endpoints under /v1 and the WebSocket feed at /v1/stream, speaking the
// wire format of settlement/gateway/api. The CLI (`causeway transfer`,
// `causeway status`) and devnet's demo traffic use it; so can an exchange.
//
// It does HTTP and WebSocket I/O only: no signing, no retries of POSTs
// (a caller retries a submission with the same Idempotency-Key), no state
// beyond the connection pool.
package client
