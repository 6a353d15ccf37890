package node

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestNewLogger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cfg       LogConfig
		wantDebug bool
		check     func(t *testing.T, line string)
	}{
		{
			name: "json info", cfg: LogConfig{Level: "info", Format: LogFormatJSON},
			check: func(t *testing.T, line string) {
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &m))
				require.Equal(t, "info", m["level"])
				require.Equal(t, "hello", m["msg"])
				require.Equal(t, "alpha", m["chain_id"])
				require.Contains(t, m, "ts")
			},
		},
		{
			name: "console debug", cfg: LogConfig{Level: "debug", Format: LogFormatConsole}, wantDebug: true,
			check: func(t *testing.T, line string) {
				require.Contains(t, line, "INFO")
				require.Contains(t, line, "hello")
				require.Contains(t, line, `"chain_id": "alpha"`)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			log, err := newLogger(tc.cfg, zapcore.AddSync(&buf))
			require.NoError(t, err)
			log.Debug("noise")
			log.Info("hello", zap.String("chain_id", "alpha"))
			require.NoError(t, log.Sync())

			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if tc.wantDebug {
				require.Len(t, lines, 2)
				lines = lines[1:]
			}
			require.Len(t, lines, 1)
			tc.check(t, lines[0])
		})
	}
}

func TestNewLoggerRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []LogConfig{
		{Level: "verbose", Format: LogFormatJSON},
		{Level: "panic", Format: LogFormatJSON},
		{Level: "info", Format: "logfmt"},
	}
	for _, cfg := range tests {
		_, err := NewLogger(cfg)
		require.Error(t, err, "%+v", cfg)
	}
}
