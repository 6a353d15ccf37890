package xfer

import (
	"fmt"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
)

// limit returns the route's limit on denom, or nil when it has none.
func (r *Route) limit(denom string) *RouteLimit {
	if r == nil {
		return nil
	}
	for i := range r.Limits {
		if r.Limits[i].Denom == denom {
			return &r.Limits[i]
		}
	}
	return nil
}

// admit returns the code refusing amt at block time nowMs, or CodeOK.
func (l *RouteLimit) admit(amt *uint256.Int, nowMs uint64) app.Code {
	if l == nil {
		return app.CodeOK
	}
	if l.HasPacketCap && amt.Gt(l.MaxPerPacket) {
		return CodeOverPacketLimit
	}
	if l.WindowMs == 0 {
		return app.CodeOK
	}
	sum, overflow := new(uint256.Int).AddOverflow(l.usedAt(nowMs), amt)
	if overflow || sum.Gt(l.WindowAmount) {
		return CodeRateLimited
	}
	return app.CodeOK
}

// consume records amt in the window containing nowMs. Call only after admit.
func (l *RouteLimit) consume(amt *uint256.Int, nowMs uint64) {
	if l == nil || l.WindowMs == 0 {
		return
	}
	used := l.usedAt(nowMs)
	if _, overflow := used.AddOverflow(used, amt); overflow {
		panic(fmt.Sprintf("xfer: invariant broken: window use of %s overflows after admit", l.Denom))
	}
	l.WindowStartMs, l.WindowUsed = windowStart(nowMs, l.WindowMs), used
}

// usedAt is what the window containing nowMs has used so far (a copy).
func (l *RouteLimit) usedAt(nowMs uint64) *uint256.Int {
	if windowStart(nowMs, l.WindowMs) != l.WindowStartMs || l.WindowUsed == nil {
		return new(uint256.Int)
	}
	return new(uint256.Int).Set(l.WindowUsed)
}

// windowStart aligns windows to multiples of their length, so every node
// puts a block time in the same window.
func windowStart(nowMs, windowMs uint64) uint64 { return nowMs - nowMs%windowMs }

// newRoute builds a route's initial state from its genesis parameters.
func newRoute(p *chains.RouteParams) (*Route, error) {
	r := &Route{Chain: p.Chain}
	seen := make(map[string]bool, len(p.Limits))
	for _, dl := range p.Limits {
		if seen[dl.Denom] {
			return nil, fmt.Errorf("route %s: denom %q limited twice", p.Chain, dl.Denom)
		}
		seen[dl.Denom] = true
		l, err := newLimit(&dl)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", p.Chain, err)
		}
		r.Limits = append(r.Limits, *l)
	}
	return r, nil
}

func newLimit(dl *chains.DenomLimit) (*RouteLimit, error) {
	l := &RouteLimit{Denom: dl.Denom, MaxPerPacket: new(uint256.Int), WindowAmount: new(uint256.Int),
		WindowMs: dl.WindowMs, WindowUsed: new(uint256.Int)}
	if dl.MaxPerPacket != "" {
		v, err := chains.ParseAmount(dl.MaxPerPacket)
		if err != nil {
			return nil, fmt.Errorf("limit %s max per packet: %w", dl.Denom, err)
		}
		l.HasPacketCap, l.MaxPerPacket = true, v
	}
	if (dl.WindowAmount == "") != (dl.WindowMs == 0) {
		return nil, fmt.Errorf("limit %s: window amount and window length go together", dl.Denom)
	}
	if dl.WindowAmount != "" {
		v, err := chains.ParseAmount(dl.WindowAmount)
		if err != nil {
			return nil, fmt.Errorf("limit %s window amount: %w", dl.Denom, err)
		}
		l.WindowAmount = v
	}
	return l, nil
}
