package xfer

import (
	"fmt"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
)

// GetTask returns the task of packet seq sent to dst; ErrNotFound when none.
func GetTask(kv app.KV, dst string, seq uint64) (*Task, error) {
	t, err := loadTask(kv, dst, seq)
	if err == nil && t == nil {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get task %s/%d: %w", dst, seq, err)
	}
	return t, nil
}

// GetReceipt returns the receipt this chain wrote for packet seq from src;
// ErrNotFound when the packet has not been received.
func GetReceipt(kv app.KV, src string, seq uint64) (*attest.PacketReceipt, error) {
	r, err := loadReceipt(kv, src, seq)
	if err == nil && r == nil {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get receipt %s/%d: %w", src, seq, err)
	}
	return r, nil
}

// GetClient returns the light client of chain; ErrNotFound when none.
func GetClient(kv app.KV, chain string) (*ClientState, error) {
	c, err := loadClient(kv, chain)
	if err == nil && c == nil {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get client %s: %w", chain, err)
	}
	return c, nil
}

// GetVerifiedHeader returns what the light client of chain remembers of the
// header it verified at height; ErrNotFound when it verified none there.
func GetVerifiedHeader(kv app.KV, chain string, height uint64) (*VerifiedHeader, error) {
	h, err := loadHeader(kv, chain, height)
	if err == nil && h == nil {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get verified header %s/%d: %w", chain, height, err)
	}
	return h, nil
}

// GetRoute returns the route with chain. A chain without configured limits
// has an empty route (no limits), not an error.
func GetRoute(kv app.KV, chain string) (*Route, error) {
	r, err := loadRoute(kv, chain)
	if err != nil {
		return nil, fmt.Errorf("get route %s: %w", chain, err)
	}
	if r == nil {
		r = &Route{Chain: chain}
	}
	return r, nil
}

// NextSequence is the sequence the next packet sent to dst gets (from 1).
func NextSequence(kv app.KV, dst string) (uint64, error) {
	last, err := lastSequence(kv, dst)
	if err != nil {
		return 0, fmt.Errorf("next sequence to %s: %w", dst, err)
	}
	return last + 1, nil
}

// Escrowed is the amount of denom this chain holds in escrow for the route
// to dst: what it sent there as native asset and has not had back. For the
// conservation invariant it equals the voucher supply of denom on dst plus
// the amounts in flight.
func Escrowed(kv app.KV, dst, denom string) (*uint256.Int, error) {
	return bank.Balance(kv, EscrowAddress(dst), denom)
}

// IsBlocked reports whether addr is a blocked receiver on this chain.
func IsBlocked(kv app.KV, addr attest.Address) (bool, error) { return isBlocked(kv, addr) }

func loadReceipt(kv app.KV, src string, seq uint64) (*attest.PacketReceipt, error) {
	key := attest.ReceiptKey(src, seq)
	b, err := kv.Get(key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if b == nil {
		return nil, nil
	}
	r, err := attest.DecodeReceipt(b)
	if err != nil {
		// %v, not %w: a coded attest error would pass for a rejection.
		return nil, fmt.Errorf("decode %s: %w: %v", key, ErrCorruptState, err)
	}
	return r, nil
}

// Block marks addr as a receiver this chain refuses: packets to it get a
// failed receipt (receiver_blocked) and the sender is refunded. The
// registry blocks members it blacklists or removes.
func Block(kv app.KV, addr attest.Address) error {
	if err := kv.Set(BlockedKey(addr), blockedMark); err != nil {
		return fmt.Errorf("xfer: block %s: %w", addr, err)
	}
	return nil
}

// Unblock lifts Block: the registry unblocks a removed member that
// registers again.
func Unblock(kv app.KV, addr attest.Address) error {
	if err := kv.Delete(BlockedKey(addr)); err != nil {
		return fmt.Errorf("xfer: unblock %s: %w", addr, err)
	}
	return nil
}
