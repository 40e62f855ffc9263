package payment_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/kessai/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// rtFake is a minimal in-memory provider for router and notification
// tests. Its refs look like GMO's ("<name>:<order>:<accessid>") so that
// round-trips through the router are tested with colons inside. It records
// every call, and fails calls whose ref it did not issue.
type rtFake struct {
	name string
	caps payment.Capabilities

	mu        sync.Mutex
	calls     []string // "create:ORDER", "capture:REF" …
	refs      map[payment.PaymentRef]*payment.Payment
	createErr []error          // consumed one per CreatePayment
	opErr     map[string]error // by op, every call
	createPay bool             // return a Payment alongside createErr
	notify    func(*http.Request) (*payment.Notification, error)
}

func newRTFake(name string, currencies ...payment.Currency) *rtFake {
	return &rtFake{
		name: name,
		caps: payment.Capabilities{Refund: true, ManualCapture: true, Notifications: true, Currencies: currencies},
		refs: map[payment.PaymentRef]*payment.Payment{},
	}
}

func (f *rtFake) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *rtFake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *rtFake) Name() string                       { return f.name }
func (f *rtFake) Capabilities() payment.Capabilities { return f.caps }

func (f *rtFake) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	f.record("create:" + req.OrderID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.createErr) > 0 {
		err := f.createErr[0]
		f.createErr = f.createErr[1:]
		if err != nil {
			if f.createPay {
				return &payment.Payment{Provider: f.name, OrderID: req.OrderID, Ref: payment.PaymentRef(f.name + ":" + req.OrderID + ":LEFT"),
					Status: payment.StatusUnknown, Amount: req.Amount}, err
			}
			return nil, err
		}
	}
	ref := payment.PaymentRef(f.name + ":" + req.OrderID + ":ACCESS" + fmt.Sprint(len(f.refs)))
	p := &payment.Payment{Provider: f.name, OrderID: req.OrderID, Ref: ref, Status: payment.StatusPending,
		Amount: req.Amount, Captured: payment.Zero(req.Amount.Currency()), Refunded: payment.Zero(req.Amount.Currency())}
	f.refs[ref] = p
	cp := *p
	return &cp, nil
}

func (f *rtFake) op(op string, ref payment.PaymentRef, st payment.Status) (*payment.Payment, error) {
	f.record(op + ":" + string(ref))
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.opErr[op]; err != nil {
		return nil, err
	}
	p, ok := f.refs[ref]
	if !ok {
		return nil, &payment.Error{Provider: f.name, Op: op, Kind: payment.ErrNotFound, Message: "no such ref"}
	}
	p.Status = st
	cp := *p
	return &cp, nil
}

func (f *rtFake) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	return f.op("confirm", req.Ref, payment.StatusAuthorized)
}

func (f *rtFake) Capture(ctx context.Context, req payment.CaptureRequest) (*payment.Payment, error) {
	return f.op("capture", req.Ref, payment.StatusCaptured)
}

func (f *rtFake) Refund(ctx context.Context, req payment.RefundRequest) (*payment.Payment, error) {
	return f.op("refund", req.Ref, payment.StatusRefunded)
}

func (f *rtFake) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	f.record("notification:" + r.URL.Path)
	if f.notify != nil {
		return f.notify(r)
	}
	return rtFormNotification(f.name, r)
}

// rtFormNotification reads a form body: kind=ping, or order=… ref=… with
// sig=good (anything else is forged); an unparseable body is malformed.
// Ack is GMO's "0", Retry GMO's "1".
func rtFormNotification(name string, r *http.Request) (*payment.Notification, error) {
	if err := r.ParseForm(); err != nil {
		return nil, &payment.Error{Provider: name, Op: "notification", Kind: payment.ErrInvalidRequest, Message: "bad form", Err: err}
	}
	ack := payment.Reply{StatusCode: 200, ContentType: "text/plain", Body: "0"}
	retry := payment.Reply{StatusCode: 200, ContentType: "text/plain", Body: "1"}
	if r.PostForm.Get("kind") == "ping" {
		return &payment.Notification{Provider: name, Kind: payment.NotificationPing, Ack: ack, Retry: retry}, nil
	}
	if r.PostForm.Get("order") == "" {
		return nil, &payment.Error{Provider: name, Op: "notification", Kind: payment.ErrInvalidRequest, Field: "order", Message: "missing"}
	}
	if r.PostForm.Get("sig") != "good" {
		return nil, &payment.Error{Provider: name, Op: "notification", Kind: payment.ErrInvalidSignature}
	}
	ref := payment.PaymentRef(r.PostForm.Get("ref"))
	return &payment.Notification{
		Provider: name, Kind: payment.NotificationPayment, ID: r.PostForm.Get("order") + "/captured",
		OrderID: r.PostForm.Get("order"), Ref: ref, Status: payment.StatusCaptured,
		Payment:  &payment.Payment{Provider: name, OrderID: r.PostForm.Get("order"), Ref: ref, Status: payment.StatusCaptured},
		Verified: r.PostForm.Get("unverified") == "", Ack: ack, Retry: retry,
	}, nil
}

