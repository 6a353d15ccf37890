package sim

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Config shapes one simulated run. All durations are virtual.
type Config struct {
	Validators int // n
	Byzantine  int // equivocating validators, at most (n-1)/3

	TargetInterval time.Duration // block interval the timeouts derive from
	CommitWait     time.Duration // pause between a commit and the next height
	BuildDelay     time.Duration // time a proposer takes to build a block
	TickInterval   time.Duration // period of each node's Tick
	MinDelay       time.Duration // network delay bounds
	MaxDelay       time.Duration

	Chaos           time.Duration // faults happen in [0, Chaos)
	LossRate        float64       // chance a message is dropped (chaos only)
	DupRate         float64       // chance a message is delivered twice (chaos only)
	LateRate        float64       // chance a message is delayed up to LateFactor*MaxDelay
	LateFactor      int
	Partitions      int           // partitions during chaos; each heals
	PartitionLength time.Duration // longest partition
	Crashes         int           // crash-restarts of honest validators during chaos
	Downtime        time.Duration // longest downtime of a crashed validator

	EquivocateRate float64 // chance a Byzantine message gets a conflicting twin

	CalmHeights int           // heights every honest validator must commit after Chaos
	CalmBudget  time.Duration // virtual time allowed for them

	Log io.Writer // if set, every event and action in readable form, for replaying a seed
}

// DefaultConfig is four validators, one of them equivocating, with every
// kind of fault, sized so that a run costs a few milliseconds of CPU.
func DefaultConfig() Config {
	return Config{
		Validators:      4,
		Byzantine:       1,
		TargetInterval:  200 * time.Millisecond,
		CommitWait:      100 * time.Millisecond,
		BuildDelay:      time.Millisecond,
		TickInterval:    100 * time.Millisecond,
		MinDelay:        time.Millisecond,
		MaxDelay:        20 * time.Millisecond,
		Chaos:           2 * time.Second,
		LossRate:        0.15,
		DupRate:         0.05,
		LateRate:        0.05,
		LateFactor:      10,
		Partitions:      1,
		PartitionLength: 500 * time.Millisecond,
		Crashes:         1,
		Downtime:        400 * time.Millisecond,
		EquivocateRate:  0.5,
		CalmHeights:     3,
		CalmBudget:      5 * time.Second,
	}
}

// ErrBadConfig is returned by Validate.
var ErrBadConfig = errors.New("bad simulation config")

// Validate checks that the config can run.
func (c Config) Validate() error {
	switch {
	case c.Validators < 1:
		return fmt.Errorf("%d validators: %w", c.Validators, ErrBadConfig)
	case c.Byzantine < 0 || c.Byzantine > (c.Validators-1)/3:
		return fmt.Errorf("%d byzantine of %d validators: %w", c.Byzantine, c.Validators, ErrBadConfig)
	case c.MinDelay <= 0 || c.MaxDelay < c.MinDelay || c.TickInterval <= 0:
		return fmt.Errorf("delays and tick interval must be positive: %w", ErrBadConfig)
	case c.CalmHeights < 1 || c.CalmBudget <= 0:
		return fmt.Errorf("calm phase must ask for progress: %w", ErrBadConfig)
	}
	return nil
}
