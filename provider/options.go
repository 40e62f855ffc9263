package provider

import (
	"net/http"
	"time"

	"github.com/kessai/payment"
	"go.uber.org/zap"
)

// Clock tells the time. Tests replace it with WithClock.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

// Options are the cross-cutting settings every adapter accepts. Adapters
// call Apply in New and keep the result; they never change it afterwards.
type Options struct {
	Logger     *zap.Logger
	HTTPClient *http.Client // a base client whose Transport is reused; nil = pooled default
	BaseURL    string
	Timeout    time.Duration // per-attempt HTTP timeout; 0 = DefaultTimeout
	Clock      Clock
	MaxRetries int // attempts beyond the first for retry-safe failures; <0 = none
}

// DefaultTimeout is the per-request timeout when WithTimeout is not given.
// GMO processes for up to tens of seconds; libraries use 30 s to 3 min.
const DefaultTimeout = 60 * time.Second

// Option sets an optional setting.
type Option func(*Options)

// WithLogger turns logging on. Adapters scope it with Named(name). Nothing
// is logged without it.
func WithLogger(l *zap.Logger) Option { return func(o *Options) { o.Logger = l } }

// WithHTTPClient supplies the *http.Client whose Transport carries requests.
func WithHTTPClient(c *http.Client) Option { return func(o *Options) { o.HTTPClient = c } }

// WithBaseURL points the adapter at another endpoint (a simulator, paysim,
// a proxy).
func WithBaseURL(u string) Option { return func(o *Options) { o.BaseURL = u } }

// WithTimeout sets the timeout of each HTTP attempt, from sending the
// request to reading the last byte of the answer. Retries (see
// [NewHTTPClient]) get a fresh timeout; the caller's context bounds the
// whole call.
func WithTimeout(d time.Duration) Option { return func(o *Options) { o.Timeout = d } }

// WithClock replaces the clock (for tests).
func WithClock(c Clock) Option { return func(o *Options) { o.Clock = c } }

// WithMaxRetries bounds retries of requests that provably never left or
// that move no money. 0 disables retries.
func WithMaxRetries(n int) Option { return func(o *Options) { o.MaxRetries = n } }

// Apply applies opts over the defaults (no-op logger, system clock,
// DefaultTimeout, 2 retries).
func Apply(opts ...Option) Options {
	o := Options{Logger: zap.NewNop(), Clock: SystemClock, Timeout: DefaultTimeout, MaxRetries: 2}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Clock == nil {
		o.Clock = SystemClock
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	return o
}

// Secret is payment.Secret, re-exported for adapter authors: a string that
// renders [REDACTED] in every fmt verb, JSON and zap.
type Secret = payment.Secret

// MaskPAN is payment.MaskPAN: at most the first 6 and last 4 digits.
func MaskPAN(pan string) string { return payment.MaskPAN(pan) }

// NewSecret is [payment.NewSecret], re-exported for adapter authors.
func NewSecret(s string) Secret { return payment.NewSecret(s) }
