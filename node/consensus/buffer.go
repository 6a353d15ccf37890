package consensus

import "github.com/causeway/causeway/attest"

// MaxBufferedPerValidator bounds the messages for the next height kept per
// validator: enough for a proposal and both votes of a couple of rounds.
// Anything dropped comes back with the sender's next Tick.
const MaxBufferedPerValidator = 8

// bufferKey identifies a buffered message for dedup.
type bufferKey struct {
	from  attest.Address
	kind  uint8 // 0 proposal, else the vote type
	round uint32
	hash  attest.Hash
}

// nextHeightBuffer keeps messages for height+1, in arrival order, until
// StartHeight of that height replays them.
type nextHeightBuffer struct {
	height uint64
	events []Event
	seen   map[bufferKey]bool
	count  map[attest.Address]int
}

// reset empties the buffer and makes it accept messages for height.
func (b *nextHeightBuffer) reset(height uint64) {
	*b = nextHeightBuffer{height: height}
}

// add buffers ev from validator from, unless it is a duplicate or from has
// used its share.
func (b *nextHeightBuffer) add(from attest.Address, key bufferKey, ev Event) {
	if b.seen[key] || b.count[from] >= MaxBufferedPerValidator {
		return
	}
	if b.seen == nil {
		b.seen = make(map[bufferKey]bool)
		b.count = make(map[attest.Address]int)
	}
	b.seen[key] = true
	b.count[from]++
	b.events = append(b.events, ev)
}

// take returns the buffered events if they are for height, and empties the buffer.
func (b *nextHeightBuffer) take(height uint64) []Event {
	var out []Event
	if b.height == height {
		out = b.events
	}
	b.reset(height + 1)
	return out
}
