package middleware

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/kessai/payment"
)

// Operation names passed to an [Observer] and logged as "op". They match
// [payment.Error].Op.
const (
	OpCreate       = "create"
	OpConfirm      = "confirm"
	OpCapture      = "capture"
	OpRefund       = "refund"
	OpVoid         = "void"
	OpInquire      = "inquire"
	OpNotification = "notification"
)

// Result describes one finished call.
type Result struct {
	Op       string // one of the Op constants
	Provider string // the wrapped provider's Name
	// OrderID is the request's order id (create) or the returned payment's.
	OrderID string
	// Ref is the request's ref, or the returned payment's for create and
	// notifications.
	Ref payment.PaymentRef
	// Payment is the returned payment (for notifications, the
	// notification's payment); nil when none.
	Payment *payment.Payment
	// Notification is the returned notification, for OpNotification.
	Notification *payment.Notification
	// Err is the call's error.
	Err error
	// Duration is the call's latency.
	Duration time.Duration
}

// Kind returns the [payment] sentinel Err matches (payment.KindOf), or nil.
func (r Result) Kind() error { return payment.KindOf(r.Err) }

// Outcome is a short label for metrics: "ok", or the error kind with
// underscores ("declined", "invalid_request", "outcome_unknown", …), or
// "other" for an error of no kind.
func (r Result) Outcome() string {
	if r.Err == nil {
		return "ok"
	}
	return kindLabel(r.Err)
}

func kindLabel(err error) string {
	if k := payment.KindOf(err); k != nil {
		return strings.ReplaceAll(k.Error(), " ", "_")
	}
	return "other"
}

// call is one intercepted call. run performs it; the interceptor may
// replace ctx (tracing).
type call struct {
	op       string
	provider string
	orderID  string
	ref      payment.PaymentRef
}

// interceptor runs fn around bookkeeping. It returns what fn returned.
type interceptor func(ctx context.Context, c call, fn func(context.Context) (Result, error)) error

// base wraps a provider with an interceptor; the exported wrapper types add
// Void and Inquire when the wrapped provider has them.
type base struct {
	p  payment.Provider
	ic interceptor
}

func (b *base) Name() string                       { return b.p.Name() }
func (b *base) Capabilities() payment.Capabilities { return b.p.Capabilities() }

// Unwrap returns the wrapped provider.
func (b *base) Unwrap() payment.Provider { return b.p }

func (b *base) payCall(ctx context.Context, c call, fn func(context.Context) (*payment.Payment, error)) (*payment.Payment, error) {
	c.provider = b.p.Name()
	var out *payment.Payment
	err := b.ic(ctx, c, func(ctx context.Context) (Result, error) {
		var err error
		out, err = fn(ctx)
		res := Result{Payment: out}
		if out != nil {
			res.OrderID = out.OrderID
			res.Ref = out.Ref
		}
		return res, err
	})
	return out, err
}

func (b *base) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	return b.payCall(ctx, call{op: OpCreate, orderID: req.OrderID}, func(ctx context.Context) (*payment.Payment, error) {
		return b.p.CreatePayment(ctx, req)
	})
}

func (b *base) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	return b.payCall(ctx, call{op: OpConfirm, ref: req.Ref}, func(ctx context.Context) (*payment.Payment, error) {
		return b.p.Confirm(ctx, req)
	})
}

func (b *base) Capture(ctx context.Context, req payment.CaptureRequest) (*payment.Payment, error) {
	return b.payCall(ctx, call{op: OpCapture, ref: req.Ref}, func(ctx context.Context) (*payment.Payment, error) {
		return b.p.Capture(ctx, req)
	})
}

func (b *base) Refund(ctx context.Context, req payment.RefundRequest) (*payment.Payment, error) {
	return b.payCall(ctx, call{op: OpRefund, ref: req.Ref}, func(ctx context.Context) (*payment.Payment, error) {
		return b.p.Refund(ctx, req)
	})
}

func (b *base) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	var out *payment.Notification
	err := b.ic(ctx, call{op: OpNotification, provider: b.p.Name()}, func(ctx context.Context) (Result, error) {
		var err error
		out, err = b.p.HandleNotification(ctx, r)
		res := Result{Notification: out}
		if out != nil {
			res.Payment = out.Payment
			res.OrderID = out.OrderID
			res.Ref = out.Ref
		}
		return res, err
	})
	return out, err
}

func (b *base) void(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return b.payCall(ctx, call{op: OpVoid, ref: ref}, func(ctx context.Context) (*payment.Payment, error) {
		return b.p.(payment.Voider).Void(ctx, ref)
	})
}

func (b *base) inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return b.payCall(ctx, call{op: OpInquire, ref: ref}, func(ctx context.Context) (*payment.Payment, error) {
		return b.p.(payment.Inquirer).Inquire(ctx, ref)
	})
}

type voider struct{ *base }

func (v voider) Void(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return v.void(ctx, ref)
}

type inquirer struct{ *base }

func (q inquirer) Inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return q.inquire(ctx, ref)
}

type voidInquirer struct{ *base }

func (v voidInquirer) Void(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return v.void(ctx, ref)
}

func (v voidInquirer) Inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return v.inquire(ctx, ref)
}

var (
	_ payment.Voider   = voider{}
	_ payment.Inquirer = inquirer{}
	_ payment.Voider   = voidInquirer{}
	_ payment.Inquirer = voidInquirer{}
)

// wrap returns the wrapper type matching p's optional interfaces.
func wrap(p payment.Provider, ic interceptor) payment.Provider {
	b := &base{p: p, ic: ic}
	_, v := p.(payment.Voider)
	_, q := p.(payment.Inquirer)
	switch {
	case v && q:
		return voidInquirer{b}
	case v:
		return voider{b}
	case q:
		return inquirer{b}
	default:
		return b
	}
}
