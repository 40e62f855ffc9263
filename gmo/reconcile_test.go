package gmo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/provider"
)

// Every test here injects a fault into one money-moving request and checks
// against the simulator's ledger that the money moved exactly once (or not
// at all), that the request was never resent, and what the caller is told.

// outcome is what a fault leads to: the truth after reconciliation.
type outcome int

const (
	applied  outcome = iota + 1 // the gateway processed it: success reported
	inFlight                    // no effect seen yet (it may still be applied): StatusUnknown + ErrOutcomeUnknown, then Inquire and a new call work
)

func TestReconcileExecTran(t *testing.T) {
	tests := []struct {
		name  string
		fault gmotest.Fault
		want  outcome
	}{
		{"connection cut after processing", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess}, applied},
		{"connection cut before processing", gmotest.Fault{Kind: gmotest.FaultDropBeforeProcess}, inFlight},
		{"HTTP 500 after processing", gmotest.Fault{Kind: gmotest.FaultServerErrorAfterProcess}, applied},
		{"HTTP 503 without processing", gmotest.Fault{Kind: gmotest.FaultServerError}, inFlight},
		{"HTML 502 page without processing", gmotest.Fault{Kind: gmotest.FaultHTML, Status: 502}, inFlight},
		{"E90 after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E90010001"}, applied},
		{"E91 after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E91020001"}, applied},
		{"42C after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "42C010000"}, applied},
		{"E82 after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E82010001"}, applied},
		{"E91 without processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknown, Code: "E91019999"}, inFlight},
		{"E90 without processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknown, Code: "E90010001"}, inFlight},
		{"E82 without processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknown, Code: "E82010001"}, inFlight},
		{"42C without processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknown, Code: "42C010000"}, inFlight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			p := e.create(t, payment.CaptureAutomatic, 1000)
			m := e.token(t, gmotest.CardApprove)
			e.sim.InjectFault("ExecTran", tt.fault)
			got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: m})
			assert.Equal(t, 1, e.sim.Calls("ExecTran"), "never resent")
			assert.Equal(t, 1, e.sim.Calls("SearchTrade"), "reconciled with one inquiry")
			switch tt.want {
			case applied:
				require.NoError(t, err)
				assert.Equal(t, payment.StatusCaptured, got.Status)
				assert.True(t, got.Captured.Equal(jpy(1000)))
				assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
			case inFlight:
				// An unchanged SearchTrade proves nothing once the request
				// may have reached GMO: never "nothing happened".
				assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
				assert.Equal(t, payment.ErrOutcomeUnknown, payment.KindOf(err), "exactly one kind")
				assert.NotErrorIs(t, err, payment.ErrUnavailable)
				require.NotNil(t, got)
				assert.Equal(t, payment.StatusUnknown, got.Status)
				assert.Equal(t, 0, e.ledger(t, p.OrderID).Charges)
				inq, err := e.p.Inquire(ctx, p.Ref)
				require.NoError(t, err)
				assert.Equal(t, payment.StatusPending, inq.Status)
				// Resolved as not executed: the caller may confirm again;
				// it charges once.
				got, err = e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
				require.NoError(t, err)
				assert.Equal(t, payment.StatusCaptured, got.Status)
				assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
			}
			// Confirming once more never charges again.
			again, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
			require.NoError(t, err)
			assert.Equal(t, payment.StatusCaptured, again.Status)
			assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
		})
	}
}

func TestReconcileCardOutcomes(t *testing.T) {
	ctx := context.Background()
	t.Run("authorized but answered E91", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureManual, 1000)
		got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardOutcomeUnknown)})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusAuthorized, got.Status)
		assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
	})
	t.Run("E91 without authorizing", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureManual, 1000)
		got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardUnknownNoCharge)})
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown, "GMO says the state is unknown; SearchTrade shows no change yet")
		var pe *payment.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "E91020001", pe.GatewayCode, "the gateway's code is kept")
		require.NotNil(t, got)
		assert.Equal(t, payment.StatusUnknown, got.Status)
		assert.Equal(t, 0, e.ledger(t, p.OrderID).Charges)
	})
}

