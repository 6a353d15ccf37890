package rpctest

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
)

// State key prefixes of the fake xfer records. Commitments and receipts use
// the real keys (attest.PacketKey, attest.ReceiptKey) and values, so their
// proofs verify as a relay would check them; tasks, clients and routes are
// stored as their wire JSON, versioned with the rest of the state.
const (
	TaskPrefix   = "xtask/"
	ClientPrefix = "client/"
	RoutePrefix  = "route/"
)

// TaskKey is the fake state key of the task of packet seq to dst.
func TaskKey(dst string, seq uint64) string {
	return TaskPrefix + dst + "/" + strconv.FormatUint(seq, 10)
}

// SendPacket puts p's commitment and a pending task for it into the state
// the next block commits, as the source chain does for an xfer.transfer.
func (b *Backend) SendPacket(p *attest.Packet) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.working[string(attest.PacketKey(p.Dst, p.Seq))] = attest.PacketCommitment(b.genesis, p)
	b.putJSONLocked(TaskKey(p.Dst, p.Seq), &rpc.Task{Packet: rpc.NewPacket(p), Status: rpc.TaskPending,
		CreatedHeight: uint64(len(b.blocks)) + 1})
}

// AckPacket removes the commitment of packet seq to dst and records the
// task's outcome in the next block, as an xfer.ack does.
func (b *Backend) AckPacket(dst string, seq uint64, status string, receipt *rpc.TaskReceipt) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.working, string(attest.PacketKey(dst, seq)))
	var t rpc.Task
	if !b.getJSON(b.working, TaskKey(dst, seq), &t) {
		panic("rpctest: ack of a packet never sent")
	}
	t.Status, t.ResolvedHeight, t.Receipt = status, uint64(len(b.blocks))+1, receipt
	b.putJSONLocked(TaskKey(dst, seq), &t)
}

// WriteReceipt puts a receipt for packet seq from src into the state the
// next block commits, as the destination does for an xfer.recv.
func (b *Backend) WriteReceipt(src string, seq uint64, r attest.PacketReceipt) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.working[string(attest.ReceiptKey(src, seq))] = attest.EncodeReceipt(&r)
}

// SetLightClient stores c as the light client of c.ChainID from the next block on.
func (b *Backend) SetLightClient(c *rpc.LightClient) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.putJSONLocked(ClientPrefix+c.ChainID, c)
}

// SetRoute stores r as the route with r.Chain from the next block on.
func (b *Backend) SetRoute(r *rpc.Route) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.putJSONLocked(RoutePrefix+r.Chain, r)
}

// CorruptCommitment overwrites the commitment of packet seq to dst in the
// next block, so that it no longer matches its task: a node bug the server
// must not pass on.
func (b *Backend) CorruptCommitment(dst string, seq uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.working[string(attest.PacketKey(dst, seq))] = attest.Keccak([]byte("corrupt")).Bytes()
}

// Task implements rpc.Backend.
func (b *Backend) Task(_ context.Context, dst string, seq, height uint64) (*rpc.Task, error) {
	var t rpc.Task
	ok, err := b.readJSON(height, TaskKey(dst, seq), &t)
	if !ok || err != nil {
		return nil, err
	}
	t.Height = height
	return &t, nil
}

// PacketReceipt implements rpc.Backend from the receipt stored at height.
func (b *Backend) PacketReceipt(_ context.Context, src string, seq, height uint64) (*rpc.PacketReceipt, error) {
	st, err := b.stateAt(height)
	if err != nil {
		return nil, err
	}
	raw, ok := st[string(attest.ReceiptKey(src, seq))]
	if !ok {
		return nil, nil
	}
	r, err := attest.DecodeReceipt(raw)
	if err != nil {
		return nil, err
	}
	return &rpc.PacketReceipt{Height: height, Src: src, Seq: seq, Status: rpc.ReceiptStatusName(r.Status), Code: r.Code}, nil
}

// LightClient implements rpc.Backend.
func (b *Backend) LightClient(_ context.Context, chain string, height uint64) (*rpc.LightClient, error) {
	var c rpc.LightClient
	ok, err := b.readJSON(height, ClientPrefix+chain, &c)
	if !ok || err != nil {
		return nil, err
	}
	c.Height = height
	return &c, nil
}

// Route implements rpc.Backend.
func (b *Backend) Route(_ context.Context, chain string, height uint64) (*rpc.Route, error) {
	var r rpc.Route
	ok, err := b.readJSON(height, RoutePrefix+chain, &r)
	if !ok || err != nil {
		return nil, err
	}
	r.Height = height
	return &r, nil
}

func (b *Backend) stateAt(height uint64) (map[string][]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height >= uint64(len(b.states)) {
		return nil, rpc.Errorf(rpc.CodeNotFound, "no state at height %d", height)
	}
	return b.states[height], nil
}

func (b *Backend) readJSON(height uint64, key string, out any) (bool, error) {
	st, err := b.stateAt(height)
	if err != nil {
		return false, err
	}
	return b.getJSON(st, key, out), nil
}

func (b *Backend) getJSON(st map[string][]byte, key string, out any) bool {
	raw, ok := st[key]
	if !ok {
		return false
	}
	if err := json.Unmarshal(raw, out); err != nil {
		panic("rpctest: stored " + key + ": " + err.Error())
	}
	return true
}

func (b *Backend) putJSONLocked(key string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		panic("rpctest: encode " + key + ": " + err.Error())
	}
	b.working[key] = raw
}
