package chaos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/provider"
)

// gmoFaults is the GMO fault catalogue: every kind gmotest offers.
func gmoFaults() []gmotest.Fault {
	d := 3 * *flagTimeout
	return []gmotest.Fault{
		{Kind: gmotest.FaultDelay, Delay: d},             // client times out; nothing processed
		{Kind: gmotest.FaultDelayAfterProcess, Delay: d}, // client times out; processed
		{Kind: gmotest.FaultDropBeforeProcess},
		{Kind: gmotest.FaultDropAfterProcess},
		{Kind: gmotest.FaultServerError, Status: http.StatusServiceUnavailable},
		{Kind: gmotest.FaultServerErrorAfterProcess, Status: http.StatusInternalServerError},
		{Kind: gmotest.FaultGatewayUnknown, Code: "E90010001"},
		{Kind: gmotest.FaultGatewayUnknown, Code: "E91020001"},
		{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E91020001"},
		{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E90010001"},
		{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "42C010000"},
		{Kind: gmotest.FaultHTML},
		{Kind: gmotest.FaultHTML, Status: http.StatusForbidden},
	}
}

var gmoFaultNames = []string{
	"delay_before", "delay_after", "drop_before", "drop_after", "5xx_before", "5xx_after",
	"E90_before", "E91_before", "E91_after", "E90_after", "42C_after", "html_200", "html_403",
	faultLate, // played by the gate, never given to the simulator
}

// GMO APIs per operation: the request each fault targets.
var (
	gmoCreate   = []string{"EntryTran"}
	gmoExec     = []string{"ExecTran"}
	gmoSecure   = []string{"SecureTran2"}
	gmoAlter    = []string{"AlterTran"}
	gmoRefund   = []string{"AlterTran", "ChangeTran"}
	gmoSearch   = []string{"SearchTrade"}
	gmoAmount   = payment.MustParseMoney("1000", "JPY")
	gmoQuarter  = payment.MustParseMoney("250", "JPY")
	gmoReturn   = "https://merchant.example/return"
	gmoHolder   = "TARO YAMADA"
	gmoExpireOn = "203012"
)

// fullProvider is a provider with Void and Inquire, as gmo.Provider is.
type fullProvider interface {
	payment.Voider
	payment.Inquirer
}

type gmoRig struct {
	sim  *gmotest.Server
	gate *gate
	p    fullProvider
}

// gmoGateway runs the gmo adapter; wrap, when not nil, wraps it (the
// self-test uses it to break the adapter on purpose).
func gmoGateway(wrap func(fullProvider) fullProvider) gateway {
	return gateway{name: "gmo", start: func(t *testing.T) rig {
		faults := gmoFaults()
		g := &gate{late: len(faults)}
		sim := gmotest.NewHandler(gmotest.WithFaultFunc(func(string) (gmotest.Fault, bool) {
			if i := g.take(); i >= 0 {
				return faults[i], true
			}
			return gmotest.Fault{}, false
		}))
		t.Cleanup(sim.Close)
		g.next = sim.Handler()
		srv := httptest.NewServer(g)
		t.Cleanup(srv.Close)
		base := &http.Transport{MaxIdleConnsPerHost: 64}
		t.Cleanup(base.CloseIdleConnections)
		client := &http.Client{Transport: &marker{base: base, late: g.late, apiOf: func(path string) string {
			return strings.TrimSuffix(strings.TrimPrefix(path, "/payment/"), ".idPass")
		}}}
		p, err := gmo.New(gmo.Config{
			ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass),
			SiteID: gmotest.DefaultSiteID, SitePass: payment.NewSecret(gmotest.DefaultSitePass),
			TdTenantName: "chaos",
		}, provider.WithBaseURL(srv.URL), provider.WithTimeout(*flagTimeout), provider.WithHTTPClient(client))
		if err != nil {
			t.Fatal(err)
		}
		var fp fullProvider = p
		if wrap != nil {
			fp = wrap(p)
		}
		return &gmoRig{sim: sim, gate: g, p: fp}
	}}
}

func (r *gmoRig) faultsInjected() int64 { return r.gate.injected.Load() }

func (r *gmoRig) ledger(orderID string) func() (view, bool) {
	return func() (view, bool) {
		l, ok := r.sim.Ledger(orderID)
		if !ok {
			return view{}, false
		}
		return view{held: l.Authorized, net: l.Captured - l.Refunded}, true
	}
}

// state is the order's GMO status and money counters (declines, which
// move no money and leave the order UNPROCESSED, are left out).
func (r *gmoRig) state(orderID string) func() string {
	return func() string {
		l, ok := r.sim.Ledger(orderID)
		if !ok {
			return "none"
		}
		return fmt.Sprintf("%s c%d s%d r%d v%d", l.Status, l.Charges, l.Sales, l.Refunds, l.Voids)
	}
}

func (r *gmoRig) token(rec *record, pan string) *payment.PaymentMethod {
	tok, err := r.sim.IssueToken(pan, gmoExpireOn, "123", gmoHolder)
	if err != nil {
		rec.fail(classUnresolved, "gmotest.IssueToken: %v", err)
		return nil
	}
	return &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}
}

