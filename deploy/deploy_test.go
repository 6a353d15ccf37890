package deploy

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/settlement/gateway"
)

// Placeholders the compose and Kubernetes templates carry until init.sh or
// generate.sh fills them in, and what the tests put there instead.
var placeholders = strings.NewReplacer(
	"@ALPHA_GENESIS@", "0x"+strings.Repeat("a1", 32),
	"@BETA_GENESIS@", "0x"+strings.Repeat("b2", 32),
	"@PEERS@", `"0x1111111111111111111111111111111111111111@alpha-1:26656"`,
)

func noEnv(string) (string, bool) { return "", false }

// yamlDocs decodes every document of a YAML file.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, path)
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	require.NotEmpty(t, docs, "%s holds no document", path)
	return docs
}

// filesUnder lists the files under dir whose names end in one of exts.
func filesUnder(t *testing.T, dir string, exts ...string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, e := range exts {
			if strings.HasSuffix(p, e) {
				out = append(out, p)
			}
		}
		return nil
	}))
	return out
}

// template reads a config template with its placeholders filled into a
// temporary file of the same name.
func template(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	require.NoError(t, os.WriteFile(out, []byte(placeholders.Replace(string(b))), 0o600))
	return out
}

func loadRelay(t *testing.T, path string) *relay.Config {
	t.Helper()
	c, err := relay.ReadConfig(template(t, path), noEnv)
	require.NoError(t, err, path)
	require.NoError(t, c.Validate(), path)
	return c
}

func loadGateway(t *testing.T, path string) *gateway.Config {
	t.Helper()
	c, err := gateway.ReadConfig(template(t, path), noEnv)
	require.NoError(t, err, path)
	require.NoError(t, c.Validate(), path)
	return c
}

// loadNode reads a node config file as the config of a node home.
func loadNode(t *testing.T, path string) node.Config {
	t.Helper()
	home := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(home, "config"), 0o700))
	b, err := os.ReadFile(template(t, path))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(home, node.ConfigFile), b, 0o600))
	c, err := node.ReadConfig(home, noEnv)
	require.NoError(t, err, path)
	require.NoError(t, c.Validate(), path)
	return c
}

// port is the port of a host:port.
func port(t *testing.T, hostport string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(hostport)
	require.NoError(t, err, hostport)
	n, err := strconv.Atoi(p)
	require.NoError(t, err, hostport)
	return n
}

func TestEveryYAMLFileParses(t *testing.T) {
	t.Parallel()
	files := filesUnder(t, ".", ".yaml", ".yml")
	require.GreaterOrEqual(t, len(files), 8, "compose and Kubernetes files: %v", files)
	for _, f := range files {
		yamlDocs(t, f)
	}
}

// Every example and template config loads through its component's loader.
func TestEveryConfigLoads(t *testing.T) {
	t.Parallel()
	files := filesUnder(t, ".", ".toml")
	require.NotEmpty(t, files)
	for _, f := range files {
		name := filepath.Base(f)
		switch {
		case strings.HasPrefix(name, "node"):
			loadNode(t, f)
		case strings.HasPrefix(name, "relay"):
			loadRelay(t, f)
		case strings.HasPrefix(name, "gateway"):
			loadGateway(t, f)
		default:
			t.Errorf("%s: no loader for this config; name it node*, relay* or gateway*", f)
		}
	}
}
