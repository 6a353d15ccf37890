package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/causeway/causeway/settlement/gateway/api"
)

// Media types the server writes.
const (
	contentTypeJSON = "application/json"
	contentTypeYAML = "application/yaml"
)

// writeJSON writes v as the JSON body of a status response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := encodeJSON(v)
	if err != nil {
		writeProblem(w, api.NewProblem(api.CodeInternal, "encode response"))
		return
	}
	writeBody(w, status, contentTypeJSON, body)
}

// encodeJSON is the response encoding: no HTML escaping (addresses and
// URLs stay readable), one trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeProblem writes p as application/problem+json with its status.
func writeProblem(w http.ResponseWriter, p *api.Problem) {
	body, err := encodeJSON(p)
	if err != nil { // a Problem always encodes; keep the status regardless
		body = []byte(`{"code":"internal"}`)
	}
	writeBody(w, p.Status, api.ContentTypeProblem, body)
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// paramProblem is a problem about one query or path parameter.
func paramProblem(name, msg string) *api.Problem {
	return fieldProblem(api.CodeInvalidParameter, name, msg)
}
