package relay

import (
	"context"
	"sync"
)

// CursorStore keeps, per chain id, the last height whose observation the
// relay has fully handled. Get returns 0 for a chain never set.
type CursorStore interface {
	Get(ctx context.Context, chainID string) (uint64, error)
	Set(ctx context.Context, chainID string, height uint64) error
}

// MemCursorStore is an in-memory CursorStore, for tests and for a relay
// that starts from a configured height on every run.
type MemCursorStore struct {
	mu sync.Mutex
	m  map[string]uint64
}

// NewMemCursorStore returns an empty store.
func NewMemCursorStore() *MemCursorStore { return &MemCursorStore{m: make(map[string]uint64)} }

// Get returns chainID's cursor.
func (s *MemCursorStore) Get(_ context.Context, chainID string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[chainID], nil
}

// Set stores chainID's cursor.
func (s *MemCursorStore) Set(_ context.Context, chainID string, height uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[chainID] = height
	return nil
}
