package payment_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/conformance"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
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

// With failover on, no paymenttest fault moves a payment to another
// provider: none proves the request never left, and nothing after
// CreatePayment fails over.
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
					// paymenttest's FaultRefused error is retry-safe but
					// carries no network cause proving the request never
					// left (a real transport's has a dial *net.OpError), so
					// no fault fails over here; TestRouterFailoverGMO and
					// TestRouterFailoverGolomt fail over on real refused
					// connections.
					require.Error(t, err, "create does not fail over without proof")
					if f == paymenttest.FaultRefused {
						assert.ErrorIs(t, err, payment.ErrUnavailable)
						assert.Zero(t, a.Requests(), "nothing reached a")
					}
					assert.Zero(t, b.Requests(), "b never called")
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

// rcDecoyFor returns a paymenttest provider named "decoy" whose
// capabilities are a subset of p's, so that adding it to a router leaves
// the router's Capabilities equal to p's.
func rcDecoyFor(t *testing.T, p payment.Provider) (*paymenttest.Provider, func() int) {
	t.Helper()
	caps := p.Capabilities()
	d, err := paymenttest.New(paymenttest.Config{Name: "decoy", Capabilities: &caps, HostedPage: caps.HostedPage})
	require.NoError(t, err)
	require.Equal(t, caps.Currencies, d.Capabilities().Currencies)
	return d, d.Requests
}

// rcRunRouted runs the suite over newHarness's provider behind a router,
// with and without middleware.
func rcRunRouted(t *testing.T, route string, newHarness func(t *testing.T) *conformance.Harness) {
	t.Run("Router", func(t *testing.T) {
		conformance.Run(t, func(t *testing.T) *conformance.Harness {
			h := newHarness(t)
			d, n := rcDecoyFor(t, h.Provider)
			return rcRouterHarness(t, h, route, d, n, nil)
		})
	})
	t.Run("RouterWithMiddleware", func(t *testing.T) {
		conformance.Run(t, func(t *testing.T) *conformance.Harness {
			h := newHarness(t)
			d, n := rcDecoyFor(t, h.Provider)
			logger, logs := conformance.NewLogger()
			innerLogs := h.Logs
			h.Logs = func() string { return innerLogs() + logs() }
			var started, finished atomic.Int64
			obs := middleware.ObserverFunc(func(ctx context.Context, op, provider string) (context.Context, func(middleware.Result)) {
				started.Add(1)
				return ctx, func(r middleware.Result) {
					finished.Add(1)
					if r.Op != op || r.Provider != provider {
						t.Errorf("observer: Result %s/%s for Start %s/%s", r.Op, r.Provider, op, provider)
					}
				}
			})
			t.Cleanup(func() { assert.Equal(t, started.Load(), finished.Load(), "every observed call finished once") })
			return rcRouterHarness(t, h, route, d, n, func(p payment.Provider) payment.Provider {
				return middleware.Observe(middleware.Log(p, logger.Named("middleware")), obs)
			})
		})
	})
}

func TestRouterConformanceGMO(t *testing.T) { rcRunRouted(t, "gmo-jp", rcGMOHarness) }

func TestRouterConformanceGolomt(t *testing.T) { rcRunRouted(t, "golomt", rcGolomtHarness) }

// The GMO and Golomt harnesses below are copies of gmo/conformance_test.go
// and golomt/conformance_test.go (test files cannot be imported), so that
// the router runs the suite over the real adapters and simulators.

// rcFaultSwitch arms one fault for the next request to any of a set of APIs.
// Simulator-side faults go through gmotest.WithFaultFunc; the two faults
// only a client can see (a refused connection, a response withheld until
// the client gives up) are played by the harness's RoundTripper.
type rcFaultSwitch struct {
	mu     sync.Mutex
	apis   []string
	sim    *gmotest.Fault
	client conformance.Fault // FaultRefused or FaultTimeout
}

func (s *rcFaultSwitch) arm(apis []string, sim *gmotest.Fault, client conformance.Fault) {
	s.mu.Lock()
	s.apis, s.sim, s.client = apis, sim, client
	s.mu.Unlock()
}

