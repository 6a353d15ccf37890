package chains

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/rpc"
)

func TestEndOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  string
		code int // 0: not an end
	}{
		{"slow subscriber", `{"error":{"code":904,"message":"behind","data":{"code":904,"name":"slow_subscriber"}}}`, rpc.CodeSlowSubscriber},
		{"no data", `{"error":{"code":-32603,"message":"x"}}`, rpc.CodeInternal},
		{"head", `{"header":{"height":1},"qc":{},"rlp":"0x"}`, 0},
		{"null error", `{"error":null}`, 0},
		{"not json", `nope`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := endOf(json.RawMessage(tt.msg))
			if tt.code == 0 {
				require.NoError(t, err)
				return
			}
			code, ok := ErrorCode(err)
			require.True(t, ok)
			require.Equal(t, tt.code, code)
		})
	}
}

func FuzzEndOf(f *testing.F) {
	f.Add(`{"error":{"code":904,"message":"m","data":{"code":904,"name":"slow_subscriber"}}}`)
	f.Add(`{"error":{"code":1}}`)
	f.Add(`{"header":{}}`)
	f.Fuzz(func(t *testing.T, msg string) {
		err := endOf(json.RawMessage(msg))
		if err == nil {
			return
		}
		var e *Error
		require.True(t, errors.As(err, &e))
		require.NotEmpty(t, e.Name)
	})
}

func FuzzErrorData(f *testing.F) {
	f.Add(`{"code":902,"name":"not_found"}`)
	f.Add(`{"code":"x"}`)
	f.Add(`[1,2]`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, data string) {
		var v any
		if json.Unmarshal([]byte(data), &v) != nil {
			return
		}
		if d := errorData(v); d != nil {
			require.False(t, d.Code == 0 && d.Name == "")
		}
	})
}
