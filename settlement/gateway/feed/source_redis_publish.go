package feed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement"
)

// errLeaseLost: another instance holds the publisher lease now.
var errLeaseLost = errors.New("publisher lease lost")

// staleIDReply is how Redis refuses an XADD whose id is not above the
// stream's last: here, an event another publisher already added. Redis
// reports it only as text.
const staleIDReply = "equal or smaller than the target stream top item"

// Run implements Source: it takes the publisher lease whenever it is
// free and, while holding it, copies the outbox into the stream. The
// outbox head is read before each try for the lease: an event committed
// while the lease is being taken is then after it, and published.
func (s *redisSource) Run(ctx context.Context) error {
	failing := false
	for {
		head, err := lastSeq(ctx, s.store)
		ok := false
		if err == nil {
			ok, err = s.rdb.SetNX(ctx, s.lease, s.owner, s.leaseTTL).Result()
		}
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			if !failing {
				s.log.Warn("take the feed publisher lease", zap.Error(err))
			}
			failing = true
		case ok:
			failing = false
			s.lead(ctx, head)
		default:
			failing = false
		}
		if !sleepCtx(ctx, s.leaseRenew) {
			return nil
		}
	}
}

// lead publishes while it holds the lease, then gives the lease back.
// head is the outbox head read before the lease was taken.
func (s *redisSource) lead(ctx context.Context, head uint64) {
	s.log.Info("publishing the outbox to the feed stream")
	err := s.publish(ctx, head)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if rerr := releaseScript.Run(rctx, s.rdb, []string{s.lease}, s.owner).Err(); rerr != nil {
		s.log.Warn("give back the feed publisher lease", zap.Error(rerr))
	}
	if ctx.Err() == nil {
		s.log.Warn("stopped publishing the outbox", zap.Error(err))
	}
}

// publish copies outbox events into the stream, renewing the lease, until
// ctx ends, the lease is lost or Redis fails.
func (s *redisSource) publish(ctx context.Context, head uint64) error {
	after, err := s.publishStart(ctx, head)
	if err != nil {
		return err
	}
	renewAt := time.Now().Add(s.leaseRenew)
	for {
		evs, err := readOutbox(ctx, s.store, after)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("publish the outbox", zap.Error(err))
		}
		if len(evs) > 0 {
			if err := s.add(ctx, evs); err != nil {
				return err
			}
			after = evs[len(evs)-1].Seq
		}
		if !time.Now().Before(renewAt) {
			if err := s.renew(ctx); err != nil {
				return err
			}
			renewAt = time.Now().Add(s.leaseRenew)
		}
		if len(evs) < outboxPage && !sleepCtx(ctx, s.poll) {
			return ctx.Err()
		}
	}
}

// publishStart is the seq to publish after: the stream's last entry, but
// no further back than the stream keeps, and head (the outbox head before
// the lease was taken) when the stream is empty (readers fill older gaps
// from the store).
func (s *redisSource) publishStart(ctx context.Context, head uint64) (uint64, error) {
	top, err := s.rdb.XRevRangeN(ctx, s.stream, "+", "-", 1).Result()
	if err != nil {
		return 0, fmt.Errorf("read the feed stream's last entry: %w", err)
	}
	if len(top) == 0 {
		return head, nil
	}
	e, err := decodeEntry(top[0])
	if err != nil {
		return head, nil
	}
	if e.Seq > head { // the last leader published past head; past the outbox now too?
		if now, err := lastSeq(ctx, s.store); err == nil && e.Seq > now {
			s.log.Warn("the feed stream is ahead of the outbox: another database's?", zap.Uint64("seq", e.Seq),
				zap.Uint64("head", now))
		}
	}
	if head > streamMaxLen {
		return max(e.Seq, head-streamMaxLen), nil
	}
	return e.Seq, nil
}

// add XADDs evs with ids "<seq>-0"; one another publisher added already
// is refused by Redis and counts as added.
func (s *redisSource) add(ctx context.Context, evs []settlement.Event) error {
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range evs {
			p.XAdd(ctx, &redis.XAddArgs{Stream: s.stream, ID: entryID(e.Seq), MaxLen: streamMaxLen, Approx: true,
				Values: entryValues(e)})
		}
		return nil
	})
	if err == nil {
		return nil
	}
	for _, c := range cmds {
		if cerr := c.Err(); cerr != nil && !strings.Contains(cerr.Error(), staleIDReply) {
			return fmt.Errorf("add events %d..%d to the feed stream: %w", evs[0].Seq, evs[len(evs)-1].Seq, cerr)
		}
	}
	return nil
}

func (s *redisSource) renew(ctx context.Context) error {
	n, err := renewScript.Run(ctx, s.rdb, []string{s.lease}, s.owner, s.leaseTTL.Milliseconds()).Int()
	switch {
	case err != nil:
		return fmt.Errorf("renew the feed publisher lease: %w", err)
	case n == 0:
		return errLeaseLost
	}
	return nil
}

// sleepCtx waits d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
