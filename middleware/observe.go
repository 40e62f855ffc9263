package middleware

import (
	"context"
	"time"

	"github.com/kessai/payment"
)

// Observer is told about every call of a provider wrapped by [Observe].
//
// Start is called before the call with the operation (one of the Op
// constants) and the provider's Name. It returns the context the call runs
// with (return ctx unchanged when not tracing; a nil context counts as
// unchanged) and a function that is called exactly once with the call's
// [Result] when it finishes. Both must be safe for concurrent use and
// should not block.
type Observer interface {
	Start(ctx context.Context, op, provider string) (context.Context, func(Result))
}

// ObserverFunc adapts a function to [Observer].
type ObserverFunc func(ctx context.Context, op, provider string) (context.Context, func(Result))

// Start calls f.
func (f ObserverFunc) Start(ctx context.Context, op, provider string) (context.Context, func(Result)) {
	return f(ctx, op, provider)
}

// Observe returns p wrapped so that o sees every call. A nil o returns p
// unchanged. See the package documentation for the optional interfaces the
// wrapper keeps.
func Observe(p payment.Provider, o Observer) payment.Provider {
	if o == nil {
		return p
	}
	return wrap(p, func(ctx context.Context, c call, fn func(context.Context) (Result, error)) error {
		cctx, done := o.Start(ctx, c.op, c.provider)
		if cctx == nil {
			cctx = ctx
		}
		start := time.Now()
		res, err := fn(cctx)
		if done != nil {
			done(finish(c, res, err, time.Since(start)))
		}
		return err
	})
}

// finish completes a Result with what the interceptor knows.
func finish(c call, res Result, err error, d time.Duration) Result {
	res.Op = c.op
	res.Provider = c.provider
	if c.orderID != "" {
		res.OrderID = c.orderID
	}
	if c.ref != "" {
		res.Ref = c.ref
	}
	res.Err = err
	res.Duration = d
	return res
}
