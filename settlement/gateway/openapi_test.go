package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// spec is the parsed openapi.yaml.
type spec map[string]any

func loadSpec(t *testing.T) spec {
	t.Helper()
	var m map[string]any // not spec: the decoder would give nested maps its type
	require.NoError(t, yaml.Unmarshal(openAPI, &m))
	require.Equal(t, "3.1.0", m["openapi"])
	return spec(m)
}

// node walks a path of map keys.
func node(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// resolve follows a local $ref.
func (s spec) resolve(t *testing.T, schema map[string]any) map[string]any {
	t.Helper()
	for {
		ref, ok := schema["$ref"].(string)
		if !ok {
			return schema
		}
		target, ok := node(map[string]any(s), strings.Split(strings.TrimPrefix(ref, "#/"), "/")...).(map[string]any)
		require.True(t, ok, "unresolvable %s", ref)
		schema = target
	}
}

// Every route the server registers is documented with its method, and
// every documented operation is served.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	var served []string
	for _, rt := range (&server{}).routes() {
		served = append(served, rt.method+" "+rt.path)
	}
	served = append(served, http.MethodGet+" "+api.StreamPath)
	var documented []string
	for path, item := range node(map[string]any(s), "paths").(map[string]any) {
		for method := range item.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	require.Equal(t, served, documented)
}

// The problem code enum is the registry, no more and no less.
func TestOpenAPIDocumentsEveryProblemCode(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	var documented []string
	for _, c := range node(map[string]any(s), "components", "schemas", "ProblemCode", "enum").([]any) {
		documented = append(documented, c.(string))
	}
	var registered []string
	for _, c := range api.Codes() {
		registered = append(registered, string(c))
	}
	slices.Sort(documented)
	slices.Sort(registered)
	require.Equal(t, registered, documented)
	desc := node(map[string]any(s), "components", "schemas", "ProblemCode", "description").(string)
	for _, c := range api.Codes() {
		require.Contains(t, desc, string(c)+" "+strconv.Itoa(api.NewProblem(c, "").Status), "the description gives each code's status")
	}
}

// hit is one request of the agreement test and the operation it exercises.
type hit struct {
	method, path, template string
	header                 []string
	body                   []byte
}

// Every answer the server gives matches its documented schema: the status
// is documented for the operation, every object property is declared,
// every required one is present, and values have the documented types,
// enums and patterns.
func TestOpenAPIResponsesMatchSchemas(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	members, relayer, banned := consortiumMembers(t)
	e := newEnv(t, withNodes("beta", members))
	submitted := e.requireAccepted(e.submit("spec", signedBody(e.signedTransfer(sender(t), 3))))
	finished, rejected := seedLifecycles(t, e)
	key := []string{"X-API-Key", e.key}
	post := append([]string{"Content-Type", "application/json", api.HeaderIdempotencyKey, "spec"}, key...)
	addr := attest.AddressOf(e.signer).Hex()
	hits := []hit{
		{method: "POST", path: "/v1/transfers", template: "/v1/transfers", header: post, body: signedBody(e.signedTransfer(sender(t), 4))},
		{method: "POST", path: "/v1/transfers", template: "/v1/transfers", header: post, body: []byte(`{"intent":{"amount":1}}`)},
		{method: "POST", path: "/v1/transfers", template: "/v1/transfers", header: key, body: []byte(`{}`)},
		{method: "GET", path: "/v1/transfers/" + string(submitted.ID), template: "/v1/transfers/{id}", header: key},
		{method: "GET", path: "/v1/transfers/" + string(finished), template: "/v1/transfers/{id}"},
		{method: "GET", path: "/v1/transfers/" + string(rejected), template: "/v1/transfers/{id}"},
		{method: "GET", path: "/v1/transfers/alpha.beta.999", template: "/v1/transfers/{id}"},
		{method: "GET", path: "/v1/transfers?limit=10", template: "/v1/transfers", header: key},
		{method: "GET", path: "/v1/transfers?limit=0", template: "/v1/transfers"},
		{method: "GET", path: "/v1/chains", template: "/v1/chains"},
		{method: "GET", path: "/v1/routes", template: "/v1/routes"},
		{method: "GET", path: "/v1/relayers", template: "/v1/relayers"},
		{method: "GET", path: "/v1/accounts/alpha/" + addr, template: "/v1/accounts/{chain}/{address}"},
		{method: "GET", path: "/v1/accounts/gamma/" + addr, template: "/v1/accounts/{chain}/{address}"},
		{method: "GET", path: "/v1/members/beta/" + relayer.Hex(), template: "/v1/members/{chain}/{address}"},
		{method: "GET", path: "/v1/members/beta/" + banned.Hex(), template: "/v1/members/{chain}/{address}"},
		{method: "GET", path: "/v1/members/alpha/" + addr, template: "/v1/members/{chain}/{address}"},
		{method: "GET", path: "/v1/members/beta?limit=2", template: "/v1/members/{chain}"},
		{method: "GET", path: "/v1/members/alpha", template: "/v1/members/{chain}"},
		{method: "GET", path: "/v1/members/beta?role=king", template: "/v1/members/{chain}"},
		{method: "GET", path: "/v1/members/gamma", template: "/v1/members/{chain}"},
		{method: "GET", path: "/v1/slashes/beta", template: "/v1/slashes/{chain}"},
		{method: "GET", path: "/v1/slashes/beta?limit=1", template: "/v1/slashes/{chain}"},
		{method: "GET", path: "/v1/slashes/beta?cursor=x", template: "/v1/slashes/{chain}"},
		{method: "GET", path: "/v1/reconciliation", template: "/v1/reconciliation"},
		{method: "GET", path: "/v1/chains", template: "/v1/chains", header: []string{"X-API-Key", "bad"}},
		{method: "DELETE", path: "/v1/chains"},
		{method: "GET", path: "/v1/nothing"},
	}
	for _, h := range hits {
		r := e.do(h.method, h.path, h.body, h.header...)
		where := h.method + " " + h.path
		var schema map[string]any
		if h.template != "" {
			resp, ok := node(map[string]any(s), "paths", h.template, strings.ToLower(h.method), "responses", strconv.Itoa(r.status)).(map[string]any)
			require.True(t, ok, "%s: status %d is not documented", where, r.status)
			resp = s.resolve(t, resp)
			media := strings.Split(r.header.Get("Content-Type"), ";")[0]
			schema, ok = node(resp, "content", media, "schema").(map[string]any)
			require.True(t, ok, "%s: %s is not documented for %d", where, media, r.status)
		} else {
			require.Equal(t, api.ContentTypeProblem, r.header.Get("Content-Type"), where)
			schema = node(map[string]any(s), "components", "schemas", "Problem").(map[string]any)
		}
		var v any
		require.NoError(t, json.Unmarshal(r.body, &v), where)
		s.check(t, where, "", v, schema)
	}
}

// seedLifecycles stores a finished and a rejected transfer, so every part
// of the Transfer schema appears in some answer.
func seedLifecycles(t *testing.T, e *env) (finished, rejected settlement.TransferID) {
	t.Helper()
	ctx := t.Context()
	c, _, err := e.store.CreateTransfer(ctx, committedRow(9001, relaytest.FreshAddress()))
	require.NoError(t, err)
	var h attest.Hash
	h[0] = 0xd1
	_, err = e.store.Transition(ctx, c.ID, settlement.StatusSourceCommitted, settlement.StatusDelivered, &settlement.Evidence{
		Height: 10, TxHash: h, Relayer: relaytest.FreshAddress(), Receipt: &settlement.Receipt{Status: settlement.ReceiptOK}})
	require.NoError(t, err)
	h[0] = 0xc1
	_, err = e.store.Transition(ctx, c.ID, settlement.StatusDelivered, settlement.StatusFinished, &settlement.Evidence{
		Height: 11, TxHash: h, Relayer: relaytest.FreshAddress()})
	require.NoError(t, err)
	h[0] = 0x5b
	r, _, err := e.store.CreateTransfer(ctx, &settlement.Transfer{Src: "alpha", Dst: "beta", Status: settlement.StatusSubmitted,
		Sender: relaytest.FreshAddress(), Receiver: relaytest.FreshAddress(), Denom: "USD", Amount: uint256.NewInt(1),
		Fee: uint256.NewInt(0), TimeoutHeight: 5, Source: settlement.StageRecord{TxHash: h}})
	require.NoError(t, err)
	_, err = e.store.Transition(ctx, r.ID, settlement.StatusSubmitted, settlement.StatusRejected,
		&settlement.Evidence{Reason: "insufficient balance", Code: 205})
	require.NoError(t, err)
	require.NoError(t, e.store.SaveReconciliation(ctx, &settlement.Reconciliation{At: time.Now(), Src: "alpha", Dst: "beta",
		Denom: "USD", Escrow: uint256.NewInt(5), Vouchers: uint256.NewInt(4), InFlight: uint256.NewInt(1), OK: true}))
	var tx attest.Hash
	tx[0] = 0x77
	_, err = e.store.CreateSubmission(ctx, &settlement.Submission{Chain: "beta", TxHash: tx, Kind: settlement.KindRecv,
		Signer: relaytest.FreshAddress(), BatchSize: 1, Status: settlement.SubmissionPending})
	require.NoError(t, err)
	return c.ID, r.ID
}

// check validates value v at path against schema.
func (s spec) check(t *testing.T, where, path string, v any, schema map[string]any) {
	t.Helper()
	schema = s.resolve(t, schema)
	at := where + " " + path
	typ, _ := schema["type"].(string)
	if types, ok := schema["type"].([]any); ok { // [T, "null"]
		if v == nil {
			require.Contains(t, types, "null", "%s: null is not allowed", at)
			return
		}
		typ, _ = types[0].(string)
	}
	switch typ {
	case "object":
		obj, ok := v.(map[string]any)
		require.True(t, ok, "%s: want an object, got %T", at, v)
		props, _ := schema["properties"].(map[string]any)
		extra, _ := schema["additionalProperties"].(map[string]any)
		for k, pv := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok && extra != nil {
				ps, ok = extra, true
			}
			require.True(t, ok, "%s: property %q is not declared", at, k)
			s.check(t, where, path+"."+k, pv, ps)
		}
		for _, req := range asList(schema["required"]) {
			require.Contains(t, obj, req, "%s: required property %q missing", at, req)
		}
	case "array":
		arr, ok := v.([]any)
		require.True(t, ok, "%s: want an array, got %T", at, v)
		for i, x := range arr {
			s.check(t, where, fmt.Sprintf("%s[%d]", path, i), x, schema["items"].(map[string]any))
		}
	case "string":
		str, ok := v.(string)
		require.True(t, ok, "%s: want a string, got %T", at, v)
		if p, ok := schema["pattern"].(string); ok {
			require.Regexp(t, regexp.MustCompile(p), str, at)
		}
	case "integer":
		f, ok := v.(float64)
		require.True(t, ok && f == float64(int64(f)), "%s: want an integer, got %v", at, v)
	case "boolean":
		_, ok := v.(bool)
		require.True(t, ok, "%s: want a boolean, got %T", at, v)
	default:
		t.Fatalf("%s: schema without a type: %v", at, schema)
	}
	if enum, ok := schema["enum"].([]any); ok {
		require.Contains(t, enum, v, "%s: not in the enum", at)
	}
}

func asList(v any) []string {
	var out []string
	xs, _ := v.([]any) // nil: nothing listed
	for _, x := range xs {
		out = append(out, x.(string))
	}
	return out
}
