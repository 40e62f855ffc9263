package gmo_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/provider"
)

// Regression tests for the chaos run's findings: an error that says
// nothing happened must be true, and a 3-D Secure redirect lost with the
// ExecTran reply is a definite, non-retryable answer.

// lateGate sits in front of the simulator and plays a request GMO applies
// only after the client gave up and after the adapter's own SearchTrade:
// the first request to api is held without an answer until the client
// hangs up, then kept until release hands it to the simulator.
type lateGate struct {
	next http.Handler
	mu   sync.Mutex
	api  string // "" once the request was taken
	held chan *http.Request
}

func apiOf(r *http.Request) string {
	return strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/payment/"), ".idPass")
}

func (g *lateGate) arm(api string) {
	g.mu.Lock()
	g.api = api
	g.mu.Unlock()
}

func (g *lateGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	hold := g.api != "" && apiOf(r) == g.api
	if hold {
		g.api = ""
	}
	g.mu.Unlock()
	if !hold {
		g.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	<-r.Context().Done() // the client timed out: no answer ever
	late := r.Clone(context.Background())
	late.Body = io.NopCloser(bytes.NewReader(body))
	g.held <- late
}

// release applies the held request now, as GMO would after its queue.
func (g *lateGate) release(t *testing.T) {
	t.Helper()
	select {
	case r := <-g.held:
		g.next.ServeHTTP(httptest.NewRecorder(), r)
	case <-time.After(10 * time.Second):
		t.Fatal("no request was held")
	}
}

// newLateEnv is an env whose provider reaches the simulator through a
// lateGate, with a short per-request timeout.
func newLateEnv(t *testing.T) (*env, *lateGate) {
	t.Helper()
	clock := gmotest.NewManualClock(start)
	sim := gmotest.NewHandler(gmotest.WithClock(clock))
	t.Cleanup(sim.Close)
	g := &lateGate{next: sim.Handler(), held: make(chan *http.Request, 1)}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	p, err := gmo.New(gmo.Config{
		ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass),
		SiteID: gmotest.DefaultSiteID, SitePass: payment.NewSecret(gmotest.DefaultSitePass),
	}, provider.WithBaseURL(srv.URL), provider.WithClock(clock), provider.WithTimeout(300*time.Millisecond))
	require.NoError(t, err)
	return &env{p: p, sim: sim, clock: clock}, g
}

