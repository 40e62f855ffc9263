package conformance

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/kessai/payment"
)

// wantUnsupported checks err matches payment.ErrUnsupported and
// errors.ErrUnsupported, and (when before >= 0) that no request was sent.
func (e *env) wantUnsupported(call string, err error, before int) {
	e.t.Helper()
	if err == nil {
		e.t.Errorf("%s: no error, want ErrUnsupported", call)
		return
	}
	if !errors.Is(err, payment.ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) {
		e.t.Errorf("%s: error %q must match both payment.ErrUnsupported and errors.ErrUnsupported", call, err)
	}
	e.noIO(call, before)
}

// present skips an Unsupported scenario whose capability the provider has.
func (e *env) present(has bool, name string) {
	e.t.Helper()
	if has {
		e.t.Skipf("conformance: provider declares Capabilities.%s; nothing unsupported to check", name)
	}
}

// someRef returns the ref of a paid payment when the harness can pay, else
// a made-up ref: unsupported calls must fail before looking at it.
func (e *env) someRef(mode payment.CaptureMode) (string, payment.PaymentRef) {
	e.t.Helper()
	if e.canPay() && (mode == payment.CaptureAutomatic || e.caps.ManualCapture) {
		order, p := e.pay(mode)
		return order, p.Ref
	}
	return "", "conformance-no-such-ref"
}

func unsupportedScenarios() []scenario {
	return []scenario{
		{name: "ManualCapture", run: func(e *env) {
			e.present(e.caps.ManualCapture, "ManualCapture")
			n := e.requests()
			_, err := e.tryCreate(e.createReq(e.newOrder(), payment.CaptureManual))
			e.wantUnsupported("CreatePayment with CaptureManual", err, n)
		}},
		{name: "Capture", run: func(e *env) {
			e.present(e.caps.ManualCapture, "ManualCapture")
			order, ref := e.someRef(payment.CaptureAutomatic)
			n := e.requests()
			_, err := e.capture(order, payment.CaptureRequest{Ref: ref})
			e.wantUnsupported("Capture", err, n)
		}},
		{name: "PartialCapture", run: func(e *env) {
			e.needCap(e.caps.ManualCapture, "ManualCapture")
			e.present(e.caps.PartialCapture, "PartialCapture")
			order, p := e.pay(payment.CaptureManual)
			half := e.part(1, 2)
			n := e.requests()
			_, err := e.capture(order, payment.CaptureRequest{Ref: p.Ref, Amount: &half})
			e.wantUnsupported("Capture(half)", err, n)
			e.checkLedger(order, nil, 0)
		}},
		{name: "Refund", run: func(e *env) {
			e.present(e.caps.Refund, "Refund")
			order, ref := e.someRef(payment.CaptureAutomatic)
			n := e.requests()
			_, err := e.refund(order, payment.RefundRequest{Ref: ref})
			e.wantUnsupported("Refund", err, n)
		}},
		{name: "PartialRefund", run: func(e *env) {
			e.needCap(e.caps.Refund, "Refund")
			e.present(e.caps.PartialRefund, "PartialRefund")
			order, p := e.pay(payment.CaptureAutomatic)
			q := e.part(1, 4)
			n := e.requests()
			_, err := e.refund(order, payment.RefundRequest{Ref: p.Ref, Amount: &q})
			e.wantUnsupported("Refund(quarter)", err, n)
			e.refunds(order, 0)
		}},
		{name: "MultipleRefunds", run: func(e *env) {
			e.needCap(e.caps.PartialRefund, "PartialRefund")
			e.present(e.caps.MultipleRefunds, "MultipleRefunds")
			order, p := e.pay(payment.CaptureAutomatic)
			q := e.part(1, 4)
			if _, err := e.refund(order, payment.RefundRequest{Ref: p.Ref, Amount: &q}); err != nil {
				e.t.Fatalf("first Refund(quarter): %v", err)
			}
			// A stateless adapter may need an inquiry to know a refund
			// happened, so requests are not counted here.
			_, err := e.refund(order, payment.RefundRequest{Ref: p.Ref, Amount: &q})
			e.wantUnsupported("second Refund(quarter)", err, -1)
			e.refunds(order, 1)
		}},
		{name: "Void", run: func(e *env) {
			e.present(e.caps.Void, "Void")
			v, ok := e.h.Provider.(payment.Voider)
			if !ok {
				e.t.Skip("conformance: provider does not implement payment.Voider, as Capabilities says")
			}
			order, ref := e.someRef(payment.CaptureManual)
			n := e.requests()
			p, err := v.Void(e.ctx, ref)
			e.observe("Void", order, p, err)
			e.wantUnsupported("Void", err, n)
		}},
		{name: "Inquiry", run: func(e *env) {
			e.present(e.caps.Inquiry, "Inquiry")
			in, ok := e.h.Provider.(payment.Inquirer)
			if !ok {
				e.t.Skip("conformance: provider does not implement payment.Inquirer, as Capabilities says")
			}
			order, ref := e.someRef(payment.CaptureAutomatic)
			n := e.requests()
			p, err := in.Inquire(e.ctx, ref)
			e.observe("Inquire", order, p, err)
			e.wantUnsupported("Inquire", err, n)
		}},
		{name: "Notifications", run: func(e *env) {
			e.present(e.caps.Notifications, "Notifications")
			r, _ := http.NewRequest(http.MethodPost, "https://merchant.example/notify", strings.NewReader(`{}`))
			r.Header.Set("Content-Type", "application/json")
			n := e.requests()
			_, err := e.handle("", r)
			e.wantUnsupported("HandleNotification", err, n)
		}},
		{name: "AsyncPayments", run: func(e *env) {
			e.present(e.caps.AsyncPayments, "AsyncPayments")
			req := e.createReq(e.newOrder(), payment.CaptureAutomatic)
			req.MethodType = payment.MethodKonbini
			n := e.requests()
			_, err := e.tryCreate(req)
			e.wantUnsupported("CreatePayment with MethodKonbini", err, n)
		}},
		{name: "StoredCards", run: func(e *env) {
			e.present(e.caps.StoredCards, "StoredCards")
			order, p := e.create(payment.CaptureAutomatic)
			n := e.requests()
			_, err := e.confirm(order, payment.ConfirmRequest{Ref: p.Ref, Method: &payment.PaymentMethod{
				StoredCard: &payment.StoredCard{CustomerID: "conformance", CardID: "0"}}})
			e.wantUnsupported("Confirm with a StoredCard", err, n)
			e.noMoney("Confirm with a StoredCard", order)
		}},
	}
}