// rtFullFake also implements Voider and Inquirer, and says so.
type rtFullFake struct{ *rtFake }

func (f rtFullFake) Capabilities() payment.Capabilities {
	c := f.caps
	c.Void, c.Inquiry = true, true
	return c
}

func (f rtFullFake) Void(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return f.op("void", ref, payment.StatusCanceled)
}

func (f rtFullFake) Inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return f.op("inquire", ref, payment.StatusPending)
}

// rtRetrySafe is the transport's error for a request that never left: a
// refused connection.
func rtRetrySafe(name string) error {
	return &payment.Error{Provider: name, Op: "create", Kind: payment.ErrUnavailable, RetrySafe: true, Message: "request not sent",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
}

func rtYen(s string) payment.Money { return payment.MustParseMoney(s, "JPY") }

func TestNewRouterValidation(t *testing.T) {
	gmo := newRTFake("gmo", payment.JPY)
	tests := []struct {
		name  string
		cfg   payment.RouterConfig
		field string // "" = valid
	}{
		{"valid", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo}, Rules: []payment.Rule{{Provider: "gmo"}}}, ""},
		{"valid without rules", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo-2_x": gmo}}, ""},
		{"no providers", payment.RouterConfig{}, "Providers"},
		{"upper-case route", payment.RouterConfig{Providers: map[string]payment.Provider{"GMO": gmo}}, "Providers"},
		{"colon in route", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo:jp": gmo}}, "Providers"},
		{"slash in route", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo/jp": gmo}}, "Providers"},
		{"empty route", payment.RouterConfig{Providers: map[string]payment.Provider{"": gmo}}, "Providers"},
		{"long route", payment.RouterConfig{Providers: map[string]payment.Provider{strings.Repeat("a", 33): gmo}}, "Providers"},
		{"nil provider", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": nil}}, "Providers"},
		{"unknown rule route", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo},
			Rules: []payment.Rule{{Provider: "golomt"}}}, "Rules[0]"},
		{"unknown currency", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo},
			Rules: []payment.Rule{{Provider: "gmo"}, {Provider: "gmo", Currencies: []payment.Currency{{Code: "XXX"}}}}}, "Rules[1]"},
		{"lower-case codes are fine", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo},
			Rules: []payment.Rule{{Provider: "gmo", Currencies: []payment.Currency{{Code: "jpy"}}, Countries: []string{"jp"}}}}, ""},
		{"unknown method", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo},
			Rules: []payment.Rule{{Provider: "gmo", Methods: []payment.MethodType{"paypal"}}}}, "Rules[0]"},
		{"empty method", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo},
			Rules: []payment.Rule{{Provider: "gmo", Methods: []payment.MethodType{""}}}}, "Rules[0]"},
		{"bad country", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo},
			Rules: []payment.Rule{{Provider: "gmo", Countries: []string{"JPN"}}}}, "Rules[0]"},
		{"min above max", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo},
			Rules: []payment.Rule{{Provider: "gmo", MinAmount: rtYen("100"), MaxAmount: rtYen("99")}}}, "Rules[0]"},
		{"bounds in two currencies", payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo},
			Rules: []payment.Rule{{Provider: "gmo", MinAmount: rtYen("100"), MaxAmount: payment.MustParseMoney("99", "MNT")}}}, "Rules[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := payment.NewRouter(tt.cfg)
			if tt.field == "" {
				require.NoError(t, err)
				assert.Equal(t, payment.DefaultRouterName, r.Name())
				return
			}
			require.Error(t, err)
			assert.Nil(t, r)
			assert.ErrorIs(t, err, payment.ErrInvalidRequest)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
		})
	}
}

