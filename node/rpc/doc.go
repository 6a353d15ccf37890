// Package rpc serves a node's JSON-RPC 2.0 API (namespace "cw") over HTTP and
// WebSocket on one listener, with subscriptions to certified headers and
// block events. It owns the wire format: the JSON types, the error codes
// (9xx) and their mapping to JSON-RPC errors.
//
// The package reads the chain through the Backend interface and converts what
// it gets into wire types. It must not import the node's internals (app,
// state, store, consensus); the node driver implements Backend. A slow
// subscriber never blocks the node: each subscription has a bounded buffer
// and is ended with CodeSlowSubscriber when that buffer fills.
//
// Subpackage rpctest holds an in-memory Backend with a signed fake chain, for
// tests of this package and of RPC clients.
package rpc
