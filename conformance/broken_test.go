package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/conformance"
	"github.com/kessai/payment/paymenttest"
	"go.uber.org/zap"
)

// The suite must fail on providers that break the rules. Each variant below
// wraps the in-memory provider with one realistic bug; TestSuiteCatchesBrokenProviders
// runs the suite on it in a child process (TestBrokenHelper) and checks that
// the scenarios meant to catch the bug failed.

// base delegates everything to the simulator.
type base struct{ *paymenttest.Provider }

// capturedAfterDecline turns a decline into a success report.
type capturedAfterDecline struct{ base }

func (b capturedAfterDecline) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	p, err := b.Provider.Confirm(ctx, req)
	if errors.Is(err, payment.ErrDeclined) {
		q, qerr := b.Inquire(ctx, req.Ref)
		if qerr != nil {
			return nil, err
		}
		q.Status, q.Captured = payment.StatusCaptured, q.Amount
		return q, nil
	}
	return p, err
}

// retriesUnknown resends a money-moving call after ErrOutcomeUnknown.
type retriesUnknown struct{ base }

func (b retriesUnknown) Refund(ctx context.Context, req payment.RefundRequest) (*payment.Payment, error) {
	p, err := b.Provider.Refund(ctx, req)
	if errors.Is(err, payment.ErrOutcomeUnknown) {
		return b.Provider.Refund(ctx, req)
	}
	return p, err
}

// newPaymentOnDuplicate registers a fresh payment when the order id is taken.
type newPaymentOnDuplicate struct{ base }

func (b newPaymentOnDuplicate) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	p, err := b.Provider.CreatePayment(ctx, req)
	if errors.Is(err, payment.ErrDuplicate) {
		orig := req.OrderID
		req.OrderID = orig[:len(orig)-1] + "z"
		p, err = b.Provider.CreatePayment(ctx, req)
		if p != nil {
			p.OrderID = orig
		}
	}
	return p, err
}

// leaksTokenInError puts the card token into its errors.
type leaksTokenInError struct{ base }

func (b leaksTokenInError) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	p, err := b.Provider.Confirm(ctx, req)
	if err != nil && req.Method != nil {
		return p, fmt.Errorf("%w (card %s)", err, req.Method.CardToken.Reveal())
	}
	return p, err
}

// logsToken logs the card token.
type logsToken struct {
	base
	log *zap.Logger
}

func (b logsToken) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	if req.Method != nil {
		b.log.Debug("confirm", zap.String("token", req.Method.CardToken.Reveal()))
	}
	return b.Provider.Confirm(ctx, req)
}

// trustsNotificationBody reports what the body says without verifying it.
type trustsNotificationBody struct{ base }

func (b trustsNotificationBody) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	var nb paymenttest.NotificationBody
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&nb); err != nil {
		return nil, payment.InvalidRequest(b.Name(), "notification", "Body", "malformed")
	}
	var s payment.Status
	if err := s.UnmarshalText([]byte(nb.Status)); err != nil {
		return nil, err
	}
	return &payment.Notification{Provider: b.Name(), Kind: payment.NotificationPayment, ID: nb.ID, OrderID: nb.OrderID,
		Ref: payment.PaymentRef(nb.Ref), Status: s, Verified: true, Ack: payment.Reply{StatusCode: 200, Body: "OK"}}, nil
}

// readsWholeBody buffers the whole notification before checking its size.
type readsWholeBody struct{ base }

func (b readsWholeBody) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, payment.InvalidRequest(b.Name(), "notification", "Body", "unreadable")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return b.Provider.HandleNotification(ctx, r)
}

// validatesAfterIO talks to the gateway before validating.
type validatesAfterIO struct{ base }

func (b validatesAfterIO) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	_, _ = b.Inquire(ctx, "pt_probe")
	return b.Provider.CreatePayment(ctx, req)
}

// staleInquiry caches the first inquiry answer per payment.
type staleInquiry struct {
	base
	mu    *sync.Mutex
	cache map[payment.PaymentRef]*payment.Payment
}

func (b staleInquiry) Inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.cache[ref]; ok {
		c := *p
		return &c, nil
	}
	p, err := b.Provider.Inquire(ctx, ref)
	if err == nil {
		b.cache[ref] = p
	}
	return p, err
}

// roundsAmount rounds an amount the currency cannot carry instead of
// rejecting it.
type roundsAmount struct{ base }

func (b roundsAmount) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	if iso, err := payment.LookupCurrency(req.Amount.Currency().Code); err == nil && req.Amount.Currency() != iso {
		if m, err := payment.NewMoney(req.Amount.Amount().Round(iso.Exponent), iso); err == nil {
			req.Amount = m
		}
	}
	return b.Provider.CreatePayment(ctx, req)
}

// ignoresContext drops the caller's context.
type ignoresContext struct{ base }

func (b ignoresContext) Confirm(_ context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	return b.Provider.Confirm(context.Background(), req)
}

// untypedErrors loses the error kind.
type untypedErrors struct{ base }

func (b untypedErrors) Refund(ctx context.Context, req payment.RefundRequest) (*payment.Payment, error) {
	p, err := b.Provider.Refund(ctx, req)
	if err != nil {
		return nil, errors.New("refund failed: " + err.Error())
	}
	return p, nil
}

type variant struct {
	wrap func(sim *paymenttest.Provider, log *zap.Logger) payment.Provider
	// run limits the child's -test.run to the scenarios that matter.
	run string
	// wantFail lists subtests of TestBrokenHelper that must fail.
	wantFail []string
}

