package conformance

import (
	"io"
	"net/http"
	"strings"

	"github.com/kessai/payment"
)

// maxNotificationRead is how much of an oversized notification body a
// provider may read before refusing it: 1 MiB plus some slack for buffers.
const maxNotificationRead = 1<<20 + 64<<10

func notificationScenarios() []scenario {
	forged := make([]scenario, 0, 5)
	for _, f := range []Forgery{ForgeSignature, ForgeAmount, ForgeStatus, ForgeOrderID, ForgeMalformed} {
		forged = append(forged, scenario{name: f.String(), run: func(e *env) { testForged(e, f) }})
	}
	return []scenario{
		{name: "Valid", run: testNotificationValid},
		{name: "Declined", run: testNotificationDeclined},
		{name: "Duplicate", run: testNotificationDuplicate},
		{name: "OutOfOrder", run: testNotificationOutOfOrder},
		group("Forged", forged...),
		{name: "Garbage", run: testNotificationGarbage},
		{name: "Oversized", run: testNotificationOversized},
	}
}

func (e *env) notifications() {
	e.t.Helper()
	e.needCap(e.caps.Notifications, "Notifications")
	e.needHook(e.h.Notify != nil, "Notify")
}

// checkAck checks the reply a provider chose for a genuine notification.
func (e *env) checkAck(call string, n *payment.Notification) {
	e.t.Helper()
	code := n.Ack.StatusCode
	if code == 0 {
		code = http.StatusOK
	}
	if w := e.h.Ack; w != nil {
		wcode := w.StatusCode
		if wcode == 0 {
			wcode = http.StatusOK
		}
		if code != wcode || n.Ack.Body != w.Body || (w.ContentType != "" && n.Ack.ContentType != w.ContentType) {
			e.t.Errorf("%s: Ack = %+v, the gateway expects %+v", call, n.Ack, *w)
		}
	} else if code < 200 || code > 299 {
		e.t.Errorf("%s: Ack status %d, want 2xx", call, code)
	}
}

// accepted checks a notification the provider accepted: it must be a
// verified payment notification that tells the ledger's truth.
func (e *env) accepted(call, order string, n *payment.Notification) {
	e.t.Helper()
	if n.Kind != payment.NotificationPayment {
		e.t.Errorf("%s: Kind %q, want %q", call, n.Kind, payment.NotificationPayment)
		return
	}
	if n.OrderID != order {
		e.t.Errorf("%s: OrderID %q, want %q", call, n.OrderID, order)
	}
	if !n.Verified {
		e.t.Errorf("%s: Verified is false; a provider must authenticate a notification (signature or inquiry) or reject it", call)
	}
	if n.ID == "" {
		e.t.Errorf("%s: empty ID; applications de-duplicate on it", call)
	}
	if n.Payment != nil && n.Payment.Status != n.Status {
		e.t.Errorf("%s: Status %v but Payment.Status %v", call, n.Status, n.Payment.Status)
	}
	if e.h.Ledger != nil {
		l := e.h.Ledger(order)
		if !hasStatus(truth(l), n.Status) {
			e.t.Errorf("%s: status %v, but the gateway's ledger says %v (%s)", call, n.Status, truth(l), l)
		}
		if n.Payment != nil {
			e.matchesLedger(call+" payment", n.Payment, l, false)
		}
	}
	e.checkAck(call, n)
}

func testNotificationValid(e *env) {
	e.notifications()
	order, p := e.pay(payment.CaptureAutomatic)
	n, err := e.handle(order, e.notify(order).req())
	if err != nil {
		e.t.Fatalf("HandleNotification of a genuine notification: %v", err)
	}
	e.accepted("HandleNotification", order, n)
	e.wantStatusN("HandleNotification", n, payment.StatusCaptured)
	if n.Ref != "" && n.Ref != p.Ref {
		e.t.Errorf("HandleNotification: Ref %q, want %q", n.Ref, p.Ref)
	}
}

func (e *env) wantStatusN(call string, n *payment.Notification, want ...payment.Status) {
	e.t.Helper()
	if !hasStatus(want, n.Status) {
		e.t.Errorf("%s: status %v, want %v", call, n.Status, want)
	}
}