func TestReconcileInquiryFails(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong base URL everywhere: outcome unknown with the configuration hint", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 1000)
		e.sim.InjectFault("ExecTran", gmotest.Fault{Kind: gmotest.FaultHTML})
		for range 3 {
			e.sim.InjectFault("SearchTrade", gmotest.Fault{Kind: gmotest.FaultHTML})
		}
		got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), "check the base URL")
		require.NotNil(t, got)
		assert.Equal(t, payment.StatusUnknown, got.Status)
	})
	t.Run("inquiry fails: StatusUnknown and ErrOutcomeUnknown", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 1000)
		e.sim.InjectFault("ExecTran", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess})
		for range 3 { // the client retries the idempotent SearchTrade twice
			e.sim.InjectFault("SearchTrade", gmotest.Fault{Kind: gmotest.FaultServerError})
		}
		got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		require.Error(t, err)
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		assert.Equal(t, payment.ErrOutcomeUnknown, payment.KindOf(err))
		assert.NotErrorIs(t, err, payment.ErrUnavailable, "one kind only")
		require.NotNil(t, got)
		assert.Equal(t, payment.StatusUnknown, got.Status)
		assert.Equal(t, 1, e.sim.Calls("ExecTran"))

		inq, err := e.p.Inquire(ctx, p.Ref)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusCaptured, inq.Status)
		assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
	})
	t.Run("context deadline: also matches ctx.Err()", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 1000)
		e.sim.InjectFault("ExecTran", gmotest.Fault{Kind: gmotest.FaultDelay, Delay: 3 * time.Second})
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		got, err := e.p.Confirm(cctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		require.Error(t, err)
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		require.NotNil(t, got)
		assert.Equal(t, payment.StatusUnknown, got.Status)
		assert.Equal(t, 1, e.sim.Calls("ExecTran"))

		inq, err := e.p.Inquire(ctx, p.Ref)
		require.NoError(t, err)
		assert.Equal(t, 0, e.ledger(t, p.OrderID).Charges, "the simulator drops work of a client that left")
		assert.Equal(t, payment.StatusPending, inq.Status)
	})
	t.Run("per-request timeout with a live context: inquiry tells the truth", func(t *testing.T) {
		clock := gmotest.NewManualClock(start)
		sim := gmotest.NewServer(gmotest.WithClock(clock))
		t.Cleanup(sim.Close)
		p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
			provider.WithBaseURL(sim.URL()), provider.WithTimeout(200*time.Millisecond))
		require.NoError(t, err)
		pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: newOrderID(), Amount: jpy(100), ReturnURL: "https://shop.example/r"})
		require.NoError(t, err)
		tok, err := sim.IssueToken(gmotest.CardApprove, "203012", "", "")
		require.NoError(t, err)
		sim.InjectFault("ExecTran", gmotest.Fault{Kind: gmotest.FaultDelay, Delay: 2 * time.Second})
		got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}})
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown, "the request may still be applied: not \"nothing happened\"")
		require.NotNil(t, got)
		assert.Equal(t, payment.StatusUnknown, got.Status)
		assert.Equal(t, 1, sim.Calls("ExecTran"))
		assert.Equal(t, 1, sim.Calls("SearchTrade"))
	})
}

func TestReconcileAlter(t *testing.T) {
	ctx := context.Background()
	faults := []struct {
		name  string
		fault gmotest.Fault
		want  outcome
	}{
		{"cut after processing", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess}, applied},
		{"500 after processing", gmotest.Fault{Kind: gmotest.FaultServerErrorAfterProcess}, applied},
		{"E91 after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E91019999"}, applied},
		{"E90 without processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknown, Code: "E90010001"}, inFlight},
		{"E91 without processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknown, Code: "E91019999"}, inFlight},
		{"cut before processing", gmotest.Fault{Kind: gmotest.FaultDropBeforeProcess}, inFlight},
	}
	type op struct {
		name    string
		mode    payment.CaptureMode
		api     string
		advance time.Duration
		call    func(e *env, ref payment.PaymentRef) (*payment.Payment, error)
		status  payment.Status
		check   func(t *testing.T, l gmotest.LedgerEntry)
	}
	ops := []op{
		{"capture", payment.CaptureManual, "AlterTran", 0,
			func(e *env, ref payment.PaymentRef) (*payment.Payment, error) {
				return e.p.Capture(ctx, payment.CaptureRequest{Ref: ref})
			}, payment.StatusCaptured,
			func(t *testing.T, l gmotest.LedgerEntry) {
				assert.Equal(t, 1, l.Sales)
				assert.Equal(t, int64(1000), l.Captured)
			}},
		{"void", payment.CaptureManual, "AlterTran", 0,
			func(e *env, ref payment.PaymentRef) (*payment.Payment, error) { return e.p.Void(ctx, ref) }, payment.StatusCanceled,
			func(t *testing.T, l gmotest.LedgerEntry) { assert.Equal(t, 1, l.Voids) }},
		{"refund RETURN", payment.CaptureAutomatic, "AlterTran", 24 * time.Hour,
			func(e *env, ref payment.PaymentRef) (*payment.Payment, error) {
				return e.p.Refund(ctx, payment.RefundRequest{Ref: ref})
			}, payment.StatusRefunded,
			func(t *testing.T, l gmotest.LedgerEntry) {
				assert.Equal(t, 1, l.Refunds)
				assert.Equal(t, int64(1000), l.Refunded)
			}},
		{"partial refund ChangeTran", payment.CaptureAutomatic, "ChangeTran", 0,
			func(e *env, ref payment.PaymentRef) (*payment.Payment, error) {
				return e.p.Refund(ctx, payment.RefundRequest{Ref: ref, Amount: ptr(jpy(250))})
			}, payment.StatusPartiallyRefunded,
			func(t *testing.T, l gmotest.LedgerEntry) {
				assert.Equal(t, 1, l.Refunds)
				assert.Equal(t, int64(250), l.Refunded)
			}},
	}
	for _, o := range ops {
		for _, f := range faults {
			t.Run(o.name+"/"+f.name, func(t *testing.T) {
				e := newEnv(t, nil)
				p := e.create(t, o.mode, 1000)
				_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
				require.NoError(t, err)
				e.clock.Advance(o.advance)
				e.sim.InjectFault(o.api, f.fault)
				calls := e.sim.Calls(o.api)
				got, err := o.call(e, p.Ref)
				assert.Equal(t, calls+1, e.sim.Calls(o.api), "never resent")
				if f.want == inFlight {
					assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
					assert.NotErrorIs(t, err, payment.ErrUnavailable)
					require.NotNil(t, got)
					assert.Equal(t, payment.StatusUnknown, got.Status)
					inq, ierr := e.p.Inquire(ctx, p.Ref)
					require.NoError(t, ierr)
					assert.NotEqual(t, o.status, inq.Status, "nothing happened yet")
					got, err = o.call(e, p.Ref)
				}
				require.NoError(t, err)
				assert.Equal(t, o.status, got.Status)
				o.check(t, e.ledger(t, p.OrderID))
				assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
			})
		}
	}
}

