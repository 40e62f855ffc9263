package provider

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastBackoff shortens the retry waits so tests run quickly.
func fastBackoff(c *Client) *Client {
	c.impl.t.rc.RetryWaitMin = time.Millisecond
	c.impl.t.rc.RetryWaitMax = 2 * time.Millisecond
	return c
}

// refusedAddr returns a loopback address nobody listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// countingClient is an *http.Client whose transport counts dials.
func countingClient(dials *atomic.Int32) *http.Client {
	d := &net.Dialer{Timeout: time.Second}
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
	}}
}

func requirePaymentError(t *testing.T, err error) *payment.Error {
	t.Helper()
	require.Error(t, err)
	var pe *payment.Error
	require.ErrorAs(t, err, &pe)
	return pe
}

func TestDoConnectionResetAfterRead(t *testing.T) {
	tests := []struct {
		name       string
		idempotent bool
		wantHits   int32
		wantKind   error
		wantSafe   bool
	}{
		{name: "payment call is not resent", idempotent: false, wantHits: 1, wantKind: payment.ErrOutcomeUnknown},
		{name: "idempotent call is retried", idempotent: true, wantHits: 4, wantKind: payment.ErrUnavailable, wantSafe: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				hits.Add(1)
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					return
				}
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // RST instead of FIN
				}
				_ = conn.Close()
			}))
			defer srv.Close()
			c := fastBackoff(NewHTTPClient("test", Apply(WithMaxRetries(3))))

			resp, err := c.Do(context.Background(), &Request{Op: "charge", URL: srv.URL + "/pay",
				Body: []byte("amount=100"), Idempotent: tt.idempotent})

			assert.Nil(t, resp, "response")
			pe := requirePaymentError(t, err)
			assert.ErrorIs(t, err, tt.wantKind, "kind")
			assert.Equal(t, tt.wantSafe, pe.RetrySafe, "retry safe")
			assert.Equal(t, tt.wantHits, hits.Load(), "server hits")
			assert.Equal(t, "test", pe.Provider, "provider")
			assert.Equal(t, "charge", pe.Op, "op")
			assert.NotContains(t, err.Error(), srv.URL, "error text holds no URL")
			assert.NotContains(t, err.Error(), "amount=100", "error text holds no body")
		})
	}
}

func TestDoConnectionRefused(t *testing.T) {
	tests := []struct {
		name       string
		maxRetries int
		idempotent bool
	}{
		{name: "payment call retried", maxRetries: 2},
		{name: "idempotent call retried", maxRetries: 2, idempotent: true},
		{name: "no retries", maxRetries: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dials atomic.Int32
			c := fastBackoff(NewHTTPClient("test", Apply(WithMaxRetries(tt.maxRetries), WithHTTPClient(countingClient(&dials)))))
			url := "http://user:hunter2@" + refusedAddr(t) + "/pay?token=tok_secret"

			resp, err := c.Do(context.Background(), &Request{Op: "charge", URL: url, Body: []byte("x"), Idempotent: tt.idempotent})

			assert.Nil(t, resp, "response")
			pe := requirePaymentError(t, err)
			assert.ErrorIs(t, err, payment.ErrUnavailable, "kind")
			assert.NotErrorIs(t, err, payment.ErrOutcomeUnknown, "not unknown")
			assert.True(t, pe.RetrySafe, "retry safe")
			assert.Equal(t, int32(tt.maxRetries+1), dials.Load(), "dial attempts")
			for _, leak := range []string{"hunter2", "user", "tok_secret", "/pay"} {
				assert.NotContains(t, err.Error(), leak, "error text")
			}
		})
	}
}

func TestDoServerErrors(t *testing.T) {
	tests := []struct {
		name       string
		idempotent bool
		failures   int32 // 503s before a 200
		maxRetries int
		wantStatus int
		wantBody   string
		wantHits   int32
	}{
		{name: "idempotent retried then succeeds", idempotent: true, failures: 2, maxRetries: 2,
			wantStatus: 200, wantBody: "ok", wantHits: 3},
		{name: "idempotent retries exhausted returns last response", idempotent: true, failures: 10, maxRetries: 2,
			wantStatus: 503, wantBody: "busy 3", wantHits: 3},
		{name: "payment call returns 503 unretried", idempotent: false, failures: 2, maxRetries: 2,
			wantStatus: 503, wantBody: "busy 1", wantHits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := hits.Add(1)
				if n <= tt.failures {
					w.WriteHeader(http.StatusServiceUnavailable)
					_, _ = io.WriteString(w, "busy "+string(rune('0'+n)))
					return
				}
				_, _ = io.WriteString(w, "ok")
			}))
			defer srv.Close()
			c := fastBackoff(NewHTTPClient("test", Apply(WithMaxRetries(tt.maxRetries))))

			resp, err := c.Do(context.Background(), &Request{Op: "inquire", URL: srv.URL, Body: []byte("q"), Idempotent: tt.idempotent})

			require.NoError(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, tt.wantStatus, resp.StatusCode, "status")
			assert.Equal(t, tt.wantBody, string(resp.Body), "body")
			assert.Equal(t, tt.wantHits, hits.Load(), "server hits")
			assert.Equal(t, int(tt.wantHits), resp.Writes, "attempts written")
		})
	}
}

