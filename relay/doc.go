// Package relay is the chain-facing half of the relay engine: it follows
// chains (Watcher), signs and lands transactions on them (Submitter), and
// carries packets and receipts between two chains (Deliverer, Confirmer),
// updating light clients across validator-set handoffs first.
//
// It owns the conversation with the chains and nothing else: it does not
// persist transfers, queue work or decide when a transfer is stuck. Those
// belong to settlement/, which drives this package through small interfaces
// (CursorStore here is the only state relay asks to keep). relay never
// trusts one node: every proof it forwards is checked by the chain that
// receives it, and every header is cross-checked across endpoints when more
// than one is configured.
package relay
