package store

import (
	"fmt"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
	"go.uber.org/zap"
)

// levels is the number of LSM levels Pebble uses (L0..L6).
const levels = 7

// pebbleOptions turns a Config into Pebble options. What matters for a
// validator, beyond the sizes in Config:
//   - Every block commit is fsynced (pebble.Sync), so the WAL is not synced
//     in the background as well (WALBytesPerSync 0) and commits are not held
//     back to group them (no WALMinSyncInterval): one commit per block.
//   - The on-disk format is pinned, so that upgrading Pebble never ratchets it
//     silently.
func pebbleOptions(cfg Config, cache *pebble.Cache, log *zap.Logger) *pebble.Options {
	opts := &pebble.Options{
		Cache:                       cache,
		MemTableSize:                cfg.MemTableBytes,
		MemTableStopWritesThreshold: cfg.MemTables,
		MaxConcurrentCompactions:    func() int { return cfg.Compactions },
		FormatMajorVersion:          pebble.FormatVirtualSSTables,
		Logger:                      pebbleLogger{log.Sugar()},
		EventListener:               eventListener(log),
		WALBytesPerSync:             0,
	}
	opts.Levels = make([]pebble.LevelOptions, levels)
	for i := range opts.Levels {
		opts.Levels[i] = pebble.LevelOptions{
			FilterPolicy: bloom.FilterPolicy(cfg.BloomBitsPerKey),
			FilterType:   pebble.TableFilter,
			Compression:  pebble.SnappyCompression,
		}
	}
	return opts.EnsureDefaults()
}

// eventListener logs what an operator must see: background errors, write
// stalls and slow disks.
func eventListener(log *zap.Logger) *pebble.EventListener {
	return &pebble.EventListener{
		BackgroundError: func(err error) { log.Error("pebble background error", zap.Error(err)) },
		WriteStallBegin: func(info pebble.WriteStallBeginInfo) {
			log.Warn("pebble write stall", zap.String("reason", info.Reason))
		},
		WriteStallEnd: func() { log.Info("pebble write stall over") },
		DiskSlow: func(info pebble.DiskSlowInfo) {
			log.Warn("pebble disk slow", zap.String("path", info.Path), zap.Duration("duration", info.Duration))
		},
	}
}

// pebbleLogger routes Pebble's own log lines to zap. Pebble's Infof lines
// are start-up chatter, so they go to debug. Fatalf must not return: Pebble
// calls it on a broken invariant, and the process stops there.
type pebbleLogger struct{ log *zap.SugaredLogger }

func (l pebbleLogger) Infof(format string, args ...any) { l.log.Debugf(format, args...) }

func (l pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.log.Error(msg)
	panic("pebble: " + msg)
}
