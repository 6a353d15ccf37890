//go:build integration

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// faultSeed picks each scenario's victims and timing; 0 draws one, which
// the test logs so a failure replays with -faults.seed.
var faultSeed = flag.Int64("faults.seed", 0, "seed of TestFaults' choices (0: a fresh one, logged)")

// refValidator is the validator no scenario perturbs: the load and the
// checks read the chains through it.
const refValidator = faultValidators - 1

// victim draws a validator other than the reference one.
func (n *faultNet) victim() int { return n.rng.IntN(refValidator) }

// perturbed records a perturbation in the scenario's report and the log.
func (n *faultNet) perturbed(format string, args ...any) {
	n.sc.Perturbations = append(n.sc.Perturbations, fmt.Sprintf(format, args...))
}

// recoveryHeights is how many heights after a proposer's kill are looked
// at: enough for the dead validator's turn to come up twice.
const recoveryHeights = 2*faultValidators + 1

// kill -9 of the validator due to propose the next height of each chain,
// mid-load, restarted after an outage. The chains must go on committing
// without it: at its turns the round times out and the next proposer takes
// over, and once skipped it must not cost a timeout again. The report
// gives, per chain, the longest gap between consecutive block times over
// the heights after the kill (the recovery) and the proposers of those
// heights show who stood in.
func (n *faultNet) killProposer(t *testing.T) {
	n.run(t, nil, func(t *testing.T) outage {
		down := time.Now()
		victims := make([]int, len(n.chains))
		before := make([]uint64, len(n.chains))
		for i, c := range n.chains {
			victims[i], before[i] = c.nextProposer(t)
			c.nodes[victims[i]].kill()
			n.perturbed("kill -9 %s, the next proposer at height %d", c.nodes[victims[i]].name, before[i]+1)
		}
		for i, c := range n.chains {
			last := before[i] + recoveryHeights
			require.Eventually(t, func() bool { return c.height(t, refValidator) >= last },
				faultStartWait, faultPoll, "%s did not go on committing without its proposer", c.tn.Genesis.ChainID)
			gap, slow := c.blockGaps(t, before[i], last)
			n.sc.ProposerRecoveryMs = append(n.sc.ProposerRecoveryMs, gap.Milliseconds())
			require.LessOrEqual(t, slow, 2, "%s: %d of %d heights after the kill each waited out a round", c.tn.Genesis.ChainID,
				slow, recoveryHeights)
		}
		hold(t, faultOutage)
		up := time.Now()
		n.restartCaughtUp(t, victims)
		return outage{down, up}
	}, nil)
}

// blockGaps reads the block times of heights from..to and returns the
// longest gap between consecutive ones and how many gaps exceed two block
// intervals (a round that timed out).
func (c *faultChain) blockGaps(t *testing.T, from, to uint64) (longest time.Duration, slow int) {
	var prev uint64
	for h := from; h <= to; h++ {
		b, err := c.rpcs[refValidator].BlockByHeight(t.Context(), h, false)
		require.NoError(t, err)
		if h > from {
			gap := time.Duration(b.TimeMs-prev) * time.Millisecond
			longest = max(longest, gap)
			if gap > 2*faultBlockMs*time.Millisecond {
				slow++
			}
		}
		prev = b.TimeMs
	}
	return longest, slow
}

// requireCommitting requires that each chain i commits past before[i]
// while its validator victims[i] is out (how says in what way).
func (n *faultNet) requireCommitting(t *testing.T, before []uint64, victims []int, how string) {
	for i, c := range n.chains {
		require.Eventually(t, func() bool { return c.height(t, refValidator) > before[i] }, faultStartWait, faultPoll,
			"%s stopped committing while %s was %s", c.tn.Genesis.ChainID, c.nodes[victims[i]].name, how)
	}
}

// restartCaughtUp starts validator victims[i] of each chain i again and
// waits until every one has caught up.
func (n *faultNet) restartCaughtUp(t *testing.T, victims []int) {
	for i, c := range n.chains {
		c.nodes[victims[i]].start(t)
	}
	for i, c := range n.chains {
		c.waitCaughtUp(t, victims[i])
	}
}

// nextProposer is the validator the reference one expects to propose the
// next height, and the latest height. When that is the reference validator
// itself, it waits for the next height.
func (c *faultChain) nextProposer(t *testing.T) (int, uint64) {
	for {
		st, err := c.rpcs[refValidator].Status(t.Context())
		require.NoError(t, err)
		require.NotNil(t, st.NextProposer)
		v := slices.IndexFunc(c.tn.Validators, func(v chains.TestnetValidator) bool { return v.Address == attest.Address(*st.NextProposer) })
		require.GreaterOrEqual(t, v, 0, "next proposer %s is not a validator", st.NextProposer)
		if v != refValidator {
			return v, st.LatestHeight
		}
		require.Eventually(t, func() bool { return c.height(t, refValidator) > st.LatestHeight }, faultStartWait, faultPoll)
	}
}

