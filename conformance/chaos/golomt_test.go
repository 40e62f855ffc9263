package chaos

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
)

// golomtFaults is the Golomt fault catalogue: every kind golomttest offers
// for the adapter's requests (FaultForbidden, a revoked token, is a
// configuration error rather than chaos and is left out).
func golomtFaults() []golomttest.Fault {
	return []golomttest.Fault{
		{Kind: golomttest.FaultDelay, Delay: 3 * *flagTimeout}, // client times out; processed anyway
		{Kind: golomttest.FaultDropBeforeProcess},
		{Kind: golomttest.FaultDropAfterProcess},
		{Kind: golomttest.FaultServerError},
		{Kind: golomttest.FaultServerError, Code: "503"},
		{Kind: golomttest.FaultServerErrorAfterProcess},
		{Kind: golomttest.FaultGatewayUnknown},
		{Kind: golomttest.FaultHTML},
		{Kind: golomttest.FaultHTML, Code: "403"},
	}
}

var golomtFaultNames = []string{
	"delay", "drop_before", "drop_after", "500_before", "503_before", "500_after", "unknown", "html_200", "html_403",
	faultLate, // played by the gate, never given to the simulator
}

var (
	golomtInvoice = []string{golomttest.APIInvoice}
	golomtInquiry = []string{golomttest.APIInquiry}
	golomtAmount  = payment.MustParseMoney("15000", "MNT")
	golomtReturn  = "https://merchant.example/golomt/return"
)

type golomtRig struct {
	sim  *golomttest.Server
	gate *gate
	p    *golomt.Provider
}

func golomtGateway() gateway {
	return gateway{name: "golomt", start: func(t *testing.T) rig {
		faults := golomtFaults()
		g := &gate{late: len(faults)}
		sim := golomttest.NewHandler(golomttest.WithFaultFunc(func(api string) golomttest.Fault {
			if api == golomttest.APIPage {
				// PayInvoice submits the page through the simulator's
				// handler directly, not through the gate: the customer's
				// browser gets no faults.
				return golomttest.Fault{}
			}
			if i := g.take(); i >= 0 {
				return faults[i]
			}
			return golomttest.Fault{}
		}))
		t.Cleanup(sim.Close)
		g.next = sim.Handler()
		srv := httptest.NewServer(g)
		t.Cleanup(srv.Close)
		sim.SetBaseURL(srv.URL)
		base := &http.Transport{MaxIdleConnsPerHost: 64}
		t.Cleanup(base.CloseIdleConnections)
		client := &http.Client{Transport: &marker{base: base, late: g.late, apiOf: func(path string) string {
			return strings.TrimPrefix(path, "/api/")
		}}}
		p, err := golomt.New(golomt.Config{
			BearerToken: payment.NewSecret(sim.BearerToken()),
			ChecksumKey: payment.NewSecret(sim.Secret()),
			MerchantID:  sim.MerchantID(),
		}, provider.WithBaseURL(srv.URL), provider.WithTimeout(*flagTimeout), provider.WithHTTPClient(client))
		if err != nil {
			t.Fatal(err)
		}
		return &golomtRig{sim: sim, gate: g, p: p}
	}}
}

func (r *golomtRig) faultsInjected() int64 { return r.gate.injected.Load() }

func (r *golomtRig) ledger(txn string) func() (view, bool) {
	return func() (view, bool) {
		l, ok := r.sim.Ledger(txn)
		if !ok {
			return view{}, false
		}
		var v view
		if l.Charges > 0 {
			m, err := payment.ParseMoney(l.Amount, "MNT")
			if err != nil {
				return view{net: -1}, true
			}
			v.net = int64(l.Charges) * m.MinorUnits()
		}
		return v, true
	}
}

// state is the transaction's simulator state and charge count.
func (r *golomtRig) state(txn string) func() string {
	return func() string {
		l, ok := r.sim.Ledger(txn)
		if !ok {
			return "none"
		}
		return fmt.Sprintf("%s c%d", l.State, l.Charges)
	}
}

var golomtFlows = []string{"paid", "declined", "abandoned"}

func (r *golomtRig) pay(ctx context.Context, rec *record) {
	rec.flow = golomtFlows[rec.rng.IntN(len(golomtFlows))]
	rec.orderID = fmt.Sprintf("CH%06d%07d", *flagSeed%1000000, rec.idx)
	c := caller{rec: rec, ledger: r.ledger(rec.orderID), state: r.state(rec.orderID), catalogue: golomtFaultNames}
	defer func() {
		if l, ok := r.sim.Ledger(rec.orderID); ok && (l.Charges > 1 || l.Refunds > 0) {
			rec.fail(classDouble, "charges=%d refunds=%d", l.Charges, l.Refunds)
		}
		c.reconcile(ctx, r.p, golomtInquiry)
	}()

	p, err := c.step(ctx, "create", c.pick("create", golomtInvoice, golomtInquiry), func(ctx context.Context) (*payment.Payment, error) {
		return r.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: rec.orderID, Amount: golomtAmount, ReturnURL: golomtReturn})
	})
	if err != nil || p == nil || p.NextAction == nil {
		return
	}
	rec.ref = p.Ref

	if rec.flow == "abandoned" {
		c.step(ctx, "confirm", c.pick("confirm", golomtInquiry, nil), func(ctx context.Context) (*payment.Payment, error) {
			return r.p.Confirm(ctx, payment.ConfirmRequest{Ref: rec.ref})
		})
		ok := r.sim.Expire(rec.orderID)
		rec.logf("browser: abandoned; invoice expired=%v", ok)
		return
	}

	card := golomttest.CardApproved
	if rec.flow == "declined" {
		card = golomttest.CardExpired
	}
	back, err := r.sim.PayInvoice(ctx, p.NextAction.URL, card)
	rec.logf("browser: paid with %s → err=%v", card.Number[len(card.Number)-4:], err)
	if err != nil {
		return
	}
	ret, err := payment.ReturnFromRequest(back)
	if err != nil {
		rec.fail(classUnresolved, "ReturnFromRequest: %v", err)
		return
	}

	// The push and the browser's return race, as they do in production.
	// Plans are drawn before the goroutines start: the generator is not
	// shared across goroutines, and the draw order stays reproducible.
	pushPlan := c.pick("notify", golomtInquiry, nil)
	confirmPlan := c.pick("confirm", golomtInquiry, nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		push, err := r.sim.NextNotification(rec.orderID)
		if err != nil {
			rec.logf("push: none: %v", err)
			return
		}
		ts := pushPlan
		before, _ := c.ledger()
		pctx, pl := withPlan(ctx, ts)
		n, err := r.p.HandleNotification(pctx, push)
		pl.settled()
		after, _ := c.ledger()
		if err != nil || n == nil || n.Payment == nil {
			rec.logf("push [%s] → err=%v", labels(ts), err)
			return
		}
		rec.logf("push [%s] → verified=%v %s | ledger %s → %s", labels(ts), n.Verified, describe(n.Payment, nil), before, after)
		if n.Verified && n.Payment.Status != payment.StatusUnknown && viewOf(n.Payment) != after {
			rec.fail(classWrong, "verified push reported %s (%s) but the ledger says %s", n.Payment.Status, viewOf(n.Payment), after)
		}
	})
	wg.Go(func() {
		c.step(ctx, "confirm", confirmPlan, func(ctx context.Context) (*payment.Payment, error) {
			return r.p.Confirm(ctx, payment.ConfirmRequest{Ref: rec.ref, Return: ret})
		})
	})
	wg.Wait()
}
