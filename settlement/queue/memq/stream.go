package memq

import (
	"container/heap"
	"sort"
	"strconv"
	"time"

	"github.com/causeway/causeway/settlement/queue"
)

// compactMin is the number of removed entries a stream tolerates before it
// considers compacting its entry slice (it compacts once they are also half
// of the slice, which keeps removal amortised O(1)).
const compactMin = 64

// entry is one ready or pending job, numbered in stream order.
type entry struct {
	seq  uint64
	job  queue.Job
	gone bool // acknowledged, retried or trimmed; dropped at compaction
}

// claim records which consumer of a group holds a delivered entry.
type claim struct {
	consumer string
	since    time.Time // delivery or reclaim: the start of the idle period
}

// group is a consumer group's cursor and its delivered, unacknowledged
// entries (Redis' pending entries list).
type group struct {
	last    uint64
	pending map[uint64]*claim
}

// stream mirrors a Redis stream with its dedupe index and delayed set.
// Invariant: jobs[k] == e.seq for every live entry e with key k; a delayed
// job has jobs[k] == 0 (sequences start at 1).
type stream struct {
	seq     uint64
	entries []*entry          // ascending seq, live and gone
	gone    int               // gone entries still in entries
	jobs    map[string]uint64 // dedupe index: job key -> entry seq, 0 while delayed
	delayed delayHeap
	groups  map[string]*group
	wake    chan struct{} // closed when an entry is appended while waited on
	waited  bool
}

func newStream() *stream {
	return &stream{jobs: make(map[string]uint64), groups: make(map[string]*group), wake: make(chan struct{})}
}

// add enqueues job unless its key is outstanding.
func (s *stream) add(job queue.Job, now time.Time, maxLen int) bool {
	if _, ok := s.jobs[job.Key]; ok {
		return false
	}
	s.place(job, now, maxLen)
	return true
}

// place makes job ready, or delays it until NotBefore.
func (s *stream) place(job queue.Job, now time.Time, maxLen int) {
	if job.NotBefore.After(now) {
		heap.Push(&s.delayed, job)
		s.jobs[job.Key] = 0
		return
	}
	s.append(job, maxLen)
}

func (s *stream) append(job queue.Job, maxLen int) {
	s.seq++
	s.entries = append(s.entries, &entry{seq: s.seq, job: job})
	s.jobs[job.Key] = s.seq
	s.trim(maxLen)
	if s.waited {
		close(s.wake)
		s.wake = make(chan struct{})
		s.waited = false
	}
}

// waiter returns a channel closed when the next entry is appended.
func (s *stream) waiter() <-chan struct{} {
	s.waited = true
	return s.wake
}

// trim drops the oldest entries beyond maxLen, pending or not, and forgets
// them everywhere, as XADD MAXLEN does.
func (s *stream) trim(maxLen int) {
	for i := 0; len(s.entries)-s.gone > maxLen; i++ {
		e := s.entries[i]
		if e.gone {
			continue
		}
		delete(s.jobs, e.job.Key)
		for _, g := range s.groups {
			delete(g.pending, e.seq)
		}
		s.remove(e)
	}
	s.compact()
}

// promote makes ready every delayed job due by now, earliest first.
func (s *stream) promote(now time.Time, maxLen int) {
	for len(s.delayed) > 0 && !s.delayed[0].NotBefore.After(now) {
		s.append(heap.Pop(&s.delayed).(queue.Job), maxLen)
	}
}

// nextDue is when the earliest delayed job falls due.
func (s *stream) nextDue() (time.Time, bool) {
	if len(s.delayed) == 0 {
		return time.Time{}, false
	}
	return s.delayed[0].NotBefore, true
}

// read delivers up to n entries the group has not seen, in order.
func (s *stream) read(name, groupName, consumer string, n int, now time.Time) []queue.Delivery {
	g := s.group(groupName)
	var out []queue.Delivery
	for i := s.after(g.last); i < len(s.entries) && len(out) < n; i++ {
		e := s.entries[i]
		g.last = e.seq
		if e.gone {
			continue
		}
		g.pending[e.seq] = &claim{consumer: consumer, since: now}
		out = append(out, delivery(name, groupName, consumer, e))
	}
	return out
}