var gmoFlows = []string{"auto", "manual_capture", "void", "refund_full", "refund_partial", "refund_two_partial", "tds_pass", "tds_fail", "decline"}

func (r *gmoRig) pay(ctx context.Context, rec *record) {
	rec.flow = gmoFlows[rec.rng.IntN(len(gmoFlows))]
	rec.orderID = fmt.Sprintf("chaos-%d-%d", *flagSeed%100000, rec.idx)
	c := caller{rec: rec, ledger: r.ledger(rec.orderID), state: r.state(rec.orderID), catalogue: gmoFaultNames, idempotentCreate: true}
	// intended refunds: amount and operations the flow asked for.
	var refundAmount int64
	var refundOps int
	defer func() {
		r.checkLedger(rec, refundAmount, refundOps)
		c.reconcile(ctx, r.p, gmoSearch)
	}()

	capture := payment.CaptureAutomatic
	switch rec.flow {
	case "manual_capture", "void":
		capture = payment.CaptureManual
	}
	// Create (moves no money; idempotent at the adapter for an unexecuted
	// order, so a retry-safe failure is retried like the application
	// would). Faults here test the duplicate-order handling.
	p, err := retried(func() (*payment.Payment, error) {
		return c.step(ctx, "create", c.pick("create", gmoCreate, nil), func(ctx context.Context) (*payment.Payment, error) {
			return r.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: rec.orderID, Amount: gmoAmount, Capture: capture, ReturnURL: gmoReturn})
		})
	})
	if err != nil || p == nil {
		return
	}
	rec.ref = p.Ref

	pan := gmotest.CardApprove
	switch rec.flow {
	case "tds_pass", "tds_fail":
		pan = gmotest.CardChallenge
	case "decline":
		pan = gmotest.CardInsufficientFunds
	}
	confirm := func() (*payment.Payment, error) {
		m := r.token(rec, pan)
		if m == nil {
			return nil, errors.New("no token")
		}
		return c.step(ctx, "confirm", c.pick("confirm", gmoExec, gmoSearch), func(ctx context.Context) (*payment.Payment, error) {
			return r.p.Confirm(ctx, payment.ConfirmRequest{Ref: rec.ref, Method: m})
		})
	}
	p, err = retried(confirm)
	if rec.flow == "decline" {
		if err == nil && p != nil && p.Status != payment.StatusUnknown {
			rec.fail(classWrong, "declined card answered %s", describe(p, err))
		}
		return
	}
	p, ok := c.settle(ctx, r.p, rec.ref, gmoSearch, p, err)
	if !ok || p == nil {
		return
	}

	if p.Status == payment.StatusRequiresAction && p.NextAction != nil {
		pass := rec.flow == "tds_pass"
		vals, err := r.sim.CompleteChallenge(ctx, p.NextAction.URL, pass)
		rec.logf("browser: challenge pass=%v → err=%v", pass, err)
		if err != nil {
			return
		}
		p, err = c.step(ctx, "confirm-3ds", c.pick("confirm-3ds", gmoSecure, gmoSearch), func(ctx context.Context) (*payment.Payment, error) {
			return r.p.Confirm(ctx, payment.ConfirmRequest{Ref: rec.ref, Return: &payment.RedirectReturn{Values: vals}})
		})
		if !pass {
			return
		}
		if p, ok = c.settle(ctx, r.p, rec.ref, gmoSearch, p, err); !ok || p == nil {
			return
		}
	}

	switch rec.flow {
	case "manual_capture":
		if p.Status != payment.StatusAuthorized {
			return
		}
		retried(func() (*payment.Payment, error) {
			return c.step(ctx, "capture", c.pick("capture", gmoAlter, gmoSearch), func(ctx context.Context) (*payment.Payment, error) {
				return r.p.Capture(ctx, payment.CaptureRequest{Ref: rec.ref})
			})
		})
	case "void":
		if p.Status != payment.StatusAuthorized {
			return
		}
		retried(func() (*payment.Payment, error) {
			return c.step(ctx, "void", c.pick("void", gmoAlter, gmoSearch), func(ctx context.Context) (*payment.Payment, error) {
				return r.p.Void(ctx, rec.ref)
			})
		})
	case "refund_full", "refund_partial", "refund_two_partial":
		if p.Status != payment.StatusCaptured {
			return
		}
		times := 1
		if rec.flow == "refund_two_partial" {
			times = 2
		}
		for range times {
			var amt *payment.Money
			refundOps++
			if rec.flow == "refund_full" {
				refundAmount += minor(gmoAmount)
			} else {
				q := gmoQuarter
				amt = &q
				refundAmount += minor(q)
			}
			p, err = retried(func() (*payment.Payment, error) {
				return c.step(ctx, "refund", c.pick("refund", gmoRefund, gmoSearch), func(ctx context.Context) (*payment.Payment, error) {
					return r.p.Refund(ctx, payment.RefundRequest{Ref: rec.ref, Amount: amt})
				})
			})
			if p, ok = c.settle(ctx, r.p, rec.ref, gmoSearch, p, err); !ok {
				return
			}
		}
	}
}