var variants = map[string]variant{
	"Correct": {
		wrap: func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider { return base{sim} },
		run:  "^TestBrokenHelper$",
	},
	"CapturedAfterDecline": {
		wrap: func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider {
			return capturedAfterDecline{base{sim}}
		},
		run:      "^TestBrokenHelper$/^(Decline|Notifications)$",
		wantFail: []string{"Decline/Method", "Notifications/Declined"},
	},
	"RetriesAfterOutcomeUnknown": {
		wrap:     func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider { return retriesUnknown{base{sim}} },
		run:      "^TestBrokenHelper$/^Faults$/^PartialRefund$",
		wantFail: []string{"Faults/PartialRefund/drop_after_process", "Faults/PartialRefund/gateway_unknown"},
	},
	"NewPaymentOnDuplicateOrderID": {
		wrap: func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider {
			return newPaymentOnDuplicate{base{sim}}
		},
		run:      "^TestBrokenHelper$/^Idempotency$",
		wantFail: []string{"Idempotency/DuplicateOrderIDBeforePayment", "Idempotency/DuplicateOrderIDAfterPayment"},
	},
	"LeaksTokenInError": {
		wrap:     func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider { return leaksTokenInError{base{sim}} },
		run:      "^TestBrokenHelper$/^(Decline|Redaction)$",
		wantFail: []string{"Decline/Method", "Redaction"},
	},
	"LogsToken": {
		wrap: func(sim *paymenttest.Provider, log *zap.Logger) payment.Provider {
			return logsToken{base: base{sim}, log: log}
		},
		run:      "^TestBrokenHelper$/^(Redaction|Capture)$",
		wantFail: []string{"Redaction", "Capture/Automatic"},
	},
	"TrustsNotificationBody": {
		wrap: func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider {
			return trustsNotificationBody{base{sim}}
		},
		run:      "^TestBrokenHelper$/^Notifications$/^Forged$",
		wantFail: []string{"Notifications/Forged/status", "Notifications/Forged/amount", "Notifications/Forged/signature"},
	},
	"ReadsWholeNotificationBody": {
		wrap:     func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider { return readsWholeBody{base{sim}} },
		run:      "^TestBrokenHelper$/^Notifications$/^Oversized$",
		wantFail: []string{"Notifications/Oversized"},
	},
	"ValidatesAfterIO": {
		wrap:     func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider { return validatesAfterIO{base{sim}} },
		run:      "^TestBrokenHelper$/^Invalid$",
		wantFail: []string{"Invalid/EmptyOrderID", "Invalid/OrderIDTooLong", "Invalid/ZeroAmount", "Invalid/TooManyDecimals"},
	},
	"StaleInquiry": {
		wrap: func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider {
			return staleInquiry{base: base{sim}, mu: new(sync.Mutex), cache: map[payment.PaymentRef]*payment.Payment{}}
		},
		run:      "^TestBrokenHelper$/^Lifecycle$",
		wantFail: []string{"Lifecycle"},
	},
	"RoundsAmount": {
		wrap:     func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider { return roundsAmount{base{sim}} },
		run:      "^TestBrokenHelper$/^Invalid$",
		wantFail: []string{"Invalid/TooManyDecimals"},
	},
	"IgnoresContext": {
		wrap:     func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider { return ignoresContext{base{sim}} },
		run:      "^TestBrokenHelper$/^Context$",
		wantFail: []string{"Context/CanceledBeforeCall", "Context/DeadlineAfterSend"},
	},
	"UntypedErrors": {
		wrap:     func(sim *paymenttest.Provider, _ *zap.Logger) payment.Provider { return untypedErrors{base{sim}} },
		run:      "^TestBrokenHelper$/^(Refund|Faults)$",
		wantFail: []string{"Refund/AboveRemainingRejected", "Faults/Refund/drop_after_process"},
	},
}

const brokenEnv = "KESSAI_CONFORMANCE_VARIANT"

// TestBrokenHelper runs the suite on the variant named by
// $KESSAI_CONFORMANCE_VARIANT; TestSuiteCatchesBrokenProviders runs it in
// child processes. Without the variable it runs the pass-through wrapper
// every variant builds on, which must pass like the bare provider.
func TestBrokenHelper(t *testing.T) {
	name := os.Getenv(brokenEnv)
	if name == "" {
		name = "Correct"
	}
	v, ok := variants[name]
	if !ok {
		t.Fatalf("unknown variant %q", name)
	}
	conformance.Run(t, func(t *testing.T) *conformance.Harness {
		sim, logger, logs := newPaymenttest(t, paymenttest.Config{})
		return harnessFor(sim, v.wrap(sim, logger), logs)
	})
}

func TestSuiteCatchesBrokenProviders(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(exe, "-test.run="+v.run, "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if len(v.wantFail) == 0 {
				if err != nil {
					t.Fatalf("the suite failed on the correct provider: %v\n%s", err, out)
				}
				if !strings.Contains(string(out), "--- PASS: TestBrokenHelper") {
					t.Fatalf("child did not run the suite:\n%s", out)
				}
				return
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("the suite passed on broken variant %s (err %v); output:\n%s", name, err, out)
			}
			for _, sub := range v.wantFail {
				if !strings.Contains(string(out), "--- FAIL: TestBrokenHelper/"+sub+" ") {
					t.Errorf("scenario %s did not fail on variant %s", sub, name)
				}
			}
			if t.Failed() {
				t.Logf("child output:\n%s", out)
			}
		})
	}
}
