// Package bank owns fungible balances of every denomination: the bank.send
// transaction, genesis balances, and the ledger helpers (Transfer, Mint, Burn,
// Balance, Supply) that other modules such as cross-chain escrow and voucher
// mint/burn build on.
//
// State layout (keys are readable paths; addresses are 0x + 40 lowercase hex):
//
//	bal/<addr>/<denom>  balance of addr in denom
//	supply/<denom>      total supply of denom
//
// Both values are unsigned 256-bit integers stored as minimal big-endian
// bytes: 1 to 32 bytes, no leading zero byte. An absent key is 0 and a zero
// amount is never stored; writing 0 deletes the key. Every supply equals the
// sum of the balances of its denomination.
//
// Events (transfer, mint, burn) carry addresses as 0x + 40 lowercase hex and
// amounts as decimal strings.
//
// The package must not hold state outside app.State and must not know about
// other modules; a broken ledger invariant (supply below a burn, a balance
// overflowing its supply) panics rather than corrupt money.
package bank
