package conformance

import (
	"testing"
)

// Run runs every scenario of the suite as a named subtest of t. newHarness
// is called once per subtest and must return a harness with a fresh
// provider and simulator; register cleanups with t.Cleanup.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			h := newHarness(t)
			if h == nil || h.Provider == nil {
				t.Fatal("conformance: newHarness returned no Provider")
			}
			e := newEnv(t, h.defaults())
			sc.run(e)
		})
	}
}
