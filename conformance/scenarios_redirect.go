package conformance

import (
	"errors"
	"net/http"

	"github.com/kessai/payment"
)

func testDeclineMethod(e *env) {
	e.needHook(e.h.DeclineMethod != nil, "DeclineMethod")
	order, p := e.create(payment.CaptureAutomatic)
	got, err := e.confirm(order, payment.ConfirmRequest{Ref: p.Ref, Method: e.h.DeclineMethod(e.t)})
	e.checkDecline("Confirm with DeclineMethod", order, p.Ref, got, err)
}

// checkDecline checks a declined call: ErrDeclined with the gateway code
// kept, no money moved, and the payment not reported as paid afterwards.
func (e *env) checkDecline(call, order string, ref payment.PaymentRef, p *payment.Payment, err error) {
	e.t.Helper()
	e.wantKind(call, err, payment.ErrDeclined)
	if err == nil && p != nil && hasStatus([]payment.Status{payment.StatusAuthorized, payment.StatusCaptured}, p.Status) {
		e.t.Errorf("%s: a declined payment reported as %v", call, p.Status)
	}
	var codes []string
	var pe *payment.Error
	if errors.As(err, &pe) {
		codes = append(codes, pe.GatewayCode)
		codes = append(codes, pe.GatewayCodes...)
	}
	if p != nil {
		codes = append(codes, p.GatewayCode)
	}
	found := false
	for _, c := range codes {
		if c != "" && (e.h.DeclineCode == "" || c == e.h.DeclineCode) {
			found = true
		}
	}
	if !found {
		want := "a gateway code"
		if e.h.DeclineCode != "" {
			want = "gateway code " + e.h.DeclineCode
		}
		e.t.Errorf("%s: the decline must keep %s on *payment.Error (GatewayCode/GatewayCodes) or Payment.GatewayCode; found %q", call, want, codes)
	}
	if e.h.Ledger != nil {
		l := e.h.Ledger(order)
		if l.Charges != 0 || l.Authorized.IsPositive() || l.Charged.IsPositive() {
			e.t.Errorf("%s: money moved on a decline: %s", call, l)
		}
	}
	if q := e.inquire(order, ref); q != nil {
		e.wantStatus("Inquire after a decline", q, payment.StatusFailed, payment.StatusPending, payment.StatusRequiresAction, payment.StatusCanceled)
	}
}

func (e *env) checkRedirect(call string, p *payment.Payment) {
	e.t.Helper()
	e.wantStatus(call, p, payment.StatusRequiresAction)
	n := p.NextAction
	if n == nil {
		e.t.Fatalf("%s: no NextAction", call)
	}
	if n.Type != payment.NextActionRedirect || n.URL == "" {
		e.t.Errorf("%s: NextAction %+v, want a redirect with a URL", call, *n)
	}
	if n.Method != http.MethodGet && n.Method != http.MethodPost {
		e.t.Errorf("%s: NextAction.Method %q, want GET or POST", call, n.Method)
	}
	if n.Method == http.MethodGet && len(n.Fields) > 0 {
		e.t.Errorf("%s: a GET redirect carries form Fields", call)
	}
}

func (e *env) noMoney(call, order string) {
	e.t.Helper()
	if e.h.Ledger == nil {
		return
	}
	l := e.h.Ledger(order)
	if l.Charges != 0 || l.Charged.IsPositive() || l.Authorized.IsPositive() {
		e.t.Errorf("%s: money moved: %s", call, l)
	}
}

// challenged creates a payment and confirms it with ChallengeMethod.
func (e *env) challenged() (string, *payment.Payment) {
	e.t.Helper()
	e.needCap(e.caps.ThreeDSecure, "ThreeDSecure")
	e.needHook(e.h.ChallengeMethod != nil, "ChallengeMethod")
	e.needHook(e.h.Customer != nil, "Customer")
	order, p := e.create(payment.CaptureAutomatic)
	p, err := e.confirm(order, payment.ConfirmRequest{Ref: p.Ref, Method: e.h.ChallengeMethod(e.t), ReturnURL: e.h.ReturnURL})
	if err != nil {
		e.t.Fatalf("Confirm with ChallengeMethod: %v", err)
	}
	e.checkRedirect("Confirm with ChallengeMethod", p)
	e.noMoney("before the challenge", order)
	return order, p
}

func testChallenge(e *env, o Outcome) {
	order, p := e.challenged()
	ref := p.Ref
	ret := e.customer(p, o)
	switch o {
	case Pass:
		p, err := e.confirm(order, payment.ConfirmRequest{Ref: ref, Return: ret})
		if err != nil {
			e.t.Fatalf("Confirm after a passed challenge: %v", err)
		}
		e.wantStatus("Confirm after a passed challenge", p, payment.StatusCaptured)
		e.wantMoney("Captured", p.Captured, e.h.Amount)
		e.checkLedger(order, p, 1)
		if q := e.inquire(order, ref); q != nil {
			e.wantStatus("Inquire", q, payment.StatusCaptured)
		}
	case Decline:
		p, err := e.confirm(order, payment.ConfirmRequest{Ref: ref, Return: ret})
		e.wantKind("Confirm after a failed challenge", err, payment.ErrDeclined)
		if err == nil {
			e.wantStatus("Confirm after a failed challenge", p, unpaid...)
		}
		e.noMoney("failed challenge", order)
		if q := e.inquire(order, ref); q != nil {
			e.wantStatus("Inquire after a failed challenge", q, unpaid...)
		}
	case Abandon:
		e.abandoned(order, ref)
	}
}

