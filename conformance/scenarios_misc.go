package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kessai/payment"
)

// promptly is how long a call with an ended context may take. It is a
// bound against hangs, not a speed target.
const promptly = 5 * time.Second

func testCanceledContext(e *env) {
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()

	order := e.newOrder()
	start := time.Now()
	p, err := e.h.Provider.CreatePayment(ctx, e.createReq(order, payment.CaptureAutomatic))
	e.observe("CreatePayment with a canceled context", order, p, err)
	if d := time.Since(start); d > promptly {
		e.t.Errorf("CreatePayment with a canceled context took %v", d)
	}
	if err == nil {
		e.t.Error("CreatePayment with a canceled context succeeded")
	} else if !errors.Is(err, context.Canceled) {
		e.t.Errorf("CreatePayment with a canceled context: error %q does not match context.Canceled", err)
	}

	e.needPay()
	order, p = e.create(payment.CaptureAutomatic)
	req := payment.ConfirmRequest{Ref: p.Ref}
	if e.h.ApproveMethod != nil {
		req.Method = e.h.ApproveMethod(e.t)
	} else {
		req.Return = e.customer(p, Pass)
	}
	before := LedgerEntry{}
	if e.h.Ledger != nil {
		before = e.h.Ledger(order)
	}
	start = time.Now()
	got, err := e.confirmCtx(ctx, order, req)
	if d := time.Since(start); d > promptly {
		e.t.Errorf("Confirm with a canceled context took %v", d)
	}
	if err == nil {
		e.t.Errorf("Confirm with a canceled context succeeded (status %v)", got.Status)
		return
	}
	if !errors.Is(err, context.Canceled) {
		e.t.Errorf("Confirm with a canceled context: error %q does not match context.Canceled", err)
	}
	if e.h.Ledger != nil && !errors.Is(err, payment.ErrOutcomeUnknown) {
		if after := e.h.Ledger(order); !sameLedger(before, after) && e.h.ApproveMethod != nil {
			e.t.Errorf("Confirm with a canceled context claims it was not sent, but the gateway processed it (%s)", after)
		}
	}
	if q := e.inquire(order, p.Ref); q != nil && e.h.Ledger != nil {
		e.matchesLedger("Inquire after a canceled Confirm", q, e.h.Ledger(order), false)
	}
}

// testDeadlineAfterSend lets the context expire while the gateway holds a
// processed request: the error must match both ctx.Err() and
// ErrOutcomeUnknown, and an inquiry then tells the truth.
func testDeadlineAfterSend(e *env) {
	e.needHook(e.h.InjectFault != nil, "InjectFault")
	e.needPay()
	order, p := e.create(payment.CaptureAutomatic)
	req := payment.ConfirmRequest{Ref: p.Ref}
	if e.h.ApproveMethod != nil {
		req.Method = e.h.ApproveMethod(e.t)
	} else {
		req.Return = e.customer(p, Pass)
	}
	if !e.h.InjectFault(OpConfirm, FaultTimeout) {
		e.t.Skip("conformance: the simulator cannot inject FaultTimeout into confirm (Harness.InjectFault returned false)")
	}
	const deadline = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(e.ctx, deadline)
	defer cancel()
	start := time.Now()
	got, err := e.confirmCtx(ctx, order, req)
	if d := time.Since(start); d > deadline+promptly {
		e.t.Errorf("Confirm took %v after its context's %v deadline", d, deadline)
	}
	if err == nil {
		e.t.Errorf("Confirm succeeded (status %v) although its context expired before the answer", got.Status)
		return
	}
	if ctx.Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
		e.t.Errorf("Confirm: error %q does not match ctx.Err() (context.DeadlineExceeded)", err)
	}
	switch {
	case errors.Is(err, payment.ErrOutcomeUnknown):
	case errors.Is(err, payment.ErrUnavailable):
		// "Not sent" is only true when the gateway never processed it
		// (the deadline may expire before the request leaves).
		if e.h.Ledger != nil && req.Method != nil {
			if l := e.h.Ledger(order); l.Charges != 0 || l.Authorizations != 0 {
				e.t.Errorf("Confirm: error %q claims the request was not sent, but the gateway processed it (%s); it must match ErrOutcomeUnknown", err, l)
			}
		}
	default:
		e.t.Errorf("Confirm: error %q must match ErrOutcomeUnknown (or ErrUnavailable if it was never sent)", err)
	}
	if q := e.inquire(order, p.Ref); q != nil && e.h.Ledger != nil {
		l := e.h.Ledger(order)
		e.matchesLedger("Inquire after the deadline", q, l, false)
		e.once("Inquire after the deadline", l)
	}
}

