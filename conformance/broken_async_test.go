package conformance_test

import (
	"context"
	"net/http"
	"sync"

	"github.com/kessai/payment"
	"github.com/kessai/payment/paymenttest"
	"go.uber.org/zap"
)

// Broken variants for the Async family (see broken_test.go for how they
// run). Each is a realistic way of getting voucher payments wrong.

// voucherReportedPaid reports an issued voucher as paid: the shop ships
// before the customer has paid (no real "pending").
type voucherReportedPaid struct{ base }

func (b voucherReportedPaid) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	p, err := b.Provider.Confirm(ctx, req)
	if err == nil && p.NextAction != nil && p.NextAction.Type == payment.NextActionVoucher {
		p.Status, p.Captured, p.NextAction = payment.StatusCaptured, p.Amount, nil
	}
	return p, err
}

// expiredAsPending does not know the expired state and keeps such payments
// pending: the shop never learns the customer will not pay.
type expiredAsPending struct{ base }

func (b expiredAsPending) Inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	p, err := b.Provider.Inquire(ctx, ref)
	if p != nil && p.Status == payment.StatusExpired {
		p.Status = payment.StatusPending
	}
	return p, err
}

func (b expiredAsPending) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	n, err := b.Provider.HandleNotification(ctx, r)
	if n != nil && n.Status == payment.StatusExpired {
		n.Status = payment.StatusPending
		if n.Payment != nil {
			n.Payment.Status = payment.StatusPending
		}
	}
	return n, err
}

func init() {
	variants["VoucherReportedPaid"] = variant{
		wrap: func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider {
			return voucherReportedPaid{base{sim}}
		},
		run:      "^TestBrokenHelper$/^Async$",
		wantFail: []string{"Async/Paid", "Async/Expired", "Async/CanceledWhilePending", "Async/NotificationLost"},
	}
	variants["ExpiredAsPending"] = variant{
		wrap: func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider {
			return expiredAsPending{base{sim}}
		},
		run:      "^TestBrokenHelper$/^Async$",
		wantFail: []string{"Async/Expired"},
	}
	// A cache of the first inquiry answer misses the payment whose
	// notification was lost.
	variants["StaleInquiryAsync"] = variant{
		wrap: func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider {
			return staleInquiry{base: base{sim}, mu: new(sync.Mutex), cache: map[payment.PaymentRef]*payment.Payment{}}
		},
		run:      "^TestBrokenHelper$/^Async$",
		wantFail: []string{"Async/NotificationLost", "Async/Paid"},
	}
	// Trusting the notification body lets a late "pending" notification
	// move a paid voucher back.
	variants["TrustsNotificationBodyAsync"] = variant{
		wrap: func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider {
			return trustsNotificationBody{base{sim}}
		},
		run:      "^TestBrokenHelper$/^Async$",
		wantFail: []string{"Async/Paid"},
	}
}
