package payment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/conformance"
	"github.com/kessai/payment/middleware"
	"github.com/kessai/payment/paymenttest"
	"github.com/kessai/payment/provider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The router must change no behaviour: conformance.Run over a Router that
// wraps a provider passes exactly as it does over the provider itself.
// Each router also holds a decoy route, a provider with the same
// capabilities (so the router's union is the wrapped provider's) that rules
// list before and after the real route but that no request matches first;
// the decoy must never see a request. Failover is off: the suite's fault
// scenarios expect the wrapped provider's errors (failover is tested in
// TestRouterFailoverPaymenttest).
//
// The router is named after the wrapped provider: the suite checks
// Payment.Provider == Provider.Name(), and a Router reports the gateway's
// name in Payment.Provider (the route is in the Ref).

// rcRouterHarness wraps inner's provider in a Router (route name route, plus
// a decoy) and adapts the hooks that see refs or notification URLs.
// wrap, when set, wraps the router (middleware).
func rcRouterHarness(t *testing.T, inner *conformance.Harness, route string, decoy payment.Provider, decoyRequests func() int,
	wrap func(payment.Provider) payment.Provider) *conformance.Harness {
	t.Helper()
	r, err := payment.NewRouter(payment.RouterConfig{
		Name: inner.Provider.Name(),
		Providers: map[string]payment.Provider{
			route:   inner.Provider,
			"decoy": decoy,
		},
		Rules: []payment.Rule{
			{Provider: "decoy", Countries: []string{"ZZ"}},
			{Provider: route},
			{Provider: "decoy"},
		},
	})
	require.NoError(t, err)
	if decoyRequests != nil {
		t.Cleanup(func() { assert.Zero(t, decoyRequests(), "the decoy route was called") })
	}
	h := *inner
	h.Provider = r
	if wrap != nil {
		h.Provider = wrap(r)
	}
	innerPayment := func(p *payment.Payment) *payment.Payment {
		if p == nil {
			return nil
		}
		got, in, err := r.SplitRef(p.Ref)
		require.NoError(t, err, "a router payment carries a router ref")
		require.Equal(t, route, got, "payment routed to %s", got)
		cp := *p
		cp.Ref = in
		return &cp
	}
	if inner.Customer != nil {
		h.Customer = func(ctx context.Context, p *payment.Payment, o conformance.Outcome) (*payment.RedirectReturn, error) {
			return inner.Customer(ctx, innerPayment(p), o)
		}
	}
	if inner.Expire != nil {
		h.Expire = func(ctx context.Context, p *payment.Payment) error { return inner.Expire(ctx, innerPayment(p)) }
	}
	toRoute := func(req *http.Request, err error) (*http.Request, error) {
		if req != nil {
			req.URL.Path = "/notify/" + route
			req.URL.RawPath = ""
			req.RequestURI = ""
		}
		return req, err
	}
	if inner.Notify != nil {
		h.Notify = func(ctx context.Context, orderID string) (*http.Request, error) {
			return toRoute(inner.Notify(ctx, orderID))
		}
	}
	if inner.ForgeNotification != nil {
		h.ForgeNotification = func(ctx context.Context, orderID string, f conformance.Forgery) (*http.Request, error) {
			return toRoute(inner.ForgeNotification(ctx, orderID, f))
		}
	}
	return &h
}

