package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/kessai/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// secrets that must never show in a log line.
var logLeaks = []string{"hunter2", "alice", "tok_secret", "ShopPass=", "Bearer"}

func entryText(e observer.LoggedEntry) string {
	var b strings.Builder
	b.WriteString(e.Message)
	for k, v := range e.ContextMap() {
		fmt.Fprintf(&b, " %s=%v", k, v)
	}
	return b.String()
}

func TestLeveledLoggerRedacts(t *testing.T) {
	const raw = "https://alice:hunter2@gw.example/payment/ExecTran.idPass?token=tok_secret#frag"
	u, err := url.Parse(raw)
	require.NoError(t, err)
	urlErr := &url.Error{Op: "Post", URL: raw, Err: errors.New("connection reset by peer")}
	tests := []struct {
		name  string
		log   func(*LeveledLogger)
		level zapcore.Level
		want  map[string]any
	}{
		{"url string", func(g *LeveledLogger) { g.Debug("performing request", "method", "POST", "url", raw) },
			zap.DebugLevel, map[string]any{"method": "POST", "url": "https://gw.example/payment/ExecTran.idPass"}},
		{"url error", func(g *LeveledLogger) { g.Error("request failed", "error", urlErr, "url", raw) },
			zap.ErrorLevel, map[string]any{"error": "connection reset by peer", "url": "https://gw.example/payment/ExecTran.idPass"}},
		{"wrapped url error", func(g *LeveledLogger) { g.Warn("x", "error", fmt.Errorf("giving up: %w", urlErr)) },
			zap.WarnLevel, map[string]any{"error": "connection reset by peer"}},
		{"description with url", func(g *LeveledLogger) {
			g.Debug("retrying request", "request", "POST "+raw+" (status: 503)", "timeout", time.Second, "remaining", 2)
		}, zap.DebugLevel, map[string]any{"request": "POST https://gw.example/payment/ExecTran.idPass (status: 503)",
			"timeout": time.Second, "remaining": int64(2)}},
		{"url value", func(g *LeveledLogger) { g.Info("x", "url", u) },
			zap.InfoLevel, map[string]any{"url": "https://gw.example/payment/ExecTran.idPass"}},
		{"message with quoted url", func(g *LeveledLogger) { g.Info(`Post "` + raw + `": EOF`) },
			zap.InfoLevel, map[string]any{}},
		{"unknown value type by type name", func(g *LeveledLogger) {
			g.Info("x", "header", http.Header{"Authorization": {"Bearer tok_secret"}}, "body", []byte("ShopPass=hunter2"))
		}, zap.InfoLevel, map[string]any{"header": "<http.Header>", "body": "<[]uint8>"}},
		{"odd key/values", func(g *LeveledLogger) { g.Info("x", "status", 503, "dangling") },
			zap.InfoLevel, map[string]any{"status": int64(503)}},
		{"secret value", func(g *LeveledLogger) { g.Info("x", "pass", payment.NewSecret("hunter2")) },
			zap.InfoLevel, map[string]any{"pass": "<payment.Secret>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.DebugLevel)
			tt.log(NewLeveledLogger(zap.New(core)))

			require.Equal(t, 1, logs.Len(), "entries")
			e := logs.All()[0]
			assert.Equal(t, tt.level, e.Level, "level")
			for k, v := range tt.want {
				assert.Equal(t, v, e.ContextMap()[k], "field %s", k)
			}
			for _, leak := range logLeaks {
				assert.NotContains(t, entryText(e), leak, "leak")
			}
		})
	}
}

func TestLeveledLoggerNil(t *testing.T) {
	var g *LeveledLogger
	assert.NotPanics(t, func() { g.Error("x", "k", "v") }, "nil receiver")
	assert.NotPanics(t, func() { NewLeveledLogger(nil).Info("x") }, "nil logger")
}

func TestRedactURLs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no url here", "no url here"},
		{"https://a:b@h:8443/p?q=1", "https://h:8443/p"},
		{`Post "http://u:p@h/x?y": EOF`, `Post "http://h/x": EOF`},
		{"two http://h/a?x https://u@g/b#f end", "two http://h/a https://g/b end"},
		{"://nothing before", "[url] before"},
		{"bad http://h/%zz?tok", "bad [url]"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, redactURLs(tt.in))
		})
	}
}