// SIGSTOP of one validator of each chain mid-load, SIGCONT after an
// outage: it stops answering without closing a connection (a hung machine
// rather than a dead one). The chains commit without it; continued, it
// catches up.
func (n *faultNet) pauseValidator(t *testing.T) {
	n.run(t, nil, func(t *testing.T) outage {
		down := time.Now()
		victims := make([]int, len(n.chains))
		before := make([]uint64, len(n.chains))
		for i, c := range n.chains {
			victims[i] = n.victim()
			before[i] = c.height(t, refValidator)
			c.nodes[victims[i]].pause()
			n.perturbed("SIGSTOP %s, SIGCONT after %s", c.nodes[victims[i]].name, faultOutage)
		}
		hold(t, faultOutage)
		n.requireCommitting(t, before, victims, "paused")
		up := time.Now()
		for i, c := range n.chains {
			c.nodes[victims[i]].resume()
		}
		for i, c := range n.chains {
			c.waitCaughtUp(t, victims[i])
		}
		return outage{down, up}
	}, nil)
}

// Every link of one validator of each chain cut mid-load, healed after an
// outage: the rest keep a quorum and commit; healed, it catches up.
func (n *faultNet) partitionValidator(t *testing.T) {
	n.run(t, nil, func(t *testing.T) outage {
		down := time.Now()
		victims := make([]int, len(n.chains))
		before := make([]uint64, len(n.chains))
		for i, c := range n.chains {
			victims[i] = n.victim()
			before[i] = c.height(t, refValidator)
			n.meshes[i].split(victims[i])
			n.perturbed("cut every link of %s, heal after %s", c.nodes[victims[i]].name, faultOutage)
		}
		hold(t, faultOutage)
		n.requireCommitting(t, before, victims, "cut off")
		up := time.Now()
		for i, c := range n.chains {
			n.meshes[i].heal()
			c.waitCaughtUp(t, victims[i])
		}
		return outage{down, up}
	}, nil)
}

// Alpha's validators split two against two mid-load: neither side has a
// quorum, so alpha commits at most the height already under way, and its
// transfers wait; beta's go on. Healed, alpha resumes and every transfer
// settles.
func (n *faultNet) splitChain(t *testing.T) {
	alpha := n.chains[0]
	n.run(t, nil, func(t *testing.T) outage {
		down := time.Now()
		side := []int{n.victim(), refValidator}
		n.meshes[0].split(side...)
		n.perturbed("split alpha's links between validators %v and the others, heal after %s", side, faultOutage)
		split := alpha.height(t, refValidator)
		hold(t, faultOutage)
		require.LessOrEqual(t, alpha.height(t, refValidator), split+1, "alpha committed without a quorum")
		up := time.Now()
		n.meshes[0].heal()
		require.Eventually(t, func() bool { return alpha.height(t, refValidator) > split+1 },
			faultStartWait, faultPoll, "alpha did not resume after the split healed")
		for v := range alpha.nodes {
			alpha.waitCaughtUp(t, v)
		}
		return outage{down, up}
	}, nil)
}

// One validator of each chain killed, its block store, state and
// consensus log deleted, and restarted empty: it syncs every block from
// its peers and rejoins.
func (n *faultNet) wipeValidator(t *testing.T) {
	n.run(t, nil, func(t *testing.T) outage {
		down := time.Now()
		victims := make([]int, len(n.chains))
		for i, c := range n.chains {
			victims[i] = n.victim()
			p := c.nodes[victims[i]]
			p.kill()
			data := filepath.Join(c.tn.Validators[victims[i]].Home, "data")
			require.NoError(t, os.RemoveAll(data))
			n.perturbed("kill -9 %s, delete its data (%s), restart empty", p.name, data)
		}
		hold(t, faultOutage)
		up := time.Now()
		n.restartCaughtUp(t, victims)
		return outage{down, up}
	}, nil)
}

// requireNoEquivocation scans every block committed since the last scan,
// on each chain, for evidence of a validator that signed two conflicting
// votes: none may exist (a restarted or resynced validator must not sign
// again what it signed before).
func (n *faultNet) requireNoEquivocation(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), faultSettleWait)
	defer cancel()
	for i, c := range n.chains {
		ref := c.rpcs[refValidator]
		st, err := ref.Status(ctx)
		require.NoError(t, err)
		for h := n.scanned[i] + 1; h <= st.LatestHeight; h++ {
			b, err := ref.BlockByHeight(ctx, h, false)
			require.NoError(t, err)
			require.Empty(t, b.Evidence, "%s block %d carries evidence of conflicting votes", c.tn.Genesis.ChainID, h)
			n.sc.BlocksScanned++
		}
		n.scanned[i] = st.LatestHeight
	}
	n.sc.check("no validator signed conflicting votes")
}
