package state

import "fmt"

// Snapshot marks the current contents so that RevertToSnapshot can return to
// them, e.g. to undo a failed transaction's writes. Ids are small integers
// handed out in order; reverting to one invalidates it and every later one.
func (o *Overlay) Snapshot() int {
	o.snapshots = append(o.snapshots, len(o.journal))
	return len(o.snapshots) - 1
}

// RevertToSnapshot undoes every write since Snapshot returned id. An id that
// was never handed out, or was already reverted past, is a caller bug and
// panics rather than leave state half-undone.
func (o *Overlay) RevertToSnapshot(id int) {
	if id < 0 || id >= len(o.snapshots) {
		panic(fmt.Sprintf("state: revert to unknown snapshot %d (have %d)", id, len(o.snapshots)))
	}
	mark := o.snapshots[id]
	for i := len(o.journal) - 1; i >= mark; i-- {
		o.undo(o.journal[i])
	}
	o.journal = o.journal[:mark]
	o.snapshots = o.snapshots[:id]
}

// undo restores one key's pending entry. A key that ends with no pending
// write needs the trie only if an earlier flush changed it there.
func (o *Overlay) undo(c change) {
	if c.existed {
		o.pending[c.key] = c.prev
		o.dirty[c.key] = struct{}{}
		return
	}
	delete(o.pending, c.key)
	if _, ok := o.flushed[c.key]; ok {
		o.dirty[c.key] = struct{}{}
	} else {
		delete(o.dirty, c.key)
	}
}