// wantInvalid checks err matches ErrInvalidRequest and no request was sent.
func (e *env) wantInvalid(call string, err error, before int) {
	e.t.Helper()
	e.wantKind(call, err, payment.ErrInvalidRequest)
	e.noIO(call, before)
}

func (e *env) createInvalid(call string, req payment.CreatePaymentRequest) {
	e.t.Helper()
	n := e.requests()
	_, err := e.tryCreate(req)
	e.wantInvalid(call, err, n)
	if e.h.Ledger != nil && req.OrderID != "" {
		if l := e.h.Ledger(req.OrderID); l.Charges != 0 || l.Authorizations != 0 {
			e.t.Errorf("%s: money moved: %s", call, l)
		}
	}
}

// moreDecimals returns an amount in the harness currency's code with one
// decimal more than the currency allows (JPY 1000.5, MNT 1000.005), built
// with a Currency value whose Exponent is one higher: an adapter must check
// the decimals itself, not trust the Money's exponent.
func (e *env) moreDecimals() payment.Money {
	cur := e.h.Currency
	wide := payment.Currency{Code: cur.Code, Exponent: cur.Exponent + 1}
	return payment.MoneyFromMinor(e.h.Amount.MinorUnits()*10+5, wide)
}

func (e *env) unsupportedCurrency() payment.Currency {
	e.t.Helper()
	for _, code := range []string{"JPY", "MNT", "USD", "EUR", "KWD", "GBP", "CHF", "CLF"} {
		c, _ := payment.LookupCurrency(code)
		if !e.caps.SupportsCurrency(c) {
			return c
		}
	}
	e.t.Skip("conformance: provider accepts every currency tried")
	return payment.Currency{}
}

