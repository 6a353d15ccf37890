package gateway

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// maxAmountDigits is the length of 2^256-1 in decimal; longer strings are
// refused before parsing.
const maxAmountDigits = 78

// amountRe is a canonical non-negative decimal integer: no sign, spaces,
// fraction, exponent or leading zeros.
var amountRe = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	addressType         = reflect.TypeFor[attest.Address]()
)

// decodeStrict decodes one JSON value into v, a pointer to a struct. It
// refuses what encoding/json lets through: keys that match no field
// exactly (at any depth, including case variants), and trailing data. The
// problem names the field by its JSON path ("intent.from.chain").
func decodeStrict(data []byte, v any) *api.Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return api.NewProblem(api.CodeInvalidJSON, "the request body is empty")
		}
		return api.NewProblem(api.CodeInvalidJSON, err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return api.NewProblem(api.CodeInvalidJSON, "data after the JSON value")
	}
	return decodeValue(raw, reflect.ValueOf(v).Elem(), "")
}

// decodeValue decodes raw into v, walking structs field by field so that
// every error knows its path.
func decodeValue(raw json.RawMessage, v reflect.Value, path string) *api.Problem {
	t := v.Type()
	switch {
	case isObject(t):
		return decodeObject(raw, v, path)
	case t.Kind() == reflect.Pointer && isObject(t.Elem()):
		if isNull(raw) {
			v.SetZero()
			return nil
		}
		nv := reflect.New(t.Elem())
		if p := decodeObject(raw, nv.Elem(), path); p != nil {
			return p
		}
		v.Set(nv)
		return nil
	}
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		return fieldProblem(api.CodeInvalidField, path, "must be "+describe(t))
	}
	return nil
}

func decodeObject(raw json.RawMessage, v reflect.Value, path string) *api.Problem {
	if isNull(raw) {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fieldProblem(api.CodeInvalidField, orBody(path), "must be a JSON object")
	}
	fields := jsonFields(v.Type())
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		i, ok := fields[k]
		if !ok {
			return fieldProblem(api.CodeUnknownField, join(path, k), "is not a field of this object")
		}
		if p := decodeValue(m[k], v.Field(i), join(path, k)); p != nil {
			return p
		}
	}
	return nil
}

// isObject reports whether t is a struct that decodes field by field
// (not one with its own JSON or text decoding, such as time.Time).
func isObject(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	p := reflect.PointerTo(t)
	return !p.Implements(unmarshalerType) && !p.Implements(textUnmarshalerType)
}

// jsonFields maps each exported field's JSON name to its index.
func jsonFields(t reflect.Type) map[string]int {
	out := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = i
	}
	return out
}

// describe names what a JSON value of type t must be, for messages.
func describe(t reflect.Type) string {
	switch {
	case t == addressType:
		return "a 0x-prefixed 20-byte hex address"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		return "a non-negative integer"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "an integer"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	}
	return "a valid " + t.String()
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// fieldProblem is a problem about one field, named in Detail and Errors.
func fieldProblem(code api.Code, field, msg string) *api.Problem {
	p := api.NewProblem(code, field+" "+msg)
	p.Errors = []api.FieldError{{Field: field, Message: msg}}
	return p
}

// parseAmount parses a positive amount: a canonical decimal integer below
// 2^256. field names it in the problem.
func parseAmount(field, s string) (*uint256.Int, *api.Problem) {
	v, p := parseDecimal(field, s)
	if p == nil && v.IsZero() {
		p = fieldProblem(api.CodeInvalidAmount, field, "must be positive")
	}
	return v, p
}

// parseDecimal parses a canonical non-negative decimal integer below 2^256.
func parseDecimal(field, s string) (*uint256.Int, *api.Problem) {
	if s == "" {
		return nil, fieldProblem(api.CodeInvalidAmount, field, "is missing (want a decimal string such as \"100\")")
	}
	if len(s) > maxAmountDigits || !amountRe.MatchString(s) {
		return nil, fieldProblem(api.CodeInvalidAmount, field, "must be a decimal integer without sign, fraction, exponent, spaces or leading zeros")
	}
	v, err := uint256.FromDecimal(s)
	if err != nil {
		return nil, fieldProblem(api.CodeInvalidAmount, field, "must be below 2^256")
	}
	return v, nil
}
