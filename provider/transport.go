package provider

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/kessai/payment"
	"go.uber.org/zap"
)

// Pool sizing of the transport NewHTTPClient builds when Options.HTTPClient
// is nil. 256 idle connections per host let a few hundred concurrent callers
// reuse keep-alive connections instead of dialling (and TLS-handshaking)
// anew. Connections per host are capped at the same number: without the
// cap, a burst of more callers than the idle pool holds dials a connection
// for each of them and closes the surplus right after (bench/: 485 dials
// for 3000 payments from 512 callers), a TIME_WAIT storm on the gateway.
// With it, callers beyond 256 wait for a free connection; the wait counts
// against the attempt's timeout, and a request that times out there was
// provably never sent (retry-safe).
const (
	poolMaxIdleConnsPerHost = 256
	poolMaxConnsPerHost     = poolMaxIdleConnsPerHost
	poolMaxIdleConns        = 1024
	poolIdleConnTimeout     = 90 * time.Second
)

// Default retry back-off: exponential from backoffMin, capped at
// backoffMax, with jitter.
const (
	backoffMin = 50 * time.Millisecond
	backoffMax = 1 * time.Second
)

// clientImpl is the transport behind Client: a go-retryablehttp client with
// a payment-safe CheckRetry, no default ErrorHandler behaviour, a pooled
// *http.Transport and per-attempt httptrace bookkeeping.
type clientImpl struct{ t *transport }

type transport struct {
	name       string
	log        *zap.Logger
	rc         *retryablehttp.Client
	maxRetries int
}

func newClientImpl(name string, o Options) clientImpl {
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	log = log.Named(name).Named("http")
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	retries := max(o.MaxRetries, 0)

	var base http.RoundTripper
	if o.HTTPClient != nil && o.HTTPClient.Transport != nil {
		base = o.HTTPClient.Transport
	} else {
		base = newPooledTransport()
	}
	t := &transport{name: name, log: log, maxRetries: retries}
	rc := &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: &attemptTransport{rt: base, timeout: timeout},
			// A gateway's 3xx is the adapter's to interpret; following
			// it would resend (or turn a POST into a GET) behind its back.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		RetryWaitMin:   backoffMin,
		RetryWaitMax:   backoffMax,
		RetryMax:       retries,
		CheckRetry:     t.checkRetry,
		Backoff:        jitterBackoff,
		ErrorHandler:   errorHandler,
		RequestLogHook: t.beforeAttempt,
	}
	if log.Core().Enabled(zap.ErrorLevel) {
		// Nil keeps retryablehttp from formatting log lines nobody reads.
		rc.Logger = NewLeveledLogger(log)
		rc.ResponseLogHook = t.afterAttempt
	}
	t.rc = rc
	return clientImpl{t: t}
}

// newPooledTransport is http.DefaultTransport sized for concurrent use
// against one or two gateway hosts.
func newPooledTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		MaxIdleConns:          poolMaxIdleConns,
		MaxIdleConnsPerHost:   poolMaxIdleConnsPerHost,
		MaxConnsPerHost:       poolMaxConnsPerHost,
		IdleConnTimeout:       poolIdleConnTimeout,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
}

// attemptTransport bounds each attempt by the per-request timeout, from
// the first byte out to the last byte of the body read.
//
// It has no CloseIdleConnections method on purpose: retryablehttp calls
// http.Client.CloseIdleConnections after every failed call, which would drop
// the keep-alive connections of every other caller sharing the pool. (This
// is also why the timeout is not http.Client.Timeout: net/http only takes
// its cheap context-deadline path for transports it knows, and spends a
// goroutine, a timer and channels per request on a wrapper like this one.)
type attemptTransport struct {
	rt      http.RoundTripper
	timeout time.Duration
}

