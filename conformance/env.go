package conformance

import "testing"

// env is one subtest's state.
type env struct {
	t *testing.T
	h Harness
}

func newEnv(t *testing.T, h Harness) *env { return &env{t: t, h: h} }
