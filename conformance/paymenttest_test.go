package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/conformance"
	"github.com/kessai/payment/paymenttest"
	"github.com/kessai/payment/provider"
	"go.uber.org/zap"
)

const notificationKey = "conformance-test-hmac-key-5f1e"

// newPaymenttest builds the in-memory provider with a capturing logger.
func newPaymenttest(t *testing.T, cfg paymenttest.Config) (*paymenttest.Provider, *zap.Logger, func() string) {
	t.Helper()
	logger, logs := conformance.NewLogger()
	cfg.NotificationKey = payment.NewSecret(notificationKey)
	p, err := paymenttest.New(cfg, provider.WithLogger(logger), provider.WithTimeout(400*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return p, logger, logs
}

// harnessFor wires a paymenttest.Provider (possibly wrapped by prov) into
// the suite.
func harnessFor(sim *paymenttest.Provider, prov payment.Provider, logs func() string) *conformance.Harness {
	h := &conformance.Harness{
		Provider:    prov,
		Currency:    payment.JPY,
		DeclineCode: paymenttest.DeclineCode,
		Customer: func(_ context.Context, p *payment.Payment, o conformance.Outcome) (*payment.RedirectReturn, error) {
			if o == conformance.Abandon {
				return nil, nil
			}
			return sim.CompleteAction(p.Ref, o == conformance.Pass)
		},
		Expire:   func(_ context.Context, p *payment.Payment) error { return sim.Expire(p.Ref) },
		Requests: sim.Requests,
		InjectFault: func(op string, f conformance.Fault) bool {
			return sim.InjectFault(op, paymenttest.Fault(f))
		},
		Ledger: func(orderID string) conformance.LedgerEntry {
			l := sim.Ledger(orderID)
			return conformance.LedgerEntry{Authorized: l.Authorized, Charged: l.Charged, Refunded: l.Refunded,
				Authorizations: l.Authorizations, Charges: l.Charges, Refunds: l.Refunds, Voids: l.Voids}
		},
		Notify: func(_ context.Context, orderID string) (*http.Request, error) { return sim.Notification(orderID) },
		ForgeNotification: func(_ context.Context, orderID string, f conformance.Forgery) (*http.Request, error) {
			return forge(sim, orderID, f)
		},
		Ack: &payment.Reply{StatusCode: http.StatusOK, Body: "OK"},
		Secrets: []string{notificationKey, paymenttest.TokenApprove, paymenttest.TokenDecline, paymenttest.TokenChallenge,
			"4242424242424242", "4000000000000002", "4000000000003220"},
		Logs: logs,
	}
	if sim.Capabilities().AsyncPayments {
		h.AsyncMethod = func(*testing.T) *payment.PaymentMethod { return konbini() }
		h.PayVoucher = func(_ context.Context, p *payment.Payment) error { return sim.PayVoucher(p.Ref) }
	}
	if !sim.Capabilities().HostedPage {
		h.ApproveMethod = func(*testing.T) *payment.PaymentMethod { return paymenttest.Approve() }
		h.DeclineMethod = func(*testing.T) *payment.PaymentMethod { return paymenttest.Decline() }
		h.ChallengeMethod = func(*testing.T) *payment.PaymentMethod { return paymenttest.Challenge() }
	}
	return h
}

// forge corrupts orderID's genuine notification.
func forge(sim *paymenttest.Provider, orderID string, f conformance.Forgery) (*http.Request, error) {
	r, err := sim.Notification(orderID)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var body paymenttest.NotificationBody
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, err
	}
	sig := r.Header.Get(paymenttest.SignatureHeader)
	switch f {
	case conformance.ForgeSignature:
		b := []byte(sig)
		b[len(b)-1] ^= 1
		r.Header.Set(paymenttest.SignatureHeader, string(b))
		r.Body = io.NopCloser(bytes.NewReader(raw))
		return r, nil
	case conformance.ForgeMalformed:
		// Validly signed, but not JSON: the parser is the last line.
		return sim.SignedRequest(raw[:len(raw)/2]), nil
	case conformance.ForgeAmount:
		body.Amount += "1"
	case conformance.ForgeStatus:
		body.Status, body.Code = "captured", ""
		body.Captured = body.Amount
	case conformance.ForgeOrderID:
		body.OrderID = "forged-" + body.OrderID[:8]
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	r.Header.Set(paymenttest.SignatureHeader, sig) // the original signature
	return r, nil
}

func konbini() *payment.PaymentMethod {
	return &payment.PaymentMethod{Konbini: &payment.Konbini{Chain: "10001", CustomerName: "山田 太郎", CustomerKana: "ヤマダ タロウ",
		Phone: "0312345678", ContactName: "Shop", ContactPhone: "0312345678", ContactHours: "09:00-18:00"}}
}

// TestPaymenttestPayEasy runs the suite with Pay-easy as the async method.
func TestPaymenttestPayEasy(t *testing.T) {
	conformance.Run(t, func(t *testing.T) *conformance.Harness {
		sim, _, logs := newPaymenttest(t, paymenttest.Config{})
		h := harnessFor(sim, sim, logs)
		h.AsyncMethod = func(*testing.T) *payment.PaymentMethod {
			return &payment.PaymentMethod{PayEasy: &payment.PayEasy{CustomerName: "山田 花子", CustomerKana: "ヤマダ ハナコ",
				Phone: "0312345678", DeadlineDays: 5, ContactName: "Shop", ContactPhone: "0312345678", ContactHours: "09:00-18:00"}}
		}
		return h
	})
}

func TestPaymenttestCard(t *testing.T) {
	conformance.Run(t, func(t *testing.T) *conformance.Harness {
		sim, _, logs := newPaymenttest(t, paymenttest.Config{})
		return harnessFor(sim, sim, logs)
	})
}

func TestPaymenttestCardMNT(t *testing.T) {
	conformance.Run(t, func(t *testing.T) *conformance.Harness {
		sim, _, logs := newPaymenttest(t, paymenttest.Config{})
		h := harnessFor(sim, sim, logs)
		h.Currency = payment.MNT
		h.Amount = payment.MustParseMoney("1500.00", "MNT")
		return h
	})
}

func TestPaymenttestHosted(t *testing.T) {
	conformance.Run(t, func(t *testing.T) *conformance.Harness {
		sim, _, logs := newPaymenttest(t, paymenttest.Config{
			HostedPage: true,
			Capabilities: &payment.Capabilities{Refund: true, Inquiry: true, Notifications: true,
				Currencies: []payment.Currency{payment.MNT}},
		})
		h := harnessFor(sim, sim, logs)
		h.Currency = payment.MNT
		return h
	})
}

// TestPaymenttestRestricted runs the suite on a card provider lacking
// several capabilities, so the Unsupported scenarios and the skips run.
func TestPaymenttestRestricted(t *testing.T) {
	conformance.Run(t, func(t *testing.T) *conformance.Harness {
		sim, _, logs := newPaymenttest(t, paymenttest.Config{
			Capabilities: &payment.Capabilities{ManualCapture: true, Refund: true, PartialRefund: true, Void: true,
				ThreeDSecure: true, Currencies: []payment.Currency{payment.JPY}},
		})
		return harnessFor(sim, sim, logs)
	})
}