// rcPaymenttestHarness is the harness for one fresh paymenttest provider.
func rcPaymenttestHarness(t *testing.T, cfg paymenttest.Config) (*conformance.Harness, *paymenttest.Provider) {
	t.Helper()
	logger, logs := conformance.NewLogger()
	pt, err := paymenttest.New(cfg, provider.WithLogger(logger), provider.WithTimeout(50*time.Millisecond))
	require.NoError(t, err)
	faults := map[conformance.Fault]paymenttest.Fault{
		conformance.FaultDropAfterProcess: paymenttest.FaultDropAfterProcess,
		conformance.FaultTimeout:          paymenttest.FaultTimeout,
		conformance.FaultServerError:      paymenttest.FaultServerError,
		conformance.FaultGatewayUnknown:   paymenttest.FaultGatewayUnknown,
		conformance.FaultHTML:             paymenttest.FaultHTML,
		conformance.FaultRefused:          paymenttest.FaultRefused,
	}
	h := &conformance.Harness{
		Provider:        pt,
		MaxOrderIDLen:   paymenttest.MaxOrderIDLen,
		ApproveMethod:   func(*testing.T) *payment.PaymentMethod { return paymenttest.Approve() },
		DeclineMethod:   func(*testing.T) *payment.PaymentMethod { return paymenttest.Decline() },
		DeclineCode:     paymenttest.DeclineCode,
		ChallengeMethod: func(*testing.T) *payment.PaymentMethod { return paymenttest.Challenge() },
		Customer: func(ctx context.Context, p *payment.Payment, o conformance.Outcome) (*payment.RedirectReturn, error) {
			if o == conformance.Abandon {
				return nil, nil
			}
			return pt.CompleteAction(p.Ref, o == conformance.Pass)
		},
		Expire:   func(ctx context.Context, p *payment.Payment) error { return pt.Expire(p.Ref) },
		Requests: pt.Requests,
		InjectFault: func(op string, f conformance.Fault) bool {
			pf, ok := faults[f]
			return ok && pt.InjectFault(op, pf)
		},
		Ledger: func(orderID string) conformance.LedgerEntry {
			l := pt.Ledger(orderID)
			return conformance.LedgerEntry{Authorized: l.Authorized, Charged: l.Charged, Refunded: l.Refunded,
				Authorizations: l.Authorizations, Charges: l.Charges, Refunds: l.Refunds, Voids: l.Voids}
		},
		Notify: func(ctx context.Context, orderID string) (*http.Request, error) { return pt.Notification(orderID) },
		ForgeNotification: func(ctx context.Context, orderID string, f conformance.Forgery) (*http.Request, error) {
			return rcForgePaymenttest(pt, orderID, f)
		},
		Secrets: []string{paymenttest.TokenApprove, paymenttest.TokenDecline, paymenttest.TokenChallenge, "paymenttest-notification-key"},
		Logs:    logs,
	}
	if cfg.HostedPage { // the customer pays on the page: no methods
		h.ApproveMethod, h.DeclineMethod, h.ChallengeMethod = nil, nil, nil
	}
	return h, pt
}

// rcForgePaymenttest corrupts paymenttest's genuine notification for orderID.
func rcForgePaymenttest(pt *paymenttest.Provider, orderID string, f conformance.Forgery) (*http.Request, error) {
	req, err := pt.Notification(orderID)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	sig := req.Header.Get(paymenttest.SignatureHeader)
	var nb paymenttest.NotificationBody
	if err := json.Unmarshal(body, &nb); err != nil {
		return nil, err
	}
	switch f {
	case conformance.ForgeSignature:
		sig = fmt.Sprintf("%064x", 0)
	case conformance.ForgeAmount:
		nb.Amount = nb.Amount + "1"
	case conformance.ForgeStatus:
		nb.Status = payment.StatusCaptured.String()
		if nb.Status == payment.StatusCaptured.String() {
			nb.Status = payment.StatusRefunded.String()
		}
	case conformance.ForgeOrderID:
		nb.OrderID = "forged-" + nb.OrderID
	case conformance.ForgeMalformed:
		forged := pt.SignedRequest(body[:len(body)/2])
		return forged, nil
	default:
		return nil, nil
	}
	if f != conformance.ForgeSignature {
		if body, err = json.Marshal(nb); err != nil {
			return nil, err
		}
	}
	forged := pt.SignedRequest(body)
	forged.Header.Set(paymenttest.SignatureHeader, sig) // the genuine (now wrong) signature
	return forged, nil
}

func rcDecoy(t *testing.T, cfg paymenttest.Config) (*paymenttest.Provider, func() int) {
	t.Helper()
	cfg.Name = "decoy"
	d, err := paymenttest.New(cfg)
	require.NoError(t, err)
	return d, d.Requests
}

func TestRouterConformancePaymenttest(t *testing.T) {
	configs := map[string]paymenttest.Config{
		"card":   {},
		"hosted": {HostedPage: true},
		"minimal": {Capabilities: &payment.Capabilities{Refund: true, Notifications: true,
			Currencies: []payment.Currency{payment.MNT}}},
	}
	for name, cfg := range configs {
		t.Run(name+"/Direct", func(t *testing.T) {
			conformance.Run(t, func(t *testing.T) *conformance.Harness {
				h, _ := rcPaymenttestHarness(t, cfg)
				return h
			})
		})
		t.Run(name+"/Router", func(t *testing.T) {
			conformance.Run(t, func(t *testing.T) *conformance.Harness {
				h, _ := rcPaymenttestHarness(t, cfg)
				d, n := rcDecoy(t, cfg)
				return rcRouterHarness(t, h, "pt", d, n, nil)
			})
		})
		t.Run(name+"/RouterWithMiddleware", func(t *testing.T) {
			conformance.Run(t, func(t *testing.T) *conformance.Harness {
				h, _ := rcPaymenttestHarness(t, cfg)
				d, n := rcDecoy(t, cfg)
				logger, logs := conformance.NewLogger()
				innerLogs := h.Logs
				h.Logs = func() string { return innerLogs() + logs() }
				obs := middleware.ObserverFunc(func(ctx context.Context, op, provider string) (context.Context, func(middleware.Result)) {
					return ctx, func(r middleware.Result) {
						if r.Op != op || r.Provider != provider {
							t.Errorf("observer: Result %s/%s for Start %s/%s", r.Op, r.Provider, op, provider)
						}
					}
				})
				return rcRouterHarness(t, h, "pt", d, n, func(p payment.Provider) payment.Provider {
					return middleware.Observe(middleware.Log(p, logger.Named("middleware")), obs)
				})
			})
		})
	}
}