func TestDoTimeoutAfterSend(t *testing.T) {
	tests := []struct {
		name       string
		timeout    time.Duration // Options.Timeout
		ctxTimeout time.Duration
		idempotent bool
		wantKind   error
		wantHits   int32
	}{
		{name: "per-request timeout", timeout: 100 * time.Millisecond, wantKind: payment.ErrOutcomeUnknown, wantHits: 1},
		{name: "context deadline", timeout: time.Minute, ctxTimeout: 100 * time.Millisecond, wantKind: payment.ErrOutcomeUnknown, wantHits: 1},
		{name: "idempotent per-request timeout retried", timeout: 100 * time.Millisecond, idempotent: true,
			wantKind: payment.ErrUnavailable, wantHits: 2},
		{name: "idempotent context deadline not retried", timeout: time.Minute, ctxTimeout: 100 * time.Millisecond,
			idempotent: true, wantKind: payment.ErrUnavailable, wantHits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				hits.Add(1)
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}))
			defer srv.Close()
			defer close(release)
			c := fastBackoff(NewHTTPClient("test", Apply(WithMaxRetries(1), WithTimeout(tt.timeout))))
			ctx := context.Background()
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}

			_, err := c.Do(ctx, &Request{Op: "charge", URL: srv.URL, Body: []byte("x"), Idempotent: tt.idempotent})

			pe := requirePaymentError(t, err)
			assert.ErrorIs(t, err, tt.wantKind, "kind")
			assert.ErrorIs(t, err, context.DeadlineExceeded, "deadline")
			assert.Equal(t, tt.idempotent, pe.RetrySafe, "retry safe")
			assert.Equal(t, tt.wantHits, hits.Load(), "server hits")
		})
	}
}

func TestDoContextCanceledDuringBackoff(t *testing.T) {
	c := NewHTTPClient("test", Apply(WithMaxRetries(5)))
	c.impl.t.rc.RetryWaitMin = 30 * time.Second
	c.impl.t.rc.RetryWaitMax = 30 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(100*time.Millisecond, cancel)
	defer timer.Stop()

	start := time.Now()
	_, err := c.Do(ctx, &Request{Op: "charge", URL: "http://" + refusedAddr(t), Body: []byte("x")})
	elapsed := time.Since(start)

	pe := requirePaymentError(t, err)
	assert.ErrorIs(t, err, context.Canceled, "canceled")
	assert.ErrorIs(t, err, payment.ErrUnavailable, "kind")
	assert.True(t, pe.RetrySafe, "retry safe")
	assert.Equal(t, "charge", pe.Op, "op")
	// The back-off is 30 s: returning at all within 10 s means the wait
	// was cut short by the context.
	assert.Less(t, elapsed, 10*time.Second, "returned promptly")
}

func TestDoContextAlreadyDone(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := NewHTTPClient("test", Apply())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := c.Do(ctx, &Request{Op: "charge", URL: srv.URL, Body: []byte("x")})

	pe := requirePaymentError(t, err)
	assert.ErrorIs(t, err, context.Canceled, "canceled")
	assert.ErrorIs(t, err, payment.ErrUnavailable, "never sent")
	assert.True(t, pe.RetrySafe, "retry safe")
	assert.Zero(t, hits.Load(), "server hits")
}

func TestDoOversizedBody(t *testing.T) {
	big := strings.Repeat("a", MaxResponseBytes+1)
	tests := []struct {
		name       string
		chunked    bool
		idempotent bool
		wantKind   error
	}{
		{name: "content-length payment call", wantKind: payment.ErrOutcomeUnknown},
		{name: "chunked payment call", chunked: true, wantKind: payment.ErrOutcomeUnknown},
		{name: "content-length idempotent", idempotent: true, wantKind: payment.ErrUnavailable},
		{name: "chunked idempotent", chunked: true, idempotent: true, wantKind: payment.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tt.chunked {
					for i := 0; i < len(big); i += 64 << 10 {
						_, _ = io.WriteString(w, big[i:min(i+64<<10, len(big))])
						http.NewResponseController(w).Flush()
					}
					return
				}
				w.Header().Set("Content-Length", "1048577")
				_, _ = io.WriteString(w, big)
			}))
			defer srv.Close()
			c := fastBackoff(NewHTTPClient("test", Apply(WithMaxRetries(2))))

			resp, err := c.Do(context.Background(), &Request{Op: "charge", URL: srv.URL, Idempotent: tt.idempotent})

			assert.Nil(t, resp, "response")
			pe := requirePaymentError(t, err)
			assert.ErrorIs(t, err, tt.wantKind, "kind")
			assert.Equal(t, tt.idempotent, pe.RetrySafe, "retry safe")
			assert.Equal(t, int32(1), hits.Load(), "not retried")
		})
	}
}

