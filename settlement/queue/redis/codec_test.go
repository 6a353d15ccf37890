package redis

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/queue"
)

func TestBodyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, job := range []queue.Job{
		{Key: "t"},
		{Key: "0xabc/7", Stage: "deliver", Attempt: 4, NotBefore: time.UnixMilli(1_795_000_000_123).UTC()},
		{Key: "k|with|seps", Stage: "stage|with|seps", Attempt: queue.MaxAttempt},
	} {
		got, err := decodeBody(job.Key, encodeBody(job))
		require.NoError(t, err)
		require.Equal(t, job, got)
	}
}

func TestDecodeBodyRejects(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "1", "1|2", "x|0|s", "1|x|s", "1|-5|s", "-1|0|s", "1|0|" + string(make([]byte, queue.MaxStageLen+1))} {
		_, err := decodeBody("k", body)
		require.ErrorIs(t, err, errBadBody, "%q", body)
	}
	_, err := decodeBody("", "0|0|")
	require.ErrorIs(t, err, errBadBody)
}

// FuzzDecodeBody: any stored body either fails with errBadBody or decodes
// to a valid job that encodes back to a body decoding to the same job.
func FuzzDecodeBody(f *testing.F) {
	f.Add("t", "0|0|")
	f.Add("t", "3|1795000000123|deliver")
	f.Add("t", "1|0|a|b")
	f.Add("", "1|2|3")
	f.Add("t", "99999999999999999999|0|s")
	f.Fuzz(func(t *testing.T, key, body string) {
		job, err := decodeBody(key, body)
		if err != nil {
			require.ErrorIs(t, err, errBadBody)
			return
		}
		require.NoError(t, queue.CheckJob(job))
		again, err := decodeBody(key, encodeBody(job))
		require.NoError(t, err)
		require.Equal(t, job, again)
	})
}
