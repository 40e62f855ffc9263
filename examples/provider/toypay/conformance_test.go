package toypay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/conformance"
	"github.com/kessai/payment/examples/provider/toypay"
	"github.com/kessai/payment/examples/provider/toypay/toypaytest"
	"github.com/kessai/payment/provider"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, newHarness)
}

// refuser plays the one fault a server cannot: a refused connection. The
// request never leaves.
type refuser struct {
	armed atomic.Bool
	base  http.RoundTripper
}

func (r *refuser) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.armed.CompareAndSwap(true, false) {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return r.base.RoundTrip(req)
}

// endpoints maps the suite's operations to the simulator's endpoints.
var endpoints = map[string]string{
	conformance.OpCreate: "create", conformance.OpConfirm: "confirm", conformance.OpCapture: "capture",
	conformance.OpRefund: "refund", conformance.OpVoid: "void", conformance.OpInquire: "get",
}

func newHarness(t *testing.T) *conformance.Harness {
	sim := toypaytest.NewServer()
	t.Cleanup(sim.Close)
	logger, logs := conformance.NewLogger()
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	refuse := &refuser{base: transport}
	p, err := toypay.New(toypay.Config{APIKey: payment.NewSecret(toypaytest.APIKey), WebhookSecret: payment.NewSecret(toypaytest.WebhookSecret)},
		provider.WithBaseURL(sim.URL()),
		provider.WithLogger(logger),
		provider.WithTimeout(500*time.Millisecond), // the Timeout faults wait for it
		provider.WithHTTPClient(&http.Client{Transport: refuse}))
	if err != nil {
		t.Fatal(err)
	}
	token := func(tok string) func(*testing.T) *payment.PaymentMethod {
		return func(*testing.T) *payment.PaymentMethod {
			return &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}
		}
	}
	return &conformance.Harness{
		Provider:           p,
		Amount:             payment.MustParseMoney("1000", "JPY"),
		MaxOrderIDLen:      toypay.MaxOrderIDLen,
		UncarriableAmounts: []payment.Money{payment.MoneyFromMinor(toypay.MaxAmountMinor+1, payment.JPY)},
		ApproveMethod:      token(toypaytest.TokenApprove),
		DeclineMethod:      token(toypaytest.TokenDecline),
		DeclineCode:        toypaytest.DeclineCode,
		Requests:           sim.Requests,
		InjectFault: func(op string, f conformance.Fault) bool {
			ep, ok := endpoints[op]
			if !ok {
				return false
			}
			switch f {
			case conformance.FaultDropAfterProcess:
				sim.InjectFault(ep, toypaytest.FaultDropAfterProcess)
			case conformance.FaultTimeout:
				sim.InjectFault(ep, toypaytest.FaultHoldAfterProcess)
			case conformance.FaultServerError:
				sim.InjectFault(ep, toypaytest.FaultUnavailable)
			case conformance.FaultGatewayUnknown:
				sim.InjectFault(ep, toypaytest.FaultOutcomeUnknown)
			case conformance.FaultHTML:
				sim.InjectFault(ep, toypaytest.FaultHTML)
			case conformance.FaultRefused:
				refuse.armed.Store(true)
			default:
				return false
			}
			return true
		},
		Ledger: func(orderID string) conformance.LedgerEntry {
			l := sim.Ledger(orderID)
			cur, err := payment.LookupCurrency(l.Currency)
			if err != nil {
				return conformance.LedgerEntry{}
			}
			return conformance.LedgerEntry{
				Authorized:     payment.MoneyFromMinor(l.Authorized, cur),
				Charged:        payment.MoneyFromMinor(l.Charged, cur),
				Refunded:       payment.MoneyFromMinor(l.Refunded, cur),
				Authorizations: l.Authorizations, Charges: l.Charges, Refunds: l.Refunds, Voids: l.Voids,
			}
		},
		Notify: func(_ context.Context, orderID string) (*http.Request, error) {
			return sim.Notification(orderID)
		},
		ForgeNotification: func(_ context.Context, orderID string, f conformance.Forgery) (*http.Request, error) {
			r, err := sim.Notification(orderID)
			if err != nil {
				return nil, err
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			var ev map[string]any
			if err := json.Unmarshal(body, &ev); err != nil {
				return nil, err
			}
			pay := ev["payment"].(map[string]any)
			switch f {
			case conformance.ForgeSignature:
				r.Header.Set("Toypay-Signature", toypaytest.Sign("whsec_forger", time.Now(), body))
			case conformance.ForgeAmount:
				pay["amount"] = "1"
			case conformance.ForgeStatus:
				pay["status"] = "captured"
			case conformance.ForgeOrderID:
				pay["order_id"] = conformance.RandomOrderID()
			case conformance.ForgeMalformed:
				body = body[:len(body)/2]
			}
			if f != conformance.ForgeSignature && f != conformance.ForgeMalformed {
				// The body changes, the genuine signature stays.
				if body, err = json.Marshal(ev); err != nil {
					return nil, err
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			return r, nil
		},
		Ack:     &toypay.AckReply,
		Secrets: []string{toypaytest.APIKey, toypaytest.WebhookSecret, toypaytest.TokenApprove, toypaytest.TokenDecline},
		Logs:    logs,
	}
}
