package redis

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/causeway/causeway/settlement/queue"
)

// bodySep separates the fields of a job body. The stage comes last, so it
// may contain the separator; the key is stored in its own field.
const bodySep = "|"

// errBadBody reports a stream entry or delayed job this package did not
// write.
var errBadBody = errors.New("malformed job body")

// encodeBody renders the job fields other than the key.
func encodeBody(job queue.Job) string {
	return strconv.Itoa(job.Attempt) + bodySep + strconv.FormatInt(unixMs(job.NotBefore), 10) + bodySep + job.Stage
}

// decodeBody parses a body written by encodeBody back into the job of key.
func decodeBody(key, body string) (queue.Job, error) {
	parts := strings.SplitN(body, bodySep, 3)
	if len(parts) != 3 {
		return queue.Job{}, fmt.Errorf("job %q: %d fields: %w", key, len(parts), errBadBody)
	}
	attempt, err := strconv.Atoi(parts[0])
	if err != nil {
		return queue.Job{}, fmt.Errorf("job %q: attempt %q: %w", key, parts[0], errBadBody)
	}
	ms, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || ms < 0 {
		return queue.Job{}, fmt.Errorf("job %q: not-before %q: %w", key, parts[1], errBadBody)
	}
	job := queue.Job{Key: key, Stage: parts[2], Attempt: attempt}
	if ms > 0 {
		job.NotBefore = time.UnixMilli(ms).UTC()
	}
	if err := queue.CheckJob(job); err != nil {
		return queue.Job{}, fmt.Errorf("job %q: %w: %w", key, errBadBody, err)
	}
	return job, nil
}
