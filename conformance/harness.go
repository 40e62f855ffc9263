package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"testing"

	"github.com/kessai/payment"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Operation names used by [Harness.InjectFault]. They name the provider call
// whose next gateway request the fault hits, not a wire message: an adapter
// whose Confirm sends two requests (GMO SecureTran2 after 3-D Secure) maps
// OpConfirm to the request that moves money.
const (
	OpCreate  = "create"
	OpConfirm = "confirm"
	OpCapture = "capture"
	OpRefund  = "refund"
	OpVoid    = "void"
	OpInquire = "inquire"
)

// Outcome is what the simulated customer does on a redirect page (3-D
// Secure challenge, hosted card page).
type Outcome int

const (
	// Pass completes the page successfully (challenge passed, card paid).
	Pass Outcome = iota + 1
	// Decline completes the page with a failure (challenge failed, card
	// declined on the hosted page).
	Decline
	// Abandon closes the browser: no return request ever arrives.
	Abandon
)

func (o Outcome) String() string {
	switch o {
	case Pass:
		return "pass"
	case Decline:
		return "decline"
	case Abandon:
		return "abandon"
	}
	return "invalid"
}

// Fault is a failure the simulator injects into the next gateway request of
// one operation (see [Harness.InjectFault]). Each fault fires once.
type Fault int

const (
	// FaultDropAfterProcess: the gateway processes the request completely,
	// then the connection drops before the response reaches the client.
	FaultDropAfterProcess Fault = iota + 1
	// FaultTimeout: the gateway processes the request, then withholds the
	// response until the client gives up (its timeout or the request's
	// context ends). Simulators must stop waiting when the client goes away.
	FaultTimeout
	// FaultServerError: the gateway answers HTTP 5xx. The simulator decides
	// (and its ledger shows) whether it processed the request first; real
	// gateways do both.
	FaultServerError
	// FaultGatewayUnknown: the gateway answers with its own "outcome
	// unknown" code (GMO E90/E91/42C, a Golomt equivalent). The simulator
	// processes the request first.
	FaultGatewayUnknown
	// FaultHTML: the gateway (or a proxy in front of it) answers an HTML
	// error page with HTTP 200 instead of its wire format, without
	// processing the request.
	FaultHTML
	// FaultRefused: the connection is refused; the request never reaches
	// the gateway.
	FaultRefused
)

var faultNames = map[Fault]string{
	FaultDropAfterProcess: "drop_after_process",
	FaultTimeout:          "timeout",
	FaultServerError:      "server_error",
	FaultGatewayUnknown:   "gateway_unknown",
	FaultHTML:             "html",
	FaultRefused:          "refused",
}

func (f Fault) String() string {
	if n, ok := faultNames[f]; ok {
		return n
	}
	return "invalid"
}

// Faults lists every Fault, in declaration order.
func Faults() []Fault {
	return []Fault{FaultDropAfterProcess, FaultTimeout, FaultServerError, FaultGatewayUnknown, FaultHTML, FaultRefused}
}

// Forgery is a way of corrupting a genuine notification (see
// [Harness.ForgeNotification]).
type Forgery int

const (
	// ForgeSignature: the body is genuine but the signature (checksum,
	// HMAC) is wrong.
	ForgeSignature Forgery = iota + 1
	// ForgeAmount: the amount is changed, the original signature is kept.
	ForgeAmount
	// ForgeStatus: the status or result code is changed (a failure made to
	// look like a success), the original signature is kept.
	ForgeStatus
	// ForgeOrderID: the order id is changed to another order's, the
	// original signature is kept.
	ForgeOrderID
	// ForgeMalformed: the body is not parseable in the gateway's format
	// (truncated JSON, broken form encoding, wrong charset bytes).
	ForgeMalformed
)

var forgeryNames = map[Forgery]string{
	ForgeSignature: "signature",
	ForgeAmount:    "amount",
	ForgeStatus:    "status",
	ForgeOrderID:   "order_id",
	ForgeMalformed: "malformed",
}

func (f Forgery) String() string {
	if n, ok := forgeryNames[f]; ok {
		return n
	}
	return "invalid"
}

