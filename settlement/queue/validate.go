package queue

import (
	"fmt"
	"time"
)

// Limits on names and jobs. Names become parts of storage keys, so they are
// kept short and to a charset that needs no escaping (and never contains the
// braces Redis Cluster reads as a hash tag).
const (
	MaxNameLen  = 128 // stream, group and consumer names
	MaxKeyLen   = 256 // Job.Key, any bytes
	MaxStageLen = 64  // Job.Stage, any bytes
	MaxAttempt  = 1 << 30
)

// CheckName reports whether name is a valid stream, group or consumer name:
// 1 to MaxNameLen characters from [A-Za-z0-9._:/-].
func CheckName(kind, name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("%s name %q: length must be 1..%d: %w", kind, name, MaxNameLen, ErrInvalid)
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return fmt.Errorf("%s name %q: byte %d outside [A-Za-z0-9._:/-]: %w", kind, name, i, ErrInvalid)
		}
	}
	return nil
}

// CheckJob reports whether job can be enqueued.
func CheckJob(job Job) error {
	switch {
	case job.Key == "" || len(job.Key) > MaxKeyLen:
		return fmt.Errorf("job key %q: length must be 1..%d: %w", job.Key, MaxKeyLen, ErrInvalid)
	case len(job.Stage) > MaxStageLen:
		return fmt.Errorf("job %q: stage longer than %d: %w", job.Key, MaxStageLen, ErrInvalid)
	case job.Attempt < 0 || job.Attempt > MaxAttempt:
		return fmt.Errorf("job %q: attempt %d outside 0..%d: %w", job.Key, job.Attempt, MaxAttempt, ErrInvalid)
	case !job.NotBefore.IsZero() && job.NotBefore.UnixMilli() < 0:
		return fmt.Errorf("job %q: not-before %s before 1970: %w", job.Key, job.NotBefore, ErrInvalid)
	}
	return nil
}

// CheckConsume reports whether the arguments of Consume are valid.
func CheckConsume(stream, group, consumer string, max int) error {
	return CheckReclaim(stream, group, consumer, 0, max)
}

// CheckReclaim reports whether the arguments of Reclaim are valid.
func CheckReclaim(stream, group, consumer string, minIdle time.Duration, max int) error {
	if err := CheckName("stream", stream); err != nil {
		return err
	}
	if err := CheckName("group", group); err != nil {
		return err
	}
	if err := CheckName("consumer", consumer); err != nil {
		return err
	}
	if max < 1 {
		return fmt.Errorf("max %d: must be positive: %w", max, ErrInvalid)
	}
	if minIdle < 0 {
		return fmt.Errorf("min idle %s: must not be negative: %w", minIdle, ErrInvalid)
	}
	return nil
}

// CheckDelivery reports whether d names a stream, group and consumer a
// queue could have produced.
func CheckDelivery(d Delivery) error {
	if d.ID == "" {
		return fmt.Errorf("delivery of %q: empty id: %w", d.Key, ErrInvalid)
	}
	if err := CheckReclaim(d.Stream, d.Group, d.Consumer, 0, 1); err != nil {
		return fmt.Errorf("delivery of %q: %w", d.Key, err)
	}
	return CheckJob(d.Job)
}

func nameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '.', c == '_', c == ':', c == '/', c == '-':
		return true
	}
	return false
}