// TestLateRequestIsOutcomeUnknown: a money-moving request that reaches GMO
// but is applied only after the adapter's timeout and its SearchTrade
// (which still shows the old status) must be reported as unknown, never
// as "did not execute; safe to call again". After the request lands,
// Inquire shows the money moved.
func TestLateRequestIsOutcomeUnknown(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		mode    payment.CaptureMode
		card    string
		api     string
		advance time.Duration
		// setup runs before the faulty call (no fault).
		setup func(t *testing.T, e *env, ref payment.PaymentRef) *payment.RedirectReturn
		call  func(t *testing.T, e *env, ref payment.PaymentRef, ret *payment.RedirectReturn) (*payment.Payment, error)
		want  payment.Status
		check func(t *testing.T, l gmotest.LedgerEntry)
	}{
		{name: "confirm ExecTran", mode: payment.CaptureAutomatic, api: "ExecTran",
			call: func(t *testing.T, e *env, ref payment.PaymentRef, _ *payment.RedirectReturn) (*payment.Payment, error) {
				return e.p.Confirm(ctx, payment.ConfirmRequest{Ref: ref, Method: e.token(t, gmotest.CardApprove)})
			}, want: payment.StatusCaptured,
			check: func(t *testing.T, l gmotest.LedgerEntry) { assert.Equal(t, 1, l.Charges) }},
		{name: "confirm SecureTran2", mode: payment.CaptureAutomatic, api: "SecureTran2",
			setup: func(t *testing.T, e *env, ref payment.PaymentRef) *payment.RedirectReturn {
				ra, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: ref, Method: e.token(t, gmotest.CardChallenge),
					ReturnURL: "https://shop.example/return"})
				require.NoError(t, err)
				require.Equal(t, payment.StatusRequiresAction, ra.Status)
				vals, err := e.sim.CompleteChallenge(ctx, ra.NextAction.URL, true)
				require.NoError(t, err)
				return &payment.RedirectReturn{Values: vals}
			},
			call: func(t *testing.T, e *env, ref payment.PaymentRef, ret *payment.RedirectReturn) (*payment.Payment, error) {
				return e.p.Confirm(ctx, payment.ConfirmRequest{Ref: ref, Return: ret})
			}, want: payment.StatusCaptured,
			check: func(t *testing.T, l gmotest.LedgerEntry) { assert.Equal(t, 1, l.Charges) }},
		{name: "capture", mode: payment.CaptureManual, api: "AlterTran", setup: confirmed,
			call: func(t *testing.T, e *env, ref payment.PaymentRef, _ *payment.RedirectReturn) (*payment.Payment, error) {
				return e.p.Capture(ctx, payment.CaptureRequest{Ref: ref})
			}, want: payment.StatusCaptured,
			check: func(t *testing.T, l gmotest.LedgerEntry) { assert.Equal(t, 1, l.Sales) }},
		{name: "void", mode: payment.CaptureManual, api: "AlterTran", setup: confirmed,
			call: func(t *testing.T, e *env, ref payment.PaymentRef, _ *payment.RedirectReturn) (*payment.Payment, error) {
				return e.p.Void(ctx, ref)
			}, want: payment.StatusCanceled,
			check: func(t *testing.T, l gmotest.LedgerEntry) { assert.Equal(t, 1, l.Voids) }},
		{name: "full refund RETURN", mode: payment.CaptureAutomatic, api: "AlterTran", advance: 24 * time.Hour, setup: confirmed,
			call: func(t *testing.T, e *env, ref payment.PaymentRef, _ *payment.RedirectReturn) (*payment.Payment, error) {
				return e.p.Refund(ctx, payment.RefundRequest{Ref: ref})
			}, want: payment.StatusRefunded,
			check: func(t *testing.T, l gmotest.LedgerEntry) { assert.Equal(t, int64(1000), l.Refunded) }},
		{name: "partial refund ChangeTran", mode: payment.CaptureAutomatic, api: "ChangeTran", setup: confirmed,
			call: func(t *testing.T, e *env, ref payment.PaymentRef, _ *payment.RedirectReturn) (*payment.Payment, error) {
				q := jpy(250)
				return e.p.Refund(ctx, payment.RefundRequest{Ref: ref, Amount: &q})
			}, want: payment.StatusPartiallyRefunded,
			check: func(t *testing.T, l gmotest.LedgerEntry) { assert.Equal(t, int64(250), l.Refunded) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, g := newLateEnv(t)
			p := e.create(t, tt.mode, 1000)
			var ret *payment.RedirectReturn
			if tt.setup != nil {
				ret = tt.setup(t, e, p.Ref)
			}
			e.clock.Advance(tt.advance)
			before := e.ledger(t, p.OrderID)
			searches := e.sim.Calls("SearchTrade")
			sent := e.sim.Calls(tt.api)

			g.arm(tt.api)
			got, err := tt.call(t, e, p.Ref, ret)
			require.Error(t, err)
			assert.ErrorIs(t, err, payment.ErrOutcomeUnknown, "an unchanged SearchTrade proves nothing while the request may be in flight")
			assert.Equal(t, payment.ErrOutcomeUnknown, payment.KindOf(err), "exactly one kind")
			assert.NotErrorIs(t, err, payment.ErrUnavailable)
			require.NotNil(t, got)
			assert.Equal(t, payment.StatusUnknown, got.Status)
			assert.Greater(t, e.sim.Calls("SearchTrade"), searches, "reconciled with SearchTrade")
			assert.Equal(t, before.Status, e.ledger(t, p.OrderID).Status, "the inquiry saw no change")

			g.release(t) // GMO gets to it now
			assert.Equal(t, sent+1, e.sim.Calls(tt.api), "never resent")
			inq, err := e.p.Inquire(ctx, p.Ref)
			require.NoError(t, err)
			assert.Equal(t, tt.want, inq.Status, "the money moved after all")
			tt.check(t, e.ledger(t, p.OrderID))
			assert.LessOrEqual(t, e.ledger(t, p.OrderID).Charges, 1)
		})
	}
}

