package toypay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
	"go.uber.org/zap"
)

// Name is the provider's registry name and URL scheme.
const Name = "toypay"

// DefaultBaseURL is ToyPay's (fictional) production API.
const DefaultBaseURL = "https://api.toypay.example"

// MaxOrderIDLen is the longest order id ToyPay accepts.
const MaxOrderIDLen = 40

// MaxAmountMinor is the largest amount ToyPay carries, in minor units.
const MaxAmountMinor = 9_999_999

// Environment variables the "toypay" opener reads for secrets missing from
// the URL.
const (
	EnvAPIKey        = "TOYPAY_API_KEY"
	EnvWebhookSecret = "TOYPAY_WEBHOOK_SECRET"
)

// Config holds the required settings. Secrets are payment.Secret, so they
// print as [REDACTED] everywhere.
type Config struct {
	APIKey        payment.Secret
	WebhookSecret payment.Secret
}

// Provider is the ToyPay adapter. It is immutable and safe for concurrent
// use.
type Provider struct {
	cfg  Config
	opts provider.Options
	base string
	http *provider.Client
	log  *zap.Logger
}

// Provider implements every interface its Capabilities declare.
var (
	_ payment.Voider   = (*Provider)(nil)
	_ payment.Inquirer = (*Provider)(nil)
)

// New validates cfg and builds a provider. provider.WithBaseURL points it
// at a simulator (toypaytest) or a proxy.
func New(cfg Config, opts ...provider.Option) (*Provider, error) {
	if cfg.APIKey.Reveal() == "" || cfg.WebhookSecret.Reveal() == "" {
		return nil, provider.Errorf(Name, "new", payment.ErrAuthentication, "Config.APIKey and Config.WebhookSecret are required")
	}
	o := provider.Apply(opts...)
	base := strings.TrimSuffix(o.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	return &Provider{cfg: cfg, opts: o, base: base,
		http: provider.NewHTTPClient(Name, o), log: provider.Logger(o, Name)}, nil
}

func init() {
	payment.Register(Name, open)
}

// open builds a provider from "toypay://?base_url=…"; the API key and the
// webhook secret come from the URL's user info or from the environment.
func open(_ context.Context, u *url.URL) (payment.Provider, error) {
	cfg := Config{APIKey: payment.NewSecret(os.Getenv(EnvAPIKey)), WebhookSecret: payment.NewSecret(os.Getenv(EnvWebhookSecret))}
	if u.User != nil {
		cfg.APIKey = payment.NewSecret(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			cfg.WebhookSecret = payment.NewSecret(pw)
		}
	}
	var opts []provider.Option
	if b := u.Query().Get("base_url"); b != "" {
		opts = append(opts, provider.WithBaseURL(b))
	}
	return New(cfg, opts...)
}

// Name returns "toypay".
func (p *Provider) Name() string { return Name }

// Capabilities reports what ToyPay supports.
func (p *Provider) Capabilities() payment.Capabilities {
	return payment.Capabilities{
		ManualCapture: true, PartialCapture: true,
		Refund: true, PartialRefund: true, MultipleRefunds: true,
		Void: true, Inquiry: true, Notifications: true,
		Currencies: []payment.Currency{payment.JPY, usd},
	}
}

var usd, _ = payment.LookupCurrency("USD")

// --- references and validation (all before any I/O) -------------------------

var idPattern = regexp.MustCompile(`^pay_[0-9a-f]{1,64}$`)

func validID(id string) bool { return idPattern.MatchString(id) }

// ref is the PaymentRef of a ToyPay payment id. It holds no secret.
func ref(id string) payment.PaymentRef { return payment.PaymentRef(Name + ":" + id) }

func parseRef(op string, r payment.PaymentRef) (string, error) {
	id, ok := strings.CutPrefix(string(r), Name+":")
	if !ok || !validID(id) {
		return "", payment.InvalidRequest(Name, op, "Ref", "not a toypay payment reference")
	}
	return id, nil
}

var orderIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// amount checks m against ToyPay's rules and formats it for the wire. The
// decimals come from our ISO 4217 table, not from m's own Currency value.
func (p *Provider) amount(op, field string, m payment.Money) (string, error) {
	cur, err := payment.LookupCurrency(m.Currency().Code)
	if err != nil || !p.Capabilities().SupportsCurrency(cur) {
		return "", payment.InvalidRequest(Name, op, field, "currency must be JPY or USD")
	}
	d := m.Amount()
	if !d.IsPositive() {
		return "", payment.InvalidRequest(Name, op, field, "amount must be positive")
	}
	if !d.Equal(d.Truncate(cur.Exponent)) {
		return "", payment.InvalidRequest(Name, op, field, "more decimals than the currency has")
	}
	if d.Shift(cur.Exponent).IntPart() > MaxAmountMinor {
		return "", payment.InvalidRequest(Name, op, field, "amount above ToyPay's maximum")
	}
	return d.StringFixed(cur.Exponent), nil
}

// --- calls -------------------------------------------------------------------

// send posts one API call. moves says whether the call moves money: such
// a call is never marked Idempotent, so the client never resends it once it
// may have reached ToyPay.
func (p *Provider) send(ctx context.Context, op, path string, body map[string]string, moves bool) (*payment.Payment, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, provider.Errorf(Name, op, payment.ErrInvalidRequest, "encoding the request: %v", err)
	}
	req := &provider.Request{Op: op, Method: http.MethodPost, URL: p.base + path, Header: http.Header{},
		Body: b, Idempotent: !moves}
	req.Header.Set("Authorization", "Bearer "+p.cfg.APIKey.Reveal())
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.http.Do(ctx, req)
	if err != nil {
		return nil, err // a *payment.Error: ErrUnavailable or ErrOutcomeUnknown
	}
	return p.classify(op, moves, resp)
}