// rtRouter builds the router used by the rule tests: JP card payments up
// to JPY 300,000 go to gmo, bigger ones to gmo-big, konbini to gmo-cvs,
// MNT to golomt, Mongolian-card USD to golomt, other USD to gmo-usd when
// the order id starts with "vip-", and everything else to "fallback".
func rtRouter(t *testing.T, failover bool) (*payment.Router, map[string]*rtFake) {
	t.Helper()
	fakes := map[string]*rtFake{
		"gmo":      newRTFake("gmo", payment.JPY),
		"gmo-big":  newRTFake("gmo", payment.JPY),
		"gmo-cvs":  newRTFake("gmo", payment.JPY),
		"golomt":   newRTFake("golomt", payment.MNT, payment.USD),
		"gmo-usd":  newRTFake("gmo", payment.USD),
		"fallback": newRTFake("fallback", payment.JPY, payment.USD),
	}
	provs := map[string]payment.Provider{}
	for k, v := range fakes {
		provs[k] = rtFullFake{v}
	}
	provs["fallback"] = fakes["fallback"] // no Voider/Inquirer
	r, err := payment.NewRouter(payment.RouterConfig{
		Providers: provs,
		Failover:  failover,
		Rules: []payment.Rule{
			{Provider: "gmo-cvs", Methods: []payment.MethodType{payment.MethodKonbini, payment.MethodPayEasy}},
			{Provider: "gmo", Currencies: []payment.Currency{payment.JPY}, Methods: []payment.MethodType{payment.MethodCard}, MaxAmount: rtYen("300000")},
			{Provider: "gmo-big", MinAmount: rtYen("300001")},
			{Provider: "golomt", Currencies: []payment.Currency{payment.MNT}},
			{Provider: "golomt", Currencies: []payment.Currency{{Code: "usd"}}, Countries: []string{"mn"}},
			{Provider: "gmo-usd", Currencies: []payment.Currency{payment.USD}, Match: func(r payment.CreatePaymentRequest) bool {
				return strings.HasPrefix(r.OrderID, "vip-")
			}},
			{Provider: "fallback"},
		},
	})
	require.NoError(t, err)
	return r, fakes
}

func TestRouterRules(t *testing.T) {
	tests := []struct {
		name     string
		req      payment.CreatePaymentRequest
		route    string   // "" = ErrInvalidRequest
		eligible []string // Eligible(req)
	}{
		{"JPY card", payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("1500")}, "gmo", []string{"gmo", "fallback"}},
		{"JPY card at max", payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("300000")}, "gmo", []string{"gmo", "fallback"}},
		{"JPY card above max", payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("300001")}, "gmo-big", []string{"gmo-big", "fallback"}},
		{"JPY konbini", payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("1500"), MethodType: payment.MethodKonbini}, "gmo-cvs", []string{"gmo-cvs", "fallback"}},
		{"explicit card method", payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("1500"), MethodType: payment.MethodCard}, "gmo", []string{"gmo", "fallback"}},
		{"MNT", payment.CreatePaymentRequest{OrderID: "o1", Amount: payment.MustParseMoney("1500.50", "MNT")}, "golomt", []string{"golomt"}},
		{"MNT ignores country", payment.CreatePaymentRequest{OrderID: "o1", Amount: payment.MustParseMoney("1500", "MNT"), Country: "JP"}, "golomt", []string{"golomt"}},
		{"USD from Mongolia", payment.CreatePaymentRequest{OrderID: "o1", Amount: payment.MustParseMoney("10", "USD"), Country: "MN"}, "golomt", []string{"golomt", "fallback"}},
		{"USD country case-insensitive", payment.CreatePaymentRequest{OrderID: "o1", Amount: payment.MustParseMoney("10", "USD"), Country: " mn "}, "golomt", []string{"golomt", "fallback"}},
		{"USD vip", payment.CreatePaymentRequest{OrderID: "vip-1", Amount: payment.MustParseMoney("10", "USD"), Country: "US"}, "gmo-usd", []string{"gmo-usd", "fallback"}},
		{"USD vip from Mongolia", payment.CreatePaymentRequest{OrderID: "vip-1", Amount: payment.MustParseMoney("10", "USD"), Country: "MN"}, "golomt", []string{"golomt", "gmo-usd", "fallback"}},
		{"USD no country", payment.CreatePaymentRequest{OrderID: "o1", Amount: payment.MustParseMoney("10", "USD")}, "fallback", []string{"fallback"}},
		{"explicit provider overrides rules", payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("1500"), Provider: "gmo-big"}, "gmo-big", []string{"gmo-big"}},
		{"explicit provider without the currency", payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("1500"), Provider: "golomt"}, "", nil},
		{"explicit unknown provider", payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("1500"), Provider: "stripe"}, "", nil},
		{"currency nobody takes", payment.CreatePaymentRequest{OrderID: "o1", Amount: payment.MustParseMoney("10", "EUR")}, "", nil},
		{"invalid request", payment.CreatePaymentRequest{Amount: rtYen("10")}, "", []string{"gmo", "fallback"}},
		{"zero amount", payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("0")}, "", []string{"gmo", "fallback"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fakes := rtRouter(t, false)
			if tt.eligible != nil || tt.route == "" {
				assert.Equal(t, tt.eligible, r.Eligible(tt.req), "Eligible")
			}
			p, err := r.CreatePayment(context.Background(), tt.req)
			if tt.route == "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, payment.ErrInvalidRequest)
				assert.Nil(t, p)
				for name, f := range fakes {
					assert.Empty(t, f.Calls(), "route %s was called", name)
				}
				return
			}
			require.NoError(t, err)
			route, inner, err := r.SplitRef(p.Ref)
			require.NoError(t, err)
			assert.Equal(t, tt.route, route, "route in ref")
			assert.Equal(t, payment.RouteRef(route, inner), p.Ref)
			for name, f := range fakes {
				if name == tt.route {
					assert.Equal(t, []string{"create:" + tt.req.OrderID}, f.Calls(), "route %s", name)
				} else {
					assert.Empty(t, f.Calls(), "route %s was called", name)
				}
			}
		})
	}
}