// declined makes a declined payment, or skips.
func (e *env) declined() (string, *payment.Payment) {
	e.t.Helper()
	switch {
	case e.h.DeclineMethod != nil:
		order, p := e.create(payment.CaptureAutomatic)
		_, err := e.confirm(order, payment.ConfirmRequest{Ref: p.Ref, Method: e.h.DeclineMethod(e.t)})
		e.wantKind("Confirm with DeclineMethod", err, payment.ErrDeclined)
		return order, p
	case e.caps.HostedPage && e.h.Customer != nil:
		order, p := e.create(payment.CaptureAutomatic)
		ret := e.customer(p, Decline)
		_, err := e.confirm(order, payment.ConfirmRequest{Ref: p.Ref, Return: ret})
		e.wantKind("Confirm after a hosted-page decline", err, payment.ErrDeclined)
		return order, p
	}
	e.t.Skip("conformance: harness has no DeclineMethod hook and no Customer hook with Capabilities.HostedPage")
	return "", nil
}

func testNotificationDeclined(e *env) {
	e.notifications()
	order, _ := e.declined()
	r, err := e.h.Notify(e.ctx, order)
	if err != nil {
		e.t.Skipf("conformance: Harness.Notify has no notification for a declined payment: %v", err)
	}
	n, err := e.handle(order, e.buffer(r).req())
	if err != nil {
		e.t.Fatalf("HandleNotification of a genuine decline notification: %v", err)
	}
	e.accepted("HandleNotification (declined)", order, n)
	e.wantStatusN("HandleNotification (declined)", n, unpaid...)
}

func testNotificationDuplicate(e *env) {
	e.notifications()
	order, _ := e.pay(payment.CaptureAutomatic)
	r := e.notify(order)
	n1, err := e.handle(order, r.req())
	if err != nil {
		e.t.Fatalf("HandleNotification: %v", err)
	}
	n2, err := e.handle(order, r.req())
	if err != nil {
		e.t.Fatalf("HandleNotification of the same notification again: %v (notifications are at-least-once; ack duplicates)", err)
	}
	e.accepted("HandleNotification (duplicate)", order, n2)
	if n1.ID != n2.ID {
		e.t.Errorf("the same notification delivered twice has IDs %q and %q; ID must be stable across resends", n1.ID, n2.ID)
	}
	e.checkLedger(order, nil, 1)
}

// testNotificationOutOfOrder delivers an older notification after a newer
// one: the provider must not report the payment moving backwards.
func testNotificationOutOfOrder(e *env) {
	e.notifications()
	e.needPay()
	var (
		order string
		p     *payment.Payment
		step  func()
	)
	switch {
	case e.caps.Refund:
		order, p = e.pay(payment.CaptureAutomatic)
		step = func() {
			if _, err := e.refund(order, payment.RefundRequest{Ref: p.Ref}); err != nil {
				e.t.Fatalf("Refund: %v", err)
			}
		}
	case e.caps.ManualCapture:
		order, p = e.pay(payment.CaptureManual)
		step = func() {
			if _, err := e.capture(order, payment.CaptureRequest{Ref: p.Ref}); err != nil {
				e.t.Fatalf("Capture: %v", err)
			}
		}
	default:
		e.t.Skip("conformance: provider declares neither Capabilities.Refund nor Capabilities.ManualCapture: a paid payment has no later state to notify")
	}
	older := e.notify(order)
	step()
	r, err := e.h.Notify(e.ctx, order)
	if err != nil {
		e.t.Skipf("conformance: Harness.Notify has no notification after the second step: %v", err)
	}
	newer := e.buffer(r)
	nNew, err := e.handle(order, newer.req())
	if err != nil {
		e.t.Fatalf("HandleNotification (newer): %v", err)
	}
	e.accepted("HandleNotification (newer)", order, nNew)
	nOld, err := e.handle(order, older.req())
	if err != nil {
		// Refusing a stale notification is acceptable only as a typed error.
		e.wantKind("HandleNotification (older, out of order)", err, payment.ErrInvalidRequest)
		return
	}
	if !nNew.Status.CanBecome(nOld.Status) {
		e.t.Errorf("an out-of-order notification moved the payment back from %v to %v", nNew.Status, nOld.Status)
	}
	e.accepted("HandleNotification (older, out of order)", order, nOld)
}