func (t *attemptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	deadline := time.Now().Add(t.timeout)
	if d, ok := r.Context().Deadline(); ok && !d.After(deadline) {
		// The caller's deadline comes first anyway.
		return t.rt.RoundTrip(r)
	}
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	resp, err := t.rt.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	if st := callFrom(ctx); st != nil {
		// readBody ends the attempt once the body is read and closed
		// (Do, at the latest), without wrapping the body.
		st.cancel = cancel
		return resp, nil
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody ends the attempt's context when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// call is the state of one Do. It is also the request's context, wrapping
// the caller's, so that every hook finds it with callFrom at the cost of no
// extra context layer.
type call struct {
	context.Context
	idempotent bool
	method     string
	// attempt is the 0-based attempt number; written by beforeAttempt on
	// the caller's goroutine, read by checkRetry on the same goroutine.
	attempt int
	// wrote is set by httptrace when the current attempt has put its
	// headers (and so possibly the whole request) on the connection;
	// writes counts the attempts that did.
	wrote  atomic.Bool
	writes atomic.Int32
	body   []byte
	trace  httptrace.ClientTrace
	// cancel ends the current attempt's context (attemptTransport).
	cancel context.CancelFunc
}

// endAttempt ends the current attempt's context, if any.
func (c *call) endAttempt() {
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
	}
}

type callKey struct{}

// Value answers callKey with the call itself.
func (c *call) Value(key any) any {
	if key == (callKey{}) {
		return c
	}
	return c.Context.Value(key)
}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

func (c clientImpl) do(ctx context.Context, req *Request) (*Response, error) {
	t := c.t
	if req == nil {
		return nil, &payment.Error{Provider: t.name, Kind: payment.ErrInvalidRequest, Message: "nil request", RetrySafe: true}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	st := &call{Context: ctx, idempotent: req.Idempotent, method: method}
	st.trace.WroteHeaders = func() {
		if !st.wrote.Swap(true) {
			st.writes.Add(1)
		}
	}
	ctx = httptrace.WithClientTrace(st, &st.trace)

	// The body is []byte, so retryablehttp rewinds it with a fresh
	// bytes.Reader per attempt; nil means no body.
	var body any
	if req.Body != nil {
		body = req.Body
	}
	rreq, err := retryablehttp.NewRequestWithContext(ctx, method, req.URL, body)
	if err != nil {
		// The method or URL did not parse. The URL text may hold
		// credentials: report only that it is invalid.
		return nil, &payment.Error{Provider: t.name, Op: req.Op, Kind: payment.ErrInvalidRequest,
			Field: "URL", Message: "invalid request method or url", RetrySafe: true}
	}
	if req.Header != nil {
		// Not cloned: nothing below modifies it (redirects are off).
		rreq.Header = req.Header
	}
	rreq.SetResponseHandler(readBody)

	resp, err := t.rc.Do(rreq)
	st.endAttempt()
	if err != nil {
		return nil, t.finalError(ctx, req.Op, st, err)
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: st.body, Writes: int(st.writes.Load())}, nil
}

// beforeAttempt runs before every attempt (retryablehttp's RequestLogHook):
// it starts the attempt's bookkeeping and logs it.
func (t *transport) beforeAttempt(_ retryablehttp.Logger, r *http.Request, attempt int) {
	st := callFrom(r.Context())
	if st == nil {
		return
	}
	st.endAttempt() // normally done by readBody already
	st.attempt = attempt
	st.wrote.Store(false)
	if ce := t.log.Check(zap.DebugLevel, "http request"); ce != nil {
		ce.Write(zap.String("method", r.Method), zap.String("host", r.URL.Host),
			zap.String("path", r.URL.Path), zap.Int("attempt", attempt))
	}
}

// afterAttempt logs a received response (retryablehttp's ResponseLogHook).
func (t *transport) afterAttempt(_ retryablehttp.Logger, r *http.Response) {
	if ce := t.log.Check(zap.DebugLevel, "http response"); ce != nil {
		attempt := 0
		if st := callFrom(r.Request.Context()); st != nil {
			attempt = st.attempt
		}
		ce.Write(zap.String("method", r.Request.Method), zap.String("host", r.Request.URL.Host),
			zap.String("path", r.Request.URL.Path), zap.Int("attempt", attempt), zap.Int("status", r.StatusCode))
	}
}

// errTooLarge is the response-handler error for an oversized body.
var errTooLarge = fmt.Errorf("response body exceeds %d bytes", MaxResponseBytes)

// bodyError marks a failure while reading a received response's body.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading response body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// readBody is the response handler: it reads the whole body, bounded by
// MaxResponseBytes, into the call state and closes it. It runs inside the
// retry loop, so a body cut short can still be retried for idempotent calls.
func readBody(resp *http.Response) error {
	st := callFrom(resp.Request.Context())
	defer func() {
		resp.Body.Close()
		// retryablehttp drains the body before a retry; give it nothing.
		resp.Body = http.NoBody
		if st != nil {
			st.endAttempt()
		}
	}()
	if resp.Request != nil && resp.Request.Method == http.MethodHead {
		// Content-Length describes the body a GET would have had.
		return nil
	}
	n := resp.ContentLength
	if n > MaxResponseBytes {
		return errTooLarge
	}
	var b []byte
	var err error
	if n >= 0 {
		b = make([]byte, n)
		if _, err = io.ReadFull(resp.Body, b); err != nil {
			return &bodyError{unwrapURL(err)}
		}
	} else {
		b, err = io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
		if err != nil {
			return &bodyError{unwrapURL(err)}
		}
		if len(b) > MaxResponseBytes {
			return errTooLarge
		}
	}
	if st != nil {
		st.body = b
	}
	return nil
}

// retryableStatus reports the statuses an idempotent call is retried on.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500 && code != http.StatusNotImplemented
}

// checkRetry is the payment-safe retry policy. A response is always
// returned to the adapter, except that idempotent calls are retried on
// 429/5xx. An error is retried only when the attempt provably wrote nothing
// (no headers went onto a connection) or the call is idempotent; otherwise
// it is final. The returned error is the final *payment.Error.
func (t *transport) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := callFrom(ctx)
	if st == nil {
		return false, err
	}
	more := st.attempt < t.maxRetries && ctx.Err() == nil
	if err == nil {
		return more && st.idempotent && retryableStatus(resp.StatusCode), nil
	}
	if errors.Is(err, errTooLarge) {
		// Retrying fetches the same oversized answer.
		return false, t.finalError(ctx, "", st, err)
	}
	sent := resp != nil || st.wrote.Load()
	if more && (!sent || st.idempotent) {
		return true, nil
	}
	return false, t.finalError(ctx, "", st, err)
}

