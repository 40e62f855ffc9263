package conformance

import (
	"github.com/kessai/payment"
)

func suite() []scenario {
	return []scenario{
		{name: "Capabilities", run: testCapabilities},
		group("Create",
			scenario{name: "Pending", run: testCreate},
		),
		group("Capture",
			scenario{name: "Automatic", run: testAutomaticCapture},
			scenario{name: "Manual", run: testManualCapture},
			scenario{name: "Partial", run: testPartialCapture},
			scenario{name: "AfterVoidRejected", run: testCaptureAfterVoid},
			scenario{name: "PartialThenRefund", run: testPartialCaptureRefund},
		),
		group("Void",
			scenario{name: "Authorization", run: testVoid},
		),
		group("Refund",
			scenario{name: "Full", run: testFullRefund},
			scenario{name: "Partial", run: testPartialRefund},
			scenario{name: "TwoPartial", run: testTwoPartialRefunds},
			scenario{name: "AboveRemainingRejected", run: testRefundAboveRemaining},
		),
		{name: "Lifecycle", run: testLifecycle},
		group("Decline",
			scenario{name: "Method", run: testDeclineMethod},
		),
		group("ThreeDSecure",
			scenario{name: "Passed", run: func(e *env) { testChallenge(e, Pass) }},
			scenario{name: "Failed", run: func(e *env) { testChallenge(e, Decline) }},
			scenario{name: "Abandoned", run: func(e *env) { testChallenge(e, Abandon) }},
			scenario{name: "ReturnFromAnotherPayment", run: testChallengeForeignReturn},
		),
		group("HostedPage",
			scenario{name: "Paid", run: func(e *env) { testHosted(e, Pass) }},
			scenario{name: "Declined", run: func(e *env) { testHosted(e, Decline) }},
			scenario{name: "Abandoned", run: func(e *env) { testHosted(e, Abandon) }},
			scenario{name: "ReturnFromAnotherPayment", run: testHostedForeignReturn},
		),
		group("Unsupported", unsupportedScenarios()...),
		group("Invalid", invalidScenarios()...),
		group("Idempotency",
			scenario{name: "DuplicateOrderIDBeforePayment", run: func(e *env) { testDuplicateOrder(e, false) }},
			scenario{name: "DuplicateOrderIDAfterPayment", run: func(e *env) { testDuplicateOrder(e, true) }},
			scenario{name: "ConfirmRepeated", run: testConfirmRepeated},
			scenario{name: "CaptureRepeated", run: testCaptureRepeated},
			scenario{name: "FullRefundRepeated", run: testRefundRepeated},
		),
		group("Faults", faultScenarios()...),
		group("Notifications", notificationScenarios()...),
		group("Context",
			scenario{name: "CanceledBeforeCall", run: testCanceledContext},
			scenario{name: "DeadlineAfterSend", run: testDeadlineAfterSend},
		),
		{name: "Concurrency", run: testConcurrency},
		{name: "Redaction", run: testRedaction},
	}
}

func testCapabilities(e *env) {
	c := e.caps
	if e.h.Provider.Name() == "" {
		e.t.Error("Name() is empty")
	}
	if len(c.Currencies) == 0 {
		e.t.Error("Capabilities.Currencies is empty")
	}
	for _, cur := range c.Currencies {
		iso, err := payment.LookupCurrency(cur.Code)
		if err != nil || iso != cur {
			e.t.Errorf("Capabilities.Currencies has %+v; want an ISO 4217 currency from payment.LookupCurrency", cur)
		}
	}
	if !c.SupportsCurrency(e.h.Currency) {
		e.t.Errorf("Harness currency %v is not in Capabilities.Currencies", e.h.Currency)
	}
	if e.h.Amount.Currency().Code != e.h.Currency.Code {
		e.t.Errorf("Harness.Amount %v is not in Harness.Currency %v", e.h.Amount, e.h.Currency)
	}
	if (c.PartialCapture) && !c.ManualCapture {
		e.t.Error("Capabilities: PartialCapture without ManualCapture")
	}
	if (c.PartialRefund || c.MultipleRefunds) && !c.Refund {
		e.t.Error("Capabilities: PartialRefund or MultipleRefunds without Refund")
	}
	if _, ok := e.h.Provider.(payment.Voider); c.Void && !ok {
		e.t.Errorf("Capabilities.Void is set but %T does not implement payment.Voider", e.h.Provider)
	}
	if _, ok := e.h.Provider.(payment.Inquirer); c.Inquiry && !ok {
		e.t.Errorf("Capabilities.Inquiry is set but %T does not implement payment.Inquirer", e.h.Provider)
	}
	if !c.HostedPage && e.h.ApproveMethod == nil {
		e.t.Log("WARNING: a provider without Capabilities.HostedPage takes payment methods, but the harness has no ApproveMethod hook: most scenarios will be skipped")
	}
}