func TestRouterRefRoundTrip(t *testing.T) {
	ctx := context.Background()
	r, fakes := rtRouter(t, false)
	p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "ORDER1", Amount: rtYen("1500")})
	require.NoError(t, err)
	inner := payment.PaymentRef("gmo:ORDER1:ACCESS0")
	assert.Equal(t, payment.PaymentRef("gmo:gmo:ORDER1:ACCESS0"), p.Ref, "router ref wraps the GMO-style ref")
	assert.Equal(t, "gmo", p.Provider, "Payment.Provider stays the gateway's")
	assert.Equal(t, "ORDER1", p.OrderID)

	tests := []struct {
		op     string
		call   func() (*payment.Payment, error)
		status payment.Status
	}{
		{"confirm", func() (*payment.Payment, error) { return r.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref}) }, payment.StatusAuthorized},
		{"capture", func() (*payment.Payment, error) { return r.Capture(ctx, payment.CaptureRequest{Ref: p.Ref}) }, payment.StatusCaptured},
		{"refund", func() (*payment.Payment, error) { return r.Refund(ctx, payment.RefundRequest{Ref: p.Ref}) }, payment.StatusRefunded},
		{"inquire", func() (*payment.Payment, error) { return r.Inquire(ctx, p.Ref) }, payment.StatusPending},
		{"void", func() (*payment.Payment, error) { return r.Void(ctx, p.Ref) }, payment.StatusCanceled},
	}
	want := []string{"create:ORDER1"}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			got, err := tt.call()
			require.NoError(t, err)
			assert.Equal(t, p.Ref, got.Ref, "result ref is the router ref")
			assert.Equal(t, tt.status, got.Status)
			want = append(want, tt.op+":"+string(inner))
			assert.Equal(t, want, fakes["gmo"].Calls(), "the inner ref reaches the creating provider byte for byte")
		})
	}
	for name, f := range fakes {
		if name != "gmo" {
			assert.Empty(t, f.Calls(), "route %s was called", name)
		}
	}
}

func TestRouterRefusesForeignRefs(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		ref  payment.PaymentRef
	}{
		{"empty", ""},
		{"raw GMO ref of an unknown route", "paypal:ORDER1:ACCESS0"},
		{"no route", "ORDER1"},
		{"empty route", ":gmo:ORDER1:ACCESS0"},
		{"empty inner ref", "gmo:"},
		{"upper-case route", "GMO:gmo:ORDER1:ACCESS0"},
		{"route with space", "gmo :x"},
		{"ref of another router's route", "stripe:ch_123"},
	}
	ops := map[string]func(*payment.Router, payment.PaymentRef) (*payment.Payment, error){
		"confirm": func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) {
			return r.Confirm(ctx, payment.ConfirmRequest{Ref: ref})
		},
		"capture": func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) {
			return r.Capture(ctx, payment.CaptureRequest{Ref: ref})
		},
		"refund": func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) {
			return r.Refund(ctx, payment.RefundRequest{Ref: ref})
		},
		"void":    func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) { return r.Void(ctx, ref) },
		"inquire": func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) { return r.Inquire(ctx, ref) },
	}
	for _, tt := range tests {
		for op, call := range ops {
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				r, fakes := rtRouter(t, true)
				p, err := call(r, tt.ref)
				require.Error(t, err)
				assert.ErrorIs(t, err, payment.ErrInvalidRequest)
				assert.Nil(t, p)
				var pe *payment.Error
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, "Ref", pe.Field)
				assert.Equal(t, op, pe.Op)
				for name, f := range fakes {
					assert.Empty(t, f.Calls(), "route %s was called with a foreign ref", name)
				}
			})
		}
	}
}

