package payment_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nhRecorder is the application side of a notification test.
type nhRecorder struct {
	mu     sync.Mutex
	got    []*payment.Notification
	errs   []error
	appErr error
}

func (r *nhRecorder) handle(ctx context.Context, n *payment.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, n)
	return r.appErr
}

func (r *nhRecorder) onError(ctx context.Context, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

type nhBody struct {
	io.Reader
	chunked bool
}

func TestNotificationHandler(t *testing.T) {
	good := url.Values{"order": {"o1"}, "ref": {"gmo:o1:A"}, "sig": {"good"}}.Encode()
	golomtReply := func(r *http.Request) (*payment.Notification, error) {
		n, err := rtFormNotification("golomt", r)
		if n != nil {
			n.Ack = payment.Reply{StatusCode: 200, ContentType: "application/json", Body: `{"status":"ok"}`}
			n.Retry = payment.Reply{StatusCode: 500}
		}
		return n, err
	}
	tests := []struct {
		name       string
		body       string
		chunked    bool // send without Content-Length
		limit      int64
		notify     func(*http.Request) (*payment.Notification, error)
		appErr     error
		wantCode   int
		wantBody   string
		wantApp    bool
		wantKind   error // kind of the error reported to the error func; nil = none reported
		wantCalled bool  // provider reached
	}{
		{name: "GMO success acks 0", body: good, wantCode: 200, wantBody: "0", wantApp: true, wantCalled: true},
		{name: "GMO app failure asks for resend with 1", body: good, appErr: errors.New("db down"),
			wantCode: 200, wantBody: "1", wantApp: true, wantKind: errors.New("app"), wantCalled: true},
		{name: "Golomt success is 200", body: good, notify: golomtReply, wantCode: 200, wantBody: `{"status":"ok"}`, wantApp: true, wantCalled: true},
		{name: "Golomt app failure is 500", body: good, notify: golomtReply, appErr: errors.New("db down"),
			wantCode: 500, wantBody: "", wantApp: true, wantKind: errors.New("app"), wantCalled: true},
		{name: "ping acked without the app", body: "kind=ping", wantCode: 200, wantBody: "0", wantCalled: true},
		{name: "ping acked even when the app would fail", body: "kind=ping", appErr: errors.New("db down"), wantCode: 200, wantBody: "0", wantCalled: true},
		{name: "forged", body: strings.Replace(good, "sig=good", "sig=bad", 1),
			wantCode: 403, wantBody: "Forbidden\n", wantKind: payment.ErrInvalidSignature, wantCalled: true},
		{name: "malformed", body: "order=%zz", wantCode: 400, wantBody: "Bad Request\n", wantKind: payment.ErrInvalidRequest, wantCalled: true},
		{name: "missing field", body: "sig=good", wantCode: 400, wantBody: "Bad Request\n", wantKind: payment.ErrInvalidRequest, wantCalled: true},
		{name: "oversized with Content-Length", body: good + "&pad=" + strings.Repeat("x", 70<<10),
			wantCode: 413, wantBody: "Request Entity Too Large\n", wantKind: payment.ErrInvalidRequest},
		{name: "oversized chunked", body: good + "&pad=" + strings.Repeat("x", 70<<10), chunked: true,
			wantCode: 413, wantBody: "Request Entity Too Large\n", wantKind: payment.ErrInvalidRequest},
		{name: "exactly at a custom limit", body: good, limit: int64(len(good)), wantCode: 200, wantBody: "0", wantApp: true, wantCalled: true},
		{name: "one byte over a custom limit", body: good, limit: int64(len(good)) - 1, chunked: true,
			wantCode: 413, wantBody: "Request Entity Too Large\n", wantKind: payment.ErrInvalidRequest},
		{name: "unverified asks for resend", body: good + "&unverified=1", wantCode: 200, wantBody: "1",
			wantKind: payment.ErrUnavailable, wantCalled: true},
		{name: "verification inquiry failed", body: good,
			notify: func(*http.Request) (*payment.Notification, error) {
				return nil, &payment.Error{Provider: "gmo", Op: "notification", Kind: payment.ErrUnavailable, RetrySafe: true}
			}, wantCode: 503, wantBody: "Service Unavailable\n", wantKind: payment.ErrUnavailable, wantCalled: true},
		{name: "verification failed, provider knows the retry reply", body: good,
			notify: func(r *http.Request) (*payment.Notification, error) {
				n, _ := rtFormNotification("gmo", r)
				return n, &payment.Error{Provider: "gmo", Op: "notification", Kind: payment.ErrOutcomeUnknown}
			}, wantCode: 200, wantBody: "1", wantKind: payment.ErrOutcomeUnknown, wantCalled: true},
		{name: "forged, provider returns a notification too", body: good,
			notify: func(r *http.Request) (*payment.Notification, error) {
				n, _ := rtFormNotification("gmo", r)
				return n, &payment.Error{Provider: "gmo", Op: "notification", Kind: payment.ErrInvalidSignature}
			}, wantCode: 403, wantBody: "Forbidden\n", wantKind: payment.ErrInvalidSignature, wantCalled: true},
		{name: "unknown payment", body: good,
			notify: func(*http.Request) (*payment.Notification, error) {
				return nil, &payment.Error{Provider: "gmo", Op: "notification", Kind: payment.ErrNotFound}
			}, wantCode: 404, wantBody: "Not Found\n", wantKind: payment.ErrNotFound, wantCalled: true},
		{name: "notifications unsupported", body: good,
			notify: func(*http.Request) (*payment.Notification, error) {
				return nil, payment.Unsupported("gmo", "notification", "no notifications")
			}, wantCode: 501, wantBody: "Not Implemented\n", wantKind: payment.ErrUnsupported, wantCalled: true},
		{name: "provider returns nothing", body: good,
			notify:   func(*http.Request) (*payment.Notification, error) { return nil, nil },
			wantCode: 500, wantBody: "Internal Server Error\n", wantKind: payment.ErrUnavailable, wantCalled: true},
		{name: "unset Retry never becomes an ack", body: good, appErr: errors.New("db down"),
			notify: func(r *http.Request) (*payment.Notification, error) {
				n, err := rtFormNotification("x", r)
				n.Retry = payment.Reply{}
				return n, err
			}, wantCode: 500, wantBody: "retry", wantApp: true, wantKind: errors.New("app"), wantCalled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRTFake("gmo", payment.JPY)
			var seenBody string
			f.notify = func(r *http.Request) (*payment.Notification, error) {
				b, err := io.ReadAll(r.Body)
				require.NoError(t, err)
				seenBody = string(b)
				r.Body = io.NopCloser(strings.NewReader(seenBody))
				if tt.notify != nil {
					return tt.notify(r)
				}
				return rtFormNotification("gmo", r)
			}
			rec := &nhRecorder{appErr: tt.appErr}
			opts := []payment.NotificationOption{payment.WithNotificationErrorFunc(rec.onError)}
			if tt.limit > 0 {
				opts = append(opts, payment.WithMaxNotificationBody(tt.limit))
			}
			h := payment.NotificationHandler(f, rec.handle, opts...)

			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = nhBody{Reader: body} // hides the length: no Content-Length
			}
			req := httptest.NewRequest(http.MethodPost, "/notify/gmo", body)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.chunked {
				assert.Equal(t, int64(-1), req.ContentLength, "precondition: no Content-Length")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)

			assert.Equal(t, tt.wantCode, w.Code, "status")
			assert.Equal(t, tt.wantBody, w.Body.String(), "body")
			if tt.wantApp {
				require.Len(t, rec.got, 1, "app called once")
				assert.True(t, rec.got[0].Verified)
				assert.Equal(t, "o1", rec.got[0].OrderID)
			} else {
				assert.Empty(t, rec.got, "app not called")
			}
			if tt.wantCalled {
				assert.Equal(t, tt.body, seenBody, "provider sees the whole body")
			} else {
				assert.Empty(t, f.Calls(), "provider not called")
			}
			switch {
			case tt.wantKind == nil:
				assert.Empty(t, rec.errs, "no error reported")
			case payment.KindOf(tt.wantKind) == nil: // application error
				require.Len(t, rec.errs, 1)
				assert.ErrorIs(t, rec.errs[0], tt.appErr)
			default:
				require.Len(t, rec.errs, 1)
				assert.ErrorIs(t, rec.errs[0], tt.wantKind)
			}
		})
	}
}