func testCreate(e *env) {
	order, p := e.create(payment.CaptureAutomatic)
	e.wantMoney("Captured", p.Captured, payment.Zero(e.h.Currency))
	e.wantMoney("Refunded", p.Refunded, payment.Zero(e.h.Currency))
	if e.h.Ledger != nil {
		l := e.h.Ledger(order)
		if l.Charges != 0 || l.Authorizations != 0 {
			e.t.Errorf("CreatePayment moved money: %s", l)
		}
	}
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire after CreatePayment", q, payment.StatusPending, payment.StatusRequiresAction)
	}
}

func testAutomaticCapture(e *env) {
	order, p := e.pay(payment.CaptureAutomatic)
	e.wantMoney("Captured", p.Captured, e.h.Amount)
	e.wantMoney("Refunded", p.Refunded, payment.Zero(e.h.Currency))
	e.checkLedger(order, p, 1)
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire", q, payment.StatusCaptured)
		e.wantMoney("Inquire Captured", q.Captured, e.h.Amount)
	}
}

// checkLedger compares p with the ledger and checks the number of charges.
func (e *env) checkLedger(order string, p *payment.Payment, charges int) {
	e.t.Helper()
	if e.h.Ledger == nil {
		return
	}
	l := e.h.Ledger(order)
	e.matchesLedger("ledger check", p, l, false)
	e.once("ledger check", l)
	if l.Charges != charges {
		e.t.Errorf("ledger: %d charges, want %d (%s)", l.Charges, charges, l)
	}
}

func testManualCapture(e *env) {
	e.needCap(e.caps.ManualCapture, "ManualCapture")
	order, p := e.pay(payment.CaptureManual)
	e.wantMoney("Captured after authorization", p.Captured, payment.Zero(e.h.Currency))
	e.checkLedger(order, p, 0)
	if e.h.Ledger != nil {
		e.wantMoney("ledger Authorized", e.h.Ledger(order).Authorized, e.h.Amount)
	}
	p, err := e.capture(order, payment.CaptureRequest{Ref: p.Ref})
	if err != nil {
		e.t.Fatalf("Capture: %v", err)
	}
	e.wantStatus("Capture", p, payment.StatusCaptured)
	e.wantMoney("Captured", p.Captured, e.h.Amount)
	e.checkLedger(order, p, 1)
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire", q, payment.StatusCaptured)
	}
}

func testPartialCapture(e *env) {
	e.needCap(e.caps.PartialCapture, "PartialCapture")
	order, p := e.pay(payment.CaptureManual)
	half := e.part(1, 2)
	p, err := e.capture(order, payment.CaptureRequest{Ref: p.Ref, Amount: &half})
	if err != nil {
		e.t.Fatalf("Capture(half): %v", err)
	}
	e.wantStatus("Capture(half)", p, payment.StatusCaptured)
	e.wantMoney("Captured", p.Captured, half)
	e.checkLedger(order, p, 1)
	if e.h.Ledger != nil {
		e.wantMoney("ledger Charged", e.h.Ledger(order).Charged, half)
	}
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantMoney("Inquire Captured", q.Captured, half)
	}
}