// take returns the armed fault if api matches, disarming it.
func (s *rcFaultSwitch) take(api string) (*gmotest.Fault, conformance.Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.apis {
		if a == api {
			f, c := s.sim, s.client
			s.apis, s.sim, s.client = nil, nil, 0
			return f, c, true
		}
	}
	return nil, 0, false
}

// simFault is the gmotest.WithFaultFunc hook.
func (s *rcFaultSwitch) simFault(api string) (gmotest.Fault, bool) {
	s.mu.Lock()
	armed := s.sim != nil
	s.mu.Unlock()
	if !armed {
		return gmotest.Fault{}, false
	}
	f, _, ok := s.take(api)
	if !ok || f == nil {
		return gmotest.Fault{}, false
	}
	return *f, true
}

// rcFaultTransport plays the client-side faults.
type rcFaultTransport struct {
	sw   *rcFaultSwitch
	base http.RoundTripper
}

func (ft *rcFaultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	api := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/payment/"), ".idPass")
	ft.sw.mu.Lock()
	clientArmed := ft.sw.client != 0
	ft.sw.mu.Unlock()
	if clientArmed {
		if _, c, ok := ft.sw.take(api); ok {
			switch c {
			case conformance.FaultRefused:
				if r.Body != nil {
					_ = r.Body.Close()
				}
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
			case conformance.FaultTimeout:
				// The gateway processes the request; the answer never
				// arrives before the client gives up.
				resp, err := ft.base.RoundTrip(r)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				<-r.Context().Done()
				return nil, r.Context().Err()
			}
		}
	}
	return ft.base.RoundTrip(r)
}

// rcAPIsFor maps a conformance operation to the GMO APIs whose request moves
// the money of that operation.
var rcAPIsFor = map[string][]string{
	conformance.OpCreate:  {"EntryTran"},
	conformance.OpConfirm: {"ExecTran", "SecureTran2", "SecureTran"},
	conformance.OpCapture: {"AlterTran"},
	conformance.OpRefund:  {"AlterTran", "ChangeTran"},
	conformance.OpVoid:    {"AlterTran"},
	conformance.OpInquire: {"SearchTrade"},
}

