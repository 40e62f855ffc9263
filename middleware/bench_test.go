package middleware_test

import (
	"context"
	"io"
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/middleware"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// BenchmarkWrap compares a capture on the bare provider with the same call
// through each wrapper.
func BenchmarkWrap(b *testing.B) {
	ctx := context.Background()
	f := &fake{payment: &payment.Payment{Provider: "fake", OrderID: "o1", Ref: "fake:o1", Status: payment.StatusCaptured}}
	f.seen = make([]any, 0, 1<<22)
	jsonLogger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.InfoLevel))
	noop := middleware.ObserverFunc(func(ctx context.Context, op, provider string) (context.Context, func(middleware.Result)) {
		return ctx, func(middleware.Result) {}
	})
	for _, bc := range []struct {
		name string
		p    payment.Provider
	}{
		{"bare", f},
		{"log-disabled", middleware.Log(f, zap.NewNop())},
		{"log-json", middleware.Log(f, jsonLogger)},
		{"observe", middleware.Observe(f, noop)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.seen = f.seen[:0]
				if _, err := bc.p.Capture(ctx, payment.CaptureRequest{Ref: "fake:o1"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
