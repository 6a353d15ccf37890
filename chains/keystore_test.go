package chains

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestSaveLoadKey(t *testing.T) {
	t.Parallel()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "keys", "k.json")

	require.NoError(t, SaveKey(path, key, "pw", true))

	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(keyFileMode), st.Mode().Perm())

	got, err := LoadKey(path, "pw")
	require.NoError(t, err)
	require.Equal(t, attest.AddressOf(key), attest.AddressOf(got))

	addr, err := KeyFileAddress(path)
	require.NoError(t, err)
	require.Equal(t, attest.AddressOf(key), addr)

	_, err = LoadKey(path, "wrong")
	require.Error(t, err)

	err = SaveKey(path, key, "pw", true)
	require.ErrorIs(t, err, ErrFileExists)
}

func TestSaveKeyRefusesEmptyPassword(t *testing.T) {
	t.Parallel()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	err = SaveKey(filepath.Join(t.TempDir(), "k.json"), key, "", true)
	require.ErrorIs(t, err, ErrEmptyPassword)
}

func TestReadPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		want    string
		wantErr error
	}{
		{name: "plain", content: "secret", want: "secret"},
		{name: "trailing newline", content: "secret\n", want: "secret"},
		{name: "crlf", content: "secret\r\n", want: "secret"},
		{name: "inner spaces kept", content: " se cret \n", want: " se cret "},
		{name: "empty", content: "", wantErr: ErrEmptyPassword},
		{name: "only newline", content: "\n", wantErr: ErrEmptyPassword},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "pw.txt")
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
			got, err := ReadPassword(path)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestReadPasswordMissingFile(t *testing.T) {
	t.Parallel()
	_, err := ReadPassword(filepath.Join(t.TempDir(), "absent"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestWritePasswordRefusesOverwrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys", "pw.txt")
	require.NoError(t, WritePassword(path, "one"))
	require.ErrorIs(t, WritePassword(path, "two"), ErrFileExists)
	got, err := ReadPassword(path)
	require.NoError(t, err)
	require.Equal(t, "one", got)
}

func TestKeyFileAddressRejectsGarbage(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"not json":    "nope",
		"no address":  `{"version":3}`,
		"bad address": `{"address":"zz"}`,
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "k.json")
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			_, err := KeyFileAddress(path)
			require.Error(t, err)
		})
	}
}

func TestLoadKeystore(t *testing.T) {
	dir := t.TempDir()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	ks := filepath.Join(dir, "k.json")
	require.NoError(t, SaveKey(ks, key, "secret", true))
	pw := filepath.Join(dir, "pw.txt")
	require.NoError(t, WritePassword(pw, "secret"))

	got, err := LoadKeystore(ks, pw, "")
	require.NoError(t, err)
	require.Equal(t, key.D, got.D)
	t.Setenv("CW_TEST_KEY_PASSWORD", "secret")
	got, err = LoadKeystore(ks, "", "CW_TEST_KEY_PASSWORD")
	require.NoError(t, err, "the environment wins over the file")
	require.Equal(t, key.D, got.D)

	_, err = LoadKeystore(ks, pw, "CW_TEST_UNSET_VARIABLE")
	require.ErrorContains(t, err, "password_env: $CW_TEST_UNSET_VARIABLE is not set")
	_, err = LoadKeystore(ks, filepath.Join(dir, "none.txt"), "")
	require.ErrorContains(t, err, "password_file: ")
	require.NoError(t, WritePassword(filepath.Join(dir, "wrong.txt"), "wrong"))
	_, err = LoadKeystore(ks, filepath.Join(dir, "wrong.txt"), "")
	require.ErrorContains(t, err, "keystore: ")
}