// TestClientLogs drives the real client with logging on and checks what
// reaches the log: method, host, path, attempt and status, nothing else.
func TestClientLogs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "ErrCode=E90&AccessPass=hunter2")
	}))
	defer srv.Close()
	core, logs := observer.New(zap.DebugLevel)
	c := fastBackoff(NewHTTPClient("gmo", Apply(WithLogger(zap.New(core)), WithMaxRetries(1))))
	u := strings.Replace(srv.URL, "http://", "http://alice:hunter2@", 1) + "/payment/SearchTrade.idPass?token=tok_secret"

	resp, err := c.Do(context.Background(), &Request{Op: "inquire", URL: u, Idempotent: true,
		Header: http.Header{"Authorization": {"Bearer tok_secret"}}, Body: []byte("ShopPass=hunter2")})

	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "status")
	require.NotZero(t, logs.Len(), "entries")
	for _, e := range logs.All() {
		for _, leak := range logLeaks {
			assert.NotContains(t, entryText(e), leak, "leak in %q", e.Message)
		}
	}
	responses := logs.FilterMessage("http response").All()
	require.Len(t, responses, 2, "one response entry per attempt")
	for i, e := range responses {
		m := e.ContextMap()
		assert.Equal(t, "POST", m["method"], "method")
		assert.Equal(t, strings.TrimPrefix(srv.URL, "http://"), m["host"], "host")
		assert.Equal(t, "/payment/SearchTrade.idPass", m["path"], "path")
		assert.Equal(t, int64(i), m["attempt"], "attempt")
		assert.Equal(t, int64(503), m["status"], "status")
		assert.Equal(t, "gmo.http", e.LoggerName, "logger name")
	}
	assert.Len(t, logs.FilterMessage("http request").All(), 2, "one request entry per attempt")
}

// TestRetryablehttpAcceptsLeveledLogger shows that retryablehttp takes our
// adapter where a *zap.SugaredLogger would panic.
func TestRetryablehttpAcceptsLeveledLogger(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	tests := []struct {
		name      string
		logger    any
		wantPanic bool
	}{
		{"LeveledLogger", NewLeveledLogger(zap.NewNop()), false},
		{"SugaredLogger panics", zap.NewNop().Sugar(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := retryablehttp.NewClient()
			rc.Logger = tt.logger
			do := func() {
				resp, err := rc.Get(srv.URL)
				if err == nil {
					resp.Body.Close()
				}
			}
			if tt.wantPanic {
				assert.Panics(t, do)
				return
			}
			assert.NotPanics(t, do)
		})
	}
}

func TestLogger(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	tests := []struct {
		name     string
		o        Options
		wantName string
	}{
		{"named", Apply(WithLogger(zap.New(core))), "gmo"},
		{"nil logger", Options{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := logs.Len()
			Logger(tt.o, "gmo").Info("hello")
			if tt.wantName == "" {
				assert.Equal(t, before, logs.Len(), "nothing logged")
				return
			}
			require.Equal(t, before+1, logs.Len(), "logged")
			assert.Equal(t, tt.wantName, logs.All()[before].LoggerName, "name")
		})
	}
}

func TestErrorf(t *testing.T) {
	tests := []struct {
		name     string
		err      *payment.Error
		wantText string
		wantKind error
	}{
		{"formatted", Errorf("gmo", "capture", payment.ErrDeclined, "card declined by %s", "issuer"),
			"payment: gmo: capture: declined: card declined by issuer", payment.ErrDeclined},
		{"no args", Errorf("golomt", "refund", payment.ErrInvalidRequest, "100%% refund only"),
			"payment: golomt: refund: invalid request: 100% refund only", payment.ErrInvalidRequest},
		{"secret arg redacted", Errorf("gmo", "create", payment.ErrAuthentication, "shop pass %v rejected", payment.NewSecret("hunter2")),
			"payment: gmo: create: authentication failed: shop pass [REDACTED] rejected", payment.ErrAuthentication},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantText, tt.err.Error(), "text")
			assert.ErrorIs(t, tt.err, tt.wantKind, "kind")
			assert.False(t, tt.err.RetrySafe, "retry safe")
		})
	}
}