// testPartialCaptureRefund refunds "everything" after a partial capture:
// only what was captured comes back.
func testPartialCaptureRefund(e *env) {
	e.needCap(e.caps.PartialCapture, "PartialCapture")
	e.needCap(e.caps.Refund, "Refund")
	order, p := e.pay(payment.CaptureManual)
	half := e.part(1, 2)
	if _, err := e.capture(order, payment.CaptureRequest{Ref: p.Ref, Amount: &half}); err != nil {
		e.t.Fatalf("Capture(half): %v", err)
	}
	p, err := e.refund(order, payment.RefundRequest{Ref: p.Ref})
	if err != nil {
		e.t.Fatalf("Refund after a partial capture: %v", err)
	}
	e.wantStatus("Refund after a partial capture", p, payment.StatusRefunded)
	e.wantMoney("Refunded", p.Refunded, half)
	e.checkLedger(order, p, 1)
	if e.h.Ledger != nil {
		e.wantMoney("ledger Refunded", e.h.Ledger(order).Refunded, half)
	}
}

func testVoid(e *env) {
	e.needCap(e.caps.ManualCapture, "ManualCapture")
	e.voider()
	order, p := e.pay(payment.CaptureManual)
	p, err := e.void(order, p.Ref)
	if err != nil {
		e.t.Fatalf("Void: %v", err)
	}
	e.wantStatus("Void", p, payment.StatusCanceled)
	e.wantMoney("Captured after void", p.Captured, payment.Zero(e.h.Currency))
	e.checkLedger(order, p, 0)
	if e.h.Ledger != nil {
		l := e.h.Ledger(order)
		e.wantMoney("ledger Authorized after void", l.Authorized, payment.Zero(e.h.Currency))
	}
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire", q, payment.StatusCanceled)
	}
}

func testCaptureAfterVoid(e *env) {
	e.needCap(e.caps.ManualCapture, "ManualCapture")
	e.voider()
	order, p := e.pay(payment.CaptureManual)
	if _, err := e.void(order, p.Ref); err != nil {
		e.t.Fatalf("Void: %v", err)
	}
	_, err := e.capture(order, payment.CaptureRequest{Ref: p.Ref})
	e.wantKind("Capture after Void", err, payment.ErrInvalidRequest)
	e.checkLedger(order, nil, 0)
}

func (e *env) captured() (string, *payment.Payment) {
	e.t.Helper()
	e.needCap(e.caps.Refund, "Refund")
	return e.pay(payment.CaptureAutomatic)
}

func testFullRefund(e *env) {
	order, p := e.captured()
	p, err := e.refund(order, payment.RefundRequest{Ref: p.Ref, Reason: "conformance"})
	if err != nil {
		e.t.Fatalf("Refund: %v", err)
	}
	e.wantStatus("Refund", p, payment.StatusRefunded)
	e.wantMoney("Refunded", p.Refunded, e.h.Amount)
	e.checkLedger(order, p, 1)
	e.refunds(order, 1)
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire", q, payment.StatusRefunded)
	}
}

func (e *env) refunds(order string, n int) {
	e.t.Helper()
	if e.h.Ledger == nil {
		return
	}
	if l := e.h.Ledger(order); l.Refunds != n {
		e.t.Errorf("ledger: %d refunds, want %d (%s)", l.Refunds, n, l)
	}
}

func testPartialRefund(e *env) {
	e.needCap(e.caps.PartialRefund, "PartialRefund")
	order, p := e.captured()
	q := e.part(1, 4)
	p, err := e.refund(order, payment.RefundRequest{Ref: p.Ref, Amount: &q})
	if err != nil {
		e.t.Fatalf("Refund(quarter): %v", err)
	}
	e.wantStatus("Refund(quarter)", p, payment.StatusPartiallyRefunded)
	e.wantMoney("Refunded", p.Refunded, q)
	e.wantMoney("Captured", p.Captured, e.h.Amount)
	e.checkLedger(order, p, 1)
	e.refunds(order, 1)
	if x := e.inquire(order, p.Ref); x != nil {
		e.wantStatus("Inquire", x, payment.StatusPartiallyRefunded)
		e.wantMoney("Inquire Refunded", x.Refunded, q)
	}
}

