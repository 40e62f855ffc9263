package conformance

import (
	"context"
	"errors"
	"time"

	"github.com/kessai/payment"
)

// faultTimeout bounds one faulty call, so a provider that never gives up
// fails instead of hanging the suite. Harnesses should give the provider a
// short per-request timeout (provider.WithTimeout).
const faultTimeout = 10 * time.Second

// faultOp is a money-moving call the fault scenarios break.
type faultOp struct {
	name  string
	op    string
	setup func(e *env) (order string, p *payment.Payment, ret *payment.RedirectReturn)
	call  func(e *env, ctx context.Context, p *payment.Payment, ret *payment.RedirectReturn) (*payment.Payment, error)
}

func faultOps() []faultOp {
	return []faultOp{
		{name: "Confirm", op: OpConfirm,
			setup: func(e *env) (string, *payment.Payment, *payment.RedirectReturn) {
				e.needPay()
				order, p := e.create(payment.CaptureAutomatic)
				var ret *payment.RedirectReturn
				if e.h.ApproveMethod == nil {
					ret = e.customer(p, Pass)
				}
				return order, p, ret
			},
			call: func(e *env, ctx context.Context, p *payment.Payment, ret *payment.RedirectReturn) (*payment.Payment, error) {
				req := payment.ConfirmRequest{Ref: p.Ref, Return: ret}
				if ret == nil {
					req.Method = e.h.ApproveMethod(e.t)
				}
				return e.h.Provider.Confirm(ctx, req)
			}},
		{name: "Capture", op: OpCapture,
			setup: func(e *env) (string, *payment.Payment, *payment.RedirectReturn) {
				e.needCap(e.caps.ManualCapture, "ManualCapture")
				order, p := e.pay(payment.CaptureManual)
				return order, p, nil
			},
			call: func(e *env, ctx context.Context, p *payment.Payment, _ *payment.RedirectReturn) (*payment.Payment, error) {
				return e.h.Provider.Capture(ctx, payment.CaptureRequest{Ref: p.Ref})
			}},
		{name: "Refund", op: OpRefund,
			setup: func(e *env) (string, *payment.Payment, *payment.RedirectReturn) {
				order, p := e.captured()
				return order, p, nil
			},
			call: func(e *env, ctx context.Context, p *payment.Payment, _ *payment.RedirectReturn) (*payment.Payment, error) {
				return e.h.Provider.Refund(ctx, payment.RefundRequest{Ref: p.Ref})
			}},
		{name: "PartialRefund", op: OpRefund,
			setup: func(e *env) (string, *payment.Payment, *payment.RedirectReturn) {
				e.needCap(e.caps.PartialRefund, "PartialRefund")
				order, p := e.captured()
				return order, p, nil
			},
			call: func(e *env, ctx context.Context, p *payment.Payment, _ *payment.RedirectReturn) (*payment.Payment, error) {
				q := e.part(1, 4)
				return e.h.Provider.Refund(ctx, payment.RefundRequest{Ref: p.Ref, Amount: &q})
			}},
		{name: "Void", op: OpVoid,
			setup: func(e *env) (string, *payment.Payment, *payment.RedirectReturn) {
				e.needCap(e.caps.ManualCapture, "ManualCapture")
				e.voider()
				order, p := e.pay(payment.CaptureManual)
				return order, p, nil
			},
			call: func(e *env, ctx context.Context, p *payment.Payment, _ *payment.RedirectReturn) (*payment.Payment, error) {
				return e.voider().Void(ctx, p.Ref)
			}},
	}
}

func faultScenarios() []scenario {
	var out []scenario
	for _, fo := range faultOps() {
		var kids []scenario
		for _, f := range Faults() {
			kids = append(kids, scenario{name: f.String(), run: func(e *env) { testFault(e, fo, f) }})
		}
		out = append(out, group(fo.name, kids...))
	}
	return out
}

func sameLedger(a, b LedgerEntry) bool {
	return moneyEq(a.Authorized, b.Authorized) && moneyEq(a.Charged, b.Charged) && moneyEq(a.Refunded, b.Refunded) &&
		a.Authorizations == b.Authorizations && a.Charges == b.Charges && a.Refunds == b.Refunds && a.Voids == b.Voids
}

// testFault breaks one call with f and checks the answer tells the truth
// the ledger records (or admits it does not know), that an inquiry then
// resolves it, and that money never moved twice.
func testFault(e *env, fo faultOp, f Fault) {
	e.needHook(e.h.InjectFault != nil, "InjectFault")
	e.needHook(e.h.Ledger != nil, "Ledger")
	order, p, ret := fo.setup(e)
	before := e.h.Ledger(order)
	if !e.h.InjectFault(fo.op, f) {
		e.t.Skipf("conformance: the simulator cannot inject %v into %s (Harness.InjectFault returned false)", f, fo.op)
	}
	ctx, cancel := context.WithTimeout(e.ctx, faultTimeout)
	defer cancel()
	got, err := fo.call(e, ctx, p, ret)
	call := fo.name + " under " + f.String()
	e.observe(call, order, got, err)
	after := e.h.Ledger(order)
	e.once(call, after)
	if n := after.Refunds - before.Refunds; n > 1 {
		e.t.Errorf("%s: DOUBLE REFUND: money was returned %d times by one call (%s)", call, n, after)
	}
	switch {
	case err == nil:
		e.matchesLedger(call, got, after, true)
	case errors.Is(err, payment.ErrOutcomeUnknown):
		// Honest: the caller must inquire.
	case errors.Is(err, payment.ErrUnavailable):
		if !sameLedger(before, after) {
			e.t.Errorf("%s: ErrUnavailable says nothing happened, but the gateway processed the call (%s → %s); "+
				"report ErrOutcomeUnknown (or the inquired state) when the request may have been sent", call, before, after)
		}
	default:
		e.t.Errorf("%s: error %q; a transport fault must surface as ErrOutcomeUnknown, ErrUnavailable or the true state", call, err)
	}
	if q := e.inquire(order, p.Ref); q != nil {
		e.matchesLedger("Inquire after "+call, q, after, false)
	} else if !e.caps.Inquiry {
		e.t.Log("provider has no inquiry: resolution after the fault is not checked")
	}
	if final := e.h.Ledger(order); !sameLedger(final, after) {
		e.t.Errorf("the ledger changed after the faulty call returned (%s → %s): something resent it", after, final)
	}
}
