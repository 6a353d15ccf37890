package gateway

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/gateway/api"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	max := "115792089237316195423570985008687907853269984665640564039457584007913129639935" // 2^256-1
	for _, ok := range []string{"1", "10", "007"[2:], max} {
		v, p := parseAmount("amount", ok)
		require.Nil(t, p, ok)
		require.Equal(t, ok, v.Dec())
	}
	for _, bad := range []string{"", "0", "-1", "+1", " 1", "1 ", "1.5", "1.0", "1e3", "0x10", "010", "١", maxUint256Plus1,
		strings.Repeat("9", maxAmountDigits+1)} {
		_, p := parseAmount("amount", bad)
		require.NotNil(t, p, "%q", bad)
		require.Equal(t, api.CodeInvalidAmount, p.Code, "%q", bad)
		require.Equal(t, "amount", p.Errors[0].Field)
	}
	v, p := parseDecimal("fee", "0")
	require.Nil(t, p, "a fee may be zero")
	require.True(t, v.IsZero())
}

func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]struct {
		code  api.Code
		field string
	}{
		`{"intent":{"from":{"chain":"a","address":"0x12"}}}`: {api.CodeInvalidField, "intent.from.address"},
		`{"intent":{"from":{"chain":5}}}`:                    {api.CodeInvalidField, "intent.from.chain"},
		`{"intent":{"from":{"Chain":"a"}}}`:                  {api.CodeUnknownField, "intent.from.Chain"},
		`{"intent":{"timeout_height":1.5}}`:                  {api.CodeInvalidField, "intent.timeout_height"},
		`{"intent":{"timeout_height":18446744073709551616}}`: {api.CodeInvalidField, "intent.timeout_height"},
		`{"intent":[]}`:        {api.CodeInvalidField, "intent"},
		`{"intent":{},"x":1}`:  {api.CodeUnknownField, "x"},
		`"intent"`:             {api.CodeInvalidField, "body"},
		`{"signed_tx":"ab"} x`: {api.CodeInvalidJSON, ""},
		`{"signed_tx":"ab",}`:  {api.CodeInvalidJSON, ""},
		`{"signed_tx":"ab"`:    {api.CodeInvalidJSON, ""},
		"":                     {api.CodeInvalidJSON, ""},
	} {
		var req api.SubmitRequest
		p := decodeStrict([]byte(body), &req)
		require.NotNil(t, p, body)
		require.Equal(t, want.code, p.Code, "%s: %s", body, p.Detail)
		if want.field != "" {
			require.Equal(t, want.field, p.Errors[0].Field, body)
		}
	}
	var req api.SubmitRequest
	require.Nil(t, decodeStrict([]byte(` {"intent":null,"signed_tx":"0x01"} `), &req))
	require.Nil(t, req.Intent)
	require.Equal(t, "0x01", req.SignedTx)
	require.Nil(t, decodeStrict([]byte(`{"intent":{"from":{"chain":"alpha"},"timeout_seconds":5,"memo":"m"}}`), &req))
	require.Equal(t, "alpha", req.Intent.From.Chain)
	require.EqualValues(t, 5, req.Intent.TimeoutSeconds)
}

// decodeCodes are the only problems decodeStrict gives.
var decodeCodes = []api.Code{api.CodeInvalidJSON, api.CodeUnknownField, api.CodeInvalidField}

func FuzzDecodeStrict(f *testing.F) {
	for _, seed := range []string{`{}`, `{"signed_tx":"0x00"}`, `{"intent":{"from":{"chain":"a","address":"0x0000000000000000000000000000000000000001"},"amount":"1"}}`,
		`{"intent":{"x":1}}`, `[1]`, `{"intent":{"timeout_seconds":-1}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req api.SubmitRequest
		p := decodeStrict(body, &req)
		if p != nil {
			require.True(t, slices.Contains(decodeCodes, p.Code), p.Code)
			return
		}
		// What decodes strictly decodes the same way loosely.
		var loose api.SubmitRequest
		require.NoError(t, json.Unmarshal(body, &loose))
		require.Equal(t, loose, req)
	})
}

func FuzzParseAmount(f *testing.F) {
	for _, seed := range []string{"1", "0", "-1", "1.5", "1e3", maxUint256Plus1, "00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, p := parseAmount("amount", s)
		if p != nil {
			require.Equal(t, api.CodeInvalidAmount, p.Code)
			return
		}
		require.Equal(t, s, v.Dec(), "only the canonical form is accepted")
		require.False(t, v.IsZero())
	})
}
