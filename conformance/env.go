package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kessai/payment"
)

// env is one subtest's state: the harness with defaults applied, and the
// last status the provider reported for each order (to check transitions).
type env struct {
	t    *testing.T
	h    Harness
	caps payment.Capabilities
	ctx  context.Context

	mu      sync.Mutex
	last    map[string]payment.Status
	amounts map[string]payment.Money
}

func newEnv(t *testing.T, h Harness) *env {
	e := &env{t: t, h: h, caps: h.Provider.Capabilities(), ctx: context.Background(),
		last: map[string]payment.Status{}, amounts: map[string]payment.Money{}}
	t.Cleanup(func() {
		if h.Logs != nil {
			e.redacted("the provider's logs", h.Logs())
		}
	})
	return e
}

// --- skips --------------------------------------------------------------

func (e *env) needCap(ok bool, name string) {
	e.t.Helper()
	if !ok {
		e.t.Skipf("conformance: provider does not declare Capabilities.%s", name)
	}
}

func (e *env) needHook(ok bool, name string) {
	e.t.Helper()
	if !ok {
		e.t.Skipf("conformance: harness has no %s hook", name)
	}
}

func (e *env) voider() payment.Voider {
	e.t.Helper()
	e.needCap(e.caps.Void, "Void")
	v, ok := e.h.Provider.(payment.Voider)
	if !ok {
		e.t.Fatalf("Capabilities.Void is set but %T does not implement payment.Voider", e.h.Provider)
	}
	return v
}

// inquirer returns the provider's Inquirer, or nil when Capabilities says
// it has none.
func (e *env) inquirer() payment.Inquirer {
	e.t.Helper()
	if !e.caps.Inquiry {
		return nil
	}
	i, ok := e.h.Provider.(payment.Inquirer)
	if !ok {
		e.t.Fatalf("Capabilities.Inquiry is set but %T does not implement payment.Inquirer", e.h.Provider)
	}
	return i
}

// canPay reports whether the harness can bring a payment to success.
func (e *env) canPay() bool {
	return e.h.ApproveMethod != nil || (e.caps.HostedPage && e.h.Customer != nil)
}

func (e *env) needPay() {
	e.t.Helper()
	if !e.canPay() {
		e.t.Skip("conformance: harness has no ApproveMethod hook (card providers) and no Customer hook with Capabilities.HostedPage")
	}
}

// --- observations -----------------------------------------------------------

// redacted fails the test if s contains any of Harness.Secrets.
func (e *env) redacted(where, s string) {
	e.t.Helper()
	for i, sec := range e.h.Secrets {
		if sec != "" && strings.Contains(s, sec) {
			e.t.Errorf("secret leak: Harness.Secrets[%d] (%d chars, ends %q) appears in %s", i, len(sec), tail(sec), where)
		}
	}
}

func tail(s string) string {
	if len(s) <= 2 {
		return ""
	}
	return s[len(s)-2:]
}

// observe checks one provider answer about orderID: error hygiene,
// redaction, the shape of the payment, and that the reported status is a
// legal transition from the previous one.
func (e *env) observe(call, orderID string, p *payment.Payment, err error) {
	e.t.Helper()
	if err != nil {
		e.redacted(call+" error string", err.Error())
		e.redacted(call+" error %+v", fmt.Sprintf("%+v", err))
		if payment.KindOf(err) == nil && !isCtxErr(err) {
			e.t.Errorf("%s: error %q matches no payment sentinel (errors.Is)", call, err)
		}
	}
	if p == nil {
		if err == nil {
			e.t.Errorf("%s: nil payment and nil error", call)
		}
		return
	}
	e.redacted(call+" result %+v", fmt.Sprintf("%+v", *p))
	e.redacted(call+" result %#v", fmt.Sprintf("%#v", *p))
	if p.Card != nil {
		e.redacted(call+" result card", fmt.Sprintf("%+v", *p.Card))
	}
	if p.NextAction != nil {
		e.redacted(call+" result next action", fmt.Sprintf("%+v", *p.NextAction))
	}
	if err != nil {
		return
	}
	if p.Provider != e.h.Provider.Name() {
		e.t.Errorf("%s: Payment.Provider = %q, want %q", call, p.Provider, e.h.Provider.Name())
	}
	if orderID != "" && p.OrderID != orderID {
		e.t.Errorf("%s: Payment.OrderID = %q, want %q", call, p.OrderID, orderID)
	}
	if p.Ref == "" {
		e.t.Errorf("%s: Payment.Ref is empty", call)
	}
	if p.Amount.Currency().Code == "" || p.Captured.Currency().Code == "" || p.Refunded.Currency().Code == "" {
		e.t.Errorf("%s: Amount, Captured and Refunded must carry a currency (use payment.Zero), got %v / %v / %v",
			call, p.Amount, p.Captured, p.Refunded)
	}
	if p.UpdatedAt.IsZero() {
		e.t.Errorf("%s: Payment.UpdatedAt is zero", call)
	}
	if want, ok := e.amount(p.OrderID); ok && p.Status != payment.StatusUnknown && !p.Amount.Equal(want) {
		e.t.Errorf("%s: Payment.Amount = %v, want %v", call, p.Amount, want)
	}
	if p.Status == payment.StatusRequiresAction && p.NextAction == nil {
		e.t.Errorf("%s: StatusRequiresAction without a NextAction", call)
	}
	e.report(call, p.OrderID, p.Status)
}

