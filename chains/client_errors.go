package chains

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	gethrpc "github.com/ethereum/go-ethereum/rpc"

	"github.com/causeway/causeway/node/rpc"
)

// Error is an error the node answered with. Code is the stable Causeway code
// (1xx attest, 2xx app, 9xx RPC layer; see node/rpc) and Name its
// snake_case name. errors.Is(err, rpc.ErrNotFound) matches on the code.
type Error = rpc.Error

// Client errors that are not the node's.
var (
	// ErrUnsupportedScheme: Dial takes http, https, ws and wss URLs.
	ErrUnsupportedScheme = errors.New("unsupported rpc url scheme")
	// ErrNeedWebSocket: subscriptions need a ws:// or wss:// connection.
	ErrNeedWebSocket = errors.New("subscriptions need a websocket connection")
	// ErrBadResponse: the node's answer is inconsistent (a certified header
	// whose RLP and JSON differ, a proof that does not verify, ...).
	ErrBadResponse = errors.New("bad rpc response")
)

// ErrorCode returns the Causeway code of the node error in err's chain.
func ErrorCode(err error) (int, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return 0, false
}

// nodeError turns a go-ethereum rpc client error into an *Error when the
// node answered with one, keeping transport errors as they are. An HTTP 413
// (request over the node's size limit) becomes CodeLimitExceeded.
func nodeError(err error) error {
	var re gethrpc.Error
	if errors.As(err, &re) {
		obj := rpc.ErrorObject{Code: re.ErrorCode(), Message: re.Error()}
		var de gethrpc.DataError
		if errors.As(err, &de) {
			obj.Data = errorData(de.ErrorData())
		}
		return rpc.FromObject(obj)
	}
	var he gethrpc.HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusRequestEntityTooLarge {
		return fmt.Errorf("%w: %w", rpc.Errorf(rpc.CodeLimitExceeded, "request too large"), err)
	}
	return err
}

// errorData reads Causeway error data out of whatever the JSON decoder made
// of it; nil when it is not Causeway data.
func errorData(v any) *rpc.ErrorData {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var d rpc.ErrorData
	if json.Unmarshal(b, &d) != nil || (d.Code == 0 && d.Name == "") {
		return nil
	}
	return &d
}

func badResponse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadResponse, fmt.Sprintf(format, args...))
}
