package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// k8sDir holds the base the generated overlay builds on.
const k8sDir = "k8s"

// get walks a decoded YAML value along keys (map keys, or list indexes as
// ints) and returns nil where the path does not exist.
func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// workload is a Deployment or StatefulSet container with its file.
type workload struct {
	file, name string
	labels     map[string]any
	container  map[string]any
	volumes    []any
}

func k8sDocs(t *testing.T) map[string][]map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	require.NoError(t, err)
	out := map[string][]map[string]any{}
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			out[filepath.Base(f)] = yamlDocs(t, f)
		}
	}
	return out
}

func workloads(t *testing.T, docs map[string][]map[string]any) []workload {
	var out []workload
	for file, ds := range docs {
		for _, d := range ds {
			if d["kind"] != "Deployment" && d["kind"] != "StatefulSet" {
				continue
			}
			pod := get(d, "spec", "template")
			labels, _ := get(pod, "metadata", "labels").(map[string]any)
			for _, c := range list(get(pod, "spec", "containers")) {
				out = append(out, workload{file: file, name: str(get(d, "metadata", "name")), labels: labels,
					container: c.(map[string]any), volumes: list(get(pod, "spec", "volumes"))})
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

// containerPorts maps a container's port names to numbers.
func containerPorts(c map[string]any) map[string]int {
	out := map[string]int{}
	for _, p := range list(c["ports"]) {
		out[str(get(p, "name"))] = get(p, "containerPort").(int)
	}
	return out
}

// probePort resolves a probe's port (a name or a number) to a number, 0 for
// an exec probe.
func probePort(t *testing.T, w workload, probe string) (int, string) {
	t.Helper()
	p := w.container[probe]
	require.NotNil(t, p, "%s/%s has no %s", w.file, w.name, probe)
	var port any
	var path string
	switch {
	case get(p, "httpGet") != nil:
		port, path = get(p, "httpGet", "port"), str(get(p, "httpGet", "path"))
	case get(p, "tcpSocket") != nil:
		port = get(p, "tcpSocket", "port")
	case get(p, "exec") != nil:
		return 0, ""
	default:
		t.Fatalf("%s/%s: %s is neither httpGet, tcpSocket nor exec", w.file, w.name, probe)
	}
	ports := containerPorts(w.container)
	if n, ok := port.(int); ok {
		require.Contains(t, maps(ports), n, "%s/%s %s port", w.file, w.name, probe)
		return n, path
	}
	n, ok := ports[str(port)]
	require.True(t, ok, "%s/%s: %s names port %q, which the container does not declare", w.file, w.name, probe, port)
	return n, path
}

func maps(m map[string]int) []int {
	var out []int
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// Each workload's liveness and readiness probes ask the ports its config
// listens on: a node's JSON-RPC port, the relay's and the gateway's admin
// port (/livez, /readyz).
func TestKubernetesProbesMatchConfigs(t *testing.T) {
	t.Parallel()
	nodeCfg := loadNode(t, filepath.Join(k8sDir, "config", "node.toml"))
	relayCfg := loadRelay(t, filepath.Join(k8sDir, "config", "relay.toml"))
	gwCfg := loadGateway(t, filepath.Join(k8sDir, "config", "gateway.toml"))
	seen := map[string]int{}
	for _, w := range workloads(t, k8sDocs(t)) {
		live, livePath := probePort(t, w, "livenessProbe")
		ready, readyPath := probePort(t, w, "readinessProbe")
		ports := containerPorts(w.container)
		args := list(w.container["args"])
		role := "other"
		if w.container["image"] == "causeway" && len(args) > 0 {
			role = str(args[0])
		}
		seen[role]++
		switch role {
		case "node":
			require.Equal(t, port(t, nodeCfg.RPC.ListenAddr), ports["rpc"], w.name)
			require.Equal(t, port(t, nodeCfg.P2P.ListenAddr), ports["p2p"], w.name)
			require.Equal(t, ports["rpc"], live, w.name)
			require.Equal(t, ports["rpc"], ready, w.name)
			require.Equal(t, []any{"node", "--home", "/data"}, args)
		case "relay", "gateway":
			admin := port(t, relayCfg.AdminListen)
			if role == "gateway" {
				admin = port(t, gwCfg.AdminListen)
				require.Equal(t, port(t, gwCfg.Listen), ports["http"], w.name)
			}
			require.Equal(t, admin, ports["admin"], w.name)
			require.Equal(t, []int{admin, admin}, []int{live, ready}, w.name)
			require.Equal(t, []string{"/livez", "/readyz"}, []string{livePath, readyPath}, w.name)
			require.Equal(t, []any{role, "--config", "/etc/causeway/" + role + ".toml"}, args)
			requireMounted(t, w, "/etc/causeway", role+"-config")
		default:
			require.NotZero(t, ports, "%s/%s declares no port", w.file, w.name)
		}
	}
	require.Equal(t, map[string]int{"node": 2, "relay": 1, "gateway": 1, "other": 2}, seen)
}

// requireMounted checks that the container mounts the Secret secret at dir.
func requireMounted(t *testing.T, w workload, dir, secret string) {
	t.Helper()
	var volume string
	for _, m := range list(w.container["volumeMounts"]) {
		if get(m, "mountPath") == dir {
			volume = str(get(m, "name"))
		}
	}
	require.NotEmpty(t, volume, "%s mounts nothing at %s", w.name, dir)
	for _, v := range w.volumes {
		if get(v, "name") == volume {
			require.Equal(t, secret, get(v, "secret", "secretName"), w.name)
			return
		}
	}
	t.Fatalf("%s: volume %s is not declared", w.name, volume)
}

// Every Service selects pods of a workload and targets ports they declare.
func TestKubernetesServicesTargetDeclaredPorts(t *testing.T) {
	t.Parallel()
	docs := k8sDocs(t)
	ws := workloads(t, docs)
	services := 0
	for file, ds := range docs {
		for _, d := range ds {
			if d["kind"] != "Service" {
				continue
			}
			services++
			sel, _ := get(d, "spec", "selector").(map[string]any)
			require.NotEmpty(t, sel, file)
			var match []workload
			for _, w := range ws {
				ok := true
				for k, v := range sel {
					ok = ok && w.labels[k] == v
				}
				if ok {
					match = append(match, w)
				}
			}
			require.NotEmpty(t, match, "%s: service %s selects no pod", file, get(d, "metadata", "name"))
			for _, p := range list(get(d, "spec", "ports")) {
				target := get(p, "targetPort")
				for _, w := range match {
					_, ok := containerPorts(w.container)[str(target)]
					require.True(t, ok, "%s: service %s targets port %v that %s does not declare", file,
						get(d, "metadata", "name"), target, w.name)
				}
			}
		}
	}
	require.Equal(t, 5, services)
}

// The kustomization lists every manifest, and every listed one exists.
func TestKustomizationListsEveryManifest(t *testing.T) {
	t.Parallel()
	k := yamlDocs(t, filepath.Join(k8sDir, "kustomization.yaml"))[0]
	var listed []string
	for _, r := range list(k["resources"]) {
		listed = append(listed, str(r))
	}
	files, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	require.NoError(t, err)
	var want []string
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			want = append(want, filepath.Base(f))
		}
	}
	slices.Sort(listed)
	require.Equal(t, want, listed)
}

// Every ConfigMap and Secret the base refers to is one generate.sh makes.
func TestGenerateMakesEveryReferencedObject(t *testing.T) {
	t.Parallel()
	refs := map[string]bool{}
	for _, ds := range k8sDocs(t) {
		for _, d := range ds {
			collectRefs(d, refs)
		}
	}
	require.Len(t, refs, 8, "%v", refs)
	script, err := os.ReadFile(filepath.Join(k8sDir, "generate.sh"))
	require.NoError(t, err)
	for name := range refs {
		made := strings.Contains(string(script), "name: "+name)
		for _, chain := range []string{"alpha", "beta"} {
			if generic, ok := strings.CutPrefix(name, chain+"-"); ok {
				made = made || strings.Contains(string(script), "name: "+chain+"-"+generic)
			}
		}
		require.True(t, made, "generate.sh makes no %s", name)
	}
}

// collectRefs gathers the names of ConfigMaps and Secrets v refers to.
func collectRefs(v any, refs map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "secretName":
				refs[str(x)] = true
			case "configMap", "secretKeyRef":
				refs[str(get(x, "name"))] = true
			}
			collectRefs(x, refs)
		}
	case []any:
		for _, x := range v {
			collectRefs(x, refs)
		}
	}
}
