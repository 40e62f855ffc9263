package provider

import (
	"bytes"
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
	"strconv"
	"sync/atomic"
	"time"

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

// clientImpl is the transport behind Client: a retry loop modelled on
// go-retryablehttp's (the same hooks, log lines and back-off), with a
// payment-safe retry policy, a pooled *http.Transport and per-attempt
// httptrace bookkeeping.
type clientImpl struct{ t *transport }

type transport struct {
	name       string
	log        *zap.Logger
	hc         *http.Client
	timeout    time.Duration
	maxRetries int
	// waitMin and waitMax bound the back-off between attempts.
	waitMin, waitMax time.Duration
	// lg writes retryablehttp's log lines (nil: logging is off, and
	// nothing is formatted).
	lg *LeveledLogger
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
	t := &transport{
		name: name, log: log, timeout: timeout, maxRetries: retries,
		waitMin: backoffMin, waitMax: backoffMax,
		hc: &http.Client{
			// No http.Client.Timeout: net/http only takes its cheap
			// context-deadline path for transports it knows, and spends a
			// goroutine, a timer and channels per request on others. The
			// per-attempt timeout is the attempt's context (do). The
			// client never calls CloseIdleConnections, which would drop
			// the keep-alive connections of every other caller sharing
			// the pool.
			Transport: base,
			// A gateway's 3xx is the adapter's to interpret; following
			// it would resend (or turn a POST into a GET) behind its back.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	if log.Core().Enabled(zap.ErrorLevel) {
		// Nil keeps the loop from formatting log lines nobody reads.
		t.lg = NewLeveledLogger(log)
	}
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
	// cancel ends the current attempt's context (nil when the caller's
	// deadline bounds the attempt).
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

	// The first attempt's request is built on its own context (the
	// attempt's deadline); later attempts are shallow copies on theirs, so
	// that a retry is bounded by a fresh timeout and never by an earlier
	// attempt's deadline, and a copy's body is never shared with an
	// earlier attempt still being closed by net/http.
	actx, cancel := t.attemptContext(ctx)
	base, err := http.NewRequestWithContext(actx, method, req.URL, nil)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		// The method or URL did not parse. The URL text may hold
		// credentials: report only that it is invalid.
		return nil, &payment.Error{Provider: t.name, Op: req.Op, Kind: payment.ErrInvalidRequest,
			Field: "URL", Message: "invalid request method or url", RetrySafe: true}
	}
	if req.Header != nil {
		// Not cloned: nothing below modifies it (redirects are off).
		base.Header = req.Header
	}
	body := req.Body
	if body != nil {
		base.ContentLength = int64(len(body))
		// For net/http's own replay of a request on a keep-alive
		// connection the server closed before reading it.
		base.GetBody = func() (io.ReadCloser, error) { return newBodyReader(body), nil }
	}

	resp, err := t.loop(ctx, st, base, body, cancel)
	st.endAttempt()
	if err != nil {
		return nil, t.finalError(ctx, req.Op, st, err)
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: st.body, Writes: int(st.writes.Load())}, nil
}

// attemptContext bounds one attempt by the per-attempt timeout. cancel is
// nil when ctx's own deadline comes first anyway.
func (t *transport) attemptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(t.timeout)
	if d, ok := ctx.Deadline(); ok && !d.After(deadline) {
		return ctx, nil
	}
	return context.WithDeadline(ctx, deadline)
}

