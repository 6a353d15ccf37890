package sim

import (
	"container/heap"
	"time"
)

// item is something that happens at a virtual time. seq breaks ties in
// scheduling order, so the queue is deterministic.
type item struct {
	at  time.Duration
	seq uint64
	run func()
}

type itemHeap []item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h itemHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)   { *h = append(*h, x.(item)) }
func (h *itemHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// queue is the simulator's agenda and clock.
type queue struct {
	now   time.Duration
	seq   uint64
	items itemHeap
}

// at schedules run at virtual time t (never in the past).
func (q *queue) at(t time.Duration, run func()) {
	q.seq++
	heap.Push(&q.items, item{at: max(t, q.now), seq: q.seq, run: run})
}

// after schedules run d from now.
func (q *queue) after(d time.Duration, run func()) { q.at(q.now+d, run) }

// next runs the earliest item and reports whether there was one.
func (q *queue) next() bool {
	if len(q.items) == 0 {
		return false
	}
	it := heap.Pop(&q.items).(item)
	q.now = it.at
	it.run()
	return true
}