// confirmed executes the payment with an approved card.
func confirmed(t *testing.T, e *env, ref payment.PaymentRef) *payment.RedirectReturn {
	_, err := e.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: ref, Method: e.token(t, gmotest.CardApprove)})
	require.NoError(t, err)
	return nil
}

// TestThreeDSRedirectLost: ExecTran for a 3-D Secure card is processed
// (GMO moves the order to AUTHENTICATED and issues the redirect) but the
// reply is lost. The redirect cannot be recovered, so the order can never
// be paid and no money moved: Confirm must say so (ErrDeclined matching
// gmo.ErrRedirectLost, not retry-safe), not "did not execute; safe to
// confirm again".
func TestThreeDSRedirectLost(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		fault   gmotest.Fault
		tdFlag  gmo.TdFlag
		timeout time.Duration
		lost    bool // false: E90 (another request in progress) stays unknown
	}{
		{"connection cut after processing", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess}, gmo.TdFlag3DS2, 0, true},
		{"HTTP 500 after processing", gmotest.Fault{Kind: gmotest.FaultServerErrorAfterProcess}, gmo.TdFlag3DS2, 0, true},
		{"timeout after processing", gmotest.Fault{Kind: gmotest.FaultDelayAfterProcess, Delay: 2 * time.Second}, gmo.TdFlag3DS2, 300 * time.Millisecond, true},
		{"E91 after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E91020001"}, gmo.TdFlag3DS2, 0, true},
		{"42C after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "42C010000"}, gmo.TdFlag3DS2, 0, true},
		{"3-D Secure 1.0, cut after processing", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess}, gmo.TdFlag3DS1, 0, true},
		{"E90 after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E90010001"}, gmo.TdFlag3DS2, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *gmo.Config) { c.TdFlag = tt.tdFlag })
			if tt.timeout > 0 {
				p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass), TdFlag: tt.tdFlag},
					provider.WithBaseURL(e.sim.URL()), provider.WithClock(e.clock), provider.WithTimeout(tt.timeout))
				require.NoError(t, err)
				e.p = p
			}
			p := e.create(t, payment.CaptureAutomatic, 1000)
			e.sim.InjectFault("ExecTran", tt.fault)
			got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardChallenge),
				ReturnURL: "https://shop.example/return"})
			require.Error(t, err)
			assert.Equal(t, 1, e.sim.Calls("ExecTran"), "never resent")
			l := e.ledger(t, p.OrderID)
			assert.Equal(t, "AUTHENTICATED", l.Status, "GMO started 3-D Secure")
			assert.Equal(t, 0, l.Charges, "no money moved")
			if !tt.lost {
				assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
				require.NotNil(t, got)
				assert.Equal(t, payment.StatusUnknown, got.Status)
				return
			}
			assert.Nil(t, got, "like a decline: no payment to act on")
			assert.ErrorIs(t, err, payment.ErrDeclined)
			assert.ErrorIs(t, err, gmo.ErrRedirectLost)
			assert.Equal(t, payment.ErrDeclined, payment.KindOf(err), "exactly one kind")
			assert.NotErrorIs(t, err, payment.ErrUnavailable)
			assert.NotErrorIs(t, err, payment.ErrOutcomeUnknown)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.False(t, pe.RetrySafe, "confirming again cannot succeed")
			assert.Contains(t, pe.Message, "new order id")

			// What the application would see next: Inquire reads GMO's
			// state (pending, nothing held), and the order cannot be
			// confirmed again.
			inq, err := e.p.Inquire(ctx, p.Ref)
			require.NoError(t, err)
			assert.Equal(t, payment.StatusPending, inq.Status)
			assert.True(t, payment.StatusPending.CanBecome(payment.StatusFailed), "the application may record it as failed")
			again, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardChallenge),
				ReturnURL: "https://shop.example/return"})
			assert.Error(t, err)
			if again != nil {
				assert.Nil(t, again.NextAction, "no redirect can be had")
			}
			assert.Equal(t, 0, e.ledger(t, p.OrderID).Charges)
		})
	}
}