// loop sends base, and again while checkRetry asks for it, with the
// back-off in between; it is go-retryablehttp's Client.Do as this package
// configured it (RequestLogHook beforeAttempt, response handler readBody,
// CheckRetry checkRetry, Backoff jitterBackoff, ErrorHandler errorHandler,
// ResponseLogHook afterAttempt and the LeveledLogger when logging is on),
// without its per-request wrapper, closures and context copies. ctx is the
// call's context (no attempt deadline); cancel0 ends the first attempt's.
func (t *transport) loop(ctx context.Context, st *call, base *http.Request, body []byte, cancel0 context.CancelFunc) (*http.Response, error) {
	if t.lg != nil {
		t.lg.Debug("performing request", "method", base.Method, "url", redactURL(base.URL))
	}
	var (
		resp                     *http.Response
		attempt                  int
		shouldRetry              bool
		doErr, respErr, checkErr error
	)
	for i := 0; ; i++ {
		doErr, respErr = nil, nil
		attempt++

		r, cancel := base, cancel0
		if i > 0 {
			var actx context.Context
			actx, cancel = t.attemptContext(ctx)
			r = base.WithContext(actx)
		}
		if body != nil {
			r.Body = newBodyReader(body)
		}
		t.beforeAttempt(r, i) // ends the previous attempt
		st.cancel = cancel

		resp, doErr = t.hc.Do(r)
		if doErr != nil {
			st.endAttempt()
		}

		shouldRetry, checkErr = t.checkRetry(ctx, resp, doErr)
		if !shouldRetry && doErr == nil {
			respErr = readBody(resp)
			shouldRetry, checkErr = t.checkRetry(ctx, resp, respErr)
		}

		err := doErr
		if respErr != nil {
			err = respErr
		}
		if t.lg != nil {
			if err != nil {
				t.lg.Error("request failed", "error", err, "method", r.Method, "url", redactURL(r.URL))
			} else {
				t.afterAttempt(resp)
			}
		}

		if !shouldRetry {
			break
		}
		remain := t.maxRetries - i
		if remain <= 0 {
			break
		}
		if doErr == nil {
			t.drainBody(resp.Body)
		}
		wait := jitterBackoff(t.waitMin, t.waitMax, i, resp)
		if t.lg != nil {
			desc := r.Method + " " + redactURL(r.URL)
			if resp != nil {
				desc += " (status: " + strconv.Itoa(resp.StatusCode) + ")"
			}
			t.lg.Debug("retrying request", "request", desc, "timeout", wait, "remaining", remain)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}

	if doErr == nil && respErr == nil && checkErr == nil && !shouldRetry {
		return resp, nil
	}
	var err error
	switch {
	case checkErr != nil:
		err = checkErr
	case respErr != nil:
		err = respErr
	default:
		err = doErr
	}
	return errorHandler(resp, err, attempt)
}

// newBodyReader returns a request body reading b. It must stay an
// io.NopCloser around a *bytes.Reader: net/http recognises that as an
// in-memory body and writes headers and body in one go; any other reader
// makes it flush the headers separately (an extra write per request).
func newBodyReader(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

// respReadLimit bounds what drainBody reads of an answer that is retried,
// to keep its connection.
const respReadLimit = 4096

// drainBody consumes and closes an answer before a retry, as
// go-retryablehttp does.
func (t *transport) drainBody(body io.ReadCloser) {
	defer body.Close()
	if _, err := io.Copy(io.Discard, io.LimitReader(body, respReadLimit)); err != nil && t.lg != nil {
		t.lg.Error("error reading response body", "error", err)
	}
}

// redactURL is go-retryablehttp's: the URL with any password replaced.
// (LeveledLogger strips user info and query strings anyway.)
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	ru := *u
	if _, has := ru.User.Password(); has {
		ru.User = url.UserPassword(ru.User.Username(), "xxxxx")
	}
	return ru.String()
}

// beforeAttempt runs before every attempt: it ends the previous attempt,
// starts the attempt's bookkeeping and logs it.
func (t *transport) beforeAttempt(r *http.Request, attempt int) {
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

// afterAttempt logs a received response.
func (t *transport) afterAttempt(r *http.Response) {
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
		// The retry loop drains the body before a retry; give it nothing.
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

// errorHandler ends a failed call as retryablehttp's ErrorHandler would
// (its default wraps the error in a message holding the URL): close any
// response and pass the error on.
func errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err == nil {
		// The loop gave up while the policy still asked to retry; the
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