func testForged(e *env, f Forgery) {
	e.needCap(e.caps.Notifications, "Notifications")
	e.needHook(e.h.ForgeNotification != nil, "ForgeNotification")
	var order string
	if f == ForgeStatus {
		// Make a failure look like a success.
		if e.h.DeclineMethod != nil || (e.caps.HostedPage && e.h.Customer != nil) {
			order, _ = e.declined()
		} else {
			order, _ = e.create(payment.CaptureAutomatic)
		}
	} else {
		order, _ = e.pay(payment.CaptureAutomatic)
	}
	r, err := e.h.ForgeNotification(e.ctx, order, f)
	if err != nil {
		e.t.Fatalf("Harness.ForgeNotification(%v): %v", f, err)
	}
	if r == nil {
		e.t.Skipf("conformance: Harness.ForgeNotification says forgery %v does not apply to this gateway", f)
	}
	call := "HandleNotification (forged " + f.String() + ")"
	before := e.requests()
	n, err := e.handle(order, e.buffer(r).req())
	switch {
	case f == ForgeMalformed:
		e.wantKind(call, err, payment.ErrInvalidRequest, payment.ErrInvalidSignature)
	case err != nil:
		e.wantKind(call, err, payment.ErrInvalidSignature, payment.ErrInvalidRequest, payment.ErrNotFound)
	default:
		// Accepted: only acceptable when the provider verified the
		// content with the gateway and reports the truth, not the forgery.
		e.needHook(e.h.Ledger != nil, "Ledger")
		if before >= 0 && e.h.Requests() == before {
			e.t.Errorf("%s: accepted a forged notification without asking the gateway; verify its signature or confirm it by inquiry", call)
		}
		if n.Payment == nil {
			e.t.Errorf("%s: accepted a forged notification without the verified Payment", call)
		}
		if n.OrderID != order {
			e.accepted(call, n.OrderID, n)
		} else {
			e.accepted(call, order, n)
		}
		if n.Payment != nil && n.OrderID == order && !n.Payment.Amount.Equal(e.h.Amount) {
			e.t.Errorf("%s: reports amount %v from a forged notification; the payment is %v", call, n.Payment.Amount, e.h.Amount)
		}
	}
	e.forgeryMovedNoMoney(order, f)
}

// forgeryMovedNoMoney checks a forged notification moved no money.
func (e *env) forgeryMovedNoMoney(order string, f Forgery) {
	e.t.Helper()
	if e.h.Ledger == nil {
		return
	}
	l := e.h.Ledger(order)
	if l.Charges > 1 || (f == ForgeStatus && l.Charges != 0) {
		e.t.Errorf("a forged notification moved money: %s", l)
	}
}

// template returns a notification request shape (URL, headers) to send
// hostile bodies with, from Harness.Notify when it can.
func (e *env) template() *http.Request {
	e.t.Helper()
	if e.h.Notify != nil && e.canPay() {
		order, _ := e.pay(payment.CaptureAutomatic)
		if r, err := e.h.Notify(e.ctx, order); err == nil && r != nil {
			if r.Body != nil {
				_ = r.Body.Close()
			}
			return r
		}
	}
	r, _ := http.NewRequest(http.MethodPost, "https://merchant.example/notify", nil)
	r.Header.Set("Content-Type", "application/json")
	return r
}

func testNotificationGarbage(e *env) {
	e.needCap(e.caps.Notifications, "Notifications")
	tpl := e.template()
	for _, body := range []string{"", "{", "\xff\xfe\x00garbage", "%zz=%zz&&=", `{"amount":1e999}`, strings.Repeat("[", 10000),
		"OrderID=" + strings.Repeat("x", 300) + "&Status=CAPTURE"} {
		r := tpl.Clone(tpl.Context())
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
		_, err := e.handle("", r)
		e.wantKind("HandleNotification with a garbage body", err, payment.ErrInvalidRequest, payment.ErrInvalidSignature, payment.ErrNotFound)
	}
}

// countingReader yields n bytes of filler and counts what was read.
type countingReader struct {
	left, read int
	closed     bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	c.left -= n
	c.read += n
	return n, nil
}

func (c *countingReader) Close() error { c.closed = true; return nil }

func testNotificationOversized(e *env) {
	e.needCap(e.caps.Notifications, "Notifications")
	tpl := e.template()
	const size = 8 << 20
	body := &countingReader{left: size}
	r := tpl.Clone(tpl.Context())
	r.Body = body
	r.ContentLength = -1
	_, err := e.handle("", r)
	e.wantKind("HandleNotification with an 8 MiB body", err, payment.ErrInvalidRequest, payment.ErrInvalidSignature)
	if body.read > maxNotificationRead {
		e.t.Errorf("HandleNotification read %d bytes of an oversized body; it must stop after about 1 MiB", body.read)
	}
}