func rcGMOHarness(t *testing.T) *conformance.Harness {
	sw := &rcFaultSwitch{}
	sim := gmotest.NewServer(gmotest.WithFaultFunc(sw.simFault))
	t.Cleanup(sim.Close)
	logger, logs := conformance.NewLogger()
	base := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(base.CloseIdleConnections)
	p, err := gmo.New(gmo.Config{
		ShopID:       gmotest.DefaultShopID,
		ShopPass:     payment.NewSecret(gmotest.DefaultShopPass),
		SiteID:       gmotest.DefaultSiteID,
		SitePass:     payment.NewSecret(gmotest.DefaultSitePass),
		TdTenantName: "決済テスト",
	},
		provider.WithBaseURL(sim.URL()),
		provider.WithLogger(logger),
		provider.WithTimeout(2*time.Second),
		provider.WithHTTPClient(&http.Client{Transport: &rcFaultTransport{sw: sw, base: base}}))
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	secrets := []string{gmotest.DefaultShopPass, gmotest.DefaultSitePass,
		gmotest.CardApprove, gmotest.CardInsufficientFunds, gmotest.CardChallenge}
	// Tokens are issued up front so Harness.Secrets can list them.
	pool := map[string][]string{}
	for pan, n := range map[string]int{gmotest.CardApprove: 24, gmotest.CardInsufficientFunds: 8, gmotest.CardChallenge: 8} {
		for range n {
			tok, err := sim.IssueToken(pan, "203012", "123", "TARO YAMADA")
			if err != nil {
				t.Fatal(err)
			}
			pool[pan] = append(pool[pan], tok)
			secrets = append(secrets, tok)
		}
	}
	method := func(pan string) func(t *testing.T) *payment.PaymentMethod {
		return func(t *testing.T) *payment.PaymentMethod {
			mu.Lock()
			defer mu.Unlock()
			if len(pool[pan]) == 0 {
				// Beyond the pool (the concurrency scenario): fresh
				// tokens, not listed in Secrets.
				tok, err := sim.IssueToken(pan, "203012", "123", "TARO YAMADA")
				if err != nil {
					t.Fatal(err)
				}
				return &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}
			}
			tok := pool[pan][0]
			pool[pan] = pool[pan][1:]
			return &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}
		}
	}

	// Notifications: the latest one per order, kept so that asking again
	// for the same state returns the same notification (a resend).
	last := map[string][]byte{}
	lastURL := map[string]string{}
	latest := func(orderID string) (string, []byte, error) {
		mu.Lock()
		defer mu.Unlock()
		for {
			r, err := sim.NextNotification(orderID)
			if err != nil {
				break
			}
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return "", nil, err
			}
			last[orderID], lastURL[orderID] = b, r.URL.String()
		}
		b, ok := last[orderID]
		if !ok {
			return "", nil, errors.New("gmotest has no notification for " + orderID)
		}
		return lastURL[orderID], b, nil
	}
	post := func(ctx context.Context, u string, body string) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r, nil
	}
	ack := gmo.AckReply

	return &conformance.Harness{
		Provider:           p,
		Currency:           payment.JPY,
		Amount:             payment.MustParseMoney("1000", "JPY"),
		MaxOrderIDLen:      gmo.MaxOrderIDLen,
		UncarriableAmounts: []payment.Money{payment.MoneyFromMinor(gmo.MaxAmount+1, payment.JPY)},
		ApproveMethod:      method(gmotest.CardApprove),
		DeclineMethod:      method(gmotest.CardInsufficientFunds),
		DeclineCode:        "42G020000",
		ChallengeMethod:    method(gmotest.CardChallenge),
		Customer: func(ctx context.Context, pay *payment.Payment, o conformance.Outcome) (*payment.RedirectReturn, error) {
			if o == conformance.Abandon {
				return nil, nil
			}
			na := pay.NextAction
			if na == nil {
				return nil, errors.New("no next action")
			}
			var vals url.Values
			var err error
			if na.Method == http.MethodPost {
				f := map[string]string{}
				for _, x := range na.Fields {
					f[x.Name] = x.Value
				}
				vals, err = sim.CompleteLegacyChallenge(ctx, na.URL, f["PaReq"], f["MD"], f["TermUrl"], o == conformance.Pass)
			} else {
				vals, err = sim.CompleteChallenge(ctx, na.URL, o == conformance.Pass)
			}
			if err != nil {
				return nil, err
			}
			return &payment.RedirectReturn{Values: vals}, nil
		},
		Requests: sim.Requests,
		InjectFault: func(op string, f conformance.Fault) bool {
			apis := rcAPIsFor[op]
			if apis == nil {
				return false
			}
			switch f {
			case conformance.FaultDropAfterProcess:
				sw.arm(apis, &gmotest.Fault{Kind: gmotest.FaultDropAfterProcess}, 0)
			case conformance.FaultServerError:
				sw.arm(apis, &gmotest.Fault{Kind: gmotest.FaultServerErrorAfterProcess}, 0)
			case conformance.FaultGatewayUnknown:
				sw.arm(apis, &gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E91020001"}, 0)
			case conformance.FaultHTML:
				sw.arm(apis, &gmotest.Fault{Kind: gmotest.FaultHTML}, 0)
			case conformance.FaultRefused, conformance.FaultTimeout:
				sw.arm(apis, nil, f)
			default:
				return false
			}
			return true
		},
		Ledger: func(orderID string) conformance.LedgerEntry {
			l, ok := sim.Ledger(orderID)
			if !ok {
				return conformance.LedgerEntry{}
			}
			out := conformance.LedgerEntry{
				Authorized: payment.MoneyFromMinor(l.Authorized, payment.JPY),
				Charged:    payment.MoneyFromMinor(l.Captured, payment.JPY),
				Refunded:   payment.MoneyFromMinor(l.Refunded, payment.JPY),
				Refunds:    l.Refunds,
				Voids:      l.Voids,
			}
			// A VOID of a captured sale (GMO's same-day refund) returns
			// money: it is a refund as well as a void.
			if l.Captured > 0 {
				out.Refunds += l.Voids
			}
			// gmotest counts every authorization in Charges; split holds
			// (JobCd AUTH) from immediate sales (JobCd CAPTURE).
			if len(l.History) > 0 && strings.HasPrefix(l.History[0], "EntryTran CAPTURE") {
				out.Charges = l.Charges
			} else {
				out.Authorizations = l.Charges
				out.Charges = l.Sales
			}
			return out
		},
		Notify: func(ctx context.Context, orderID string) (*http.Request, error) {
			u, b, err := latest(orderID)
			if err != nil {
				return nil, err
			}
			return post(ctx, u, string(b))
		},
		ForgeNotification: func(ctx context.Context, orderID string, f conformance.Forgery) (*http.Request, error) {
			u, b, err := latest(orderID)
			if err != nil {
				return nil, err
			}
			vals, err := url.ParseQuery(string(b))
			if err != nil {
				return nil, err
			}
			switch f {
			case conformance.ForgeSignature:
				return nil, nil // GMO notifications carry no signature
			case conformance.ForgeAmount:
				n, _ := strconv.Atoi(vals.Get("Amount"))
				vals.Set("Amount", strconv.Itoa(n+1))
			case conformance.ForgeStatus:
				vals.Set("Status", "CAPTURE")
				vals.Set("JobCd", "CAPTURE")
				vals.Set("ErrCode", "")
				vals.Set("ErrInfo", "")
			case conformance.ForgeOrderID:
				other, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{
					OrderID: conformance.RandomOrderID(), Amount: payment.MustParseMoney("1000", "JPY")})
				if err != nil {
					return nil, err
				}
				vals.Set("OrderID", other.OrderID)
			case conformance.ForgeMalformed:
				return post(ctx, u, "OrderID=%zz&Status=\x82&Amount=%82%")
			}
			return post(ctx, u, vals.Encode())
		},
		Ack:     &ack,
		Secrets: secrets,
		Logs:    logs,
	}
}

