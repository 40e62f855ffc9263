package golomt

import (
	"context"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
)

// Name is the provider's registry name and URL scheme.
const Name = "golomt"

// DefaultBaseURL is the bank's production endpoint.
const DefaultBaseURL = "https://ecommerce.golomtbank.com"

// Defaults for Config.
const (
	// DefaultInvoiceLifetime is how long the hosted page accepts a payment
	// (the bank's default page timer, configurable per merchant from 2 to
	// 10 minutes).
	DefaultInvoiceLifetime = 10 * time.Minute
	// DefaultExpiryGrace is added to the invoice lifetime before an unpaid
	// invoice is reported expired, for clock skew and a card form
	// submitted in the last second.
	DefaultExpiryGrace = 2 * time.Minute
	// MaxTransactionIDLen is the longest transactionId by default: the
	// bank documents "fewer than 16" letters and digits.
	MaxTransactionIDLen = 15
	// MaxLongTransactionIDLen is the longest transactionId with
	// Config.LongTransactionIDs.
	MaxLongTransactionIDLen = 64
)

// Environment variables read by the "golomt" URL opener when the URL does
// not carry the value.
const (
	EnvBearerToken = "GOLOMT_BEARER_TOKEN"
	EnvChecksumKey = "GOLOMT_CHECKSUM_KEY"
	EnvBaseURL     = "GOLOMT_BASE_URL"
	EnvMerchantID  = "GOLOMT_MERCHANT_ID"
)

// AmountFormat is how amounts are written on the wire. The bank types
// amount as a string and hashes the text it receives; both forms are seen
// working (UNCERTAIN which the bank prefers).
type AmountFormat int

const (
	// AmountTwoDecimals writes MNT with exactly two decimals ("1500.00"),
	// ISO 4217's minor unit. The default.
	AmountTwoDecimals AmountFormat = iota
	// AmountInteger writes whole tögrög ("1500"); amounts with a fraction
	// are rejected with ErrInvalidRequest before any I/O.
	AmountInteger
)

// Field names usable in a [Formula].
const (
	FieldTransactionID = "transactionId"
	FieldAmount        = "amount"
	FieldReturnType    = "returnType"
	FieldCallback      = "callback"
	FieldInvoice       = "invoice"
	FieldToken         = "token"
	FieldErrorCode     = "errorCode"
)

// Formula is the ordered list of field names whose values are concatenated
// into a checksum. It is configurable only for the card-registration
// messages, whose formulas are UNCERTAIN (golomt-protocol.md §2 #10, #12,
// #13).
type Formula []string

// Default formulas of the UNCERTAIN card-registration messages.
var (
	// DefaultRegistrationFormula is /api/confirmation's request checksum:
	// transactionId+returnType+callback (one SDK; the doc's table adds
	// amount, which that request does not have — with no amount the two
	// are the same string).
	DefaultRegistrationFormula = Formula{FieldTransactionID, FieldReturnType, FieldCallback}
	// DefaultGetTokenRequestFormula is /api/get/token's request checksum:
	// transactionId+transactionId (one SDK).
	DefaultGetTokenRequestFormula = Formula{FieldTransactionID, FieldTransactionID}
	// DefaultGetTokenResponseFormula is /api/get/token's response
	// checksum: transactionId+token (one SDK).
	DefaultGetTokenResponseFormula = Formula{FieldTransactionID, FieldToken}
)

