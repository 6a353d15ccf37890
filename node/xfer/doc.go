// Package xfer is the cross-chain transfer module and the light clients it
// verifies counterparties through (DESIGN §3): xfer.transfer debits a sender
// and commits a packet on the source; xfer.recv credits it on the
// destination against a certified header and a Merkle proof and writes
// exactly one receipt; xfer.ack proves that receipt back and finishes or
// refunds the task. xfer.update_client follows a counterparty's validator-set
// handoff and xfer.misbehaviour freezes a client on two conflicting headers.
//
// State layout (addresses are 0x + 40 lowercase hex, heights and sequences
// decimal):
//
//	xparams                    Params copied from genesis
//	xblocked/<addr>            present when addr may not receive
//	client/<chain>             ClientState: trusted sets, latest height, frozen
//	clienthdr/<chain>/<height> VerifiedHeader: hash and state root of a verified header
//	route/<chain>              Route: limits on packets from chain, window use
//	xseq/<dst>                 last sequence sent to dst (8 bytes big-endian)
//	xout/<dst>/<seq>           packet commitment (attest.PacketCommitment), until the ack
//	xtask/<dst>/<seq>          Task: the packet and its pending/finished/refunded status
//	xin/<src>/<seq>            receipt (attest.EncodeReceipt), written once
//	xearned/<addr>/<denom>     relay fees addr has been paid since genesis
//
// Balances move only through node/bank: a native asset leaving goes into
// the route's escrow account EscrowAddress(dst), a voucher going home
// ("<dst>/..." leaving for dst) is burned, a packet arriving mints the
// voucher "<src>/<denom>" or, for an asset returning home, releases the
// escrow of the route it left by. Relay fees wait in FeeAddress until the
// ack pays them to the relayers of
// its recv and its ack, adding to their earnings.
//
// Rejections carry the stable codes of codes.go (3xx), the app's (2xx) or,
// for a failed signature, QC or proof, attest's (1xx). A rejected
// transaction writes nothing. One check does not reject: a recv, ack or
// update whose header verifies but conflicts with a header the client
// remembers at that height is misbehaviour, and the transaction succeeds
// with only the freeze and a client.frozen event (a rejection would revert
// the freeze). Its packets or receipts are not processed; every later recv
// and ack through the client refuses with CodeClientFrozen.
//
// Per-packet refusals on the destination (timeout, blocked receiver,
// limits, a voucher the bank cannot mint) are not rejections: the packet
// gets a failed or timeout receipt, which refunds the sender on the source.
//
// The package is pure state-machine code: no clock (block height and time
// come from the context), no map iteration reaching state or output, no
// I/O besides app.State. It panics only on a broken internal invariant: an
// escrow or fee account short of what it must pay, a task resolved twice,
// a pending task without its commitment.
package xfer