func TestNotificationHandlerNilArguments(t *testing.T) {
	handle := func(context.Context, *payment.Notification) error { return nil }
	assert.PanicsWithValue(t, "payment: NotificationHandler with a nil Provider", func() { payment.NotificationHandler(nil, handle) })
	assert.PanicsWithValue(t, "payment: NotificationHandler with a nil NotifyFunc", func() {
		payment.NotificationHandler(newRTFake("gmo", payment.JPY), nil)
	})
}

func TestNotificationHandlerDefaults(t *testing.T) {
	// No options: nil option ignored, default limit 64 KiB.
	f := newRTFake("gmo", payment.JPY)
	called := 0
	h := payment.NotificationHandler(f, func(ctx context.Context, n *payment.Notification) error { called++; return nil }, nil,
		payment.WithMaxNotificationBody(0))
	good := url.Values{"order": {"o1"}, "ref": {"r"}, "sig": {"good"}}.Encode()
	pad := payment.MaxNotificationBody - len(good) - len("&pad=")
	for _, tt := range []struct {
		name string
		pad  int
		code int
	}{
		{"at limit", pad, 200},
		{"over limit", pad + 1, 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(good+"&pad="+strings.Repeat("x", tt.pad)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			assert.Equal(t, tt.code, w.Code)
		})
	}
	assert.Equal(t, 1, called)
}

