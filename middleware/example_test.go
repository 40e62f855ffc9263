package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/middleware"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// exampleProvider stands in for a gateway adapter such as gmo.New(...).
type exampleProvider struct{}

func (exampleProvider) Name() string                       { return "gmo" }
func (exampleProvider) Capabilities() payment.Capabilities { return payment.Capabilities{} }
func (exampleProvider) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	return &payment.Payment{Provider: "gmo", OrderID: req.OrderID, Ref: payment.PaymentRef("gmo:" + req.OrderID + ":A1"),
		Status: payment.StatusPending, Amount: req.Amount}, nil
}
func (exampleProvider) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	return nil, &payment.Error{Provider: "gmo", Op: "confirm", Kind: payment.ErrDeclined, GatewayCode: "42G020000"}
}
func (exampleProvider) Capture(ctx context.Context, req payment.CaptureRequest) (*payment.Payment, error) {
	return nil, payment.Unsupported("gmo", "capture", "example")
}
func (exampleProvider) Refund(ctx context.Context, req payment.RefundRequest) (*payment.Payment, error) {
	return nil, payment.Unsupported("gmo", "refund", "example")
}
func (exampleProvider) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	return nil, payment.Unsupported("gmo", "notification", "example")
}

// callCounter is what a Prometheus CounterVec/HistogramVec adapter looks
// like: labels from the Result, nothing imported.
type callCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *callCounter) Start(ctx context.Context, op, provider string) (context.Context, func(middleware.Result)) {
	// An OpenTelemetry adapter would start a span here and return its
	// context: ctx, span := tracer.Start(ctx, "payment."+op).
	return ctx, func(r middleware.Result) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.counts[r.Provider+" "+r.Op+" "+r.Outcome()]++
		_ = r.Duration // histogram.WithLabelValues(...).Observe(r.Duration.Seconds())
	}
}

func Example() {
	logger := zap.NewExample(zap.WrapCore(dropLatency)) // production: zap.NewProduction()
	metrics := &callCounter{counts: map[string]int{}}

	var p payment.Provider = exampleProvider{}
	p = middleware.Observe(middleware.Log(p, logger), metrics)

	ctx := context.Background()
	pay, _ := p.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID: "order-1", Amount: payment.MustParseMoney("1500", "JPY")})
	_, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref,
		Method: &payment.PaymentMethod{CardToken: payment.NewSecret("tok_never_logged")}})
	fmt.Println(err)
	fmt.Println(metrics.counts)
	_, canVoid := p.(payment.Voider)
	fmt.Println("voider:", canVoid)
	// Output:
	// {"level":"info","msg":"payment call","op":"create","provider":"gmo","order_id":"order-1","ref":"gmo:order-1:A1","status":"pending"}
	// {"level":"warn","msg":"payment call","op":"confirm","provider":"gmo","ref":"gmo:order-1:A1","error_kind":"declined","gateway_code":"42G020000"}
	// payment: gmo: confirm: declined (42G020000)
	// map[gmo confirm declined:1 gmo create ok:1]
	// voider: false
}

// The latency field varies, so this example only shows the log lines'
// shape: a logger that drops durations.
func ExampleLog() {
	logger := zap.NewExample(zap.WrapCore(dropLatency))
	p := middleware.Log(exampleProvider{}, logger)
	_, _ = p.Confirm(context.Background(), payment.ConfirmRequest{Ref: "gmo:order-1:A1",
		Method: &payment.PaymentMethod{CardToken: payment.NewSecret("tok_never_logged")}})
	// Output:
	// {"level":"warn","msg":"payment call","op":"confirm","provider":"gmo","ref":"gmo:order-1:A1","error_kind":"declined","gateway_code":"42G020000"}
}

// noLatency drops the latency field so that examples print the same every
// run.
type noLatency struct{ zapcore.Core }

func dropLatency(c zapcore.Core) zapcore.Core { return noLatency{c} }

func (c noLatency) With(fs []zapcore.Field) zapcore.Core { return noLatency{c.Core.With(fs)} }

func (c noLatency) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c noLatency) Write(e zapcore.Entry, fs []zapcore.Field) error {
	out := make([]zapcore.Field, 0, len(fs))
	for _, f := range fs {
		if f.Key != "latency" {
			out = append(out, f)
		}
	}
	return c.Core.Write(e, out)
}

func ExampleObserverFunc() {
	obs := middleware.ObserverFunc(func(ctx context.Context, op, provider string) (context.Context, func(middleware.Result)) {
		start := time.Now()
		return ctx, func(r middleware.Result) {
			_ = time.Since(start)
			fmt.Println(r.Provider, r.Op, r.OrderID, r.Outcome())
		}
	})
	p := middleware.Observe(exampleProvider{}, obs)
	_, _ = p.CreatePayment(context.Background(), payment.CreatePaymentRequest{
		OrderID: "order-1", Amount: payment.MustParseMoney("1500", "JPY")})
	// Output:
	// gmo create order-1 ok
}