// rcGolomtOrderID is "CT" plus 13 random hex digits: 15 alphanumerics,
// the bank's documented maximum.
func rcGolomtOrderID() string {
	var b [7]byte
	_, _ = rand.Read(b[:])
	return "CT" + strings.ToUpper(hex.EncodeToString(b[:]))[:13]
}

func rcGolomtHarness(t *testing.T) *conformance.Harness {
	clock := golomttest.NewClock(time.Now().UTC().Truncate(time.Second))
	// The bank leaves errorCode null on an invoice nobody paid; expiry is
	// then decided by the adapter's clock (see Config.InvoiceLifetime).
	sim := golomttest.NewServer(golomttest.WithClock(clock), golomttest.WithExpiredResult("", ""))
	t.Cleanup(sim.Close)
	logger, logs := conformance.NewLogger()
	p, err := golomt.New(golomt.Config{
		BearerToken: payment.NewSecret(sim.BearerToken()),
		ChecksumKey: payment.NewSecret(sim.Secret()),
		MerchantID:  sim.MerchantID(),
	}, provider.WithBaseURL(sim.URL()), provider.WithClock(clock), provider.WithLogger(logger),
		provider.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ledger := func(orderID string) conformance.LedgerEntry {
		e, ok := sim.Ledger(orderID)
		if !ok {
			return conformance.LedgerEntry{}
		}
		out := conformance.LedgerEntry{Charges: e.Charges, Refunds: e.Refunds}
		if e.Charges > 0 {
			if m, err := payment.ParseMoney(e.Amount, "MNT"); err == nil {
				out.Charged = m
			}
		}
		return out
	}
	notify := func(_ context.Context, orderID string) (*http.Request, error) {
		return sim.NextNotification(orderID)
	}
	return &conformance.Harness{
		Provider:      p,
		Currency:      payment.MNT,
		NewOrderID:    rcGolomtOrderID,
		MaxOrderIDLen: golomt.MaxTransactionIDLen,
		DeclineCode:   golomttest.CodeCardExpired,
		Customer: func(ctx context.Context, pay *payment.Payment, o conformance.Outcome) (*payment.RedirectReturn, error) {
			card := golomttest.CardApproved
			switch o {
			case conformance.Abandon:
				return nil, nil
			case conformance.Decline:
				card = golomttest.CardExpired
			}
			r, err := sim.PayInvoice(ctx, pay.NextAction.URL, card)
			if err != nil {
				return nil, err
			}
			return payment.ReturnFromRequest(r)
		},
		Expire: func(context.Context, *payment.Payment) error {
			clock.Advance(golomt.DefaultInvoiceLifetime + golomt.DefaultExpiryGrace + time.Second)
			return nil
		},
		Requests: sim.Requests,
		InjectFault: func(op string, f conformance.Fault) bool {
			var api string
			switch op {
			case conformance.OpCreate:
				api = golomttest.APIInvoice
			case conformance.OpConfirm, conformance.OpInquire:
				api = golomttest.APIInquiry
			default:
				return false
			}
			var sf golomttest.Fault
			switch f {
			case conformance.FaultDropAfterProcess:
				sf.Kind = golomttest.FaultDropAfterProcess
			case conformance.FaultTimeout:
				sf = golomttest.Fault{Kind: golomttest.FaultDelay, Delay: time.Minute}
			case conformance.FaultServerError:
				sf.Kind = golomttest.FaultServerError
			case conformance.FaultGatewayUnknown:
				sf.Kind = golomttest.FaultGatewayUnknown
			case conformance.FaultHTML:
				sf.Kind = golomttest.FaultHTML
			default:
				return false
			}
			sim.InjectFault(api, sf)
			return true
		},
		Ledger: ledger,
		Notify: notify,
		ForgeNotification: func(ctx context.Context, orderID string, f conformance.Forgery) (*http.Request, error) {
			r, err := sim.NextNotification(orderID)
			if err != nil {
				return nil, err
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, err
			}
			switch f {
			case conformance.ForgeSignature:
				m["checksum"] = golomt.Checksum(payment.NewSecret("forger-key"), rcStr(m["transactionId"]), rcStr(m["errorCode"]), rcStr(m["amount"]), rcStr(m["token"]))
			case conformance.ForgeAmount:
				m["amount"] = "1.00"
			case conformance.ForgeStatus:
				m["errorCode"] = golomt.CodeApproved
				m["errorDesc"] = "Амжилттай"
			case conformance.ForgeOrderID:
				m["transactionId"] = rcGolomtOrderID()
			case conformance.ForgeMalformed:
				body = body[:len(body)/2]
			}
			if f != conformance.ForgeMalformed {
				if body, err = json.Marshal(m); err != nil {
					return nil, err
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			return r, nil
		},
		Secrets: []string{sim.BearerToken(), sim.Secret(), golomttest.CardApproved.Number, golomttest.CardExpired.Number},
		Logs:    logs,
	}
}

func rcStr(v any) string {
	s, _ := v.(string)
	return s
}

// rcClosedURL returns a loopback URL nothing listens on: every request to
// it is refused before it is sent.
func rcClosedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// rcGMOFaultOnce returns a gmotest fault hook that fires k once for api.
func rcGMOFaultOnce(api string, k gmotest.FaultKind) func(string) (gmotest.Fault, bool) {
	var mu sync.Mutex
	armed := k != gmotest.FaultNone
	return func(got string) (gmotest.Fault, bool) {
		mu.Lock()
		defer mu.Unlock()
		if !armed || got != api {
			return gmotest.Fault{}, false
		}
		armed = false
		return gmotest.Fault{Kind: k, Code: "E91020001"}, true
	}
}

// Failover over two GMO shops, with faults injected into the first one's
// EntryTran (create) or ExecTran (confirm). The invariants, checked against
// the simulators' ledgers: a create that moved to shop b left nothing
// registered at shop a; a call that failed never reached b; nothing after
// create ever reaches the other shop; one order is charged once in total.
func TestRouterFailoverGMO(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		down      bool // shop a's endpoint refuses connections
		create    gmotest.FaultKind
		confirm   gmotest.FaultKind
		wantRoute string // "" = any route the invariants allow; "-" = CreatePayment fails
	}{
		{name: "refused", down: true, wantRoute: "b"},
		// An HTML page is retry-safe (nothing GMO-shaped answered) but
		// proves nothing about a proxy in front of GMO: no failover.
		{name: "html before processing", create: gmotest.FaultHTML, wantRoute: "-"},
		{name: "gateway unknown after processing", create: gmotest.FaultGatewayUnknownAfterProcess, wantRoute: "-"},
		{name: "gateway unknown", create: gmotest.FaultGatewayUnknown, wantRoute: "-"},
		{name: "drop before processing", create: gmotest.FaultDropBeforeProcess},
		{name: "drop after processing", create: gmotest.FaultDropAfterProcess},
		{name: "server error", create: gmotest.FaultServerError},
		{name: "server error after processing", create: gmotest.FaultServerErrorAfterProcess},
		{name: "confirm dropped after processing", confirm: gmotest.FaultDropAfterProcess, wantRoute: "a"},
		{name: "confirm gateway unknown after processing", confirm: gmotest.FaultGatewayUnknownAfterProcess, wantRoute: "a"},
		{name: "confirm html", confirm: gmotest.FaultHTML, wantRoute: "a"},
		{name: "confirm server error", confirm: gmotest.FaultServerError, wantRoute: "a"},
	}
	cfg := gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook := rcGMOFaultOnce("EntryTran", tt.create)
			if tt.confirm != gmotest.FaultNone {
				hook = rcGMOFaultOnce("ExecTran", tt.confirm)
			}
			simA := gmotest.NewServer(gmotest.WithFaultFunc(hook))
			t.Cleanup(simA.Close)
			simB := gmotest.NewServer()
			t.Cleanup(simB.Close)
			urlA := simA.URL()
			if tt.down {
				urlA = rcClosedURL(t)
			}
			a, err := gmo.New(cfg, provider.WithBaseURL(urlA), provider.WithTimeout(2*time.Second), provider.WithMaxRetries(0))
			require.NoError(t, err)
			b, err := gmo.New(cfg, provider.WithBaseURL(simB.URL()), provider.WithTimeout(2*time.Second))
			require.NoError(t, err)
			r, err := payment.NewRouter(payment.RouterConfig{
				Providers: map[string]payment.Provider{"a": a, "b": b},
				Rules:     []payment.Rule{{Provider: "a"}, {Provider: "b"}},
				Failover:  true,
			})
			require.NoError(t, err)
			sims := map[string]*gmotest.Server{"a": simA, "b": simB}
			order := conformance.RandomOrderID()

			p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: order, Amount: rtYen("1000"),
				ReturnURL: "https://merchant.example/return"})
			if tt.wantRoute == "-" {
				require.Error(t, err)
				assert.Zero(t, simB.Requests(), "a failed create never moves on after it may have been registered")
				return
			}
			if err != nil {
				assert.Zero(t, simB.Requests(), "a failed create did not fail over")
				assert.Empty(t, tt.wantRoute, "create failed: %v", err)
				return
			}
			route, _, err := r.SplitRef(p.Ref)
			require.NoError(t, err)
			if tt.wantRoute != "" {
				assert.Equal(t, tt.wantRoute, route)
			}
			other := map[string]string{"a": "b", "b": "a"}[route]
			if route == "b" {
				_, registered := simA.Ledger(order)
				assert.False(t, registered, "failed over although shop a registered the order")
			} else {
				assert.Zero(t, simB.Requests(), "shop b called although shop a took the order")
			}
			otherRequests := sims[other].Requests()

			tok, err := sims[route].IssueToken(gmotest.CardApprove, "203012", "123", "TARO YAMADA")
			require.NoError(t, err)
			p, err = r.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}})
			if tt.confirm == gmotest.FaultNone {
				require.NoError(t, err)
				assert.Equal(t, payment.StatusCaptured, p.Status)
			}
			if err == nil {
				gotRoute, _, err := r.SplitRef(p.Ref)
				require.NoError(t, err)
				assert.Equal(t, route, gotRoute)
			}
			assert.Equal(t, otherRequests, sims[other].Requests(), "nothing after create reaches the other shop")
			charges := 0
			for _, s := range sims {
				if l, ok := s.Ledger(order); ok {
					charges += l.Charges
				}
			}
			assert.LessOrEqual(t, charges, 1, "one order, at most one charge")
			if tt.confirm == gmotest.FaultNone {
				assert.Equal(t, 1, charges)
			}
		})
	}
}

