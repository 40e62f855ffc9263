package conformance

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// Run runs every scenario of the suite as a named subtest of t, grouped
// (t.Run("Refund", …) holding t.Run("Partial", …) and so on). newHarness is
// called once per leaf subtest and must return a harness with a fresh
// provider and simulator; register cleanups with t.Cleanup.
//
// A scenario is skipped only when the provider's Capabilities say the
// feature is absent, or when the harness lacks a hook the scenario needs;
// the skip message names the capability or the hook.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	t.Helper()
	runAll(t, append(suite(), asyncGroup()), newHarness)
}

func runAll(t *testing.T, scs []scenario, newHarness func(t *testing.T) *Harness) {
	for _, sc := range scs {
		t.Run(sc.name, func(t *testing.T) {
			if sc.children != nil {
				runAll(t, sc.children, newHarness)
				return
			}
			h := newHarness(t)
			if h == nil || h.Provider == nil {
				t.Fatal("conformance: newHarness returned no Provider")
			}
			sc.run(newEnv(t, h.defaults()))
		})
	}
}

// scenario is one named subtest, or a group of them.
type scenario struct {
	name     string
	run      func(e *env)
	children []scenario
}

func group(name string, children ...scenario) scenario {
	return scenario{name: name, children: children}
}

// replayable is a notification request whose body is buffered, so it can
// be delivered again.
type replayable struct {
	orig *http.Request
	body []byte
}

func (e *env) buffer(r *http.Request) *replayable {
	e.t.Helper()
	if r == nil {
		e.t.Fatal("harness returned a nil notification request")
	}
	var b []byte
	if r.Body != nil {
		var err error
		b, err = io.ReadAll(r.Body)
		if err != nil {
			e.t.Fatalf("reading the harness's notification body: %v", err)
		}
		_ = r.Body.Close()
	}
	return &replayable{orig: r, body: b}
}

// req returns a fresh copy of the request.
func (r *replayable) req() *http.Request {
	c := r.orig.Clone(r.orig.Context())
	c.Body = io.NopCloser(bytes.NewReader(r.body))
	c.ContentLength = int64(len(r.body))
	return c
}
