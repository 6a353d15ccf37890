// Package app executes blocks: it decodes each transaction, checks its chain,
// signature and account nonce, dispatches it to the on-chain module named by
// its type ("bank.send" goes to the "bank" module) and records a receipt with a
// stable code.
//
// It owns the Module interface every on-chain module implements, the State
// interface it consumes (implemented by node/state and, for tests, by
// node/app/apptest), the registry of stable rejection codes, receipts and
// events, account nonces and the shared signature cache.
//
// Execution is deterministic: no map iteration reaches the output, no clock,
// no floating point. The package does no I/O of its own and must not import
// consensus, storage, networking or any module.
package app
