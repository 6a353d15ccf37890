// Package tomlconf holds what the TOML configurations of causeway's
// processes (node, relay, gateway) share: durations written as strings and
// strict decoding, where a key the configuration does not have is an error.
package tomlconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Duration is a time.Duration written as a string ("300ms") in TOML.
type Duration time.Duration

// Duration returns d as a time.Duration.
func (d Duration) Duration() time.Duration { return time.Duration(d) }

// String formats d as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// UnknownKeysError names the keys of a document its target has no field
// for.
type UnknownKeysError struct {
	Keys []string // dotted, in document order
}

func (e *UnknownKeysError) Error() string { return "unknown key " + strings.Join(e.Keys, ", ") }

// DecodeStrict decodes the TOML document data into v. Keys v has no field
// for are an *UnknownKeysError, returned after the keys that do fit have
// been decoded.
func DecodeStrict(data string, v any) error {
	md, err := toml.Decode(data, v)
	if err != nil {
		return err
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		keys := make([]string, len(extra))
		for i, k := range extra {
			keys[i] = k.String()
		}
		return &UnknownKeysError{Keys: keys}
	}
	return nil
}

// ErrDecode marks a file that was read but does not decode into its
// configuration (bad TOML, a wrong type, an unknown key).
var ErrDecode = errors.New("invalid configuration file")

// DecodeFile reads the TOML file at path, decodes it strictly into v and
// returns the file's absolute directory, against which relative paths in
// it resolve. A file that does not decode is an error wrapping ErrDecode
// and naming path; one that cannot be read is the read error.
func DecodeFile(path string, v any) (dir string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if dir, err = filepath.Abs(filepath.Dir(path)); err != nil {
		return "", err
	}
	if err := DecodeStrict(string(data), v); err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrDecode, path, err)
	}
	return dir, nil
}