// TestThreeDSBadRedirectIsLost: an ACS=2 reply whose RedirectUrl cannot be
// used while GMO shows AUTHENTICATED is the same lost redirect.
func TestThreeDSBadRedirectIsLost(t *testing.T) {
	ctx := context.Background()
	const accessID, accessPass = "a1b2c3d4e5f60718293a4b5c6d7e8f90", "0f9e8d7c6b5a49382716f5e4d3c2b1a0"
	s, srv := newScripted(t)
	p, err := gmo.New(gmo.Config{ShopID: "tshop00000001", ShopPass: payment.NewSecret("shoppass1")}, provider.WithBaseURL(srv.URL))
	require.NoError(t, err)
	s.on("EntryTran", "", "AccessID="+accessID+"&AccessPass="+accessPass)
	s.on("ExecTran", "", "ACS=2&RedirectUrl=javascript:alert(1)")
	s.on("SearchTrade", "", "OrderID=o-9&Status=AUTHENTICATED&ProcessDate=&JobCd=CAPTURE&AccessID="+accessID+"&AccessPass="+accessPass+"&Amount=10&Tax=0")
	pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o-9", Amount: jpy(10), ReturnURL: "https://shop.example/r"})
	require.NoError(t, err)
	got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret("tok")}})
	assert.Nil(t, got)
	assert.ErrorIs(t, err, payment.ErrDeclined)
	assert.ErrorIs(t, err, gmo.ErrRedirectLost)
	assert.NotContains(t, err.Error(), "javascript", "the untrusted URL is not echoed")
	assert.Len(t, s.got["ExecTran"], 1, "never resent")
}

// TestCardSummaryKeepsGatewayMask: SearchTrade's CardNo arrives masked and
// must not be masked a second time.
func TestCardSummaryKeepsGatewayMask(t *testing.T) {
	ctx := context.Background()
	const accessID, accessPass = "a1b2c3d4e5f60718293a4b5c6d7e8f90", "0f9e8d7c6b5a49382716f5e4d3c2b1a0"
	tests := []struct{ cardNo, masked, last4 string }{
		{"************1111", "************1111", "1111"},
		{"411111******1111", "411111******1111", "1111"},
		{"4111111111111111", "411111******1111", "1111"}, // raw: never kept as is
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.cardNo, func(t *testing.T) {
			s, srv := newScripted(t)
			p, err := gmo.New(gmo.Config{ShopID: "tshop00000001", ShopPass: payment.NewSecret("shoppass1")}, provider.WithBaseURL(srv.URL))
			require.NoError(t, err)
			s.on("SearchTrade", "", "OrderID=o-1&Status=CAPTURE&ProcessDate=20260310100000&JobCd=CAPTURE&AccessID="+accessID+
				"&AccessPass="+accessPass+"&Amount=1000&Tax=0&CardNo="+tt.cardNo+"&Forward=2a99662&TranID=1&Approve=6416276")
			got, err := p.Inquire(ctx, gmo.Ref("o-1", accessID))
			require.NoError(t, err)
			if tt.cardNo == "" {
				assert.Nil(t, got.Card)
				return
			}
			require.NotNil(t, got.Card)
			assert.Equal(t, tt.masked, got.Card.Masked)
			assert.Equal(t, tt.last4, got.Card.Last4)
		})
	}
}
