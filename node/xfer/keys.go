package xfer

import (
	"strconv"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// State key prefixes owned by the module. Packet commitments (xout/) and
// receipts (xin/) use attest.PacketKey and attest.ReceiptKey.
const (
	ClientPrefix    = "client/"    // client/<chain>: ClientState
	HeaderPrefix    = "clienthdr/" // clienthdr/<chain>/<height>: VerifiedHeader
	RoutePrefix     = "route/"     // route/<chain>: Route
	SequencePrefix  = "xseq/"      // xseq/<dst>: last sequence sent to dst
	TaskPrefix      = "xtask/"     // xtask/<dst>/<seq>: Task
	BlockedPrefix   = "xblocked/"  // xblocked/<addr>: present when addr may not receive
	ParamsKey       = "xparams"    // Params
	escrowTag       = "causeway/xfer/escrow/"
	feeTag          = "causeway/xfer/fees"
	voucherSep      = "/"
	decimalBase     = 10
	addressHashTail = len(attest.Address{})
)

// ClientKey is the state key of the light client of chain.
func ClientKey(chain string) []byte { return []byte(ClientPrefix + chain) }

// HeaderKey is the state key of the verified header of chain at height.
func HeaderKey(chain string, height uint64) []byte {
	return []byte(HeaderPrefix + chain + "/" + strconv.FormatUint(height, decimalBase))
}

// RouteKey is the state key of the route with chain.
func RouteKey(chain string) []byte { return []byte(RoutePrefix + chain) }

// SequenceKey is the state key of the last sequence sent to dst.
func SequenceKey(dst string) []byte { return []byte(SequencePrefix + dst) }

// TaskKey is the state key of the task of packet seq sent to dst.
func TaskKey(dst string, seq uint64) []byte {
	return []byte(TaskPrefix + dst + "/" + strconv.FormatUint(seq, decimalBase))
}

// BlockedKey is the state key marking addr as a blocked receiver.
func BlockedKey(addr attest.Address) []byte {
	return append([]byte(BlockedPrefix), app.AddressKey(addr)...)
}

// EscrowAddress is the module account holding what this chain sent to chain
// (and has not had back): the last 20 bytes of
// keccak256("causeway/xfer/escrow/" + chain). No key signs for it.
func EscrowAddress(chain string) attest.Address {
	return moduleAddress(escrowTag + chain)
}

// FeeAddress is the module account holding relay fees until an ack pays them.
func FeeAddress() attest.Address { return moduleAddress(feeTag) }

// VoucherDenom is the denomination a packet of denom from src is credited
// in on this chain when it is not returning home: "<src>/<denom>".
func VoucherDenom(src, denom string) string { return src + voucherSep + denom }

// homePrefix is the prefix a denom carries on chain when it is chain's own
// asset travelling as a voucher elsewhere: "<chain>/".
func homePrefix(chain string) string { return chain + voucherSep }

func moduleAddress(tag string) attest.Address {
	h := attest.Keccak([]byte(tag))
	var a attest.Address
	copy(a[:], h[len(h)-addressHashTail:])
	return a
}