// newRequestID returns a fresh id for one money-moving call.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "req_" + hex.EncodeToString(b[:])
}

// move sends a money-moving call and, when its outcome is unknown,
// reconciles: it asks ToyPay whether this call's request id was applied.
// Never resend: the answer is the new state, or ErrOutcomeUnknown.
func (p *Provider) move(ctx context.Context, op, id string, body map[string]string) (*payment.Payment, error) {
	rid := newRequestID()
	body["request_id"] = rid
	pay, err := p.send(ctx, op, "/v1/payments/"+id+"/"+op, body, true)
	if err == nil || !errors.Is(err, payment.ErrOutcomeUnknown) {
		p.logResult(op, pay, err)
		return pay, err
	}
	// The call may have been applied. An inquiry (idempotent, retried by
	// the client) tells whether request rid is in the payment's history.
	w, qerr := p.get(ctx, op, id)
	if qerr == nil {
		for _, x := range w.RequestIDs {
			if x == rid {
				pay, err := p.toPayment(op, w, payment.ErrOutcomeUnknown)
				p.logResult(op, pay, err)
				return pay, err
			}
		}
	}
	p.log.Warn("outcome unknown", zap.String("op", op), zap.String("payment_id", id))
	return nil, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrOutcomeUnknown, Err: err,
		Message: "the call may have been applied; never resend it: resolve with Inquire"}
}

// get fetches the wire payment.
func (p *Provider) get(ctx context.Context, op, id string) (*wirePayment, error) {
	req := &provider.Request{Op: op, Method: http.MethodGet, URL: p.base + "/v1/payments/" + id,
		Header: http.Header{}, Idempotent: true}
	req.Header.Set("Authorization", "Bearer "+p.cfg.APIKey.Reveal())
	resp, err := p.http.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		_, err := p.classify(op, false, resp)
		return nil, err
	}
	var w wirePayment
	if err := json.Unmarshal(resp.Body, &w); err != nil {
		e := provider.Errorf(Name, op, payment.ErrUnavailable, "HTTP 200 with a body that is not ToyPay JSON")
		e.RetrySafe = true
		return nil, e
	}
	return &w, nil
}