// LedgerEntry is the simulator's record of money moved for one order. It is
// the ground truth the suite compares the provider's answers with. A zero
// Money (payment.Money{}) counts as zero.
type LedgerEntry struct {
	// Authorized is the amount currently held and not yet captured or
	// voided.
	Authorized payment.Money
	// Charged is the total captured (sales) amount.
	Charged payment.Money
	// Refunded is the total refunded amount.
	Refunded payment.Money
	// Authorizations counts authorizations (holds) made.
	Authorizations int
	// Charges counts the times money was taken (a capture, or an
	// authorization with automatic capture). It must never exceed 1 for an
	// order: no double charges.
	Charges int
	// Refunds counts the times money was returned.
	Refunds int
	// Voids counts cancellations of an authorization (or of a captured
	// sale on the same day, where the gateway calls that a void).
	Voids int
}

// Harness wires one provider into the suite. Build a fresh one (with a fresh
// simulator) for every call of the newHarness function given to [Run]: each
// subtest gets its own.
//
// Only Provider is required. Every other field is optional; a scenario that
// needs a missing field is skipped with a message naming the field. Fields
// are added over time; adapters that set fields by name never break.
//
// Hooks are called from the subtest's goroutine, except in the Concurrency
// scenario, which calls ApproveMethod, Customer, Ledger and the provider
// from many goroutines at once: those must be safe for concurrent use.
type Harness struct {
	// Provider is the provider under test. Required.
	Provider payment.Provider

	// Currency is the currency payments are made in. Default: Amount's
	// currency, else the first of Capabilities().Currencies.
	Currency payment.Currency
	// Amount is an amount the gateway approves with ApproveMethod (or on
	// its hosted page). Default: 1000 major units of Currency. Partial
	// captures and refunds use fractions of it, so it must be divisible by
	// 4 in Currency's minor units.
	Amount payment.Money
	// NewOrderID returns a fresh, valid order id. Default: "ct-" plus 20
	// random hex digits (23 characters of [A-Za-z0-9-]).
	NewOrderID func() string
	// MaxOrderIDLen is the longest order id the gateway accepts; the suite
	// expects MaxOrderIDLen+1 characters to be rejected before any I/O.
	// Default 27 (GMO).
	MaxOrderIDLen int
	// UncarriableAmounts are amounts in supported currencies that the
	// gateway cannot carry (e.g. fractions it does not accept). The suite
	// expects each to be rejected with ErrInvalidRequest before any I/O.
	UncarriableAmounts []payment.Money
	// ReturnURL is passed as CreatePaymentRequest.ReturnURL. Default
	// "https://merchant.example/return".
	ReturnURL string

	// ApproveMethod returns a payment method the gateway approves without a
	// challenge. Nil for hosted-page providers, which take no method.
	ApproveMethod func(t *testing.T) *payment.PaymentMethod
	// DeclineMethod returns a payment method the gateway declines.
	DeclineMethod func(t *testing.T) *payment.PaymentMethod
	// DeclineCode is the gateway code a decline must keep, on the
	// *payment.Error (GatewayCode or GatewayCodes) or Payment.GatewayCode.
	// Empty means any non-empty code.
	DeclineCode string
	// ChallengeMethod returns a payment method that needs a 3-D Secure
	// style challenge: Confirm returns StatusRequiresAction with a redirect.
	ChallengeMethod func(t *testing.T) *payment.PaymentMethod

	// Customer plays the customer's browser for a payment in
	// StatusRequiresAction: it follows p.NextAction (a 3-D Secure challenge
	// or a hosted page), acts according to o, and returns what the browser
	// brings back to the ReturnURL, for ConfirmRequest.Return. For Abandon
	// it returns (nil, nil): the browser never comes back.
	Customer func(ctx context.Context, p *payment.Payment, o Outcome) (*payment.RedirectReturn, error)
	// Expire makes the gateway give up on an unpaid payment (advance the
	// simulator's clock past the deadline). Afterwards Inquire must report
	// StatusExpired, StatusCanceled or StatusFailed.
	Expire func(ctx context.Context, p *payment.Payment) error

	// AsyncMethod returns a payment method for an asynchronous voucher
	// payment (exactly one of payment.PaymentMethod.Konbini and PayEasy
	// set) that the gateway accepts. The Async scenarios create payments
	// with the matching CreatePaymentRequest.MethodType; they need
	// Capabilities.AsyncPayments and are skipped without this hook.
	AsyncMethod func(t *testing.T) *payment.PaymentMethod
	// PayVoucher plays the customer paying p's voucher at the store, ATM
	// or bank. Afterwards the gateway holds the money (the ledger shows one
	// charge) and sends its notification. For a voucher that is no longer
	// payable (expired, canceled) it returns an error or does nothing.
	PayVoucher func(ctx context.Context, p *payment.Payment) error
	// ExpireVoucher lets the deadline of p's voucher pass (advance the
	// simulator's clock). Afterwards Inquire must report StatusExpired.
	// Nil means Expire is used.
	ExpireVoucher func(ctx context.Context, p *payment.Payment) error

	// Requests reports how many HTTP requests the gateway has received so
	// far. The suite uses it to prove invalid and unsupported calls fail
	// before any I/O.
	Requests func() int
	// InjectFault arms f for the next gateway request of op (one of the Op
	// constants). It reports false when the simulator cannot produce that
	// fault for that operation; the scenario is then skipped.
	InjectFault func(op string, f Fault) bool
	// Ledger returns the money the simulator moved for orderID.
	Ledger func(orderID string) LedgerEntry

	// Notify returns the gateway's notification for orderID's current state
	// as an *http.Request to feed HandleNotification, or an error when the
	// gateway sends none for that state.
	Notify func(ctx context.Context, orderID string) (*http.Request, error)
	// ForgeNotification returns a corrupted copy of orderID's current
	// notification. It returns (nil, nil) when f does not apply to the
	// gateway (ForgeSignature for a gateway that signs nothing); that case
	// is skipped.
	ForgeNotification func(ctx context.Context, orderID string, f Forgery) (*http.Request, error)
	// Ack is the reply the gateway expects for a notification it delivered.
	// Nil means any 2xx reply.
	Ack *payment.Reply

	// Secrets lists every secret the provider and simulator use: shop
	// passwords, keys, card tokens and card numbers. None may appear in
	// logs, error strings or fmt %+v / %#v of results.
	Secrets []string
	// Logs returns everything the provider logged so far. Wire the
	// provider's logger with [NewLogger].
	Logs func() string
}