// concurrency is how many payments testConcurrency makes at once.
const concurrency = 200

// testConcurrency pays many orders at once through one provider; each must
// end captured, exactly once, as the ledger records.
func testConcurrency(e *env) {
	e.needPay()
	type result struct {
		order string
		p     *payment.Payment
		err   error
	}
	results := make([]result, concurrency)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			order := e.newOrder()
			results[i].order = order
			p, err := e.h.Provider.CreatePayment(e.ctx, e.createReq(order, payment.CaptureAutomatic))
			if err != nil {
				results[i].err = fmt.Errorf("CreatePayment: %w", err)
				return
			}
			req := payment.ConfirmRequest{Ref: p.Ref}
			if e.h.ApproveMethod != nil {
				req.Method = e.h.ApproveMethod(e.t)
			} else {
				ret, err := e.h.Customer(e.ctx, p, Pass)
				if err != nil {
					results[i].err = fmt.Errorf("Harness.Customer: %w", err)
					return
				}
				req.Return = ret
			}
			results[i].p, results[i].err = e.h.Provider.Confirm(e.ctx, req)
		}()
	}
	wg.Wait()
	failed := 0
	for _, r := range results {
		e.mu.Lock()
		e.amounts[r.order] = e.h.Amount
		e.mu.Unlock()
		if r.err != nil {
			failed++
			if failed <= 5 {
				e.t.Errorf("order %s: %v", r.order, r.err)
			}
			e.observe("concurrent payment", r.order, nil, r.err)
		} else {
			e.observe("concurrent payment", r.order, r.p, nil)
			e.wantStatus("concurrent payment "+r.order, r.p, payment.StatusCaptured)
		}
		if e.h.Ledger != nil {
			l := e.h.Ledger(r.order)
			e.once("concurrent payment "+r.order, l)
			if r.err == nil {
				e.matchesLedger("concurrent payment "+r.order, r.p, l, false)
			}
		}
	}
	if failed > 0 {
		e.t.Errorf("%d of %d concurrent payments failed", failed, concurrency)
	}
}

// testRedaction drives the paths most likely to leak (payments, declines,
// invalid requests, refunds) and checks logs, errors and results against
// Harness.Secrets. Every other scenario checks the same on its own calls.
func testRedaction(e *env) {
	if len(e.h.Secrets) == 0 {
		e.t.Skip("conformance: harness lists no Secrets")
	}
	e.needHook(e.h.Logs != nil, "Logs")
	if e.h.ApproveMethod != nil {
		m := e.h.ApproveMethod(e.t)
		e.redacted("fmt %+v of the ApproveMethod payment method", fmt.Sprintf("%+v", *m))
	}
	if e.canPay() {
		order, p := e.pay(payment.CaptureAutomatic)
		if e.caps.Refund {
			_, _ = e.refund(order, payment.RefundRequest{Ref: p.Ref})
		}
		_, _ = e.tryCreate(e.createReq(order, payment.CaptureAutomatic)) // duplicate
	}
	if e.h.DeclineMethod != nil || (e.caps.HostedPage && e.h.Customer != nil) {
		e.declined()
	}
	_, _ = e.tryCreate(e.createReq("bad id!", payment.CaptureAutomatic))
	_, _ = e.confirm("", payment.ConfirmRequest{Ref: "conformance-no-such-ref", Method: e.methodOrNil()})
	e.redacted("the provider's logs", e.h.Logs())
}

func (e *env) methodOrNil() *payment.PaymentMethod {
	if e.h.ApproveMethod != nil {
		return e.h.ApproveMethod(e.t)
	}
	return nil
}
