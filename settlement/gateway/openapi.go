package gateway

import (
	_ "embed"
	"net/http"
)

// openAPI is the API's description, served at GET /v1/openapi.yaml.
//
//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 description of the API.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

func serveOpenAPI(w http.ResponseWriter, _ *http.Request, _ caller) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeBody(w, http.StatusOK, contentTypeYAML, openAPI)
}
