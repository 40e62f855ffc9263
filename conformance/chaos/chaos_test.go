package chaos

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/kessai/payment"
)

var (
	flagN       = flag.Int("chaos.n", 200, "payments per gateway")
	flagSeed    = flag.Uint64("chaos.seed", 20261122, "seed of the per-payment random generators")
	flagWorkers = flag.Int("chaos.workers", 16, "payments in flight at once")
	flagFaults  = flag.Int("chaos.faults", 200, "per mille of calls that get an injected fault")
	flagTimeout = flag.Duration("chaos.timeout", 400*time.Millisecond, "the adapters' per-request HTTP timeout; injected delays are 3x this")
	flagVerbose = flag.Bool("chaos.trace", false, "log every payment's flow and faults")
	// -chaos.known-bugs is kept so that existing command lines keep
	// working: no fault combination is excluded any more (see doc.go).
	_ = flag.Bool("chaos.known-bugs", false, "no effect: every fault combination is injected (no known adapter bug is excluded)")
)

// faultHeader carries the index of the fault the gate must inject into the
// request (see gate).
const faultHeader = "X-Chaos-Fault"

// maxShown bounds the problems reported in detail per gateway.
const maxShown = 25

// maxInquiries bounds reconciliation: Inquire is called at most this many
// times per unresolved outcome.
const maxInquiries = 8

// TestChaos runs the chaos run for every gateway (see the package doc).
func TestChaos(t *testing.T) {
	t.Logf("chaos: seed=%d n=%d workers=%d faults=%d‰ timeout=%v (reproduce with -chaos.seed=%d)",
		*flagSeed, *flagN, *flagWorkers, *flagFaults, *flagTimeout, *flagSeed)
	var rows []summary
	for _, g := range []gateway{gmoGateway(nil), golomtGateway()} {
		t.Run(g.name, func(t *testing.T) {
			s, recs := runGateway(t, g, *flagN)
			shown := 0
			for _, rec := range recs {
				if *flagVerbose {
					t.Logf("%s", rec.trace())
				}
				for _, p := range rec.problems {
					if shown++; shown <= maxShown {
						t.Errorf("%s: %s: %s\n%s", g.name, p.class, p.msg, rec.trace())
					}
				}
			}
			if shown > maxShown {
				t.Errorf("%s: %d more problems not shown (-chaos.trace shows every payment)", g.name, shown-maxShown)
			}
			rows = append(rows, s)
		})
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "gateway\tpayments\tfaults injected\tdouble charges\twrong answers\tlost outcomes\tunresolved\twall time\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%v\t\n", r.gateway, r.payments, r.faults,
			r.double, r.wrong, r.lost, r.unresolved, r.wall.Round(time.Millisecond))
	}
	_ = tw.Flush()
	t.Logf("chaos: seed=%d\n%s", *flagSeed, b.String())
}

// gateway is one adapter + simulator pair.
type gateway struct {
	name string
	// start builds a fresh simulator and provider; the returned rig is used
	// by every payment of the run.
	start func(t *testing.T) rig
}

// rig runs payments against one started simulator.
type rig interface {
	// pay runs payment i's flow; it records what happened in rec.
	pay(ctx context.Context, rec *record)
	// faultsInjected counts the faults the simulator actually applied.
	faultsInjected() int64
}

// summary is one row of the table.
type summary struct {
	gateway                         string
	payments                        int
	faults                          int64
	double, wrong, lost, unresolved int
	wall                            time.Duration
}