// A ref another route issued is delivered to that route only, so it can
// never be charged at the wrong gateway: here golomt's ref goes to golomt,
// which rejects it as unknown, and gmo never hears of it.
func TestRouterRefGoesOnlyToItsRoute(t *testing.T) {
	ctx := context.Background()
	r, fakes := rtRouter(t, false)
	p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "ORDER1", Amount: rtYen("1500")})
	require.NoError(t, err)
	_, inner, err := r.SplitRef(p.Ref)
	require.NoError(t, err)
	forged := payment.RouteRef("golomt", inner)
	_, err = r.Capture(ctx, payment.CaptureRequest{Ref: forged})
	require.ErrorIs(t, err, payment.ErrNotFound)
	assert.Equal(t, []string{"capture:" + string(inner)}, fakes["golomt"].Calls())
	assert.Equal(t, []string{"create:ORDER1"}, fakes["gmo"].Calls())
}

func TestRouterVoidInquireUnsupported(t *testing.T) {
	ctx := context.Background()
	r, fakes := rtRouter(t, false)
	p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o1", Amount: payment.MustParseMoney("10", "USD")})
	require.NoError(t, err)
	route, _, err := r.SplitRef(p.Ref)
	require.NoError(t, err)
	require.Equal(t, "fallback", route)
	for op, call := range map[string]func() (*payment.Payment, error){
		"void":    func() (*payment.Payment, error) { return r.Void(ctx, p.Ref) },
		"inquire": func() (*payment.Payment, error) { return r.Inquire(ctx, p.Ref) },
	} {
		t.Run(op, func(t *testing.T) {
			got, err := call()
			require.Error(t, err)
			assert.Nil(t, got)
			assert.ErrorIs(t, err, payment.ErrUnsupported)
			assert.ErrorIs(t, err, errors.ErrUnsupported)
			assert.Equal(t, []string{"create:o1"}, fakes["fallback"].Calls(), "no I/O for an unsupported call")
		})
	}
}

