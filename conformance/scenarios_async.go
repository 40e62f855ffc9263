package conformance

import (
	"github.com/kessai/payment"
)

// The Async family: asynchronous voucher payments (konbini, Pay-easy). The
// customer gets payment numbers now and pays later, or never. A provider
// with Capabilities.AsyncPayments must report such a payment as pending
// with a voucher until the gateway says otherwise, and must find out what
// happened even when the notification never comes.
func asyncScenarios() []scenario {
	return []scenario{
		{name: "Paid", run: testAsyncPaid},
		{name: "Expired", run: testAsyncExpired},
		{name: "CanceledWhilePending", run: testAsyncCanceled},
		{name: "NotificationLost", run: testAsyncNotificationLost},
		{name: "ConfirmRepeated", run: testAsyncConfirmRepeated},
		{name: "PaidCannotBeVoided", run: testAsyncPaidNotVoided},
		{name: "CardMethodRejected", run: testAsyncCardMethod},
	}
}

// asyncGroup is the Async scenario family, run by [Run].
func asyncGroup() scenario { return group("Async", asyncScenarios()...) }

// methodTypeOf returns the method type an async payment method needs.
func methodTypeOf(m *payment.PaymentMethod) payment.MethodType {
	switch {
	case m == nil:
		return ""
	case m.Konbini != nil && m.PayEasy == nil:
		return payment.MethodKonbini
	case m.PayEasy != nil && m.Konbini == nil:
		return payment.MethodPayEasy
	}
	return ""
}

// asyncMethod returns the harness's async method and its type, skipping
// without the capability or the hook.
func (e *env) asyncMethod() (*payment.PaymentMethod, payment.MethodType) {
	e.t.Helper()
	e.needCap(e.caps.AsyncPayments, "AsyncPayments")
	e.needHook(e.h.AsyncMethod != nil, "AsyncMethod")
	m := e.h.AsyncMethod(e.t)
	mt := methodTypeOf(m)
	if mt == "" {
		e.t.Fatalf("Harness.AsyncMethod must set exactly one of Konbini and PayEasy, got %+v", m)
	}
	return m, mt
}

// issued creates an async payment and confirms it: the result must be a
// pending payment with a voucher, and no money may have moved.
func (e *env) issued() (string, *payment.Payment) {
	e.t.Helper()
	m, mt := e.asyncMethod()
	order := e.newOrder()
	req := e.createReq(order, payment.CaptureAutomatic)
	req.MethodType = mt
	c, err := e.tryCreate(req)
	if err != nil {
		e.t.Fatalf("CreatePayment(%s, %s): %v", order, mt, err)
	}
	e.wantStatus("CreatePayment of a "+string(mt)+" payment", c, payment.StatusPending)
	p, err := e.confirm(order, payment.ConfirmRequest{Ref: c.Ref, Method: m})
	if err != nil {
		e.t.Fatalf("Confirm(%s) with Harness.AsyncMethod: %v", order, err)
	}
	e.checkVoucher("Confirm of a "+string(mt)+" payment", p, mt)
	e.noMoney("voucher issued", order)
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire of an unpaid voucher", q, payment.StatusPending)
	}
	return order, p
}

// checkVoucher checks a pending voucher payment.
func (e *env) checkVoucher(call string, p *payment.Payment, mt payment.MethodType) {
	e.t.Helper()
	if p.Status != payment.StatusPending {
		e.t.Fatalf("%s: status %v, want pending: the customer has not paid yet", call, p.Status)
	}
	if !p.Captured.IsZero() {
		e.t.Errorf("%s: Captured = %v before the customer paid", call, p.Captured)
	}
	na := p.NextAction
	if na == nil || na.Type != payment.NextActionVoucher || na.Voucher == nil {
		e.t.Fatalf("%s: NextAction = %+v, want a voucher the customer can pay with", call, na)
	}
	v := na.Voucher
	if v.Method != mt {
		e.t.Errorf("%s: Voucher.Method = %q, want %q", call, v.Method, mt)
	}
	if v.ConfirmationNumber == "" && v.ReceiptNumber == "" && v.CustomerCode == "" {
		e.t.Errorf("%s: the voucher has no number to pay with: %+v", call, *v)
	}
	if v.Deadline.IsZero() || !v.Deadline.After(p.UpdatedAt) {
		e.t.Errorf("%s: Voucher.Deadline %v is not after the payment's time %v", call, v.Deadline, p.UpdatedAt)
	}
}