func TestDoMaxSizedBodyAccepted(t *testing.T) {
	body := strings.Repeat("b", MaxResponseBytes)
	tests := []struct {
		name    string
		chunked bool
	}{{name: "content-length"}, {name: "chunked", chunked: true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.chunked {
					_, _ = io.WriteString(w, body[:10])
					http.NewResponseController(w).Flush()
					_, _ = io.WriteString(w, body[10:])
					return
				}
				_, _ = io.WriteString(w, body)
			}))
			defer srv.Close()
			c := NewHTTPClient("test", Apply())

			resp, err := c.Do(context.Background(), &Request{URL: srv.URL})

			require.NoError(t, err)
			assert.Len(t, resp.Body, MaxResponseBytes, "body")
		})
	}
}

func TestDoRequestShape(t *testing.T) {
	tests := []struct {
		name            string
		req             Request
		wantMethod      string
		wantContentType string
		wantBody        string
		wantRespBody    string
	}{
		{name: "default POST keeps adapter content type",
			req: Request{Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded;charset=Windows-31J"}},
				Body: []byte("ShopID=x")},
			wantMethod: "POST", wantContentType: "application/x-www-form-urlencoded;charset=Windows-31J", wantBody: "ShopID=x",
			wantRespBody: "ErrCode=E01"},
		{name: "no content type unless given", req: Request{Body: []byte("{}")}, wantMethod: "POST", wantBody: "{}",
			wantRespBody: "ErrCode=E01"},
		{name: "GET without body", req: Request{Method: http.MethodGet}, wantMethod: "GET", wantRespBody: "ErrCode=E01"},
		{name: "HEAD has no body", req: Request{Method: http.MethodHead}, wantMethod: "HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type seen struct{ method, contentType, body string }
			got := make(chan seen, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- seen{r.Method, r.Header.Get("Content-Type"), string(b)}
				w.Header().Set("X-Answer", "42")
				w.WriteHeader(http.StatusTeapot)
				_, _ = io.WriteString(w, "ErrCode=E01")
			}))
			defer srv.Close()
			c := NewHTTPClient("test", Apply())
			req := tt.req
			req.URL = srv.URL

			resp, err := c.Do(context.Background(), &req)

			require.NoError(t, err)
			s := <-got
			assert.Equal(t, tt.wantMethod, s.method, "method")
			assert.Equal(t, tt.wantContentType, s.contentType, "content type")
			assert.Equal(t, tt.wantBody, s.body, "body")
			assert.Equal(t, http.StatusTeapot, resp.StatusCode, "status")
			assert.Equal(t, "42", resp.Header.Get("X-Answer"), "header")
			assert.Equal(t, tt.wantRespBody, string(resp.Body), "response body")
		})
	}
}

func TestDoRedirectNotFollowed(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	c := NewHTTPClient("test", Apply())

	resp, err := c.Do(context.Background(), &Request{URL: srv.URL, Body: []byte("x")})

	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, resp.StatusCode, "status")
	assert.Equal(t, int32(1), hits.Load(), "server hits")
}

func TestDoInvalidRequest(t *testing.T) {
	tests := []struct {
		name string
		req  *Request
	}{
		{"bad url", &Request{Op: "charge", URL: "http://user:hunter2@host/\x7f"}},
		{"bad method", &Request{Op: "charge", Method: "PO ST", URL: "http://user:hunter2@host/"}},
		{"nil request", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewHTTPClient("test", Apply())

			_, err := c.Do(context.Background(), tt.req)

			pe := requirePaymentError(t, err)
			assert.ErrorIs(t, err, payment.ErrInvalidRequest, "kind")
			assert.True(t, pe.RetrySafe, "nothing sent")
			assert.NotContains(t, err.Error(), "hunter2", "error text")
		})
	}
}

