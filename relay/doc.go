// Package relay is the relay engine: it turns two or more chains into one
// settlement network.
//
// The chain-facing parts follow chains (Watcher), sign and land
// transactions on them (Submitter), and carry packets and receipts between
// two chains (Deliverer, Confirmer), updating light clients across
// validator-set handoffs first. The Engine ties them to the system of
// record: every height a Watcher observes becomes compare-and-set
// transitions in the settlement store (one batch per certified header) and
// jobs on the stage queues; deliver and confirm workers consume the queues
// in batches; a sweeper enqueues again whatever stays in a stage too long;
// a Reconciler checks conservation through proofs. Service wires an Engine
// from a Config (`causeway relay --config`), with Prometheus metrics and
// /livez and /readyz on an admin listener.
//
// relay never talks SQL or Redis itself: it goes through settlement.Store
// and queue.Queue, so several relay processes can share one store and queue
// without racing. It never trusts one node either: every proof it forwards
// is checked by the chain that receives it, and every header is
// cross-checked across endpoints when more than one is configured.
package relay