// defaults fills unset fields. It does not modify the caller's struct.
func (h Harness) defaults() Harness {
	caps := h.Provider.Capabilities()
	if h.Currency.Code == "" {
		switch {
		case h.Amount.Currency().Code != "":
			h.Currency = h.Amount.Currency()
		case len(caps.Currencies) > 0:
			h.Currency = caps.Currencies[0]
		default:
			h.Currency = payment.JPY
		}
	}
	if h.Amount.Currency().Code == "" {
		h.Amount = payment.MoneyFromMinor(1000*pow10(h.Currency.Exponent), h.Currency)
	}
	if h.NewOrderID == nil {
		h.NewOrderID = RandomOrderID
	}
	if h.MaxOrderIDLen <= 0 {
		h.MaxOrderIDLen = 27
	}
	if h.ReturnURL == "" {
		h.ReturnURL = "https://merchant.example/return"
	}
	return h
}

func pow10(e int32) int64 {
	n := int64(1)
	for ; e > 0; e-- {
		n *= 10
	}
	return n
}

// RandomOrderID returns "ct-" followed by 20 random hex digits.
func RandomOrderID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "ct-" + hex.EncodeToString(b[:])
}

// NewLogger returns a logger that records every entry at debug level and
// above, and a function returning everything recorded so far (messages and
// all fields, JSON-encoded). Give the logger to the provider
// (provider.WithLogger) and the function to Harness.Logs. Safe for
// concurrent use.
func NewLogger() (*zap.Logger, func() string) {
	buf := &lockedBuffer{}
	enc := zapcore.NewJSONEncoder(zap.NewDevelopmentEncoderConfig())
	core := zapcore.NewCore(enc, buf, zapcore.DebugLevel)
	return zap.New(core), buf.String
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Sync() error { return nil }

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