// TestKeepAliveReuse checks that concurrent callers reuse pooled keep-alive
// connections. The control case, a transport with net/http's default of 2
// idle connections per host, shows that the test detects churn.
func TestKeepAliveReuse(t *testing.T) {
	const (
		workers = 64
		perG    = 40
	)
	tests := []struct {
		name      string
		client    func() *http.Client // nil: the pooled default
		wantChurn bool
	}{
		{name: "pooled transport"},
		{name: "control: 2 idle per host churns", wantChurn: true,
			client: func() *http.Client { return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var newConns atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				_, _ = io.WriteString(w, "ok")
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					newConns.Add(1)
				}
			}
			srv.Start()
			defer srv.Close()
			var opts []Option
			if tt.client != nil {
				opts = append(opts, WithHTTPClient(tt.client()))
			}
			c := NewHTTPClient("test", Apply(opts...))
			run := func(n int) {
				var wg sync.WaitGroup
				for range workers {
					wg.Go(func() {
						for range n {
							resp, err := c.Do(context.Background(), &Request{URL: srv.URL, Body: []byte("x")})
							if !assert.NoError(t, err) || !assert.Equal(t, "ok", string(resp.Body)) {
								return
							}
						}
					})
				}
				wg.Wait()
			}
			run(1) // warm-up
			warm := newConns.Load()
			run(perG)
			after := newConns.Load() - warm

			t.Logf("connections: %d during warm-up, %d new after it (%d requests)", warm, after, workers*perG)
			if tt.wantChurn {
				assert.Greater(t, warm+after, int32(poolMaxIdleConnsPerHost), "control churns")
				return
			}
			// A caller may dial while its previous connection is on its way
			// back to the pool, so a few more than one per worker can
			// appear; none is ever closed, so the count stays within the
			// pool however many requests run.
			assert.LessOrEqual(t, warm, int32(workers), "warm-up dials at most one per worker")
			assert.LessOrEqual(t, warm+after, int32(poolMaxIdleConnsPerHost), "within pool size")
		})
	}
}

// TestBurstBeyondPool: more concurrent callers than the pool holds wait for
// a connection instead of dialling one each and closing the surplus.
func TestBurstBeyondPool(t *testing.T) {
	const workers = poolMaxConnsPerHost + 64
	var newConns, inFlight, maxInFlight atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // keep the connections busy at once
		inFlight.Add(-1)
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := NewHTTPClient("test", Apply())
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range 3 {
				resp, err := c.Do(context.Background(), &Request{URL: srv.URL, Body: []byte("x")})
				if !assert.NoError(t, err) || !assert.Equal(t, "ok", string(resp.Body)) {
					return
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d connections for %d callers, at most %d requests at once", newConns.Load(), workers, maxInFlight.Load())
	assert.LessOrEqual(t, newConns.Load(), int32(poolMaxConnsPerHost), "connections opened")
	assert.Greater(t, maxInFlight.Load(), int32(poolMaxConnsPerHost/2), "the burst did overlap")
}

// TestDoNotSentThenSent: a payment call whose first attempt could not
// connect is sent on the next attempt and succeeds, exactly once.
func TestDoNotSentThenSent(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	var dials atomic.Int32
	d := &net.Dialer{}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			return d.DialContext(ctx, network, addr)
		},
	}}
	c := fastBackoff(NewHTTPClient("test", Apply(WithMaxRetries(2), WithHTTPClient(hc))))

	resp, err := c.Do(context.Background(), &Request{Op: "charge", URL: srv.URL, Body: []byte("x")})

	require.NoError(t, err)
	assert.Equal(t, "ok", string(resp.Body), "body")
	assert.Equal(t, int32(2), dials.Load(), "dials")
	assert.Equal(t, int32(1), hits.Load(), "server hits")
	assert.Equal(t, 1, resp.Writes, "the refused attempt wrote nothing")
}

// TestDoTimeoutBeforeSend: an attempt that times out while still dialling
// never left, so even a payment call is retried, and the result is
// retry-safe.
func TestDoTimeoutBeforeSend(t *testing.T) {
	var dials atomic.Int32
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			<-ctx.Done() // a black-holed SYN
			return nil, ctx.Err()
		},
	}}
	c := fastBackoff(NewHTTPClient("test", Apply(WithMaxRetries(2), WithTimeout(50*time.Millisecond), WithHTTPClient(hc))))

	_, err := c.Do(context.Background(), &Request{Op: "charge", URL: "http://192.0.2.1/pay", Body: []byte("x")})

	pe := requirePaymentError(t, err)
	assert.ErrorIs(t, err, payment.ErrUnavailable, "kind")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "deadline")
	assert.True(t, pe.RetrySafe, "retry safe")
	assert.Equal(t, int32(3), dials.Load(), "dials")
}