func TestRouterCapabilities(t *testing.T) {
	a := newRTFake("gmo", payment.JPY)
	a.caps.Void, a.caps.Inquiry, a.caps.ThreeDSecure = true, true, true
	b := newRTFake("golomt", payment.MNT, payment.USD)
	b.caps.Void, b.caps.Inquiry, b.caps.HostedPage, b.caps.ManualCapture = true, true, true, false // claims Void but cannot
	r, err := payment.NewRouter(payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": rtFullFake{a}, "golomt": b}})
	require.NoError(t, err)

	u := r.Capabilities()
	assert.True(t, u.ThreeDSecure, "ThreeDSecure")
	assert.True(t, u.HostedPage, "HostedPage")
	assert.True(t, u.ManualCapture, "ManualCapture")
	assert.True(t, u.Void, "Void")
	assert.False(t, u.StoredCards, "StoredCards")
	assert.Equal(t, []payment.Currency{payment.JPY, payment.MNT, payment.USD}, u.Currencies)

	per := r.ProviderCapabilities()
	require.Len(t, per, 2)
	assert.True(t, per["gmo"].Void)
	assert.False(t, per["golomt"].Void, "Void cleared for a provider without Voider")
	assert.False(t, per["golomt"].Inquiry, "Inquiry cleared for a provider without Inquirer")
	assert.True(t, per["golomt"].HostedPage)
	assert.Equal(t, []payment.Currency{payment.MNT, payment.USD}, per["golomt"].Currencies)
	assert.Equal(t, []string{"gmo", "golomt"}, r.Routes())

	got, ok := r.Provider("golomt")
	require.True(t, ok)
	assert.Same(t, b, got)
	_, ok = r.Provider("stripe")
	assert.False(t, ok)

	// Only one provider with void: the union still has void, the router
	// still routes a void for golomt to ErrUnsupported (tested above).
	r2, err := payment.NewRouter(payment.RouterConfig{Providers: map[string]payment.Provider{"golomt": b}})
	require.NoError(t, err)
	assert.False(t, r2.Capabilities().Void)
}

func TestRouterFailover(t *testing.T) {
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name      string
		failover  bool
		firstErr  error
		withPay   bool // the first provider returns a Payment with the error
		ctx       context.Context
		wantRoute string // "" = first error returned
	}{
		{"retry-safe unavailable fails over", true, rtRetrySafe("gmo"), false, ctx, "fallback"},
		{"failover off", false, rtRetrySafe("gmo"), false, ctx, ""},
		{"DNS failure fails over", true, &payment.Error{Kind: payment.ErrUnavailable, RetrySafe: true,
			Err: &net.DNSError{Err: "no such host", Name: "pt01.mul-pay.jp", IsNotFound: true}}, false, ctx, "fallback"},
		{"proxy refused fails over", true, &payment.Error{Kind: payment.ErrUnavailable, RetrySafe: true,
			Err: &net.OpError{Op: "proxyconnect", Net: "tcp", Err: syscall.ECONNREFUSED}}, false, ctx, "fallback"},
		{"retry-safe but may have been sent", true, &payment.Error{Kind: payment.ErrUnavailable, RetrySafe: true,
			Message: "request may have been sent", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}, false, ctx, ""},
		{"retry-safe without a cause", true, &payment.Error{Kind: payment.ErrUnavailable, RetrySafe: true}, false, ctx, ""},
		{"dial error but not retry-safe", true, &payment.Error{Kind: payment.ErrUnavailable,
			Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, false, ctx, ""},
		{"unavailable, not retry-safe", true, &payment.Error{Kind: payment.ErrUnavailable}, false, ctx, ""},
		{"outcome unknown", true, &payment.Error{Kind: payment.ErrOutcomeUnknown, RetrySafe: true}, false, ctx, ""},
		{"unavailable wrapping outcome unknown", true,
			&payment.Error{Kind: payment.ErrUnavailable, RetrySafe: true, Err: payment.ErrOutcomeUnknown}, false, ctx, ""},
		{"plain unavailable sentinel", true, fmt.Errorf("wrapped: %w", payment.ErrUnavailable), false, ctx, ""},
		{"declined", true, &payment.Error{Kind: payment.ErrDeclined}, false, ctx, ""},
		{"rate limited", true, &payment.Error{Kind: payment.ErrRateLimited, RetrySafe: true}, false, ctx, ""},
		{"duplicate", true, &payment.Error{Kind: payment.ErrDuplicate}, false, ctx, ""},
		{"payment returned with the error", true, rtRetrySafe("gmo"), true, ctx, ""},
		{"context ended", true, rtRetrySafe("gmo"), false, canceled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.DebugLevel)
			gmo := newRTFake("gmo", payment.JPY)
			gmo.createErr = []error{tt.firstErr}
			gmo.createPay = tt.withPay
			fb := newRTFake("fallback", payment.JPY)
			r, err := payment.NewRouter(payment.RouterConfig{
				Providers: map[string]payment.Provider{"gmo": gmo, "fallback": fb},
				Rules:     []payment.Rule{{Provider: "gmo"}, {Provider: "fallback"}},
				Failover:  tt.failover,
				Logger:    zap.New(core),
			})
			require.NoError(t, err)
			p, err := r.CreatePayment(tt.ctx, payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("100")})
			assert.Equal(t, []string{"create:o1"}, gmo.Calls())
			if tt.wantRoute == "" {
				require.Error(t, err)
				assert.Same(t, tt.firstErr, err, "the first provider's error is returned unchanged")
				assert.Empty(t, fb.Calls(), "no failover")
				if tt.withPay {
					require.NotNil(t, p)
					assert.Equal(t, payment.PaymentRef("gmo:gmo:o1:LEFT"), p.Ref, "a payment returned with an error keeps its route")
				}
				assert.Zero(t, logs.Len())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{"create:o1"}, fb.Calls())
			route, _, err := r.SplitRef(p.Ref)
			require.NoError(t, err)
			assert.Equal(t, tt.wantRoute, route)
			require.Equal(t, 1, logs.Len())
			assert.Equal(t, map[string]any{"router": "router", "from": "gmo", "to": "fallback", "order_id": "o1", "error_kind": "unavailable"},
				logs.All()[0].ContextMap())
		})
	}
}

func TestRouterFailoverExhausted(t *testing.T) {
	a, b, c := newRTFake("a", payment.JPY), newRTFake("b", payment.JPY), newRTFake("c", payment.JPY)
	a.createErr = []error{rtRetrySafe("a")}
	b.createErr = []error{rtRetrySafe("b")}
	last := rtRetrySafe("c")
	c.createErr = []error{last}
	r, err := payment.NewRouter(payment.RouterConfig{
		Providers: map[string]payment.Provider{"a": a, "b": b, "c": c},
		Rules:     []payment.Rule{{Provider: "a"}, {Provider: "b"}, {Provider: "a"}, {Provider: "c"}},
		Failover:  true,
	})
	require.NoError(t, err)
	_, err = r.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("100")})
	assert.Same(t, last, err)
	for _, f := range []*rtFake{a, b, c} {
		assert.Equal(t, []string{"create:o1"}, f.Calls(), "each route tried once: %s", f.name)
	}
}