// runGateway runs n payments through g and counts the problems; the
// caller reports them.
func runGateway(t *testing.T, g gateway, n int) (summary, []*record) {
	r := g.start(t)
	recs := make([]*record, n)
	start := time.Now()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, *flagWorkers) {
		wg.Go(func() {
			for i := range jobs {
				rec := newRecord(g.name, i)
				recs[i] = rec
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				r.pay(ctx, rec)
				cancel()
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	s := summary{gateway: g.name, payments: n, faults: r.faultsInjected(), wall: time.Since(start)}
	flows := map[string]int{}
	for _, rec := range recs {
		flows[rec.flow]++
		for _, p := range rec.problems {
			switch p.class {
			case classDouble:
				s.double++
			case classWrong:
				s.wrong++
			case classLost:
				s.lost++
			case classUnresolved:
				s.unresolved++
			}
		}
	}
	names := make([]string, 0, len(flows))
	for f := range flows {
		names = append(names, f)
	}
	sort.Strings(names)
	var fl []string
	for _, f := range names {
		fl = append(fl, fmt.Sprintf("%s=%d", f, flows[f]))
	}
	t.Logf("%s flows: %s", g.name, strings.Join(fl, " "))
	return s, recs
}

// ---------------------------------------------------------------------------
// Records and verdicts

type problemClass string

const (
	classDouble     problemClass = "double charge"
	classWrong      problemClass = "wrong answer"
	classLost       problemClass = "lost outcome"
	classUnresolved problemClass = "unresolved"
)

type problem struct {
	class problemClass
	msg   string
}

// record is what happened to one payment.
type record struct {
	gateway string
	idx     int
	rng     *rand.Rand
	flow    string
	orderID string
	ref     payment.PaymentRef
	mu      sync.Mutex // steps may run concurrently (Golomt push vs Confirm)
	steps   []string
	// problems found; empty means the payment passed.
	problems []problem
}

func newRecord(gw string, i int) *record {
	return &record{gateway: gw, idx: i, rng: rand.New(rand.NewPCG(*flagSeed, uint64(i)))}
}

func (r *record) logf(format string, args ...any) {
	r.mu.Lock()
	r.steps = append(r.steps, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *record) fail(c problemClass, format string, args ...any) {
	r.mu.Lock()
	r.problems = append(r.problems, problem{class: c, msg: fmt.Sprintf(format, args...)})
	r.mu.Unlock()
}

func (r *record) trace() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("  payment #%d (seed %d) flow=%s order=%s\n    %s", r.idx, *flagSeed, r.flow, r.orderID,
		strings.Join(r.steps, "\n    "))
}

// chance reports true with probability perMille/1000.
func (r *record) chance(perMille int) bool { return r.rng.IntN(1000) < perMille }

// view is money as the ledger or an answer sees it, in minor units: the
// amount held (authorized, not captured) and the amount taken (captured
// minus refunded).
type view struct{ held, net int64 }

func (v view) String() string { return fmt.Sprintf("held=%d net=%d", v.held, v.net) }

func minor(m payment.Money) int64 {
	if m.Currency().Code == "" {
		return 0
	}
	return m.MinorUnits()
}

// viewOf is what a payment result claims.
func viewOf(p *payment.Payment) view {
	v := view{net: minor(p.Captured) - minor(p.Refunded)}
	if p.Status == payment.StatusAuthorized {
		v.held = minor(p.Amount) - minor(p.Captured)
	}
	return v
}

// ambiguous reports whether an answer admits it does not know.
func ambiguous(p *payment.Payment, err error) bool {
	return errors.Is(err, payment.ErrOutcomeUnknown) || (err == nil && p != nil && p.Status == payment.StatusUnknown)
}

// describe is a one-line summary of an answer.
func describe(p *payment.Payment, err error) string {
	var b strings.Builder
	if p != nil {
		fmt.Fprintf(&b, "status=%s captured=%s refunded=%s", p.Status, p.Captured, p.Refunded)
		if p.GatewayCode != "" {
			fmt.Fprintf(&b, " code=%s", p.GatewayCode)
		}
	} else {
		b.WriteString("payment=nil")
	}
	if err != nil {
		fmt.Fprintf(&b, " err=%q", err.Error())
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Fault plumbing: plan (context) → RoundTripper (header) → gate → simulator.

type planKey struct{}

// target is one fault for the first request of the call to any of apis.
type target struct {
	apis  []string
	fault int // index into the gateway's fault catalogue
	label string
}

// plan is the faults of one call, used up in order.
type plan struct {
	mu      sync.Mutex
	targets []target
	// lates are closed when a request marked with the "late" fault has
	// been processed (see gate.serveLate).
	lates []chan struct{}
}

func withPlan(ctx context.Context, ts []target) (context.Context, *plan) {
	p := &plan{targets: ts}
	return context.WithValue(ctx, planKey{}, p), p
}

// settled waits until every late request of the call was processed, so the
// ledger read afterwards includes them.
func (p *plan) settled() {
	p.mu.Lock()
	lates := p.lates
	p.mu.Unlock()
	for _, ch := range lates {
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
		}
	}
}

// faultLate is the one fault the gate plays itself: the request reaches the
// gateway, which gets to it only after the client has given up and a little
// later still (a queued request): it is applied after the adapter's own
// inquiry saw nothing. The simulators have no such fault.
const faultLate = "late"

// lateDelay is how long after the client gave up a late request is applied.
const lateDelay = 5 * time.Millisecond

// lateRequests maps the X-Chaos-Late token of a late request to the
// channel closed once it was applied.
var (
	lateRequests sync.Map
	lateSeq      atomic.Int64
)

const lateHeader = "X-Chaos-Late"

// take returns the fault for a request to api, if the plan's next target
// names it.
func (p *plan) take(api string) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, t := range p.targets {
		for _, a := range t.apis {
			if a == api {
				p.targets = append(p.targets[:i:i], p.targets[i+1:]...)
				return t.fault, true
			}
		}
	}
	return 0, false
}

// marker is the client side: it marks requests the call's plan targets.
type marker struct {
	base  http.RoundTripper
	apiOf func(path string) string
	late  int // catalogue index of faultLate
}

func (m *marker) RoundTrip(r *http.Request) (*http.Response, error) {
	if p, ok := r.Context().Value(planKey{}).(*plan); ok {
		if f, ok := p.take(m.apiOf(r.URL.Path)); ok {
			r = r.Clone(r.Context())
			r.Header.Set(faultHeader, strconv.Itoa(f))
			if f == m.late {
				token := strconv.FormatInt(lateSeq.Add(1), 10)
				ch := make(chan struct{})
				lateRequests.Store(token, ch)
				p.mu.Lock()
				p.lates = append(p.lates, ch)
				p.mu.Unlock()
				r.Header.Set(lateHeader, token)
			}
		}
	}
	return m.base.RoundTrip(r)
}

// gate is the server side: it lets one request at a time into the
// simulator until the simulator has asked its fault function (or finished
// the request), and answers that question with the request's marked fault.
// The simulators consult their fault function synchronously in the
// handler goroutine, before any delay, so the critical section is short.
type gate struct {
	mu       sync.Mutex
	cur      *slot
	next     http.Handler
	late     int // catalogue index of faultLate
	injected atomic.Int64
}

type slot struct {
	fault int // -1: none
	done  bool
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := &slot{fault: -1}
	if v := r.Header.Get(faultHeader); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			s.fault = n
		}
	}
	if s.fault == g.late {
		g.serveLate(r)
		return
	}
	g.mu.Lock()
	g.cur = s
	defer func() {
		if !s.done { // the simulator never asked: still ours
			g.cur = nil
			g.mu.Unlock()
		}
	}()
	g.next.ServeHTTP(w, r)
}

// serveLate plays faultLate: it keeps the request, answers nothing until
// the client gives up, and then hands it to the simulator (lateDelay later,
// with its own context, its answer discarded).
func (g *gate) serveLate(r *http.Request) {
	g.injected.Add(1)
	body, _ := io.ReadAll(r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
	}
	token := r.Header.Get(lateHeader)
	late := r.Clone(context.Background())
	late.Header.Del(faultHeader)
	late.Header.Del(lateHeader)
	late.Body = io.NopCloser(bytes.NewReader(body))
	go func() {
		time.Sleep(lateDelay)
		g.ServeHTTP(httptest.NewRecorder(), late)
		if ch, ok := lateRequests.LoadAndDelete(token); ok {
			close(ch.(chan struct{}))
		}
	}()
}

// take is called by the simulator's fault function, in the goroutine that
// holds the gate. It returns the marked fault index, or -1.
func (g *gate) take() int {
	s := g.cur
	if s == nil || s.done {
		// Not reached through the gate (cannot happen: every request is).
		return -1
	}
	g.cur = nil
	s.done = true
	g.mu.Unlock()
	if s.fault >= 0 {
		g.injected.Add(1)
	}
	return s.fault
}

// ---------------------------------------------------------------------------
// Steps

// caller runs one call under a plan and judges the answer against the
// ledger.
type caller struct {
	rec    *record
	ledger func() (view, bool) // the simulator's view of this order now
	// state is the simulator's record of this order beyond money (its
	// gateway status, its counters): an error that says nothing happened
	// must leave it unchanged too.
	state func() string
	// catalogue names the faults, by index.
	catalogue []string
	// idempotentCreate is set for a gateway whose CreatePayment gets an
	// unexecuted registration back on retry (GMO; its create step is
	// retried): only there may a retry-safe create leave one behind.
	idempotentCreate bool
}

// pick returns a random fault target for apis with probability
// -chaos.faults per mille, plus (equally likely) one on the inquiry the
// adapter makes to reconcile.
func (c caller) pick(op string, apis, inquiry []string) []target {
	var ts []target
	if !c.rec.chance(*flagFaults) {
		return ts
	}
	f := c.rec.rng.IntN(len(c.catalogue))
	ts = append(ts, target{apis: apis, fault: f, label: op + ":" + c.catalogue[f]})
	if len(inquiry) > 0 && c.rec.chance(*flagFaults) {
		g := c.rec.rng.IntN(len(c.catalogue))
		ts = append(ts, target{apis: inquiry, fault: g, label: "then " + strings.Join(inquiry, "/") + ":" + c.catalogue[g]})
	}
	return ts
}

func labels(ts []target) string {
	var l []string
	for _, t := range ts {
		l = append(l, t.label)
	}
	if len(l) == 0 {
		return "no fault"
	}
	return strings.Join(l, ", ")
}

// step runs call with faults ts and checks the answer: a definite answer
// must match the ledger, an error that is not ErrOutcomeUnknown must leave
// the ledger as it was.
func (c caller) step(ctx context.Context, op string, ts []target, call func(ctx context.Context) (*payment.Payment, error)) (*payment.Payment, error) {
	before, _ := c.ledger()
	stBefore := c.state()
	pctx, pl := withPlan(ctx, ts)
	p, err := call(pctx)
	pl.settled()
	after, _ := c.ledger()
	stAfter := c.state()
	c.rec.logf("%s [%s] → %s | ledger %s → %s (%s → %s)", op, labels(ts), describe(p, err), before, after, stBefore, stAfter)
	switch {
	case ambiguous(p, err):
		// Admitted: reconciliation must resolve it.
	case err == nil:
		// Inquire moves nothing. When the ledger moved while it ran (a
		// request of an earlier call the adapter gave up on, applied by a
		// slow gateway just now), its answer may be the state before.
		if got := viewOf(p); got != after && (op != "inquire" || got != before) {
			c.rec.fail(classWrong, "%s answered %s (%s) but the ledger says %s", op, p.Status, got, after)
		}
	case errors.Is(err, payment.ErrInvalidSignature):
		// Money may have moved; the adapter says it cannot trust the answer.
	case errors.Is(err, payment.ErrDeclined) && p != nil:
		if got := viewOf(p); got != after {
			c.rec.fail(classWrong, "%s declined with %s (%s) but the ledger says %s", op, p.Status, got, after)
		}
	case errors.Is(err, payment.ErrDeclined):
		// A decline promises that no money moved, not that nothing
		// happened: the gateway records the refused attempt, and a failed
		// or abandoned 3-D Secure (a lost redirect too) leaves the order
		// AUTHENTICATED for good. Only the money must be unchanged.
		if before != after {
			c.rec.fail(classWrong, "%s declined (%v: no money moved) but the ledger changed %s → %s", op, err, before, after)
		}
	case op == "create" && c.idempotentCreate && retrySafe(err) && before == after:
		// CreatePayment moves no money and is idempotent for a registered
		// but unexecuted order: a retry-safe failure may leave the
		// registration behind (EntryTran applied after the client gave
		// up), and the application's retry must get it back as the
		// original payment (the create step is retried; its answer is
		// checked against the ledger like any other). Elsewhere (a Golomt
		// invoice) a leftover is a wrong "nothing happened".
	default:
		if before != after || stBefore != stAfter {
			c.rec.fail(classWrong, "%s failed with %v (kind %v: nothing happened) but the gateway changed %s → %s (%s → %s)",
				op, err, payment.KindOf(err), before, after, stBefore, stAfter)
		}
	}
	return p, err
}

// resolve calls Inquire until it gives a definite answer (at most
// maxInquiries times, with faults), and returns it; ok is false when it
// never did.
func (c caller) resolve(ctx context.Context, inq payment.Inquirer, ref payment.PaymentRef, apis []string) (*payment.Payment, bool) {
	var p *payment.Payment
	var err error
	for i := range maxInquiries {
		ts := c.pick("inquire", apis, nil)
		p, err = c.step(ctx, "inquire", ts, func(ctx context.Context) (*payment.Payment, error) {
			return inq.Inquire(ctx, ref)
		})
		if err == nil && p != nil && p.Status != payment.StatusUnknown {
			return p, true
		}
		if i > 2 {
			time.Sleep(time.Duration(i) * 20 * time.Millisecond)
		}
	}
	return p, false
}

// settle turns a call's answer into a definite one: it returns the answer
// when it is definite, else what Inquire says.
func (c caller) settle(ctx context.Context, inq payment.Inquirer, ref payment.PaymentRef, apis []string, p *payment.Payment, err error) (*payment.Payment, bool) {
	if !ambiguous(p, err) && err == nil {
		return p, true
	}
	if ref == "" {
		return p, false
	}
	return c.resolve(ctx, inq, ref, apis)
}

// reconcile is the final check of one payment: Inquire until resolved and
// compare with the ledger.
func (c caller) reconcile(ctx context.Context, inq payment.Inquirer, apis []string) {
	if c.rec.ref == "" {
		// CreatePayment never answered: no money can have moved.
		if v, ok := c.ledger(); ok && v != (view{}) {
			c.rec.fail(classLost, "no payment was created but the ledger says %s", v)
		}
		return
	}
	for round := 0; ; round++ {
		before, _ := c.ledger()
		p, ok := c.resolve(ctx, inq, c.rec.ref, apis)
		if !ok {
			c.rec.fail(classUnresolved, "still %s after %d inquiries", describe(p, nil), maxInquiries)
			return
		}
		l, _ := c.ledger()
		got := viewOf(p)
		if got == l {
			return
		}
		if l != before && round < 3 {
			// The gateway was still applying a request an earlier call
			// gave up on while we inquired: ask again once it settles.
			time.Sleep(50 * time.Millisecond)
			continue
		}
		c.rec.fail(classLost, "reconciled answer %s (%s) but the ledger says %s", p.Status, got, l)
		return
	}
}
