// Package apptest provides test doubles for code that executes against
// app.State: an in-memory State with snapshots and iteration, a State that
// injects I/O failures, a conformance suite every State implementation runs,
// and helpers to build deterministic keys, genesis documents and signed
// transactions.
//
// It is imported only by tests and benchmarks; production code must not
// depend on it.
package apptest
