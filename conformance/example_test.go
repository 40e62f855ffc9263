package conformance_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/conformance"
	"github.com/kessai/payment/paymenttest"
	"github.com/kessai/payment/provider"
	"go.uber.org/zap"
)

// A provider's conformance test: one harness per subtest, hooks wired to
// the simulator. Here the provider is the in-memory paymenttest, which is
// its own simulator.
func ExampleRun() {
	// In a _test.go file of your adapter:
	_ = func(t *testing.T) {
		conformance.Run(t, func(t *testing.T) *conformance.Harness {
			logger, logs := conformance.NewLogger()
			sim, err := paymenttest.New(paymenttest.Config{NotificationKey: payment.NewSecret("k")}, provider.WithLogger(logger))
			if err != nil {
				t.Fatal(err)
			}
			return &conformance.Harness{
				Provider:      sim,
				Amount:        payment.MustParseMoney("1000", "JPY"),
				ApproveMethod: func(*testing.T) *payment.PaymentMethod { return paymenttest.Approve() },
				DeclineMethod: func(*testing.T) *payment.PaymentMethod { return paymenttest.Decline() },
				DeclineCode:   paymenttest.DeclineCode,
				Customer: func(_ context.Context, p *payment.Payment, o conformance.Outcome) (*payment.RedirectReturn, error) {
					if o == conformance.Abandon {
						return nil, nil
					}
					return sim.CompleteAction(p.Ref, o == conformance.Pass)
				},
				Requests: sim.Requests,
				Notify: func(_ context.Context, orderID string) (*http.Request, error) {
					return sim.Notification(orderID)
				},
				Secrets: []string{"k", paymenttest.TokenApprove, paymenttest.TokenDecline},
				Logs:    logs,
			}
		})
	}
	fmt.Println("wired")
	// Output: wired
}

func ExampleNewLogger() {
	logger, logs := conformance.NewLogger()
	// Give logger to the provider with provider.WithLogger, and logs to
	// Harness.Logs; the suite searches it for Harness.Secrets.
	logger.Named("gmo").Debug("entry", zap.String("order_id", "order-1"), zap.Stringer("shop_pass", payment.NewSecret("s3cr3t")))
	out := logs()
	fmt.Println(strings.Contains(out, "order-1"), strings.Contains(out, "s3cr3t"), strings.Contains(out, payment.Redacted))
	// Output: true false true
}
