package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// keys add prints the key alone on stdout and stores only its hash; list
// never shows a secret; revoke marks the key revoked.
func TestGatewayKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "gateway.toml")
	require.NoError(t, os.WriteFile(cfg, []byte(`store = "sqlite:state/gateway.db"`+"\n"), 0o600))

	r := causeway(t, "gateway", "keys", "add", "--config", cfg, "--client", "exchange", "--rate", "5", "--burst", "10")
	requireOK(t, r)
	key := strings.TrimSpace(r.stdout)
	id, secret, err := api.ParseAPIKey(key)
	require.NoError(t, err, r.stdout)
	require.Contains(t, r.stderr, "cannot be shown again")
	require.NotContains(t, r.stderr, secret)

	store, err := backend.OpenStore(t.Context(), "sqlite:"+filepath.Join(dir, "state", "gateway.db"), backend.StoreOptions{})
	require.NoError(t, err)
	defer store.Close()
	k, err := store.GetAPIKey(t.Context(), id)
	require.NoError(t, err)
	require.Equal(t, "exchange", k.ClientID)
	require.True(t, api.SecretMatches(secret, k.Hash))
	require.Equal(t, 5, k.RatePerSec)
	require.Equal(t, 10, k.Burst)

	storeURL := "sqlite:" + filepath.Join(dir, "state", "gateway.db")
	requireOK(t, causeway(t, "gateway", "keys", "add", "--store", storeURL, "--client", "other"))
	r = causeway(t, "gateway", "keys", "list", "--store", storeURL)
	requireOK(t, r)
	require.Regexp(t, regexp.MustCompile(`(?m)^`+id+`\s+exchange\s+\S+\s+-\s+5\s+10$`), r.stdout)
	require.Contains(t, r.stdout, "other")
	require.NotContains(t, r.stdout, secret)
	r = causeway(t, "gateway", "keys", "list", "--config", cfg, "--client", "other")
	requireOK(t, r)
	require.NotContains(t, r.stdout, id)

	r = causeway(t, "gateway", "keys", "revoke", id, "--config", cfg)
	requireOK(t, r)
	require.Contains(t, r.stdout, "revoked API key "+id)
	k, err = store.GetAPIKey(t.Context(), id)
	require.NoError(t, err)
	require.True(t, k.Revoked())
	r = causeway(t, "gateway", "keys", "list", "--config", cfg, "--client", "exchange")
	requireOK(t, r)
	require.NotRegexp(t, `(?m)^`+id+`\s+exchange\s+\S+\s+-`, r.stdout, "shown revoked")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gateway", "keys", "revoke", "0123456789ab", "--config", cfg}, `no API key "0123456789ab"`},
		{[]string{"gateway", "keys", "add", "--config", cfg, "--client", "Bad_Client"}, `--client "Bad_Client"`},
		{[]string{"gateway", "keys", "add", "--config", cfg, "--client", "x", "--rate", "-1"}, "--rate and --burst"},
		{[]string{"gateway", "keys", "list"}, "--config FILE or --store URL is required"},
		{[]string{"gateway", "keys", "list", "--config", filepath.Join(dir, "missing.toml")}, "missing.toml"},
		{[]string{"gateway"}, "--config FILE is required"},
		{[]string{"gateway", "--config", cfg}, "invalid config"},
	} {
		r := causeway(t, tc.args...)
		require.Equal(t, exitError, r.code, "%v: %s", tc.args, r.stdout)
		require.Contains(t, r.stderr, tc.want, "%v", tc.args)
	}
}
