package consensus

import "fmt"

// Step is the phase of a round.
type Step uint8

// Steps in order; comparisons such as step >= StepPrevote rely on the order.
const (
	StepNewHeight Step = iota // no height started yet
	StepPropose
	StepPrevote
	StepPrecommit
	StepCommit // decided; the machine waits for StartHeight of the next height
)

func (s Step) String() string {
	switch s {
	case StepNewHeight:
		return "new-height"
	case StepPropose:
		return "propose"
	case StepPrevote:
		return "prevote"
	case StepPrecommit:
		return "precommit"
	case StepCommit:
		return "commit"
	}
	return fmt.Sprintf("step(%d)", uint8(s))
}
