package apptest

import (
	"errors"

	"github.com/causeway/causeway/node/app"
)

// ErrInjected is the error a Faulty state returns for an injected failure.
var ErrInjected = errors.New("injected state failure")

// Op names a State operation for fault injection.
type Op string

// Operations a Faulty state can fail.
const (
	OpGet    Op = "get"
	OpSet    Op = "set"
	OpDelete Op = "delete"
)

// Faulty wraps a State and fails the operations FailOn selects with
// ErrInjected, standing in for a disk or trie failure.
type Faulty struct {
	app.State
	FailOn func(op Op, key []byte) bool
}

// Get fails when FailOn(OpGet, key).
func (f *Faulty) Get(key []byte) ([]byte, error) {
	if f.FailOn(OpGet, key) {
		return nil, ErrInjected
	}
	return f.State.Get(key)
}

// Set fails when FailOn(OpSet, key).
func (f *Faulty) Set(key, value []byte) error {
	if f.FailOn(OpSet, key) {
		return ErrInjected
	}
	return f.State.Set(key, value)
}

// Delete fails when FailOn(OpDelete, key).
func (f *Faulty) Delete(key []byte) error {
	if f.FailOn(OpDelete, key) {
		return ErrInjected
	}
	return f.State.Delete(key)
}
