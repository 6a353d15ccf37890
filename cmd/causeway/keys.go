package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/causeway/causeway/chains"
)

// Key management: keystores live in HOME/keys/<name>.json.
const (
	keysDir           = "keys"
	keyFileExt        = ".json"
	flagName          = "name"
	flagPasswordFile  = "password-file"
	flagLightKDF      = "light-kdf"
	envKeyPassword    = "CAUSEWAY_KEY_PASSWORD"
	passwordPrompt    = "Password: "
	passwordConfirm   = "Repeat password: "
	keyNamePatternDoc = "letters, digits, '.', '_' and '-', at most 64"
)

var keyNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

var (
	// errNoPassword explains why causeway will not prompt.
	errNoPassword = errors.New("no password given: use --" + flagPasswordFile + " or set " + envKeyPassword +
		" (stdin is not a terminal, so causeway will not prompt)")
	errPasswordMismatch = errors.New("passwords do not match")
	errKeyNotFound      = errors.New("no such key")
)

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage encrypted keys (go-ethereum keystore JSON) in HOME/keys",
		Long: "Keys are secp256k1 keys in go-ethereum's encrypted keystore format, one file per key:\n" +
			"HOME/keys/<name>.json. A node's validator key is the one named \"validator\".\n" +
			"The password comes from --password-file, else $" + envKeyPassword + ", else a prompt\n" +
			"(only when stdin is a terminal).",
	}
	cmd.AddCommand(newKeysNewCmd(), newKeysListCmd(), newKeysShowCmd())
	return cmd
}

func newKeysNewCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "new --name NAME",
		Short: "Generate a key and store it encrypted as HOME/keys/NAME.json",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, _ := cmd.Flags().GetString(flagName)
			if !keyNameRe.MatchString(name) {
				return fmt.Errorf("keys new: --%s %q: want %s", flagName, name, keyNamePatternDoc)
			}
			home, err := homeDir(cmd)
			if err != nil {
				return err
			}
			path := filepath.Join(home, keysDir, name+keyFileExt)
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("keys new %s: %w", path, chains.ErrFileExists)
			}
			pw, err := keyPassword(cmd, true)
			if err != nil {
				return fmt.Errorf("keys new: %w", err)
			}
			key, err := crypto.GenerateKey()
			if err != nil {
				return fmt.Errorf("keys new: generate: %w", err)
			}
			light, _ := cmd.Flags().GetBool(flagLightKDF)
			if err := chains.SaveKey(path, key, pw, light); err != nil {
				return fmt.Errorf("keys new: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", name, crypto.PubkeyToAddress(key.PublicKey).Hex(), path)
			return nil
		},
	}
	cmd.Flags().String(flagName, "", "key name ("+keyNamePatternDoc+")")
	cmd.Flags().String(flagPasswordFile, "", "file holding the password (else $"+envKeyPassword+", else a prompt)")
	cmd.Flags().Bool(flagLightKDF, false, "light scrypt parameters: fast, for devnets and tests only")
	_ = cmd.MarkFlagRequired(flagName)
	return cmd
}

func newKeysListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the keys in HOME/keys with their addresses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries, err := listKeys(cmd)
			if err != nil {
				return err
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "NAME\tADDRESS\tFILE")
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", e.name, e.address, e.path)
			}
			return tw.Flush()
		},
	}
}

func newKeysShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME|ADDRESS",
		Short: "Print a key's address (never the private key)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			entries, err := listKeys(cmd)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if e.name == args[0] || strings.EqualFold(e.address, args[0]) {
					fmt.Fprintln(cmd.OutOrStdout(), e.address)
					return nil
				}
			}
			return fmt.Errorf("keys show %s: %w (see `causeway keys list`)", args[0], errKeyNotFound)
		},
	}
}

type keyEntry struct {
	name, address, path string
}

// listKeys reads the address of every keystore in HOME/keys without
// decrypting; unreadable files are reported on stderr and skipped.
func listKeys(cmd *cobra.Command) ([]keyEntry, error) {
	home, err := homeDir(cmd)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(home, keysDir)
	files, err := filepath.Glob(filepath.Join(dir, "*"+keyFileExt))
	if err != nil {
		return nil, fmt.Errorf("list keys in %s: %w", dir, err)
	}
	sort.Strings(files)
	var out []keyEntry
	for _, f := range files {
		addr, err := chains.KeyFileAddress(f)
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "causeway: skipping %s: %v\n", f, err)
			continue
		}
		out = append(out, keyEntry{name: strings.TrimSuffix(filepath.Base(f), keyFileExt), address: addr.Hex(), path: f})
	}
	return out, nil
}

// keyPassword returns the password from --password-file, $CAUSEWAY_KEY_PASSWORD
// or, only when stdin is a terminal, a prompt (asked twice when confirm is set).
func keyPassword(cmd *cobra.Command, confirm bool) (string, error) {
	if f, _ := cmd.Flags().GetString(flagPasswordFile); f != "" {
		return chains.ReadPassword(f)
	}
	if pw, ok := os.LookupEnv(envKeyPassword); ok {
		if pw == "" {
			return "", fmt.Errorf("%s: %w", envKeyPassword, chains.ErrEmptyPassword)
		}
		return pw, nil
	}
	fd, ok := terminalFD(cmd.InOrStdin())
	if !ok {
		return "", errNoPassword
	}
	pw, err := promptPassword(fd, cmd.ErrOrStderr(), passwordPrompt)
	if err != nil || !confirm {
		return pw, err
	}
	again, err := promptPassword(fd, cmd.ErrOrStderr(), passwordConfirm)
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", errPasswordMismatch
	}
	return pw, nil
}

func terminalFD(r io.Reader) (int, bool) {
	f, ok := r.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	return int(f.Fd()), true
}

func promptPassword(fd int, w io.Writer, prompt string) (string, error) {
	fmt.Fprint(w, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(w)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if len(b) == 0 {
		return "", chains.ErrEmptyPassword
	}
	return string(b), nil
}

// newTable returns a writer that aligns tab-separated columns, two spaces apart.
func newTable(w io.Writer) *tabwriter.Writer {
	const minWidth, tabWidth, padding = 0, 4, 2
	return tabwriter.NewWriter(w, minWidth, tabWidth, padding, ' ', 0)
}
