// Package node assembles a validator: consensus driver, mempool, transport,
// block store, state and the on-chain modules, and the JSON-RPC server.
//
// Subpackages own one part each; this package wires them together. Nothing
// under node imports relay or settlement.
package node