func invalidScenarios() []scenario {
	with := func(f func(e *env, r *payment.CreatePaymentRequest)) func(e *env) {
		return func(e *env) {
			r := e.createReq(e.newOrder(), payment.CaptureAutomatic)
			f(e, &r)
			e.createInvalid("CreatePayment", r)
		}
	}
	return []scenario{
		{name: "EmptyOrderID", run: with(func(e *env, r *payment.CreatePaymentRequest) { r.OrderID = "" })},
		{name: "OrderIDTooLong", run: with(func(e *env, r *payment.CreatePaymentRequest) {
			id := r.OrderID + strings.Repeat("0", e.h.MaxOrderIDLen)
			r.OrderID = id[:e.h.MaxOrderIDLen+1]
		})},
		{name: "OrderIDMaxLength", run: func(e *env) {
			// The longest valid id is accepted: the limit is not off by one.
			id := e.newOrder() + strings.Repeat("0", e.h.MaxOrderIDLen)
			r := e.createReq(id[:e.h.MaxOrderIDLen], payment.CaptureAutomatic)
			if _, err := e.tryCreate(r); err != nil {
				e.t.Errorf("CreatePayment with a %d-character order id: %v", e.h.MaxOrderIDLen, err)
			}
		}},
		{name: "OrderIDBadCharacters", run: func(e *env) {
			for _, bad := range []string{"ord er", "ord/1", "注文1", "ord\n1", "ord;1", "ord%1", "ord\x00"} {
				r := e.createReq(bad, payment.CaptureAutomatic)
				e.createInvalid("CreatePayment with order id "+quote(bad), r)
			}
		}},
		{name: "ZeroAmount", run: with(func(e *env, r *payment.CreatePaymentRequest) { r.Amount = payment.Zero(e.h.Currency) })},
		{name: "NegativeAmount", run: with(func(e *env, r *payment.CreatePaymentRequest) {
			r.Amount = payment.MoneyFromMinor(-e.h.Amount.MinorUnits(), e.h.Currency)
		})},
		{name: "NoCurrency", run: with(func(e *env, r *payment.CreatePaymentRequest) { r.Amount = payment.Money{} })},
		{name: "UnsupportedCurrency", run: with(func(e *env, r *payment.CreatePaymentRequest) {
			c := e.unsupportedCurrency()
			r.Amount = payment.MoneyFromMinor(1000*pow10(c.Exponent), c)
		})},
		{name: "TooManyDecimals", run: with(func(e *env, r *payment.CreatePaymentRequest) { r.Amount = e.moreDecimals() })},
		{name: "UncarriableAmounts", run: func(e *env) {
			if len(e.h.UncarriableAmounts) == 0 {
				e.t.Skip("conformance: harness lists no UncarriableAmounts")
			}
			for _, m := range e.h.UncarriableAmounts {
				r := e.createReq(e.newOrder(), payment.CaptureAutomatic)
				r.Amount = m
				e.createInvalid("CreatePayment with "+m.String(), r)
			}
		}},
		{name: "EmptyRef", run: func(e *env) {
			n := e.requests()
			_, err := e.confirm("", payment.ConfirmRequest{})
			e.wantInvalid("Confirm with an empty Ref", err, n)
			if e.caps.ManualCapture {
				_, err = e.capture("", payment.CaptureRequest{})
				e.wantInvalid("Capture with an empty Ref", err, n)
			}
			if e.caps.Refund {
				_, err = e.refund("", payment.RefundRequest{})
				e.wantInvalid("Refund with an empty Ref", err, n)
			}
		}},
		{name: "UnknownRef", run: func(e *env) {
			const ref = "conformance-no-such-ref"
			_, err := e.confirm("", payment.ConfirmRequest{Ref: ref, Method: e.methodOrNil()})
			e.wantKind("Confirm with an unknown Ref", err, payment.ErrNotFound, payment.ErrInvalidRequest)
			if in := e.inquirer(); in != nil {
				p, err := in.Inquire(e.ctx, ref)
				e.observe("Inquire", "", p, err)
				e.wantKind("Inquire with an unknown Ref", err, payment.ErrNotFound, payment.ErrInvalidRequest)
			}
			if e.caps.Refund {
				_, err = e.refund("", payment.RefundRequest{Ref: ref})
				e.wantKind("Refund with an unknown Ref", err, payment.ErrNotFound, payment.ErrInvalidRequest)
			}
		}},
		{name: "RefundAmount", run: func(e *env) {
			order, p := e.captured()
			for _, tc := range []struct {
				name string
				amt  payment.Money
			}{
				{"too many decimals", e.moreDecimals()},
				{"zero", payment.Zero(e.h.Currency)},
				{"negative", payment.MoneyFromMinor(-1, e.h.Currency)},
				{"another currency", payment.MoneyFromMinor(100, e.unsupportedCurrency())},
			} {
				n := e.requests()
				amt := tc.amt
				_, err := e.refund(order, payment.RefundRequest{Ref: p.Ref, Amount: &amt})
				e.wantInvalid("Refund with "+tc.name+" amount "+amt.String(), err, n)
			}
			e.refunds(order, 0)
		}},
		{name: "CaptureAmount", run: func(e *env) {
			e.needCap(e.caps.ManualCapture, "ManualCapture")
			order, p := e.pay(payment.CaptureManual)
			for _, amt := range []payment.Money{e.moreDecimals(), payment.Zero(e.h.Currency), payment.MoneyFromMinor(-1, e.h.Currency)} {
				n := e.requests()
				_, err := e.capture(order, payment.CaptureRequest{Ref: p.Ref, Amount: &amt})
				e.wantInvalid("Capture with amount "+amt.String(), err, n)
			}
			e.checkLedger(order, nil, 0)
		}},
	}
}

