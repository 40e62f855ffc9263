package gmo_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/conformance"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/provider"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, newHarness)
}

// faultSwitch arms one fault for the next request to any of a set of APIs.
// Simulator-side faults go through gmotest.WithFaultFunc; the two faults
// only a client can see (a refused connection, a response withheld until
// the client gives up) are played by the harness's RoundTripper.
type faultSwitch struct {
	mu     sync.Mutex
	apis   []string
	sim    *gmotest.Fault
	client conformance.Fault // FaultRefused or FaultTimeout
}

func (s *faultSwitch) arm(apis []string, sim *gmotest.Fault, client conformance.Fault) {
	s.mu.Lock()
	s.apis, s.sim, s.client = apis, sim, client
	s.mu.Unlock()
}

// take returns the armed fault if api matches, disarming it.
func (s *faultSwitch) take(api string) (*gmotest.Fault, conformance.Fault, bool) {
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
func (s *faultSwitch) simFault(api string) (gmotest.Fault, bool) {
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

// faultTransport plays the client-side faults.
type faultTransport struct {
	sw   *faultSwitch
	base http.RoundTripper
}

func (ft *faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
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

// apisFor maps a conformance operation to the GMO APIs whose request moves
// the money of that operation.
var apisFor = map[string][]string{
	conformance.OpCreate:  {"EntryTran"},
	conformance.OpConfirm: {"ExecTran", "SecureTran2", "SecureTran"},
	conformance.OpCapture: {"AlterTran"},
	conformance.OpRefund:  {"AlterTran", "ChangeTran"},
	conformance.OpVoid:    {"AlterTran"},
	conformance.OpInquire: {"SearchTrade"},
}

func newHarness(t *testing.T) *conformance.Harness {
	sw := &faultSwitch{}
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
		provider.WithHTTPClient(&http.Client{Transport: &faultTransport{sw: sw, base: base}}))
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
			apis := apisFor[op]
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
			// Konbini / Pay-easy: the customer paying takes the money.
			out.Charges += l.Paid
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
		AsyncMethod: func(*testing.T) *payment.PaymentMethod { return asyncMethod(t) },
		PayVoucher:  func(_ context.Context, p *payment.Payment) error { return sim.PayVoucher(p.OrderID) },
		ExpireVoucher: func(_ context.Context, p *payment.Payment) error {
			sim.Advance(61 * 24 * time.Hour) // past any PaymentTermDay (at most 60)
			return nil
		},
		Ack:     &ack,
		Secrets: secrets,
		Logs:    logs,
	}
}

// asyncMethod is the harness's voucher method: konbini, or Pay-easy for
// the tests run by TestConformancePayEasy.
func asyncMethod(t *testing.T) *payment.PaymentMethod {
	if strings.HasPrefix(t.Name(), "TestConformancePayEasy/") {
		return payEasyMethod()
	}
	return konbiniMethod(gmo.ChainSevenEleven)
}

// TestConformancePayEasy runs the suite with Pay-easy as the voucher
// method (only the Async family differs from TestConformance).
func TestConformancePayEasy(t *testing.T) {
	conformance.Run(t, newHarness)
}