// After CreatePayment, no call ever fails over, whatever the error: the
// payment exists at one gateway only.
func TestRouterNoFailoverAfterCreate(t *testing.T) {
	ctx := context.Background()
	ops := []struct {
		op   string
		call func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error)
	}{
		{"confirm", func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) {
			return r.Confirm(ctx, payment.ConfirmRequest{Ref: ref})
		}},
		{"capture", func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) {
			return r.Capture(ctx, payment.CaptureRequest{Ref: ref})
		}},
		{"refund", func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) {
			return r.Refund(ctx, payment.RefundRequest{Ref: ref})
		}},
		{"void", func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) { return r.Void(ctx, ref) }},
		{"inquire", func(r *payment.Router, ref payment.PaymentRef) (*payment.Payment, error) { return r.Inquire(ctx, ref) }},
	}
	errs := []error{
		rtRetrySafe("gmo"),
		&payment.Error{Kind: payment.ErrOutcomeUnknown},
		&payment.Error{Kind: payment.ErrUnavailable},
	}
	for _, o := range ops {
		for _, e := range errs {
			t.Run(o.op+"/"+e.Error(), func(t *testing.T) {
				gmo, fb := newRTFake("gmo", payment.JPY), newRTFake("fallback", payment.JPY)
				r, err := payment.NewRouter(payment.RouterConfig{
					Providers: map[string]payment.Provider{"gmo": rtFullFake{gmo}, "fallback": rtFullFake{fb}},
					Rules:     []payment.Rule{{Provider: "gmo"}, {Provider: "fallback"}},
					Failover:  true,
				})
				require.NoError(t, err)
				p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("100")})
				require.NoError(t, err)
				gmo.mu.Lock()
				gmo.opErr = map[string]error{o.op: e}
				gmo.mu.Unlock()
				got, err := o.call(r, p.Ref)
				assert.Nil(t, got)
				assert.Same(t, e, err)
				assert.Len(t, gmo.Calls(), 2)
				assert.Empty(t, fb.Calls(), "fallback never called after create")
			})
		}
	}
}

func TestRouterHandleNotification(t *testing.T) {
	form := url.Values{"order": {"o1"}, "ref": {"gmo:o1:ACCESS0"}, "sig": {"good"}}.Encode()
	tests := []struct {
		name    string
		target  string
		pattern string // mount through a ServeMux with this pattern
		route   string // "" = ErrInvalidRequest, no provider called
	}{
		{"path suffix", "/notify/gmo", "", "gmo"},
		{"trailing slash", "/notify/golomt/", "", "golomt"},
		{"deeper prefix", "/hooks/payment/notify/gmo", "", "gmo"},
		{"path value wins", "/n/golomt/extra", "POST /n/{provider}/extra", "golomt"},
		{"query parameter ignored", "/notify?provider=gmo", "", ""},
		{"unknown route", "/notify/stripe", "", ""},
		{"root", "/", "", ""},
		{"upper case", "/notify/GMO", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gmo, golomt := newRTFake("gmo", payment.JPY), newRTFake("golomt", payment.MNT)
			r, err := payment.NewRouter(payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo, "golomt": golomt}})
			require.NoError(t, err)
			req := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			var n *payment.Notification
			if tt.pattern != "" {
				mux := http.NewServeMux()
				mux.HandleFunc(tt.pattern, func(w http.ResponseWriter, req *http.Request) {
					n, err = r.HandleNotification(req.Context(), req)
				})
				mux.ServeHTTP(httptest.NewRecorder(), req)
			} else {
				n, err = r.HandleNotification(req.Context(), req)
			}
			if tt.route == "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, payment.ErrInvalidRequest)
				assert.Nil(t, n)
				assert.Empty(t, gmo.Calls())
				assert.Empty(t, golomt.Calls())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, payment.RouteRef(tt.route, "gmo:o1:ACCESS0"), n.Ref)
			assert.Equal(t, n.Ref, n.Payment.Ref)
			assert.Equal(t, tt.route, n.Provider)
			calls := map[string][]string{"gmo": gmo.Calls(), "golomt": golomt.Calls()}
			assert.Len(t, calls[tt.route], 1)
			for name, c := range calls {
				if name != tt.route {
					assert.Empty(t, c)
				}
			}
		})
	}
}

func TestRouterConcurrent(t *testing.T) {
	ctx := context.Background()
	r, fakes := rtRouter(t, true)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			amt := rtYen("1000")
			if i%2 == 1 {
				amt = payment.MustParseMoney("1000", "MNT")
			}
			p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: fmt.Sprintf("o%d", i), Amount: amt})
			if !assert.NoError(t, err) {
				return
			}
			_, err = r.Capture(ctx, payment.CaptureRequest{Ref: p.Ref})
			assert.NoError(t, err)
			_ = r.Capabilities()
		}()
	}
	wg.Wait()
	assert.Len(t, fakes["gmo"].Calls(), 16)
	assert.Len(t, fakes["golomt"].Calls(), 16)
}

