package bench

import (
	"testing"
	"time"
)

// CPUTime is the CPU time (user and system) the process has used so far;
// ok is false where the platform does not tell.
func CPUTime() (d time.Duration, ok bool) { return cpuTime() }

// CPUPerOp starts measuring the process's CPU time. The function it
// returns, called after the benchmark loop, reports that time per
// operation as cpu-ns/op. On a machine shared with other work it is
// steadier than ns/op, which also counts the time the benchmark waited for
// a core:
//
//	func BenchmarkX(b *testing.B) {
//		defer bench.CPUPerOp(b)()
//		for b.Loop() { ... }
//	}
func CPUPerOp(b *testing.B) (done func()) {
	start, ok := cpuTime()
	return func() {
		end, _ := cpuTime()
		if ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