func (p *Provider) logResult(op string, pay *payment.Payment, err error) {
	switch {
	case pay != nil:
		p.log.Info(op, zap.String("op", op), zap.Object("payment", pay))
	case err != nil:
		p.log.Info(op, zap.String("op", op), zap.String("kind", kindName(err)))
	}
}

func kindName(err error) string {
	if k := payment.KindOf(err); k != nil {
		return k.Error()
	}
	return "error"
}

// CreatePayment registers a payment (POST /v1/payments). It moves no money
// and ToyPay answers a repeat with the existing payment, so it is sent as
// idempotent.
func (p *Provider) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	const op = "create"
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if req.MethodType != "" && req.MethodType != payment.MethodCard {
		return nil, payment.Unsupported(Name, op, "toypay takes cards only")
	}
	if len(req.OrderID) > MaxOrderIDLen || !orderIDPattern.MatchString(req.OrderID) {
		return nil, payment.InvalidRequest(Name, op, "OrderID", "1 to 40 characters of A-Z a-z 0-9 _ -")
	}
	amt, err := p.amount(op, "Amount", req.Amount)
	if err != nil {
		return nil, err
	}
	capture := "automatic"
	if req.Capture == payment.CaptureManual {
		capture = "manual"
	}
	pay, err := p.send(ctx, op, "/v1/payments", map[string]string{
		"order_id": req.OrderID, "amount": amt, "currency": req.Amount.Currency().Code, "capture": capture}, false)
	p.logResult(op, pay, err)
	return pay, err
}

// Confirm charges (or authorizes) the payment with a card token. Without a
// payment method it reports the payment's state. ToyPay has no redirects:
// a Return is unsupported.
func (p *Provider) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	const op = "confirm"
	id, err := parseRef(op, req.Ref)
	if err != nil {
		return nil, err
	}
	m := req.Method
	switch {
	case req.Return != nil:
		return nil, payment.Unsupported(Name, op, "toypay has no redirects (no 3-D Secure, no hosted page)")
	case m == nil:
		return p.Inquire(ctx, req.Ref)
	case m.StoredCard != nil || m.Konbini != nil || m.PayEasy != nil || m.Installments != nil:
		return nil, payment.Unsupported(Name, op, "toypay takes one-time card tokens only")
	case m.CardToken.Reveal() == "":
		return nil, payment.InvalidRequest(Name, op, "Method.CardToken", "card token is empty")
	}
	return p.move(ctx, op, id, map[string]string{"card_token": m.CardToken.Reveal()})
}

// Capture settles an authorization, fully or partially.
func (p *Provider) Capture(ctx context.Context, req payment.CaptureRequest) (*payment.Payment, error) {
	const op = "capture"
	id, err := parseRef(op, req.Ref)
	if err != nil {
		return nil, err
	}
	body := map[string]string{}
	if req.Amount != nil {
		if body["amount"], err = p.amount(op, "Amount", *req.Amount); err != nil {
			return nil, err
		}
	}
	return p.move(ctx, op, id, body)
}

// Refund returns money, fully (nil Amount) or partially.
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (*payment.Payment, error) {
	const op = "refund"
	id, err := parseRef(op, req.Ref)
	if err != nil {
		return nil, err
	}
	body := map[string]string{}
	if req.Amount != nil {
		if body["amount"], err = p.amount(op, "Amount", *req.Amount); err != nil {
			return nil, err
		}
	}
	return p.move(ctx, op, id, body)
}

// Void cancels an authorization.
func (p *Provider) Void(ctx context.Context, r payment.PaymentRef) (*payment.Payment, error) {
	const op = "void"
	id, err := parseRef(op, r)
	if err != nil {
		return nil, err
	}
	return p.move(ctx, op, id, map[string]string{})
}

// Inquire fetches ToyPay's current view of the payment (GET, idempotent).
func (p *Provider) Inquire(ctx context.Context, r payment.PaymentRef) (*payment.Payment, error) {
	const op = "inquire"
	id, err := parseRef(op, r)
	if err != nil {
		return nil, err
	}
	w, err := p.get(ctx, op, id)
	if err != nil {
		return nil, err
	}
	return p.toPayment(op, w, payment.ErrUnavailable)
}