// BenchmarkRouter compares a capture through the router (ref parsing,
// dispatch, result copy) with the same call made on the provider directly.
func BenchmarkRouter(b *testing.B) {
	ctx := context.Background()
	f := newRTFake("gmo", payment.JPY)
	f.calls = make([]string, 0, 1<<20)
	r, err := payment.NewRouter(payment.RouterConfig{
		Providers: map[string]payment.Provider{"gmo": f, "golomt": newRTFake("golomt", payment.MNT)},
		Rules:     []payment.Rule{{Provider: "golomt", Currencies: []payment.Currency{payment.MNT}}, {Provider: "gmo"}},
	})
	require.NoError(b, err)
	p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("100")})
	require.NoError(b, err)
	_, inner, err := r.SplitRef(p.Ref)
	require.NoError(b, err)
	b.Run("capture/direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f.calls = f.calls[:0]
			if _, err := f.Capture(ctx, payment.CaptureRequest{Ref: inner}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("capture/router", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f.calls = f.calls[:0]
			if _, err := r.Capture(ctx, payment.CaptureRequest{Ref: p.Ref}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("eligible", func(b *testing.B) {
		b.ReportAllocs()
		req := payment.CreatePaymentRequest{OrderID: "o1", Amount: rtYen("100")}
		for b.Loop() {
			if len(r.Eligible(req)) != 1 {
				b.Fatal("no route")
			}
		}
	})
}

// An operation no route can do is ErrUnsupported before the ref is read,
// whatever the ref.
func TestRouterUnsupportedEverywhere(t *testing.T) {
	ctx := context.Background()
	a := newRTFake("a", payment.JPY)
	a.caps = payment.Capabilities{Currencies: []payment.Currency{payment.JPY}} // no capture, refund, notifications
	r, err := payment.NewRouter(payment.RouterConfig{Providers: map[string]payment.Provider{"a": a}})
	require.NoError(t, err)
	calls := map[string]func(ref payment.PaymentRef) error{
		"capture": func(ref payment.PaymentRef) error {
			_, err := r.Capture(ctx, payment.CaptureRequest{Ref: ref})
			return err
		},
		"refund": func(ref payment.PaymentRef) error {
			_, err := r.Refund(ctx, payment.RefundRequest{Ref: ref})
			return err
		},
		"void":    func(ref payment.PaymentRef) error { _, err := r.Void(ctx, ref); return err },
		"inquire": func(ref payment.PaymentRef) error { _, err := r.Inquire(ctx, ref); return err },
		"notification": func(ref payment.PaymentRef) error {
			_, err := r.HandleNotification(ctx, httptest.NewRequest(http.MethodPost, "/notify/"+string(ref), nil))
			return err
		},
	}
	for op, call := range calls {
		for _, ref := range []payment.PaymentRef{"a:a:o1:A", "not-a-ref", ""} {
			t.Run(op+"/"+string(ref), func(t *testing.T) {
				err := call(ref)
				assert.ErrorIs(t, err, payment.ErrUnsupported)
				assert.ErrorIs(t, err, errors.ErrUnsupported)
				var pe *payment.Error
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, op, pe.Op)
				assert.Empty(t, a.Calls())
			})
		}
	}
}

// FuzzRouterRef: any ref either names a route and splits back into itself,
// or is an ErrInvalidRequest; it never panics and never reaches a provider.
func FuzzRouterRef(f *testing.F) {
	for _, s := range []string{"gmo:gmo:ORDER1:ACCESS0", "golomt:x", "", ":", "gmo:", "GMO:x", "gmo", "paypal:x", "gmo:\x00", "gmo::"} {
		f.Add(s)
	}
	gmo, golomt := newRTFake("gmo", payment.JPY), newRTFake("golomt", payment.MNT)
	r, err := payment.NewRouter(payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": rtFullFake{gmo}, "golomt": rtFullFake{golomt}}})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, s string) {
		route, inner, err := r.SplitRef(payment.PaymentRef(s))
		if err != nil {
			require.ErrorIs(t, err, payment.ErrInvalidRequest)
			_, err = r.Inquire(context.Background(), payment.PaymentRef(s))
			require.ErrorIs(t, err, payment.ErrInvalidRequest)
			require.Empty(t, gmo.Calls())
			require.Empty(t, golomt.Calls())
			return
		}
		require.Contains(t, []string{"gmo", "golomt"}, route)
		require.NotEmpty(t, inner)
		require.Equal(t, payment.PaymentRef(s), payment.RouteRef(route, inner))
	})
}
