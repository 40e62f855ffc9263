package paymenttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
	"go.uber.org/zap"
)

// Test card tokens. Pass them as PaymentMethod.CardToken (see [Approve],
// [Decline], [Challenge]). A token is recognised by its prefix ("tok_approve",
// "tok_decline", "tok_challenge"), so tests may append their own suffix.
const (
	// TokenApprove is approved without a challenge.
	TokenApprove = "tok_approve_4242424242424242"
	// TokenDecline is declined with gateway code [DeclineCode].
	TokenDecline = "tok_decline_4000000000000002"
	// TokenChallenge needs a 3-D Secure style challenge: Confirm returns
	// StatusRequiresAction with a GET redirect, and [Provider.CompleteAction]
	// plays the customer's part.
	TokenChallenge = "tok_challenge_4000000000003220"
)

// Gateway codes the simulated gateway reports.
const (
	// DeclineCode is the code of a decline by [TokenDecline] or on the
	// hosted page.
	DeclineCode = "declined_insufficient_funds"
	// ChallengeFailedCode is the code of a failed challenge.
	ChallengeFailedCode = "3ds_authentication_failed"
	// InvalidCardCode is the code for a card token the simulator does not
	// know.
	InvalidCardCode = "declined_invalid_card"
	// OutcomeUnknownCode is the code of [FaultGatewayUnknown].
	OutcomeUnknownCode = "outcome_unknown"
)

// MaxOrderIDLen is the longest order id the simulated gateway accepts.
const MaxOrderIDLen = 27

// Approve returns a payment method that is approved.
func Approve() *payment.PaymentMethod {
	return &payment.PaymentMethod{CardToken: payment.NewSecret(TokenApprove)}
}

// Decline returns a payment method that is declined with [DeclineCode].
func Decline() *payment.PaymentMethod {
	return &payment.PaymentMethod{CardToken: payment.NewSecret(TokenDecline)}
}

// Challenge returns a payment method that needs a challenge.
func Challenge() *payment.PaymentMethod {
	return &payment.PaymentMethod{CardToken: payment.NewSecret(TokenChallenge)}
}

// Config configures a [Provider]. The zero value is a card provider with
// every capability, accepting JPY, MNT and USD.
type Config struct {
	// Name is the provider name. Default "paymenttest".
	Name string
	// Currencies the provider accepts. Default JPY, MNT, USD.
	Currencies []payment.Currency
	// Capabilities, when non-nil, restricts the provider to these
	// capabilities (its Currencies field, when non-empty, replaces
	// Currencies; HostedPage is taken from the field below). Calls beyond
	// them fail with payment.ErrUnsupported before any simulated I/O.
	Capabilities *payment.Capabilities
	// HostedPage makes the provider a hosted-page provider: CreatePayment
	// returns StatusRequiresAction with a redirect to a simulated payment
	// page, Confirm takes no payment method, and money moves when the
	// customer pays on the page ([Provider.CompleteAction]).
	HostedPage bool
	// NotificationKey is the HMAC-SHA256 key notifications are signed
	// with. Default "paymenttest-notification-key".
	NotificationKey payment.Secret
	// PageURL is the base URL of the simulated challenge and payment pages.
	// Default "https://paymenttest.invalid".
	PageURL string
}

// Provider is an in-memory payment provider with a real state machine. It
// implements payment.Provider, payment.Voider and payment.Inquirer. Its
// configuration is immutable; its state is guarded by a mutex, so it is safe
// for concurrent use.
type Provider struct {
	name    string
	caps    payment.Capabilities
	hosted  bool
	key     payment.Secret
	pageURL string
	log     *zap.Logger
	clock   provider.Clock
	timeout time.Duration

	mu       sync.Mutex
	byRef    map[payment.PaymentRef]*record
	byOrder  map[string]*record
	faults   map[string][]Fault
	requests int
}

var (
	_ payment.Provider = (*Provider)(nil)
	_ payment.Voider   = (*Provider)(nil)
	_ payment.Inquirer = (*Provider)(nil)
)

// DefaultTimeout is how long a call hit by [FaultTimeout] waits for its
// answer when provider.WithTimeout is not given.
const DefaultTimeout = 250 * time.Millisecond

