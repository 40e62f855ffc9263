//go:build unix

package bench

import (
	"crypto/sha256"
	"testing"
	"time"
)

func TestCPUTimeAdvances(t *testing.T) {
	start, ok := CPUTime()
	if !ok {
		t.Fatal("no CPU time on a unix system")
	}
	// Burn well over the clock's resolution.
	sum := sha256.Sum256(nil)
	for deadline := time.Now().Add(50 * time.Millisecond); time.Now().Before(deadline); {
		sum = sha256.Sum256(sum[:])
	}
	end, _ := CPUTime()
	if d := end - start; d < 10*time.Millisecond {
		t.Errorf("CPU time advanced %v while busy for 50ms", d)
	}
}