// With failover on, a CreatePayment refused by the first gateway before
// anything was sent moves to the next one; any fault that may have reached
// the gateway stops there, and nothing after CreatePayment fails over.
func TestRouterFailoverPaymenttest(t *testing.T) {
	ctx := context.Background()
	faults := []paymenttest.Fault{paymenttest.FaultRefused, paymenttest.FaultDropAfterProcess, paymenttest.FaultTimeout,
		paymenttest.FaultServerError, paymenttest.FaultGatewayUnknown, paymenttest.FaultHTML}
	for i, op := range []string{paymenttest.OpCreate, paymenttest.OpConfirm, paymenttest.OpCapture, paymenttest.OpRefund} {
		for j, f := range faults {
			t.Run(op+"/"+f.String(), func(t *testing.T) {
				a, err := paymenttest.New(paymenttest.Config{Name: "a"}, provider.WithTimeout(1))
				require.NoError(t, err)
				b, err := paymenttest.New(paymenttest.Config{Name: "b"})
				require.NoError(t, err)
				r, err := payment.NewRouter(payment.RouterConfig{
					Providers: map[string]payment.Provider{"a": a, "b": b},
					Rules:     []payment.Rule{{Provider: "a"}, {Provider: "b"}},
					Failover:  true,
				})
				require.NoError(t, err)
				require.True(t, a.InjectFault(op, f))
				order := fmt.Sprintf("fo-%d-%d", i, j)

				p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: order, Amount: rtYen("1000"), Capture: payment.CaptureManual})
				if op == paymenttest.OpCreate {
					if f == paymenttest.FaultRefused {
						require.NoError(t, err, "a refused create fails over")
						route, _, _ := r.SplitRef(p.Ref)
						assert.Equal(t, "b", route)
						assert.Equal(t, "b", p.Provider)
						assert.Zero(t, a.Requests(), "nothing reached a")
						assert.Equal(t, 1, b.Requests())
					} else {
						require.Error(t, err, "an ambiguous create does not fail over")
						assert.Zero(t, b.Requests(), "b never called")
					}
					return
				}
				require.NoError(t, err)
				call := map[string]func() (*payment.Payment, error){
					paymenttest.OpConfirm: func() (*payment.Payment, error) {
						return r.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: paymenttest.Approve()})
					},
					paymenttest.OpCapture: func() (*payment.Payment, error) { return r.Capture(ctx, payment.CaptureRequest{Ref: p.Ref}) },
					paymenttest.OpRefund:  func() (*payment.Payment, error) { return r.Refund(ctx, payment.RefundRequest{Ref: p.Ref}) },
				}
				// Bring the payment to the state op needs without the fault.
				steps := map[string][]string{
					paymenttest.OpConfirm: nil,
					paymenttest.OpCapture: {paymenttest.OpConfirm},
					paymenttest.OpRefund:  {paymenttest.OpConfirm, paymenttest.OpCapture},
				}
				// The armed fault is for op only; earlier steps run clean.
				for _, s := range steps[op] {
					_, err := call[s]()
					require.NoError(t, err, s)
				}
				refsA := a.Requests()
				_, err = call[op]()
				require.Error(t, err)
				if f == paymenttest.FaultRefused {
					assert.ErrorIs(t, err, payment.ErrUnavailable)
					assert.Equal(t, refsA, a.Requests(), "a refused call reaches nothing")
				} else {
					assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
					assert.Greater(t, a.Requests(), refsA)
				}
				assert.Zero(t, b.Requests(), "nothing after create ever fails over")
				l := a.Ledger(order)
				assert.LessOrEqual(t, l.Charges, 1, "no double charge")
			})
		}
	}
}