// finalError turns err into the *payment.Error Do returns. op is filled in
// by do when empty.
func (t *transport) finalError(ctx context.Context, op string, st *call, err error) error {
	var pe *payment.Error
	if errors.As(err, &pe) {
		if pe.Op == "" {
			pe.Op = op
		}
		return pe
	}
	cause := unwrapURL(err)
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(cause, ctxErr) {
		cause = &ctxCause{ctx: ctxErr, err: cause}
	}
	pe = &payment.Error{Provider: t.name, Op: op, Err: cause}
	var be *bodyError
	switch {
	case errors.Is(err, errTooLarge):
		pe.Message = "response too large"
	case st == nil:
		// Cannot tell what happened: assume the worst.
		pe.Message = "request may have been sent"
	case !st.wrote.Load() && !errors.As(err, &be):
		pe.Kind, pe.RetrySafe, pe.Message = payment.ErrUnavailable, true, "request not sent"
		return pe
	default:
		pe.Message = "request may have been sent"
	}
	if st != nil && st.idempotent {
		pe.Kind, pe.RetrySafe = payment.ErrUnavailable, true
	} else {
		pe.Kind = payment.ErrOutcomeUnknown
	}
	return pe
}

// ctxCause joins the context's error to a transport error so that both
// errors.Is(err, ctx.Err()) and the transport cause match.
type ctxCause struct{ ctx, err error }

func (e *ctxCause) Error() string   { return e.ctx.Error() + ": " + e.err.Error() }
func (e *ctxCause) Unwrap() []error { return []error{e.ctx, e.err} }

// unwrapURL drops the *url.Error layer net/http adds: its text holds the
// request URL, which may carry credentials or query parameters.
func unwrapURL(err error) error {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	return err
}

// errorHandler replaces retryablehttp's default, which would wrap the error
// in a message holding the URL: close any response and pass the error on.
func errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err == nil {
		// retryablehttp gave up while the policy still asked to retry; the
		// policy never does that on its last attempt, but be safe.
		err = errors.New("giving up")
	}
	return nil, err
}

// jitterBackoff waits lo·2^attempt, capped at hi, then picks uniformly
// in its upper half so that concurrent callers spread out.
func jitterBackoff(lo, hi time.Duration, attempt int, _ *http.Response) time.Duration {
	d := lo << min(attempt, 30)
	if d <= 0 || d > hi {
		d = hi
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}
