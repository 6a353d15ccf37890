package consensus

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// sampleRecords has one record of every logged kind at height h.
func sampleRecords(f *fixture, h uint64) []Record {
	votes := map[attest.Address]*attest.Vote{}
	for i := range 3 {
		v := f.vote(i, attest.Precommit, h, 0, hashX)
		votes[v.Validator] = &v
	}
	qc := attest.NewQC(f.vals, h, 0, hashX, votes)
	return []Record{
		RecordOf(BlockBuilt{Height: h, Round: 0, Block: blockX, BlockHash: hashX}),
		RecordOf(f.proposal(h, 0, NoPOLRound, blockX)),
		RecordOf(f.voteEv(0, attest.Prevote, h, 0, hashX)),
		RecordOf(TimeoutFired{Height: h, Round: 0, Step: StepPrevote}),
		RecordOf(CertifiedCommit{Height: h, Block: blockX, BlockHash: hashX, QC: *qc}),
	}
}

// testLog is the conformance suite every Log implementation runs.
func testLog(t *testing.T, open func(t *testing.T) Log) {
	f := newFixture(t, 4)
	t.Run("records come back in order by height", func(t *testing.T) {
		t.Parallel()
		l := open(t)
		want := sampleRecords(f, 1)
		for i, r := range want {
			require.NoError(t, l.Append(r, i%2 == 0))
			require.NoError(t, l.Append(RecordOf(f.voteEv(1, attest.Precommit, 2, 0, hashY)), false))
		}
		got, err := l.Records(1)
		require.NoError(t, err)
		require.Equal(t, want, got)
		next, err := l.Records(2)
		require.NoError(t, err)
		require.Len(t, next, len(want))
		require.NoError(t, l.Close())
	})
	t.Run("ticks and starts are not logged", func(t *testing.T) {
		t.Parallel()
		l := open(t)
		require.NoError(t, l.Append(RecordOf(Tick{}), true))
		require.NoError(t, l.Append(RecordOf(StartHeight{Height: 1, Validators: f.vals}), true))
		got, err := l.Records(0)
		require.NoError(t, err)
		require.Empty(t, got)
	})
	t.Run("start height keeps this and the next height", func(t *testing.T) {
		t.Parallel()
		l := open(t)
		for h := uint64(1); h <= 4; h++ {
			require.NoError(t, l.Append(RecordOf(f.voteEv(0, attest.Prevote, h, 0, hashX)), true))
		}
		require.NoError(t, l.StartHeight(2))
		require.NoError(t, l.StartHeight(2), "same height again is a no-op")
		require.ErrorIs(t, l.StartHeight(1), ErrHeightRegressed)
		for h, want := range map[uint64]int{2: 1, 3: 1} {
			got, err := l.Records(h)
			require.NoError(t, err)
			require.Len(t, got, want, "height %d", h)
		}
	})
}

func TestWALConformance(t *testing.T) {
	t.Parallel()
	testLog(t, func(t *testing.T) Log {
		w, err := OpenWAL(filepath.Join(t.TempDir(), "wal"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = w.Close() })
		return rotatingSoon{w}
	})
}

func TestMemWALConformance(t *testing.T) {
	t.Parallel()
	testLog(t, func(*testing.T) Log { return NewMemWAL() })
}

// rotatingSoon makes the file WAL rotate at every StartHeight, so the
// conformance suite covers rotation.
type rotatingSoon struct{ *WAL }

func (r rotatingSoon) StartHeight(h uint64) error {
	if h > r.WAL.height {
		r.WAL.size = walRotateBytes
	}
	return r.WAL.StartHeight(h)
}

func TestWALReopenTruncatesTornTail(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	recs := sampleRecords(f, 1)
	tests := []struct {
		name     string
		damage   func(data []byte) []byte
		wantRecs int
	}{
		{"clean", func(d []byte) []byte { return d }, len(recs)},
		{"torn last frame", func(d []byte) []byte { return d[:len(d)-3] }, len(recs) - 1},
		{"torn header", func(d []byte) []byte { return append(d, 0, 0) }, len(recs)},
		{"flipped bit in last frame", func(d []byte) []byte { d[len(d)-1] ^= 1; return d }, len(recs) - 1},
		{"absurd length", func(d []byte) []byte { return append(d, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1) }, len(recs)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "wal")
			w, err := OpenWAL(path)
			require.NoError(t, err)
			require.NoError(t, w.StartHeight(1))
			for _, r := range recs {
				require.NoError(t, w.Append(r, true))
			}
			require.NoError(t, w.Close())
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			damaged := tc.damage(data)
			require.NoError(t, os.WriteFile(path, damaged, 0o600))

			w, err = OpenWAL(path)
			require.NoError(t, err)
			defer w.Close()
			got, err := w.Records(1)
			require.NoError(t, err)
			require.Equal(t, recs[:tc.wantRecs], got)
			require.Equal(t, uint64(1), w.Height())
			info, err := os.Stat(path)
			require.NoError(t, err)
			require.Equal(t, int64(len(damaged))-w.Dropped(), info.Size())

			require.NoError(t, w.Append(recs[0], true), "appends continue after the cut")
			got, err = w.Records(1)
			require.NoError(t, err)
			require.Len(t, got, tc.wantRecs+1)
		})
	}
}

func TestMemWALCrashKeepsSynced(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	w := NewMemWAL()
	recs := sampleRecords(f, 1)
	require.NoError(t, w.Append(recs[0], false))
	require.NoError(t, w.Append(recs[1], true))
	require.NoError(t, w.Append(recs[2], false))
	require.NoError(t, w.Append(recs[3], false))
	require.Equal(t, 2, w.Unsynced())
	w.Crash(1)
	got, err := w.Records(1)
	require.NoError(t, err)
	require.Equal(t, recs[:3], got)
	require.Zero(t, w.Unsynced())
}

func FuzzDecodeRecord(f *testing.F) {
	fx := newFixture(f, 4)
	for _, r := range sampleRecords(fx, 3) {
		b, err := EncodeRecord(r)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add(markFrame(9))
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 7})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, n, err := DecodeRecord(b)
		if err != nil {
			return
		}
		require.LessOrEqual(t, n, len(b))
		again, err := EncodeRecord(rec)
		require.NoError(t, err)
		back, _, err := DecodeRecord(again)
		require.NoError(t, err)
		require.Equal(t, rec, back)
	})
}