func TestReconcileSecureTran2(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	p := e.create(t, payment.CaptureAutomatic, 1000)
	ra, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardChallenge)})
	require.NoError(t, err)
	vals, err := e.sim.CompleteChallenge(ctx, ra.NextAction.URL, true)
	require.NoError(t, err)
	e.sim.InjectFault("SecureTran2", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess})
	got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Return: &payment.RedirectReturn{Values: vals}})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, got.Status)
	assert.Equal(t, 1, e.sim.Calls("SecureTran2"))
	assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
}

func TestEntryTranResend(t *testing.T) {
	ctx := context.Background()
	t.Run("lost reply: the resend's E01040010 recovers the first transaction", func(t *testing.T) {
		e := newEnv(t, nil)
		id := newOrderID()
		e.sim.InjectFault("EntryTran", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess})
		p, err := e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: id, Amount: jpy(1000), ReturnURL: "https://shop.example/r"})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusPending, p.Status)
		assert.Equal(t, 2, e.sim.Calls("EntryTran"), "EntryTran moves no money and was resent")
		l := e.ledger(t, id)
		_, accessID, err := gmo.ParseRef(p.Ref)
		require.NoError(t, err)
		assert.Equal(t, l.AccessID, accessID)
		got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusCaptured, got.Status)
	})
	t.Run("lost reply and a different amount: still a duplicate", func(t *testing.T) {
		e := newEnv(t, nil)
		id := newOrderID()
		_, err := e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: id, Amount: jpy(500)})
		require.NoError(t, err)
		e.sim.InjectFault("EntryTran", gmotest.Fault{Kind: gmotest.FaultDropBeforeProcess})
		_, err = e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: id, Amount: jpy(1000)})
		assert.ErrorIs(t, err, payment.ErrDuplicate)
	})
	t.Run("HTML page says so clearly", func(t *testing.T) {
		e := newEnv(t, func(c *gmo.Config) {})
		for range 3 { // the client retries the idempotent EntryTran
			e.sim.InjectFault("EntryTran", gmotest.Fault{Kind: gmotest.FaultHTML})
		}
		_, err := e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: newOrderID(), Amount: jpy(1000)})
		assert.ErrorIs(t, err, payment.ErrUnavailable)
		assert.Contains(t, err.Error(), "HTML page, not a GMO reply; check the base URL")
	})
	t.Run("rate limit E92 is retry-safe and not reconciled", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 1000)
		e.sim.InjectFault("ExecTran", gmotest.Fault{Kind: gmotest.FaultGatewayUnknown, Code: "E92000001"})
		_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		assert.ErrorIs(t, err, payment.ErrRateLimited)
		var pe *payment.Error
		require.ErrorAs(t, err, &pe)
		assert.True(t, pe.RetrySafe)
		assert.Equal(t, 0, e.sim.Calls("SearchTrade"))
	})
	t.Run("HTML page on ExecTran charges nothing", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 1000)
		e.sim.InjectFault("ExecTran", gmotest.Fault{Kind: gmotest.FaultHTML, Status: 403})
		got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		// A 403 page may come from a proxy in front of GMO or from GMO's
		// own edge: it does not prove the request was not processed.
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		assert.False(t, errors.Is(err, payment.ErrUnavailable))
		require.NotNil(t, got)
		assert.Equal(t, payment.StatusUnknown, got.Status)
		assert.Equal(t, 0, e.ledger(t, p.OrderID).Charges)
	})
}