// ack completes the job held by entry seq, if it is still that entry's.
func (s *stream) ack(groupName, key string, seq uint64) {
	if g := s.groups[groupName]; g != nil {
		delete(g.pending, seq)
	}
	if at, ok := s.jobs[key]; !ok || at != seq {
		return
	}
	delete(s.jobs, key)
	if e := s.find(seq); e != nil {
		s.remove(e)
		s.compact()
	}
}

// retry re-places the job of d, held by entry seq, with the next attempt.
// It reports false when d's consumer no longer holds the job.
func (s *stream) retry(d queue.Delivery, seq uint64, notBefore, now time.Time, maxLen int) bool {
	g := s.groups[d.Group]
	if at, ok := s.jobs[d.Key]; !ok || at != seq || g == nil {
		return false
	}
	if c := g.pending[seq]; c == nil || c.consumer != d.Consumer {
		return false
	}
	e := s.find(seq)
	if e == nil {
		return false
	}
	delete(g.pending, seq)
	delete(s.jobs, d.Key)
	s.remove(e)
	s.compact()
	job := e.job
	job.Attempt++
	job.NotBefore = notBefore
	s.place(job.Canonical(), now, maxLen)
	return true
}

// reclaim gives consumer up to n of the group's entries idle for minIdle.
func (s *stream) reclaim(name, groupName, consumer string, minIdle time.Duration, n int, now time.Time) []queue.Delivery {
	g := s.groups[groupName]
	if g == nil {
		return nil
	}
	var out []queue.Delivery
	for _, seq := range sortedSeqs(g.pending) {
		if len(out) == n {
			break
		}
		c := g.pending[seq]
		if now.Sub(c.since) < minIdle {
			continue
		}
		e := s.find(seq)
		if e == nil {
			delete(g.pending, seq) // trimmed: XAUTOCLAIM drops such entries too
			continue
		}
		c.consumer, c.since = consumer, now
		out = append(out, delivery(name, groupName, consumer, e))
	}
	return out
}

func (s *stream) depth(groupName string) queue.Depth {
	d := queue.Depth{Ready: int64(len(s.entries) - s.gone), Delayed: int64(len(s.delayed))}
	if g := s.groups[groupName]; g != nil {
		d.Pending = int64(len(g.pending))
		d.Ready = max(d.Ready-d.Pending, 0)
	}
	return d
}

// group returns the named group, creating it at the start of the stream.
func (s *stream) group(name string) *group {
	g := s.groups[name]
	if g == nil {
		g = &group{pending: make(map[uint64]*claim)}
		s.groups[name] = g
	}
	return g
}

// after is the index of the first entry with a sequence above seq.
func (s *stream) after(seq uint64) int {
	return sort.Search(len(s.entries), func(i int) bool { return s.entries[i].seq > seq })
}

// find returns the live entry seq, or nil.
func (s *stream) find(seq uint64) *entry {
	i := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].seq >= seq })
	if i == len(s.entries) || s.entries[i].seq != seq || s.entries[i].gone {
		return nil
	}
	return s.entries[i]
}

func (s *stream) remove(e *entry) {
	e.gone = true
	s.gone++
}

// compact drops gone entries once they are many and half the slice.
func (s *stream) compact() {
	if s.gone < compactMin || 2*s.gone < len(s.entries) {
		return
	}
	live := make([]*entry, 0, len(s.entries)-s.gone)
	for _, e := range s.entries {
		if !e.gone {
			live = append(live, e)
		}
	}
	s.entries, s.gone = live, 0
}

func delivery(name, group, consumer string, e *entry) queue.Delivery {
	return queue.Delivery{
		Job: e.job, Stream: name, Group: group, Consumer: consumer,
		ID: strconv.FormatUint(e.seq, 10),
	}
}

// delayHeap orders delayed jobs by NotBefore, then key, as the Redis
// queue's sorted set does.
type delayHeap []queue.Job

func (h delayHeap) Len() int { return len(h) }
func (h delayHeap) Less(i, j int) bool {
	if !h[i].NotBefore.Equal(h[j].NotBefore) {
		return h[i].NotBefore.Before(h[j].NotBefore)
	}
	return h[i].Key < h[j].Key
}
func (h delayHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *delayHeap) Push(x any)   { *h = append(*h, x.(queue.Job)) }
func (h *delayHeap) Pop() any {
	old := *h
	job := old[len(old)-1]
	*h = old[:len(old)-1]
	return job
}
