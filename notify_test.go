package payment_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kessai/payment"
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
