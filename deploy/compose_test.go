package deploy

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// composeDir holds the compose file and what its init service mounts.
const composeDir = "compose"

// healthURL is the http:// URL a healthcheck asks, "" when it asks none.
func healthURL(t *testing.T, svc any) *url.URL {
	t.Helper()
	for _, a := range list(get(svc, "healthcheck", "test")) {
		if s := str(a); strings.HasPrefix(s, "http://") {
			u, err := url.Parse(s)
			require.NoError(t, err)
			return u
		}
	}
	return nil
}

// The compose services' healthchecks ask real endpoints: /readyz on the
// admin port of the relay's and the gateways' configs, JSON-RPC on the
// port a validator's config serves it; every dependency exists and waits
// for something that can become true.
func TestComposeHealthchecksAskRealEndpoints(t *testing.T) {
	t.Parallel()
	doc := yamlDocs(t, filepath.Join(composeDir, "compose.yaml"))[0]
	services, _ := doc["services"].(map[string]any)
	require.NotEmpty(t, services)
	nodeCfg := loadNode(t, filepath.Join(composeDir, "node.toml"))
	relayCfg := loadRelay(t, filepath.Join(composeDir, "relay.toml"))
	gwCfg := loadGateway(t, filepath.Join(composeDir, "gateway.toml"))
	roles := map[string]int{}
	for name, svc := range services {
		cmd := list(get(svc, "command"))
		role := name
		if len(cmd) > 0 {
			role = str(cmd[0])
		}
		roles[role]++
		u := healthURL(t, svc)
		switch role {
		case "node":
			require.NotNil(t, u, name)
			require.Equal(t, port(t, nodeCfg.RPC.ListenAddr), port(t, u.Host), name)
			require.Equal(t, "cw_status", jsonRPCMethod(t, svc), name)
			require.Equal(t, "/data/"+strings.Replace(name, "-", "/v", 1), str(cmd[2]), "%s runs its own home", name)
		case "relay", "gateway":
			require.NotNil(t, u, name)
			admin := relayCfg.AdminListen
			if role == "gateway" {
				admin = gwCfg.AdminListen
				published := str(get(svc, "ports", 0))
				require.True(t, strings.HasSuffix(published, ":"+strconv.Itoa(port(t, gwCfg.Listen))), "%s publishes %s", name, published)
			}
			require.Equal(t, port(t, admin), port(t, u.Host), name)
			require.Equal(t, "/readyz", u.Path, name)
			require.Equal(t, []any{role, "--config", "/data/" + role + "/" + role + ".toml"}, cmd, name)
		case "init":
			require.Nil(t, get(svc, "healthcheck"), "init runs once")
		default:
			require.NotNil(t, get(svc, "healthcheck", "test"), "%s has no healthcheck", name)
		}
		for dep, cond := range asMap(get(svc, "depends_on")) {
			target, ok := services[dep]
			require.True(t, ok, "%s depends on unknown %s", name, dep)
			switch str(get(cond, "condition")) {
			case "service_healthy":
				require.NotNil(t, get(target, "healthcheck", "test"), "%s waits for %s to be healthy, which has no healthcheck", name, dep)
			case "service_completed_successfully":
				require.Equal(t, "init", dep)
			default:
				t.Errorf("%s: depends_on %s: condition %v", name, dep, cond)
			}
		}
	}
	require.Equal(t, 8, roles["node"])
	require.Equal(t, 2, roles["gateway"])
	require.Equal(t, 1, roles["relay"])
}

// The image builds from deploy/Dockerfile with the repository as context,
// and the init service mounts files that exist where init.sh reads them.
func TestComposeBuildAndInitMounts(t *testing.T) {
	t.Parallel()
	doc := yamlDocs(t, filepath.Join(composeDir, "compose.yaml"))[0]
	build := get(doc, "services", "relay", "build")
	ctx := filepath.Join(composeDir, str(get(build, "context")))
	_, err := os.Stat(filepath.Join(ctx, str(get(build, "dockerfile"))))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(ctx, "go.mod"))
	require.NoError(t, err, "the build context is the repository root")

	// init.sh reads its templates from /deploy: everything here but the
	// compose file is mounted there under its own name.
	var mounted, want []string
	for _, v := range list(get(doc, "services", "init", "volumes")) {
		src, dst, _ := strings.Cut(strings.TrimSuffix(str(v), ":ro"), ":")
		if strings.HasPrefix(src, "./") {
			require.Equal(t, "/deploy/"+strings.TrimPrefix(src, "./"), dst)
			mounted = append(mounted, strings.TrimPrefix(src, "./"))
		}
	}
	entries, err := os.ReadDir(composeDir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() != "compose.yaml" {
			want = append(want, e.Name())
		}
	}
	require.ElementsMatch(t, want, mounted)
	require.Equal(t, []any{"/bin/sh", "/deploy/init.sh"}, get(doc, "services", "init", "entrypoint"))
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func jsonRPCMethod(t *testing.T, svc any) string {
	t.Helper()
	for _, a := range list(get(svc, "healthcheck", "test")) {
		if s := str(a); strings.HasPrefix(s, "{") {
			_, after, _ := strings.Cut(s, `"method":"`)
			m, _, _ := strings.Cut(after, `"`)
			return m
		}
	}
	return ""
}