// New returns a Provider. It accepts provider.WithLogger, WithClock and
// WithTimeout (how long [FaultTimeout] waits before giving up, default
// [DefaultTimeout]); other options are ignored.
func New(cfg Config, opts ...provider.Option) (*Provider, error) {
	o := provider.Apply(opts...)
	// Nothing here crosses a network, so unless WithTimeout says otherwise
	// FaultTimeout waits DefaultTimeout, not provider.DefaultTimeout.
	probe := provider.Options{}
	for _, opt := range opts {
		if opt != nil {
			opt(&probe)
		}
	}
	if probe.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	name := cfg.Name
	if name == "" {
		name = "paymenttest"
	}
	curs := cfg.Currencies
	if len(curs) == 0 {
		curs = []payment.Currency{payment.JPY, payment.MNT, payment.USD}
	}
	caps := payment.Capabilities{
		ManualCapture: true, PartialCapture: true, Refund: true, PartialRefund: true,
		MultipleRefunds: true, Void: true, Inquiry: true, ThreeDSecure: true, Notifications: true,
	}
	// AsyncPayments follows Config.Capabilities when set, else it is on.
	if cfg.Capabilities != nil {
		caps = *cfg.Capabilities
		if len(caps.Currencies) > 0 {
			curs = caps.Currencies
		}
	}
	caps.Currencies = make([]payment.Currency, 0, len(curs))
	for _, c := range curs {
		iso, err := payment.LookupCurrency(c.Code)
		if err != nil {
			return nil, err
		}
		caps.Currencies = append(caps.Currencies, iso)
	}
	caps.HostedPage = cfg.HostedPage
	if cfg.HostedPage {
		caps.ThreeDSecure = false
	}
	caps.StoredCards = false
	if cfg.Capabilities == nil {
		caps.AsyncPayments = true // konbini / Pay-easy vouchers (async.go)
	}
	if cfg.HostedPage {
		caps.AsyncPayments = false
	}
	if !caps.Refund {
		caps.PartialRefund, caps.MultipleRefunds = false, false
	}
	if !caps.ManualCapture {
		caps.PartialCapture = false
	}
	key := cfg.NotificationKey
	if key.IsZero() {
		key = payment.NewSecret("paymenttest-notification-key")
	}
	page := strings.TrimRight(cfg.PageURL, "/")
	if page == "" {
		page = "https://paymenttest.invalid"
	}
	if _, err := url.Parse(page); err != nil {
		return nil, payment.InvalidRequest(name, "new", "PageURL", "not a URL")
	}
	return &Provider{
		name: name, caps: caps, hosted: cfg.HostedPage, key: key, pageURL: page,
		log: o.Logger.Named(name), clock: o.Clock, timeout: o.Timeout,
		byRef: map[payment.PaymentRef]*record{}, byOrder: map[string]*record{}, faults: map[string][]Fault{},
	}, nil
}

// Name returns the configured name.
func (p *Provider) Name() string { return p.name }

// Capabilities returns the configured capabilities. The Currencies slice is
// a copy.
func (p *Provider) Capabilities() payment.Capabilities {
	c := p.caps
	c.Currencies = append([]payment.Currency(nil), p.caps.Currencies...)
	return c
}

// Requests returns how many calls reached the simulated gateway. Calls
// rejected by validation or as unsupported never do, nor do calls that
// fail with [FaultRefused].
func (p *Provider) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

func (p *Provider) err(op string, kind error, code, msg string) *payment.Error {
	e := &payment.Error{Provider: p.name, Op: op, Kind: kind, GatewayCode: code, Message: msg}
	if code != "" {
		e.GatewayCodes = []string{code}
	}
	return e
}

func (p *Provider) invalid(op, field, msg string) error {
	return payment.InvalidRequest(p.name, op, field, msg)
}

func (p *Provider) unsupported(op, what string) error {
	return payment.Unsupported(p.name, op, what)
}

func newRef() payment.PaymentRef {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return payment.PaymentRef("pt_" + hex.EncodeToString(b[:]))
}

// validOrderID applies the simulated gateway's rule: 1–27 characters of
// [A-Za-z0-9-].
func validOrderID(id string) (string, bool) {
	if id == "" {
		return "order id is empty", false
	}
	if len(id) > MaxOrderIDLen {
		return "order id longer than 27 characters", false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return "order id may contain only A-Z, a-z, 0-9 and '-'", false
		}
	}
	return "", true
}

// checkAmount rejects amounts in unsupported currencies or with more
// decimals than ISO 4217 allows for the currency code.
func (p *Provider) checkAmount(op, field string, m payment.Money) error {
	code := m.Currency().Code
	if code == "" {
		return p.invalid(op, field, "amount has no currency")
	}
	if !p.caps.SupportsCurrency(m.Currency()) {
		return p.invalid(op, field, "currency "+code+" is not accepted")
	}
	iso, err := payment.LookupCurrency(code)
	if err != nil {
		return p.invalid(op, field, "unknown currency")
	}
	if d := m.Amount(); !d.Equal(d.Truncate(iso.Exponent)) {
		return p.invalid(op, field, "amount has more decimals than "+code+" allows")
	}
	if !m.IsPositive() {
		return p.invalid(op, field, "amount must be positive")
	}
	return nil
}

// canonical re-expresses m in the ISO 4217 currency for its code, so that a
// Money built with a non-standard exponent compares equal.
func canonical(m payment.Money) payment.Money {
	iso, err := payment.LookupCurrency(m.Currency().Code)
	if err != nil {
		return m
	}
	c, err := payment.NewMoney(m.Amount(), iso)
	if err != nil {
		return m
	}
	return c
}

func ctxErr(ctx context.Context, op, name string) error {
	if err := ctx.Err(); err != nil {
		return &payment.Error{Provider: name, Op: op, Kind: payment.ErrUnavailable, RetrySafe: true,
			Message: "not sent: context ended", Err: err}
	}
	return nil
}

// errAsPayment reports whether err is a *payment.Error.
func errAsPayment(err error) (*payment.Error, bool) {
	var pe *payment.Error
	ok := errors.As(err, &pe)
	return pe, ok
}
