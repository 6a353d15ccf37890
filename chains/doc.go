// Package chains describes the chains Causeway connects: the genesis document
// and its canonical hash, local testnet generation, and chains.Client, the
// JSON-RPC client every off-chain component uses to talk to a node.
//
// It holds no business rules; those live in node's modules.
package chains