// report records status s for orderID and checks it is a legal transition.
func (e *env) report(call, orderID string, s payment.Status) {
	e.t.Helper()
	e.mu.Lock()
	prev, ok := e.last[orderID]
	e.last[orderID] = s
	e.mu.Unlock()
	if ok && !prev.CanBecome(s) {
		e.t.Errorf("%s: order %s reported %v after %v: not a legal transition (Status.CanBecome)", call, orderID, s, prev)
	}
}

func (e *env) amount(orderID string) (payment.Money, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.amounts[orderID]
	return m, ok
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// wantKind checks that err matches one of kinds (errors.Is).
func (e *env) wantKind(call string, err error, kinds ...error) {
	e.t.Helper()
	if err == nil {
		e.t.Errorf("%s: got no error, want %v", call, kinds)
		return
	}
	for _, k := range kinds {
		if errors.Is(err, k) {
			return
		}
	}
	e.t.Errorf("%s: error %q does not match %v (errors.Is)", call, err, kinds)
}

// --- ledger -----------------------------------------------------------------

func (e *env) ledger(orderID string) LedgerEntry {
	e.t.Helper()
	e.needHook(e.h.Ledger != nil, "Ledger")
	return e.h.Ledger(orderID)
}

func moneyEq(a, b payment.Money) bool {
	if a.IsZero() && b.IsZero() {
		return true
	}
	return a.Equal(b)
}

// truth returns the statuses consistent with a ledger entry.
func truth(l LedgerEntry) []payment.Status {
	switch {
	case l.Charged.IsPositive() && l.Refunded.IsPositive() && moneyEq(l.Refunded, l.Charged):
		return []payment.Status{payment.StatusRefunded}
	case l.Charged.IsPositive() && l.Refunded.IsPositive():
		return []payment.Status{payment.StatusPartiallyRefunded}
	case l.Charged.IsPositive():
		return []payment.Status{payment.StatusCaptured}
	case l.Authorized.IsPositive():
		return []payment.Status{payment.StatusAuthorized}
	case l.Voids > 0:
		return []payment.Status{payment.StatusCanceled}
	}
	return unpaid
}

// unpaid are the statuses of a payment that moved no money.
var unpaid = []payment.Status{payment.StatusPending, payment.StatusRequiresAction, payment.StatusFailed,
	payment.StatusCanceled, payment.StatusExpired}

func hasStatus(set []payment.Status, s payment.Status) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

// matchesLedger checks that p tells the truth the ledger records. When
// unknownOK, StatusUnknown is accepted.
func (e *env) matchesLedger(call string, p *payment.Payment, l LedgerEntry, unknownOK bool) {
	e.t.Helper()
	if p == nil {
		return
	}
	if p.Status == payment.StatusUnknown {
		if !unknownOK {
			e.t.Errorf("%s: StatusUnknown where the outcome must be resolved (ledger: %s)", call, l)
		}
		return
	}
	if want := truth(l); !hasStatus(want, p.Status) {
		e.t.Errorf("%s: status %v, but the gateway's ledger says %v (%s)", call, p.Status, want, l)
	}
	if l.Charged.IsPositive() && !moneyEq(p.Captured, l.Charged) {
		e.t.Errorf("%s: Captured = %v, ledger charged %v", call, p.Captured, l.Charged)
	}
	if !moneyEq(p.Refunded, l.Refunded) {
		e.t.Errorf("%s: Refunded = %v, ledger refunded %v", call, p.Refunded, l.Refunded)
	}
}

// once checks that money moved at most once per kind.
func (e *env) once(call string, l LedgerEntry) {
	e.t.Helper()
	if l.Charges > 1 {
		e.t.Errorf("%s: DOUBLE CHARGE: the gateway took money %d times (%s)", call, l.Charges, l)
	}
	if l.Authorizations > 1 {
		e.t.Errorf("%s: the gateway authorized %d times (%s)", call, l.Authorizations, l)
	}
	if l.Voids > 1 {
		e.t.Errorf("%s: the gateway voided %d times (%s)", call, l.Voids, l)
	}
}

// String formats a ledger entry for messages.
func (l LedgerEntry) String() string {
	return fmt.Sprintf("authorized %v charged %v refunded %v; %d authorizations, %d charges, %d refunds, %d voids",
		l.Authorized, l.Charged, l.Refunded, l.Authorizations, l.Charges, l.Refunds, l.Voids)
}

// --- calls ------------------------------------------------------------------

func (e *env) requests() int {
	if e.h.Requests == nil {
		return -1
	}
	return e.h.Requests()
}

// noIO checks that no request reached the gateway since before (a value of
// requests()).
func (e *env) noIO(call string, before int) {
	e.t.Helper()
	if before < 0 {
		return
	}
	if n := e.h.Requests(); n != before {
		e.t.Errorf("%s: %d request(s) reached the gateway; this must fail before any I/O", call, n-before)
	}
}

func (e *env) newOrder() string { return e.h.NewOrderID() }

func (e *env) createReq(orderID string, mode payment.CaptureMode) payment.CreatePaymentRequest {
	return payment.CreatePaymentRequest{OrderID: orderID, Amount: e.h.Amount, Capture: mode,
		ReturnURL: e.h.ReturnURL, Description: "conformance"}
}

func (e *env) tryCreate(req payment.CreatePaymentRequest) (*payment.Payment, error) {
	e.t.Helper()
	if req.Amount.IsPositive() {
		e.mu.Lock()
		if _, ok := e.amounts[req.OrderID]; !ok {
			e.amounts[req.OrderID] = req.Amount
		}
		e.mu.Unlock()
	}
	p, err := e.h.Provider.CreatePayment(e.ctx, req)
	e.observe("CreatePayment", req.OrderID, p, err)
	return p, err
}

// create registers a payment and fails the test on error.
func (e *env) create(mode payment.CaptureMode) (string, *payment.Payment) {
	e.t.Helper()
	if mode == payment.CaptureManual {
		e.needCap(e.caps.ManualCapture, "ManualCapture")
	}
	order := e.newOrder()
	p, err := e.tryCreate(e.createReq(order, mode))
	if err != nil {
		e.t.Fatalf("CreatePayment(%s): %v", order, err)
	}
	if p.Status != payment.StatusPending && p.Status != payment.StatusRequiresAction {
		e.t.Errorf("CreatePayment: status %v, want pending or requires_action", p.Status)
	}
	if e.caps.HostedPage && e.h.ApproveMethod == nil {
		if p.Status != payment.StatusRequiresAction || p.NextAction == nil || p.NextAction.URL == "" && p.NextAction.Deeplink == "" {
			e.t.Errorf("CreatePayment on a hosted-page provider: want StatusRequiresAction with a NextAction to the page, got %v %+v", p.Status, p.NextAction)
		}
	}
	return order, p
}

func (e *env) confirm(orderID string, req payment.ConfirmRequest) (*payment.Payment, error) {
	e.t.Helper()
	return e.confirmCtx(e.ctx, orderID, req)
}

func (e *env) confirmCtx(ctx context.Context, orderID string, req payment.ConfirmRequest) (*payment.Payment, error) {
	e.t.Helper()
	p, err := e.h.Provider.Confirm(ctx, req)
	e.observe("Confirm", orderID, p, err)
	return p, err
}

// customer runs Harness.Customer on p.
func (e *env) customer(p *payment.Payment, o Outcome) *payment.RedirectReturn {
	e.t.Helper()
	e.needHook(e.h.Customer != nil, "Customer")
	if p.NextAction == nil {
		e.t.Fatalf("payment %s has no NextAction for the customer", p.OrderID)
	}
	ret, err := e.h.Customer(e.ctx, p, o)
	if err != nil {
		e.t.Fatalf("Harness.Customer(%s, %v): %v", p.OrderID, o, err)
	}
	if o == Abandon && ret != nil {
		e.t.Fatalf("Harness.Customer(%v) must return a nil RedirectReturn", o)
	}
	if o != Abandon && ret == nil {
		e.t.Fatalf("Harness.Customer(%v) returned a nil RedirectReturn", o)
	}
	return ret
}

// pay creates a payment and brings it to success: with ApproveMethod, or
// through the hosted page. It fails the test unless the payment ends
// authorized (manual) or captured (automatic).
func (e *env) pay(mode payment.CaptureMode) (string, *payment.Payment) {
	e.t.Helper()
	e.needPay()
	order, p := e.create(mode)
	p, _ = e.complete(order, p, mode)
	return order, p
}

// complete brings a created payment to success and returns it with the
// redirect return used (nil for card methods).
func (e *env) complete(order string, p *payment.Payment, mode payment.CaptureMode) (*payment.Payment, *payment.RedirectReturn) {
	e.t.Helper()
	e.needPay()
	var (
		err error
		ret *payment.RedirectReturn
	)
	if e.h.ApproveMethod != nil {
		p, err = e.confirm(order, payment.ConfirmRequest{Ref: p.Ref, Method: e.h.ApproveMethod(e.t)})
	} else {
		ret = e.customer(p, Pass)
		p, err = e.confirm(order, payment.ConfirmRequest{Ref: p.Ref, Return: ret})
	}
	if err != nil {
		e.t.Fatalf("Confirm(%s) with an approving payment: %v", order, err)
	}
	want := payment.StatusCaptured
	if mode == payment.CaptureManual {
		want = payment.StatusAuthorized
	}
	if p.Status != want {
		e.t.Fatalf("Confirm(%s): status %v, want %v", order, p.Status, want)
	}
	return p, ret
}

func (e *env) capture(orderID string, req payment.CaptureRequest) (*payment.Payment, error) {
	e.t.Helper()
	p, err := e.h.Provider.Capture(e.ctx, req)
	e.observe("Capture", orderID, p, err)
	return p, err
}

func (e *env) refund(orderID string, req payment.RefundRequest) (*payment.Payment, error) {
	e.t.Helper()
	p, err := e.h.Provider.Refund(e.ctx, req)
	e.observe("Refund", orderID, p, err)
	return p, err
}

func (e *env) void(orderID string, ref payment.PaymentRef) (*payment.Payment, error) {
	e.t.Helper()
	p, err := e.voider().Void(e.ctx, ref)
	e.observe("Void", orderID, p, err)
	return p, err
}

// inquire asks the provider for the truth; it returns nil when the provider
// has no inquiry.
func (e *env) inquire(orderID string, ref payment.PaymentRef) *payment.Payment {
	e.t.Helper()
	in := e.inquirer()
	if in == nil {
		return nil
	}
	p, err := in.Inquire(e.ctx, ref)
	e.observe("Inquire", orderID, p, err)
	if err != nil {
		e.t.Errorf("Inquire(%s): %v", orderID, err)
		return nil
	}
	if p.Status == payment.StatusUnknown {
		e.t.Errorf("Inquire(%s): StatusUnknown; an inquiry must resolve the outcome", orderID)
	}
	return p
}

// wantStatus checks p's status.
func (e *env) wantStatus(call string, p *payment.Payment, want ...payment.Status) {
	e.t.Helper()
	if p == nil {
		e.t.Errorf("%s: no payment, want status %v", call, want)
		return
	}
	if !hasStatus(want, p.Status) {
		e.t.Errorf("%s: status %v, want %v", call, p.Status, want)
	}
}

func (e *env) wantMoney(what string, got, want payment.Money) {
	e.t.Helper()
	if !moneyEq(got, want) {
		e.t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// part returns num/den of the harness amount.
func (e *env) part(num, den int64) payment.Money {
	e.t.Helper()
	minor := e.h.Amount.MinorUnits()
	if minor%den != 0 {
		e.t.Fatalf("Harness.Amount %v is not divisible by %d in minor units", e.h.Amount, den)
	}
	return payment.MoneyFromMinor(minor/den*num, e.h.Amount.Currency())
}

// notify asks the harness for the current notification of orderID, with
// its body buffered so it can be replayed.
func (e *env) notify(orderID string) *replayable {
	e.t.Helper()
	e.needHook(e.h.Notify != nil, "Notify")
	r, err := e.h.Notify(e.ctx, orderID)
	if err != nil {
		e.t.Fatalf("Harness.Notify(%s): %v", orderID, err)
	}
	return e.buffer(r)
}

func (e *env) handle(orderID string, r *http.Request) (*payment.Notification, error) {
	e.t.Helper()
	n, err := e.h.Provider.HandleNotification(e.ctx, r)
	if err != nil {
		e.observe("HandleNotification", orderID, nil, err)
		return nil, err
	}
	if n == nil {
		e.t.Errorf("HandleNotification: nil notification and nil error")
		return nil, nil
	}
	e.redacted("notification %+v", fmt.Sprintf("%+v", *n))
	if n.Payment != nil {
		e.observe("HandleNotification", n.OrderID, n.Payment, nil)
	} else if n.Kind == payment.NotificationPayment && n.OrderID != "" {
		e.report("HandleNotification", n.OrderID, n.Status)
	}
	return n, nil
}