// payVoucher plays the customer paying.
func (e *env) payVoucher(order string, p *payment.Payment) {
	e.t.Helper()
	e.needHook(e.h.PayVoucher != nil, "PayVoucher")
	if err := e.h.PayVoucher(e.ctx, p); err != nil {
		e.t.Fatalf("Harness.PayVoucher(%s): %v", order, err)
	}
}

// expireVoucher lets the voucher's deadline pass.
func (e *env) expireVoucher(order string, p *payment.Payment) {
	e.t.Helper()
	expire := e.h.ExpireVoucher
	if expire == nil {
		expire = e.h.Expire
	}
	e.needHook(expire != nil, "ExpireVoucher (or Expire)")
	if err := expire(e.ctx, p); err != nil {
		e.t.Fatalf("Harness.ExpireVoucher(%s): %v", order, err)
	}
}

// asyncNotification delivers the current notification of order when the
// provider and harness support notifications; it returns the buffered
// request for replays (nil otherwise).
func (e *env) asyncNotification(call, order string, want payment.Status) *replayable {
	e.t.Helper()
	if !e.caps.Notifications || e.h.Notify == nil {
		return nil
	}
	r := e.notify(order)
	n, err := e.handle(order, r.req())
	if err != nil {
		e.t.Errorf("%s: HandleNotification: %v", call, err)
		return r
	}
	e.accepted(call, order, n)
	e.checkAck(call, n)
	e.wantStatusN(call, n, want)
	return r
}

func testAsyncPaid(e *env) {
	order, p := e.issued()
	pending := e.asyncNotification("notification of the issued voucher", order, payment.StatusPending)
	e.payVoucher(order, p)
	e.asyncNotification("notification of the payment", order, payment.StatusCaptured)
	if pending != nil {
		// The older "pending" notification arrives late: it must not move
		// the paid payment back (e.handle checks the transition).
		if n, err := e.handle(order, pending.req()); err == nil {
			e.wantStatusN("pending notification replayed after payment", n, payment.StatusCaptured)
		}
	}
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire after the customer paid", q, payment.StatusCaptured)
		e.wantMoney("Captured after the customer paid", q.Captured, e.h.Amount)
		if q.NextAction != nil {
			e.t.Errorf("Inquire after the customer paid: NextAction %+v, want none", *q.NextAction)
		}
		e.checkLedger(order, q, 1)
	}
}

func testAsyncExpired(e *env) {
	order, p := e.issued()
	e.expireVoucher(order, p)
	e.asyncNotification("notification of the expiry", order, payment.StatusExpired)
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire after the deadline", q, payment.StatusExpired)
	}
	if e.h.PayVoucher != nil {
		// Paying after the deadline must not take money.
		_ = e.h.PayVoucher(e.ctx, p)
	}
	if e.caps.Void {
		if v, err := e.void(order, p.Ref); err == nil {
			e.wantStatus("Void of an expired voucher", v, payment.StatusExpired)
		}
	}
	e.noMoney("expired voucher", order)
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire of an expired voucher", q, payment.StatusExpired)
	}
}

