// Package rpctest provides Backend, an in-memory rpc.Backend over a fake
// chain whose blocks are real: headers hash and chain, quorum certificates are
// signed by the fake validators, state roots are Merkle Patricia roots and
// proofs verify with attest.VerifyProof. Tests of the RPC server and of RPC
// clients (chains.Client, relays) run against it.
//
// It is a test double: it checks only what a client needs to see rejected
// (encoding, chain, signature, nonce) and must not grow business rules.
package rpctest
