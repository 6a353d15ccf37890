// Package api is the gateway's wire format: the JSON bodies of the REST API
// under /v1, the messages of the WebSocket feed at /v1/stream, the stable
// problem codes of its errors, and the format of API keys. The server
// (settlement/gateway), the feed (settlement/gateway/feed), the tracker page
// and the CLI all speak it; openapi.yaml in settlement/gateway documents it.
//
// It holds types and pure conversions only: no I/O, no HTTP handlers.
package api