func TestRouterNotificationHandlers(t *testing.T) {
	gmo, golomt, quiet := newRTFake("gmo", payment.JPY), newRTFake("golomt", payment.MNT), newRTFake("quiet", payment.USD)
	quiet.caps.Notifications = false
	r, err := payment.NewRouter(payment.RouterConfig{Providers: map[string]payment.Provider{"gmo": gmo, "golomt": golomt, "quiet": quiet}})
	require.NoError(t, err)
	rec := &nhRecorder{}

	hs := r.NotificationHandlers(rec.handle)
	require.Len(t, hs, 2, "one handler per provider with notifications")
	mux := http.NewServeMux()
	for name, h := range hs {
		mux.Handle("POST /notify/"+name, h)
	}
	mux.Handle("POST /any/{provider}", payment.NotificationHandler(r, rec.handle))
	mux.Handle("POST /fixed/elsewhere", hs["golomt"])
	srv := httptest.NewServer(mux)
	defer srv.Close()

	good := url.Values{"order": {"o1"}, "ref": {"x:o1:A"}, "sig": {"good"}}.Encode()
	tests := []struct {
		path  string
		code  int
		route string
	}{
		{"/notify/gmo", 200, "gmo"},
		{"/notify/golomt", 200, "golomt"},
		{"/any/gmo", 200, "gmo"},
		{"/any/golomt", 200, "golomt"},
		{"/any/stripe", 400, ""},
		{"/fixed/elsewhere", 200, "golomt"},
		{"/notify/quiet", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec.got = nil
			before := map[string]int{"gmo": len(gmo.Calls()), "golomt": len(golomt.Calls())}
			resp, err := srv.Client().Post(srv.URL+tt.path, "application/x-www-form-urlencoded", strings.NewReader(good))
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tt.code, resp.StatusCode)
			if tt.route == "" {
				assert.Empty(t, rec.got)
				assert.Equal(t, before["gmo"], len(gmo.Calls()))
				assert.Equal(t, before["golomt"], len(golomt.Calls()))
				return
			}
			require.Len(t, rec.got, 1)
			assert.Equal(t, payment.RouteRef(tt.route, "x:o1:A"), rec.got[0].Ref, "the app sees router refs")
			assert.Equal(t, tt.route, rec.got[0].Provider)
			for name, n := range before {
				want := n
				if name == tt.route {
					want++
				}
				assert.Len(t, map[string]*rtFake{"gmo": gmo, "golomt": golomt}[name].Calls(), want, name)
			}
		})
	}
	assert.Empty(t, quiet.Calls())
}

// nhGateways is one router over the GMO and Golomt adapters and their
// simulators, each with one paid order, served by NotificationHandler at
// "POST /notify/{provider}".
type nhGateways struct {
	srv         *httptest.Server
	rec         *nhRecorder
	gmoSim      *gmotest.Server
	golomtSim   *golomttest.Server
	gmoOrder    string
	golomtOrder string
	gmoFault    *atomic.Bool // SearchTrade answers HTTP 503 while set
}

