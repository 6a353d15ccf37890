package node

import (
	"fmt"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Log formats.
const (
	LogFormatJSON    = "json"    // one JSON object per line, for collectors
	LogFormatConsole = "console" // aligned plain text, for people
)

// NewLogger builds the process logger from cfg, writing to stderr. Callers
// pass it down explicitly and derive a named child per module.
func NewLogger(cfg LogConfig) (*zap.Logger, error) {
	return newLogger(cfg, zapcore.Lock(os.Stderr))
}

func newLogger(cfg LogConfig, out zapcore.WriteSyncer) (*zap.Logger, error) {
	if err := checkLogLevel(cfg.Level); err != nil {
		return nil, fmt.Errorf("build logger: log.level: %w", err)
	}
	if err := checkLogFormat(cfg.Format); err != nil {
		return nil, fmt.Errorf("build logger: log.format: %w", err)
	}
	level, _ := zapcore.ParseLevel(cfg.Level)
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "ts"
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	enc.EncodeDuration = zapcore.StringDurationEncoder
	var encoder zapcore.Encoder
	if cfg.Format == LogFormatConsole {
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		encoder = zapcore.NewConsoleEncoder(enc)
	} else {
		encoder = zapcore.NewJSONEncoder(enc)
	}
	core := zapcore.NewCore(encoder, out, level)
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(out), zap.AddStacktrace(zapcore.DPanicLevel)), nil
}

// logLevels are the levels an operator may choose; zap's panic levels are not
// a verbosity setting.
var logLevels = []string{"debug", "info", "warn", "error"}

func checkLogLevel(s string) error {
	for _, l := range logLevels {
		if s == l {
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %v", s, logLevels)
}

func checkLogFormat(s string) error {
	if s != LogFormatJSON && s != LogFormatConsole {
		return fmt.Errorf("%q is not %q or %q", s, LogFormatJSON, LogFormatConsole)
	}
	return nil
}