// retried runs call, and once more when it fails with a retry-safe
// ErrUnavailable: the adapter says nothing happened, so an application
// retries (after a short pause). The retry is the same intended operation:
// it must not move money a second time.
func retried(call func() (*payment.Payment, error)) (*payment.Payment, error) {
	p, err := call()
	if retrySafe(err) {
		time.Sleep(30 * time.Millisecond)
		p, err = call()
	}
	return p, err
}

func retrySafe(err error) bool {
	var pe *payment.Error
	return errors.Is(err, payment.ErrUnavailable) && errors.As(err, &pe) && pe.RetrySafe
}

// checkLedger looks for money moved more often than asked.
func (r *gmoRig) checkLedger(rec *record, refundAmount int64, refundOps int) {
	l, ok := r.sim.Ledger(rec.orderID)
	if !ok {
		return
	}
	// A VOID of a captured sale returns money: it is a refund operation.
	refunds := l.Refunds
	if l.Captured > 0 {
		refunds += l.Voids
	}
	switch {
	case l.Charges > 1:
		rec.fail(classDouble, "the card was charged/authorized %d times: %v", l.Charges, l.History)
	case l.Sales > 1:
		rec.fail(classDouble, "the authorization was captured %d times: %v", l.Sales, l.History)
	case l.Refunded > refundAmount:
		rec.fail(classDouble, "refunded %d, the flow asked for %d: %v", l.Refunded, refundAmount, l.History)
	case refunds > refundOps:
		rec.fail(classDouble, "%d refund operations, the flow made %d calls: %v", refunds, refundOps, l.History)
	}
}
