package golomttest

import (
	"net/http"
	"time"
)

// TimeSource tells the time; provider.Clock and *[Clock] satisfy it.
type TimeSource interface{ Now() time.Time }

// Option configures a Server.
type Option func(*config)

type config struct {
	bearer          string
	secret          string
	merchantID      string
	clock           TimeSource
	notifyURL       string
	notifyClient    *http.Client
	notifyInterval  time.Duration
	notifyAttempts  int
	invoiceLifetime time.Duration
	expiredCode     string
	expiredDesc     string
	formulas        map[Message][]string
	maxBody         int64
	faultFunc       func(api string) Fault
}

func defaultConfig() config {
	return config{
		bearer:          DefaultBearerToken,
		secret:          DefaultSecret,
		merchantID:      DefaultMerchantID,
		clock:           systemTime{},
		notifyInterval:  DefaultNotifyInterval,
		notifyAttempts:  DefaultNotifyAttempts,
		invoiceLifetime: DefaultInvoiceLifetime,
		expiredCode:     DefaultExpiredCode,
		expiredDesc:     DefaultExpiredDesc,
		formulas:        defaultFormulas(),
		maxBody:         64 << 10,
	}
}

type systemTime struct{}

func (systemTime) Now() time.Time { return time.Now() }

// WithCredentials sets the bearer token the API accepts and the merchant
// HMAC key (defaults [DefaultBearerToken], [DefaultSecret]).
func WithCredentials(bearerToken, secret string) Option {
	return func(c *config) { c.bearer, c.secret = bearerToken, secret }
}

// WithMerchantID sets the merchant id the settlement report expects
// (default [DefaultMerchantID]).
func WithMerchantID(id string) Option { return func(c *config) { c.merchantID = id } }

// WithClock makes the simulator read time from t (use a *[Clock] to move
// time forward in tests).
func WithClock(t TimeSource) Option {
	return func(c *config) {
		if t != nil {
			c.clock = t
		}
	}
}

// WithNotifyURL registers the merchant's one notification URL. Without it
// no push is delivered (NextNotification still builds them).
func WithNotifyURL(u string) Option { return func(c *config) { c.notifyURL = u } }

// WithNotifyClient sets the HTTP client pushes are delivered with (e.g. an
// httptest TLS server's Client()). Default: a client with a 10 s timeout.
func WithNotifyClient(hc *http.Client) Option { return func(c *config) { c.notifyClient = hc } }

// WithNotifyRetry sets the push retry policy: up to attempts tries in total,
// interval apart, while the merchant answers anything but HTTP 200.
// Defaults: [DefaultNotifyAttempts], [DefaultNotifyInterval] (the bank's
// real policy is undocumented).
func WithNotifyRetry(interval time.Duration, attempts int) Option {
	return func(c *config) {
		if interval >= 0 {
			c.notifyInterval = interval
		}
		if attempts > 0 {
			c.notifyAttempts = attempts
		}
	}
}

// WithInvoiceLifetime sets how long an unpaid invoice stays payable
// (default [DefaultInvoiceLifetime]; the bank allows 2–10 minutes per
// merchant).
func WithInvoiceLifetime(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.invoiceLifetime = d
		}
	}
}

// WithExpiredResult sets what inquiry reports for an invoice that expired
// unpaid. code "" keeps errorCode null and status PENDING forever (the
// other plausible bank behaviour). Default [DefaultExpiredCode] /
// [DefaultExpiredDesc] with status SENT.
func WithExpiredResult(code, desc string) Option {
	return func(c *config) { c.expiredCode, c.expiredDesc = code, desc }
}

// WithFormula replaces the checksum formula of one message by the ordered
// list of JSON field names whose values are concatenated (see [Message]
// for the defaults). Use it for the UNCERTAIN formulas of the card
// registration calls, e.g.
//
//	WithFormula(MsgConfirmationRequest, "transactionId", "amount", "returnType", "callback")
func WithFormula(m Message, fields ...string) Option {
	return func(c *config) {
		c.formulas[m] = append([]string(nil), fields...)
	}
}

// WithFaultFunc consults f for every request to an API (the API… names)
// that has no fault queued by InjectFault; returning a Fault with Kind
// FaultNone lets the request through. Use it for random chaos in paysim
// (f must be safe for concurrent use).
func WithFaultFunc(f func(api string) Fault) Option { return func(c *config) { c.faultFunc = f } }
