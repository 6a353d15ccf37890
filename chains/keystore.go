package chains

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/google/uuid"

	"github.com/causeway/causeway/attest"
)

// File modes for key material. Keys and passwords are readable by their owner only.
const (
	keyFileMode = 0o600
	keyDirMode  = 0o700
)

// maxKeyFileBytes bounds what LoadKey and ReadPassword read; a keystore JSON is
// well under 1 KiB, so anything larger is not one.
const maxKeyFileBytes = 64 << 10

var (
	// ErrFileExists is returned by SaveKey and WritePassword when the target
	// file already exists: key material is never overwritten.
	ErrFileExists = errors.New("file already exists; refusing to overwrite")
	// ErrEmptyPassword is returned for an empty password or password file.
	ErrEmptyPassword = errors.New("empty password")
)

// SaveKey encrypts key with password into go-ethereum's keystore JSON format
// and writes it to path with mode 0600, creating the parent directory (0700)
// if needed. It never overwrites: an existing file yields ErrFileExists.
//
// light selects go-ethereum's light scrypt parameters (4 MiB, ~0.1 s), meant
// for devnets and tests; otherwise the standard ones (256 MiB, ~1 s) are used.
func SaveKey(path string, key *ecdsa.PrivateKey, password string, light bool) error {
	if password == "" {
		return fmt.Errorf("save key %s: %w", path, ErrEmptyPassword)
	}
	blob, err := encryptKey(key, password, light)
	if err != nil {
		return fmt.Errorf("save key %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), keyDirMode); err != nil {
		return fmt.Errorf("save key %s: %w", path, err)
	}
	return writeExclusive(path, blob)
}

// LoadKey reads and decrypts a keystore JSON file.
func LoadKey(path, password string) (*ecdsa.PrivateKey, error) {
	blob, err := readSmallFile(path)
	if err != nil {
		return nil, fmt.Errorf("load key: %w", err)
	}
	k, err := keystore.DecryptKey(blob, password)
	if err != nil {
		return nil, fmt.Errorf("load key %s: %w", path, err)
	}
	return k.PrivateKey, nil
}

// KeyFileAddress returns the address recorded in a keystore file without
// decrypting it. The address is not authenticated until LoadKey succeeds.
func KeyFileAddress(path string) (attest.Address, error) {
	blob, err := readSmallFile(path)
	if err != nil {
		return attest.Address{}, fmt.Errorf("read key address: %w", err)
	}
	var doc struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal(blob, &doc); err != nil {
		return attest.Address{}, fmt.Errorf("read key address %s: %w", path, err)
	}
	if !common.IsHexAddress(doc.Address) {
		return attest.Address{}, fmt.Errorf("read key address %s: %q is not an address", path, doc.Address)
	}
	return common.HexToAddress(doc.Address), nil
}

// ReadPassword reads a password file. Trailing line breaks are removed (so
// `echo secret > file` works); an empty password is refused.
func ReadPassword(file string) (string, error) {
	b, err := readSmallFile(file)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("read password %s: %w", file, ErrEmptyPassword)
	}
	return pw, nil
}

// WritePassword writes password to file with mode 0600, refusing to overwrite.
func WritePassword(file, password string) error {
	if password == "" {
		return fmt.Errorf("write password %s: %w", file, ErrEmptyPassword)
	}
	if err := os.MkdirAll(filepath.Dir(file), keyDirMode); err != nil {
		return fmt.Errorf("write password %s: %w", file, err)
	}
	return writeExclusive(file, []byte(password+"\n"))
}

func encryptKey(key *ecdsa.PrivateKey, password string, light bool) ([]byte, error) {
	id, err := uuid.NewRandom()
	if err != nil {
		return nil, fmt.Errorf("generate key id: %w", err)
	}
	n, p := keystore.StandardScryptN, keystore.StandardScryptP
	if light {
		n, p = keystore.LightScryptN, keystore.LightScryptP
	}
	k := &keystore.Key{Id: id, Address: attest.AddressOf(key), PrivateKey: key}
	blob, err := keystore.EncryptKey(k, password, n, p)
	if err != nil {
		return nil, fmt.Errorf("encrypt key: %w", err)
	}
	return blob, nil
}

// writeExclusive creates path (which must not exist) with keyFileMode and
// writes data; a partial file is removed on error.
func writeExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, keyFileMode)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("write %s: %w", path, ErrFileExists)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxKeyFileBytes {
		return nil, fmt.Errorf("read %s: larger than %d bytes", path, maxKeyFileBytes)
	}
	return b, nil
}

// LoadKeystore decodes the keystore file at keystore with its password
// taken from the environment variable passwordEnv when that is set, else
// from passwordFile: how process configs (relay and gateway signers) name
// a key. An error starts with the field at fault — "password_env: …",
// "password_file: …" or "keystore: …" — for the caller to prefix with
// where the fields stand.
func LoadKeystore(keystore, passwordFile, passwordEnv string) (*ecdsa.PrivateKey, error) {
	var password string
	if passwordEnv != "" {
		v, ok := os.LookupEnv(passwordEnv)
		if !ok || v == "" {
			return nil, fmt.Errorf("password_env: $%s is not set or empty", passwordEnv)
		}
		password = v
	} else {
		v, err := ReadPassword(passwordFile)
		if err != nil {
			return nil, fmt.Errorf("password_file: %w", err)
		}
		password = v
	}
	k, err := LoadKey(keystore, password)
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	return k, nil
}