func testTwoPartialRefunds(e *env) {
	e.needCap(e.caps.PartialRefund, "PartialRefund")
	e.needCap(e.caps.MultipleRefunds, "MultipleRefunds")
	order, p := e.captured()
	q := e.part(1, 4)
	ref := p.Ref
	for i := 1; i <= 2; i++ {
		var err error
		p, err = e.refund(order, payment.RefundRequest{Ref: ref, Amount: &q})
		if err != nil {
			e.t.Fatalf("Refund #%d (quarter): %v", i, err)
		}
		e.wantStatus("Refund(quarter)", p, payment.StatusPartiallyRefunded)
	}
	e.wantMoney("Refunded after two quarters", p.Refunded, e.part(2, 4))
	e.refunds(order, 2)
	p, err := e.refund(order, payment.RefundRequest{Ref: ref})
	if err != nil {
		e.t.Fatalf("Refund(rest): %v", err)
	}
	e.wantStatus("Refund(rest)", p, payment.StatusRefunded)
	e.wantMoney("Refunded", p.Refunded, e.h.Amount)
	e.checkLedger(order, p, 1)
	e.refunds(order, 3)
}

func testRefundAboveRemaining(e *env) {
	order, p := e.captured()
	wantRefunded, n := payment.Zero(e.h.Currency), 0
	if e.caps.PartialRefund && e.caps.MultipleRefunds {
		half := e.part(1, 2)
		if _, err := e.refund(order, payment.RefundRequest{Ref: p.Ref, Amount: &half}); err != nil {
			e.t.Fatalf("Refund(half): %v", err)
		}
		wantRefunded, n = half, 1
		// The full amount is now above what remains.
		amt := e.h.Amount
		_, err := e.refund(order, payment.RefundRequest{Ref: p.Ref, Amount: &amt})
		e.wantKind("Refund above the remaining half", err, payment.ErrInvalidRequest)
	}
	over := payment.MoneyFromMinor(e.h.Amount.MinorUnits()+1, e.h.Currency)
	_, err := e.refund(order, payment.RefundRequest{Ref: p.Ref, Amount: &over})
	e.wantKind("Refund above the captured amount", err, payment.ErrInvalidRequest)
	e.refunds(order, n)
	if e.h.Ledger != nil {
		e.wantMoney("ledger Refunded after rejected refunds", e.h.Ledger(order).Refunded, wantRefunded)
	}
}

// testLifecycle walks one payment through every state the provider
// supports, inquiring and reading the notification after each step, so
// every reported status is checked against the previous one.
func testLifecycle(e *env) {
	mode := payment.CaptureAutomatic
	if e.caps.ManualCapture {
		mode = payment.CaptureManual
	}
	order, p := e.pay(mode)
	ref := p.Ref
	step := func(name string) {
		e.t.Helper()
		if q := e.inquire(order, ref); q != nil && e.h.Ledger != nil {
			e.matchesLedger("Inquire after "+name, q, e.h.Ledger(order), false)
		}
		if e.caps.Notifications && e.h.Notify != nil {
			r, err := e.h.Notify(e.ctx, order)
			if err != nil {
				e.t.Logf("no notification after %s: %v", name, err)
				return
			}
			if _, err := e.handle(order, e.buffer(r).req()); err != nil {
				e.t.Errorf("HandleNotification after %s: %v", name, err)
			}
		}
	}
	step("authorization")
	if mode == payment.CaptureManual {
		if _, err := e.capture(order, payment.CaptureRequest{Ref: ref}); err != nil {
			e.t.Fatalf("Capture: %v", err)
		}
		step("capture")
	}
	if !e.caps.Refund {
		return
	}
	if e.caps.PartialRefund {
		q := e.part(1, 4)
		if _, err := e.refund(order, payment.RefundRequest{Ref: ref, Amount: &q}); err != nil {
			e.t.Fatalf("Refund(quarter): %v", err)
		}
		step("partial refund")
		if !e.caps.MultipleRefunds {
			return
		}
	}
	if _, err := e.refund(order, payment.RefundRequest{Ref: ref}); err != nil {
		e.t.Fatalf("Refund: %v", err)
	}
	step("refund")
}