// Config is what New needs. BearerToken and ChecksumKey are required.
type Config struct {
	// BaseURL is the bank endpoint; default DefaultBaseURL.
	// provider.WithBaseURL overrides it.
	BaseURL string
	// BearerToken is the static API token the bank issues with the
	// merchant contract (sent as "Authorization: Bearer …").
	BearerToken payment.Secret
	// ChecksumKey is the merchant key for the HMAC-SHA256 checksums. It
	// never goes on the wire.
	ChecksumKey payment.Secret
	// Language of the hosted page, "mn" (default) or "en".
	// CreatePaymentRequest.Language overrides it when it is one of them.
	Language string
	// ReturnType is how the bank returns the browser to the callback:
	// "GET" (default; query parameters) or "POST" (a form post).
	ReturnType string
	// GenerateToken asks for a reusable card token (genToken=Y) on every
	// invoice; CreatePaymentRequest.SaveCard asks for one per payment.
	GenerateToken bool
	// SocialDeeplink asks for a SocialPay deeplink (socialDeeplink=Y) on
	// every invoice; it is returned in NextAction.Deeplink.
	SocialDeeplink bool
	// LongTransactionIDs allows order ids of up to 64 characters of
	// [A-Za-z0-9-] instead of the documented 15 letters and digits. Such
	// ids are seen working in the wild but are not documented (UNCERTAIN).
	LongTransactionIDs bool
	// AmountFormat selects how amounts are written (default two decimals).
	AmountFormat AmountFormat
	// InvoiceLifetime is the page timer the bank applies to this merchant
	// (default 10 min). An unpaid invoice is reported StatusExpired once
	// InvoiceLifetime+ExpiryGrace have passed since CreatePayment, by the
	// provider's clock.
	InvoiceLifetime time.Duration
	// ExpiryGrace: see InvoiceLifetime (default 2 min; negative means 0).
	ExpiryGrace time.Duration
	// TrustPush skips the inquiry HandleNotification makes before it
	// reports a push (default: confirm every push with /api/inquiry, as
	// the bank recommends). The push checksum is verified either way.
	TrustPush bool
	// MerchantID is the bank's merchant id, needed only for the
	// settlement report.
	MerchantID string
	// RegistrationFormula, GetTokenRequestFormula and
	// GetTokenResponseFormula override the UNCERTAIN checksum formulas of
	// card registration. Nil means the Default… formula.
	RegistrationFormula     Formula
	GetTokenRequestFormula  Formula
	GetTokenResponseFormula Formula
}