// abandoned checks a payment whose customer never came back: nothing moves,
// and after Harness.Expire the payment is final.
func (e *env) abandoned(order string, ref payment.PaymentRef) {
	e.t.Helper()
	e.noMoney("abandoned", order)
	if q := e.inquire(order, ref); q != nil {
		e.wantStatus("Inquire after abandonment", q, payment.StatusPending, payment.StatusRequiresAction)
	}
	e.needHook(e.h.Expire != nil, "Expire")
	if err := e.h.Expire(e.ctx, &payment.Payment{OrderID: order, Ref: ref}); err != nil {
		e.t.Fatalf("Harness.Expire: %v", err)
	}
	final := []payment.Status{payment.StatusExpired, payment.StatusCanceled, payment.StatusFailed}
	if q := e.inquire(order, ref); q != nil {
		e.wantStatus("Inquire after expiry", q, final...)
	} else {
		p, err := e.confirm(order, payment.ConfirmRequest{Ref: ref})
		if err == nil {
			e.wantStatus("Confirm after expiry", p, final...)
		} else {
			e.wantKind("Confirm after expiry", err, payment.ErrDeclined, payment.ErrInvalidRequest, payment.ErrNotFound)
		}
	}
	e.noMoney("expired", order)
}

func testChallengeForeignReturn(e *env) {
	orderA, a := e.challenged()
	retA := e.customer(a, Pass)
	if _, err := e.confirm(orderA, payment.ConfirmRequest{Ref: a.Ref, Return: retA}); err != nil {
		e.t.Fatalf("Confirm A after a passed challenge: %v", err)
	}
	orderB, b := e.challenged()
	e.foreignReturn(orderB, b, retA)
	retB := e.customer(b, Pass)
	p, err := e.confirm(orderB, payment.ConfirmRequest{Ref: b.Ref, Return: retB})
	if err != nil {
		e.t.Fatalf("Confirm B with its own return: %v", err)
	}
	e.wantStatus("Confirm B with its own return", p, payment.StatusCaptured)
	e.checkLedger(orderB, p, 1)
	e.checkLedger(orderA, nil, 1)
}

// foreignReturn confirms b with another payment's successful redirect: the
// browser's values are hints, so b must not become paid.
func (e *env) foreignReturn(orderB string, b *payment.Payment, ret *payment.RedirectReturn) {
	e.t.Helper()
	p, err := e.confirm(orderB, payment.ConfirmRequest{Ref: b.Ref, Return: ret})
	if err == nil {
		e.wantStatus("Confirm with another payment's redirect return", p, payment.StatusPending, payment.StatusRequiresAction)
	}
	e.noMoney("Confirm with another payment's redirect return", orderB)
}

func (e *env) hosted() {
	e.t.Helper()
	e.needCap(e.caps.HostedPage, "HostedPage")
	e.needHook(e.h.Customer != nil, "Customer")
}

func testHosted(e *env, o Outcome) {
	e.hosted()
	order, p := e.create(payment.CaptureAutomatic)
	e.checkRedirect("CreatePayment on a hosted-page provider", p)
	ref := p.Ref
	ret := e.customer(p, o)
	switch o {
	case Pass:
		p, err := e.confirm(order, payment.ConfirmRequest{Ref: ref, Return: ret})
		if err != nil {
			e.t.Fatalf("Confirm after paying on the hosted page: %v", err)
		}
		e.wantStatus("Confirm after paying on the hosted page", p, payment.StatusCaptured)
		e.wantMoney("Captured", p.Captured, e.h.Amount)
		e.checkLedger(order, p, 1)
		if q := e.inquire(order, ref); q != nil {
			e.wantStatus("Inquire", q, payment.StatusCaptured)
		}
	case Decline:
		p, err := e.confirm(order, payment.ConfirmRequest{Ref: ref, Return: ret})
		e.checkDecline("Confirm after a decline on the hosted page", order, ref, p, err)
	case Abandon:
		p, err := e.confirm(order, payment.ConfirmRequest{Ref: ref})
		if err != nil {
			e.t.Errorf("Confirm of an unpaid hosted payment: %v; an unpaid payment is a status, not an error", err)
		} else {
			e.wantStatus("Confirm of an unpaid hosted payment", p, payment.StatusPending, payment.StatusRequiresAction)
		}
		e.abandoned(order, ref)
	}
}

func testHostedForeignReturn(e *env) {
	e.hosted()
	orderA, a := e.create(payment.CaptureAutomatic)
	retA := e.customer(a, Pass)
	if _, err := e.confirm(orderA, payment.ConfirmRequest{Ref: a.Ref, Return: retA}); err != nil {
		e.t.Fatalf("Confirm A: %v", err)
	}
	orderB, b := e.create(payment.CaptureAutomatic)
	e.foreignReturn(orderB, b, retA)
	e.checkLedger(orderA, nil, 1)
}
