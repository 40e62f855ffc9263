package gmotest

import (
	"sync"
	"time"
)

// ManualClock is a [Clock] that only moves when told to. It is safe for
// concurrent use and satisfies provider.Clock.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// jst is Japan Standard Time (no DST), used for every date on the wire.
var jst = time.FixedZone("JST", 9*60*60)

// gmoTime formats t as yyyyMMddHHmmss in JST.
func gmoTime(t time.Time) string { return t.In(jst).Format("20060102150405") }