func testAsyncCanceled(e *env) {
	e.needCap(e.caps.Void, "Void")
	order, p := e.issued()
	v, err := e.void(order, p.Ref)
	if err != nil {
		e.t.Fatalf("Void of a pending voucher: %v", err)
	}
	e.wantStatus("Void of a pending voucher", v, payment.StatusCanceled)
	v, err = e.void(order, p.Ref)
	if err != nil {
		e.wantKind("Void repeated", err, payment.ErrInvalidRequest)
	} else {
		e.wantStatus("Void repeated", v, payment.StatusCanceled)
	}
	e.asyncNotification("notification of the cancellation", order, payment.StatusCanceled)
	if e.h.PayVoucher != nil {
		// The customer turns up with a canceled voucher.
		_ = e.h.PayVoucher(e.ctx, p)
	}
	e.noMoney("canceled voucher", order)
	if e.h.Ledger != nil {
		e.once("canceled voucher", e.h.Ledger(order))
	}
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire of a canceled voucher", q, payment.StatusCanceled)
	}
}

// testAsyncNotificationLost: the customer pays and the notification never
// arrives; Inquire (the basis of reconciliation) and a Confirm without a
// method must find the payment.
func testAsyncNotificationLost(e *env) {
	e.needCap(e.caps.Inquiry, "Inquiry")
	order, p := e.issued()
	e.payVoucher(order, p)
	q := e.inquire(order, p.Ref)
	e.wantStatus("Inquire of a paid voucher whose notification was lost", q, payment.StatusCaptured)
	if q != nil {
		e.wantMoney("Captured found by Inquire", q.Captured, e.h.Amount)
		e.checkLedger(order, q, 1)
	}
	c, err := e.confirm(order, payment.ConfirmRequest{Ref: p.Ref})
	if err != nil {
		e.t.Errorf("Confirm without a method (status query) of a paid voucher: %v", err)
	} else {
		e.wantStatus("Confirm without a method of a paid voucher", c, payment.StatusCaptured)
	}
	// The notification turns up late after all.
	e.asyncNotification("late notification of the payment", order, payment.StatusCaptured)
}

func testAsyncConfirmRepeated(e *env) {
	order, p := e.issued()
	m, mt := e.asyncMethod()
	q, err := e.confirm(order, payment.ConfirmRequest{Ref: p.Ref, Method: m})
	if err != nil {
		e.t.Fatalf("Confirm repeated on a pending voucher: %v", err)
	}
	e.checkVoucher("Confirm repeated", q, mt)
	if a, b := p.NextAction.Voucher, q.NextAction.Voucher; a.ConfirmationNumber != b.ConfirmationNumber || a.CustomerCode != b.CustomerCode {
		e.t.Errorf("Confirm repeated issued other payment numbers (%q/%q, was %q/%q): the customer may pay the first voucher",
			b.ConfirmationNumber, b.CustomerCode, a.ConfirmationNumber, a.CustomerCode)
	}
	e.noMoney("Confirm repeated", order)
}

func testAsyncPaidNotVoided(e *env) {
	e.needCap(e.caps.Void, "Void")
	order, p := e.issued()
	e.payVoucher(order, p)
	v, err := e.void(order, p.Ref)
	if err == nil {
		e.wantStatus("Void of a paid voucher", v, payment.StatusCaptured)
	} else {
		e.wantKind("Void of a paid voucher", err, payment.ErrInvalidRequest, payment.ErrUnsupported)
	}
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire after a refused void of a paid voucher", q, payment.StatusCaptured)
		e.checkLedger(order, q, 1)
	}
}

// testAsyncCardMethod: a voucher payment confirmed with a card method is
// refused before any I/O.
func testAsyncCardMethod(e *env) {
	_, mt := e.asyncMethod()
	e.needHook(e.h.ApproveMethod != nil, "ApproveMethod")
	order := e.newOrder()
	req := e.createReq(order, payment.CaptureAutomatic)
	req.MethodType = mt
	c, err := e.tryCreate(req)
	if err != nil {
		e.t.Fatalf("CreatePayment(%s, %s): %v", order, mt, err)
	}
	before := e.requests()
	_, err = e.confirm(order, payment.ConfirmRequest{Ref: c.Ref, Method: e.h.ApproveMethod(e.t)})
	e.wantKind("Confirm of a "+string(mt)+" payment with a card", err, payment.ErrInvalidRequest)
	e.noIO("Confirm of a "+string(mt)+" payment with a card", before)
	e.noMoney("card method on a voucher payment", order)
}
