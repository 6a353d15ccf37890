package tomlconf

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type sample struct {
	Wait  Duration `toml:"wait"`
	Inner struct {
		Name string `toml:"name"`
	} `toml:"inner"`
}

func TestDecodeStrict(t *testing.T) {
	var s sample
	require.NoError(t, DecodeStrict("wait = \"1m30s\"\n[inner]\nname = \"x\"\n", &s))
	require.Equal(t, 90*time.Second, s.Wait.Duration())
	require.Equal(t, "x", s.Inner.Name)

	err := DecodeStrict("wiat = \"1s\"\n[inner]\nnmae = \"y\"\n", &s)
	require.EqualError(t, err, "unknown key wiat, inner.nmae")
	var unknown *UnknownKeysError
	require.ErrorAs(t, err, &unknown)
	require.Equal(t, []string{"wiat", "inner.nmae"}, unknown.Keys)

	require.Error(t, DecodeStrict("wait = \"soon\"\n", &s), "not a duration")
	require.Error(t, DecodeStrict("wait = ", &s), "not TOML")
}

func TestDurationText(t *testing.T) {
	d := Duration(250 * time.Millisecond)
	b, err := d.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "250ms", string(b))
	var back Duration
	require.NoError(t, back.UnmarshalText(b))
	require.Equal(t, d, back)
}

func TestDecodeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	require.NoError(t, os.WriteFile(path, []byte("wait = \"2s\"\n"), 0o600))
	var s sample
	got, err := DecodeFile(path, &s)
	require.NoError(t, err)
	require.Equal(t, dir, got)
	require.Equal(t, 2*time.Second, s.Wait.Duration())

	require.NoError(t, os.WriteFile(path, []byte("wiat = \"2s\"\n"), 0o600))
	_, err = DecodeFile(path, &s)
	require.ErrorIs(t, err, ErrDecode)
	require.ErrorContains(t, err, path)
	_, err = DecodeFile(filepath.Join(dir, "missing.toml"), &s)
	require.ErrorIs(t, err, os.ErrNotExist)
	require.NotErrorIs(t, err, ErrDecode)
}