// Failover over two Golomt merchants: the first refuses connections (a
// create moves to the second) or fails its invoice request in ways that
// may have created the invoice (no failover).
func TestRouterFailoverGolomt(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		down      bool
		fault     golomttest.FaultKind
		wantRoute string // "" = any route the invariants allow
	}{
		{name: "refused", down: true, wantRoute: "b"},
		{name: "drop after processing", fault: golomttest.FaultDropAfterProcess},
		{name: "server error after processing", fault: golomttest.FaultServerErrorAfterProcess},
		{name: "gateway unknown", fault: golomttest.FaultGatewayUnknown},
		{name: "no fault", wantRoute: "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newSim := func() (*golomttest.Server, payment.Provider, string) {
				clock := golomttest.NewClock(time.Now().UTC().Truncate(time.Second))
				sim := golomttest.NewServer(golomttest.WithClock(clock))
				t.Cleanup(sim.Close)
				return sim, nil, sim.URL()
			}
			simA, _, urlA := newSim()
			simB, _, urlB := newSim()
			if tt.down {
				urlA = rcClosedURL(t)
			}
			if tt.fault != golomttest.FaultNone {
				simA.InjectFault(golomttest.APIInvoice, golomttest.Fault{Kind: tt.fault})
			}
			open := func(sim *golomttest.Server, u string) payment.Provider {
				p, err := golomt.New(golomt.Config{
					BearerToken: payment.NewSecret(sim.BearerToken()),
					ChecksumKey: payment.NewSecret(sim.Secret()),
					MerchantID:  sim.MerchantID(),
				}, provider.WithBaseURL(u), provider.WithTimeout(2*time.Second), provider.WithMaxRetries(0))
				require.NoError(t, err)
				return p
			}
			r, err := payment.NewRouter(payment.RouterConfig{
				Providers: map[string]payment.Provider{"a": open(simA, urlA), "b": open(simB, urlB)},
				Rules:     []payment.Rule{{Provider: "a", Currencies: []payment.Currency{payment.MNT}}, {Provider: "b"}},
				Failover:  true,
			})
			require.NoError(t, err)
			sims := map[string]*golomttest.Server{"a": simA, "b": simB}
			order := rcGolomtOrderID()

			p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: order, Amount: payment.MustParseMoney("1000", "MNT"),
				ReturnURL: "https://merchant.example/return"})
			if err != nil {
				assert.Zero(t, simB.Requests(), "a failed create did not fail over")
				assert.Empty(t, tt.wantRoute, "create failed: %v", err)
				return
			}
			route, _, err := r.SplitRef(p.Ref)
			require.NoError(t, err)
			if tt.wantRoute != "" {
				assert.Equal(t, tt.wantRoute, route)
			}
			other := map[string]string{"a": "b", "b": "a"}[route]
			if route == "b" {
				_, registered := simA.Ledger(order)
				assert.False(t, registered, "failed over although merchant a created the invoice")
			} else {
				assert.Zero(t, simB.Requests(), "merchant b called although merchant a took the order")
			}
			otherRequests := sims[other].Requests()

			// The customer pays on the chosen bank's page; the router
			// confirms there and only there.
			require.NotNil(t, p.NextAction)
			back, err := sims[route].PayInvoice(ctx, p.NextAction.URL, golomttest.CardApproved)
			require.NoError(t, err)
			ret, err := payment.ReturnFromRequest(back)
			require.NoError(t, err)
			p, err = r.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Return: ret})
			require.NoError(t, err)
			assert.Equal(t, payment.StatusCaptured, p.Status)
			assert.Equal(t, otherRequests, sims[other].Requests(), "nothing after create reaches the other bank")
			charges := 0
			for _, s := range sims {
				if l, ok := s.Ledger(order); ok {
					charges += l.Charges
				}
			}
			assert.Equal(t, 1, charges, "one order, one charge")
		})
	}
}