func newNHGateways(t *testing.T) *nhGateways {
	t.Helper()
	ctx := context.Background()
	g := &nhGateways{rec: &nhRecorder{}, gmoFault: &atomic.Bool{}}
	g.gmoSim = gmotest.NewServer(gmotest.WithFaultFunc(func(api string) (gmotest.Fault, bool) {
		if api == "SearchTrade" && g.gmoFault.Load() {
			return gmotest.Fault{Kind: gmotest.FaultServerError}, true
		}
		return gmotest.Fault{}, false
	}))
	t.Cleanup(g.gmoSim.Close)
	gp, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
		provider.WithBaseURL(g.gmoSim.URL()), provider.WithTimeout(2*time.Second), provider.WithMaxRetries(0))
	require.NoError(t, err)
	g.golomtSim = golomttest.NewServer()
	t.Cleanup(g.golomtSim.Close)
	lp, err := golomt.New(golomt.Config{
		BearerToken: payment.NewSecret(g.golomtSim.BearerToken()),
		ChecksumKey: payment.NewSecret(g.golomtSim.Secret()),
		MerchantID:  g.golomtSim.MerchantID(),
	}, provider.WithBaseURL(g.golomtSim.URL()), provider.WithTimeout(2*time.Second))
	require.NoError(t, err)
	r, err := payment.NewRouter(payment.RouterConfig{
		Providers: map[string]payment.Provider{"gmo": gp, "golomt": lp},
		Rules: []payment.Rule{
			{Provider: "gmo", Currencies: []payment.Currency{payment.JPY}},
			{Provider: "golomt", Currencies: []payment.Currency{payment.MNT}},
		},
	})
	require.NoError(t, err)

	// A paid GMO order.
	g.gmoOrder = "nh-gmo-1"
	p, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: g.gmoOrder, Amount: rtYen("1000"), ReturnURL: "https://merchant.example/return"})
	require.NoError(t, err)
	tok, err := g.gmoSim.IssueToken(gmotest.CardApprove, "203012", "123", "TARO YAMADA")
	require.NoError(t, err)
	p, err = r.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}})
	require.NoError(t, err)
	require.Equal(t, payment.StatusCaptured, p.Status)

	// A paid Golomt order.
	g.golomtOrder = "NHGOLOMT1"
	p, err = r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: g.golomtOrder, Amount: payment.MustParseMoney("1000", "MNT"), ReturnURL: "https://merchant.example/return"})
	require.NoError(t, err)
	back, err := g.golomtSim.PayInvoice(ctx, p.NextAction.URL, golomttest.CardApproved)
	require.NoError(t, err)
	ret, err := payment.ReturnFromRequest(back)
	require.NoError(t, err)
	p, err = r.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Return: ret})
	require.NoError(t, err)
	require.Equal(t, payment.StatusCaptured, p.Status)

	mux := http.NewServeMux()
	mux.Handle("POST /notify/{provider}", payment.NotificationHandler(r, g.rec.handle, payment.WithNotificationErrorFunc(g.rec.onError)))
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

// nhBodyOf reads a simulator's notification request: its body and headers.
func nhBodyOf(t *testing.T, next func() (*http.Request, error)) ([]byte, http.Header) {
	t.Helper()
	req, err := next()
	require.NoError(t, err)
	b, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	return b, req.Header
}