// validate checks c and fills defaults. Errors never contain secrets.
func (c Config) validate() (Config, error) {
	bad := func(field, msg string) error { return payment.InvalidRequest(Name, "new", field, msg) }
	if c.BearerToken.IsZero() {
		return c, bad("BearerToken", "bearer token is required")
	}
	if c.ChecksumKey.IsZero() {
		return c, bad("ChecksumKey", "checksum key is required")
	}
	if strings.ContainsAny(c.BearerToken.Reveal(), "\r\n") {
		return c, bad("BearerToken", "bearer token contains a line break")
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.Language = strings.ToLower(strings.TrimSpace(c.Language))
	switch c.Language {
	case "":
		c.Language = "mn"
	case "mn", "en":
	default:
		return c, bad("Language", "language must be mn or en")
	}
	c.ReturnType = strings.ToUpper(strings.TrimSpace(c.ReturnType))
	switch c.ReturnType {
	case "":
		c.ReturnType = "GET"
	case "GET", "POST":
	default:
		return c, bad("ReturnType", "return type must be GET or POST")
	}
	if c.AmountFormat != AmountTwoDecimals && c.AmountFormat != AmountInteger {
		return c, bad("AmountFormat", "unknown amount format")
	}
	if c.InvoiceLifetime < 0 {
		return c, bad("InvoiceLifetime", "invoice lifetime must not be negative")
	}
	if c.InvoiceLifetime == 0 {
		c.InvoiceLifetime = DefaultInvoiceLifetime
	}
	if c.ExpiryGrace == 0 {
		c.ExpiryGrace = DefaultExpiryGrace
	}
	if c.ExpiryGrace < 0 {
		c.ExpiryGrace = 0
	}
	var err error
	if c.RegistrationFormula, err = checkFormula("RegistrationFormula", c.RegistrationFormula, DefaultRegistrationFormula,
		FieldTransactionID, FieldAmount, FieldReturnType, FieldCallback); err != nil {
		return c, err
	}
	if c.GetTokenRequestFormula, err = checkFormula("GetTokenRequestFormula", c.GetTokenRequestFormula, DefaultGetTokenRequestFormula,
		FieldTransactionID); err != nil {
		return c, err
	}
	if c.GetTokenResponseFormula, err = checkFormula("GetTokenResponseFormula", c.GetTokenResponseFormula, DefaultGetTokenResponseFormula,
		FieldTransactionID, FieldToken, FieldErrorCode, FieldAmount); err != nil {
		return c, err
	}
	return c, nil
}

func checkFormula(field string, f, def Formula, allowed ...string) (Formula, error) {
	if f == nil {
		return def, nil
	}
	if len(f) == 0 {
		return nil, payment.InvalidRequest(Name, "new", field, "formula is empty")
	}
	for _, name := range f {
		ok := false
		for _, a := range allowed {
			ok = ok || name == a
		}
		if !ok {
			return nil, payment.InvalidRequest(Name, "new", field, "field "+strconv.Quote(name)+" is not part of this message")
		}
	}
	return append(Formula(nil), f...), nil
}

func init() { payment.Register(Name, open) }

// open builds a provider from a URL (see the package documentation):
//
//	golomt://TOKEN:KEY@ecommerce.golomtbank.com?lang=en&return_type=POST
//	golomt://?base_url=http://127.0.0.1:8080   (secrets from the environment)
func open(_ context.Context, u *url.URL) (payment.Provider, error) {
	bad := func(field, msg string) error { return payment.InvalidRequest(Name, "open", field, msg) }
	var c Config
	if u.User != nil {
		c.BearerToken = payment.NewSecret(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			c.ChecksumKey = payment.NewSecret(pw)
		}
	}
	if c.BearerToken.IsZero() {
		c.BearerToken = payment.NewSecret(os.Getenv(EnvBearerToken))
	}
	if c.ChecksumKey.IsZero() {
		c.ChecksumKey = payment.NewSecret(os.Getenv(EnvChecksumKey))
	}
	if u.Host != "" {
		c.BaseURL = "https://" + u.Host
	} else {
		c.BaseURL = os.Getenv(EnvBaseURL)
	}
	c.MerchantID = os.Getenv(EnvMerchantID)
	boolean := func(k, v string) (bool, error) {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, bad(k, "not a boolean")
		}
		return b, nil
	}
	var opts []provider.Option
	for k, vs := range u.Query() {
		v := ""
		if len(vs) > 0 {
			v = vs[len(vs)-1]
		}
		var err error
		switch k {
		case "base_url":
			b, perr := url.Parse(v)
			if perr != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" || b.User != nil {
				return nil, bad(k, "base_url must be an http(s) URL without credentials")
			}
			c.BaseURL = v
		case "lang", "language":
			c.Language = v
		case "return_type":
			c.ReturnType = v
		case "gen_token":
			c.GenerateToken, err = boolean(k, v)
		case "social_deeplink":
			c.SocialDeeplink, err = boolean(k, v)
		case "long_ids":
			c.LongTransactionIDs, err = boolean(k, v)
		case "trust_push":
			c.TrustPush, err = boolean(k, v)
		case "merchant_id":
			c.MerchantID = v
		case "amount_format":
			switch v {
			case "decimal", "":
				c.AmountFormat = AmountTwoDecimals
			case "integer":
				c.AmountFormat = AmountInteger
			default:
				return nil, bad(k, "amount_format must be decimal or integer")
			}
		case "invoice_lifetime":
			d, perr := time.ParseDuration(v)
			if perr != nil || d <= 0 {
				return nil, bad(k, "invoice_lifetime must be a positive duration such as 10m")
			}
			c.InvoiceLifetime = d
		case "timeout":
			d, perr := time.ParseDuration(v)
			if perr != nil || d <= 0 {
				return nil, bad(k, "timeout must be a positive duration such as 30s")
			}
			opts = append(opts, provider.WithTimeout(d))
		default:
			return nil, bad(k, "unknown parameter")
		}
		if err != nil {
			return nil, err
		}
	}
	return New(c, opts...)
}