func quote(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		if r < 0x20 {
			b.WriteString("\\x")
			b.WriteString(string("0123456789abcdef"[r>>4]))
			b.WriteString(string("0123456789abcdef"[r&15]))
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

func testDuplicateOrder(e *env, paidFirst bool) {
	e.needPay()
	var (
		order string
		p     *payment.Payment
	)
	if paidFirst {
		order, p = e.pay(payment.CaptureAutomatic)
	} else {
		order, p = e.create(payment.CaptureAutomatic)
	}
	p2, err := e.tryCreate(e.createReq(order, payment.CaptureAutomatic))
	if err != nil {
		e.wantKind("second CreatePayment with the same OrderID", err, payment.ErrDuplicate)
	} else if p2.Ref != p.Ref {
		e.t.Errorf("second CreatePayment with the same OrderID returned a new payment (ref %q, first %q); want ErrDuplicate or the original payment", p2.Ref, p.Ref)
	}
	if !paidFirst {
		e.complete(order, p, payment.CaptureAutomatic)
	}
	if err == nil && p2 != nil && e.h.ApproveMethod != nil {
		// Paying "the second payment" must not take money again.
		p3, err := e.confirm(order, payment.ConfirmRequest{Ref: p2.Ref, Method: e.h.ApproveMethod(e.t)})
		if err == nil {
			e.wantStatus("Confirm of the payment a duplicate CreatePayment returned", p3, payment.StatusCaptured)
		}
	}
	e.checkLedger(order, nil, 1)
}

func testConfirmRepeated(e *env) {
	e.needPay()
	order, p := e.create(payment.CaptureAutomatic)
	p, ret := e.complete(order, p, payment.CaptureAutomatic)
	req := payment.ConfirmRequest{Ref: p.Ref, Return: ret}
	if e.h.ApproveMethod != nil {
		req = payment.ConfirmRequest{Ref: p.Ref, Method: e.h.ApproveMethod(e.t)}
	}
	p2, err := e.confirm(order, req)
	if err != nil {
		e.wantKind("Confirm repeated", err, payment.ErrDuplicate, payment.ErrInvalidRequest)
	} else {
		e.wantStatus("Confirm repeated", p2, payment.StatusCaptured)
		e.wantMoney("Captured after Confirm repeated", p2.Captured, e.h.Amount)
	}
	e.checkLedger(order, nil, 1)
	if q := e.inquire(order, p.Ref); q != nil {
		e.wantStatus("Inquire after Confirm repeated", q, payment.StatusCaptured)
	}
}

func testCaptureRepeated(e *env) {
	e.needCap(e.caps.ManualCapture, "ManualCapture")
	order, p := e.pay(payment.CaptureManual)
	if _, err := e.capture(order, payment.CaptureRequest{Ref: p.Ref}); err != nil {
		e.t.Fatalf("Capture: %v", err)
	}
	p2, err := e.capture(order, payment.CaptureRequest{Ref: p.Ref})
	if err != nil {
		e.wantKind("Capture repeated", err, payment.ErrInvalidRequest, payment.ErrDuplicate)
	} else {
		e.wantStatus("Capture repeated", p2, payment.StatusCaptured)
	}
	e.checkLedger(order, nil, 1)
	if e.h.Ledger != nil {
		e.wantMoney("ledger Charged", e.h.Ledger(order).Charged, e.h.Amount)
	}
}

func testRefundRepeated(e *env) {
	order, p := e.captured()
	if _, err := e.refund(order, payment.RefundRequest{Ref: p.Ref}); err != nil {
		e.t.Fatalf("Refund: %v", err)
	}
	p2, err := e.refund(order, payment.RefundRequest{Ref: p.Ref})
	if err != nil {
		e.t.Errorf("full Refund repeated: %v; it must be a no-op returning the refunded payment (payment.RefundRequest)", err)
	} else {
		e.wantStatus("full Refund repeated", p2, payment.StatusRefunded)
		e.wantMoney("Refunded after the repeat", p2.Refunded, e.h.Amount)
	}
	e.refunds(order, 1)
	if e.h.Ledger != nil {
		e.wantMoney("ledger Refunded", e.h.Ledger(order).Refunded, e.h.Amount)
	}
}