// The adapters' own acknowledgements reach the gateways through the
// router and the handler: GMO "0" / "1", Golomt 200 / 500; forged,
// malformed, oversized and misrouted notifications never reach the app.
func TestNotificationHandlerGateways(t *testing.T) {
	g := newNHGateways(t)
	gmoBody, gmoHeader := nhBodyOf(t, func() (*http.Request, error) { return g.gmoSim.NextNotification(g.gmoOrder) })
	pingBody, _ := nhBodyOf(t, g.gmoSim.PingNotification)
	golomtBody, golomtHeader := nhBodyOf(t, func() (*http.Request, error) { return g.golomtSim.NextNotification(g.golomtOrder) })

	gmoForm, err := url.ParseQuery(string(gmoBody))
	require.NoError(t, err)
	gmoForm.Set("Amount", "1001")
	gmoForged := []byte(gmoForm.Encode())
	golomtForgedAmount := bytes.Replace(golomtBody, []byte(`"1000.00"`), []byte(`"1.00"`), 1)
	require.NotEqual(t, golomtBody, golomtForgedAmount, "precondition: the push carries the amount")

	tests := []struct {
		name     string
		path     string
		body     []byte
		header   http.Header
		appErr   error
		gmoFault bool
		wantCode int
		wantBody string // "" = not checked
		wantApp  string // route of the app's notification; "" = app not called
	}{
		{name: "GMO delivered", path: "/notify/gmo", body: gmoBody, header: gmoHeader, wantCode: 200, wantBody: "0", wantApp: "gmo"},
		{name: "GMO app fails", path: "/notify/gmo", body: gmoBody, header: gmoHeader, appErr: errors.New("db down"), wantCode: 200, wantBody: "1", wantApp: "gmo"},
		{name: "GMO ping", path: "/notify/gmo", body: pingBody, header: gmoHeader, appErr: errors.New("db down"), wantCode: 200, wantBody: "0"},
		{name: "GMO forged amount", path: "/notify/gmo", body: gmoForged, header: gmoHeader, wantCode: 403},
		{name: "GMO malformed", path: "/notify/gmo", body: []byte("OrderID=%zz&Status=\x82&Amount=%82%"), header: gmoHeader, wantCode: 400},
		{name: "GMO oversized", path: "/notify/gmo", body: append(append([]byte{}, gmoBody...), bytes.Repeat([]byte("&x=y"), 20<<10)...), header: gmoHeader, wantCode: 413},
		{name: "GMO inquiry unavailable", path: "/notify/gmo", body: gmoBody, header: gmoHeader, gmoFault: true, wantCode: 200, wantBody: "1"},
		{name: "GMO body on the Golomt path", path: "/notify/golomt", body: gmoBody, header: gmoHeader, wantCode: 400},
		{name: "GMO body on an unknown path", path: "/notify/paypal", body: gmoBody, header: gmoHeader, wantCode: 400},
		{name: "Golomt delivered", path: "/notify/golomt", body: golomtBody, header: golomtHeader, wantCode: 200, wantBody: "OK", wantApp: "golomt"},
		{name: "Golomt app fails", path: "/notify/golomt", body: golomtBody, header: golomtHeader, appErr: errors.New("db down"), wantCode: 500, wantBody: "retry", wantApp: "golomt"},
		{name: "Golomt forged amount", path: "/notify/golomt", body: golomtForgedAmount, header: golomtHeader, wantCode: 403},
		{name: "Golomt malformed", path: "/notify/golomt", body: golomtBody[:len(golomtBody)/2], header: golomtHeader, wantCode: 400},
		{name: "Golomt body on the GMO path", path: "/notify/gmo", body: golomtBody, header: golomtHeader, wantCode: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.rec.mu.Lock()
			g.rec.got, g.rec.errs, g.rec.appErr = nil, nil, tt.appErr
			g.rec.mu.Unlock()
			g.gmoFault.Store(tt.gmoFault)
			defer g.gmoFault.Store(false)

			req, err := http.NewRequest(http.MethodPost, g.srv.URL+tt.path, bytes.NewReader(tt.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", tt.header.Get("Content-Type"))
			resp, err := g.srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			assert.Equal(t, tt.wantCode, resp.StatusCode, "status (body %q)", got)
			if tt.wantBody != "" {
				assert.Equal(t, tt.wantBody, string(got))
			}
			g.rec.mu.Lock()
			defer g.rec.mu.Unlock()
			if tt.wantApp == "" {
				assert.Empty(t, g.rec.got, "app not called")
				if tt.name != "GMO ping" {
					assert.NotEmpty(t, g.rec.errs, "the refusal is reported")
				}
				return
			}
			require.Len(t, g.rec.got, 1)
			n := g.rec.got[0]
			assert.True(t, n.Verified)
			assert.Equal(t, payment.StatusCaptured, n.Status)
			require.NotNil(t, n.Payment)
			assert.True(t, strings.HasPrefix(string(n.Payment.Ref), tt.wantApp+":"), "router ref %q", n.Payment.Ref)
		})
	}
}
