package gmo

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
)

// Provider is the GMO Payment Gateway adapter. It implements
// payment.Provider, payment.Voider and payment.Inquirer, plus the stored
// card methods (SaveMember, SaveCard …). It is immutable after New and safe
// for concurrent use; its only mutable state is the bounded AccessPass
// cache, which is internally synchronized.
type Provider struct {
	cfg    Config
	opts   provider.Options
	base   string
	tenant string // Base64 of the EUC-JP TdTenantName
	tdFlag string
	client *provider.Client
	log    *zap.Logger
	cache  *passCache
	urls   map[string]string // API name → endpoint URL
}

// apiNames are the endpoints the adapter calls; their URLs are built once.
var apiNames = []string{"EntryTran", "ExecTran", "SecureTran", "SecureTran2", "AlterTran", "ChangeTran", "SearchTrade",
	"SaveMember", "SearchMember", "DeleteMember", "SaveCard", "SearchCard", "DeleteCard"}

func (p *Provider) url(api string) string {
	if u, ok := p.urls[api]; ok {
		return u
	}
	return p.base + "/payment/" + api + ".idPass"
}

var (
	_ payment.Provider = (*Provider)(nil)
	_ payment.Voider   = (*Provider)(nil)
	_ payment.Inquirer = (*Provider)(nil)
	_ CardStore        = (*Provider)(nil)
)

// New validates cfg and returns a provider. Options come from the provider
// package (WithLogger, WithHTTPClient, WithBaseURL, WithTimeout, WithClock,
// WithMaxRetries).
func New(cfg Config, opts ...provider.Option) (*Provider, error) {
	tenant, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	o := provider.Apply(opts...)
	base, err := baseURL(o.BaseURL, cfg)
	if err != nil {
		return nil, err
	}
	td := string(cfg.TdFlag)
	if td == "" {
		td = string(TdFlag3DS2)
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	urls := make(map[string]string, len(apiNames))
	for _, a := range apiNames {
		urls[a] = base + "/payment/" + a + ".idPass"
	}
	return &Provider{
		urls:   urls,
		cfg:    cfg,
		opts:   o,
		base:   base,
		tenant: tenant,
		tdFlag: td,
		client: provider.NewHTTPClient(providerName, o),
		log:    o.Logger.Named(providerName),
		cache:  newPassCache(size),
	}, nil
}

// Name returns "gmo".
func (p *Provider) Name() string { return providerName }

// Capabilities reports what the adapter supports. Partial capture is not
// supported: GMO's AlterTran SALES must carry exactly the authorized amount
// (E01060010), and the reference documents no safe way to capture less.
func (p *Provider) Capabilities() payment.Capabilities {
	return payment.Capabilities{
		ManualCapture:   true,
		PartialCapture:  false,
		Refund:          true,
		PartialRefund:   true,
		MultipleRefunds: true,
		Void:            true,
		Inquiry:         true,
		ThreeDSecure:    true,
		HostedPage:      false,
		StoredCards:     p.cfg.SiteID != "",
		Notifications:   true,
		AsyncPayments:   true,
		Currencies:      []payment.Currency{payment.JPY},
	}
}

// formContentType is sent explicitly: without it GMO parses no parameters.
const formContentType = "application/x-www-form-urlencoded"

var formHeader = http.Header{"Content-Type": {formContentType}}

// callInfo reports what happened on the wire during one call.
type callInfo struct {
	writes atomic.Int32 // attempts that wrote the request, fully or partly (provider.Response.Writes)
}

// call sends one API request and parses the reply. The returned error is a
// *payment.Error: transport failures as classified by provider.Client,
// ErrCode replies through gatewayError, and non-GMO answers (HTML pages,
// 5xx, unparseable bodies) as configuration errors or outcome unknown /
// unavailable depending on whether the call moves money (idem false).
func (p *Provider) call(ctx context.Context, op, api string, f *form, idem bool, info *callInfo) (response, error) {
	if f.err != nil {
		var pe *payment.Error
		if errors.As(f.err, &pe) {
			cp := *pe
			cp.Op = op
			return response{}, &cp
		}
		return response{}, f.err
	}
	resp, err := p.client.Do(ctx, &provider.Request{
		Op:         op,
		Method:     http.MethodPost,
		URL:        p.url(api),
		Header:     formHeader,
		Body:       f.buf,
		Idempotent: idem,
	})
	if info != nil && resp != nil {
		info.writes.Store(int32(resp.Writes))
	}
	if err != nil {
		var pe *payment.Error
		if errors.As(err, &pe) {
			if pe.Provider == "" {
				pe.Provider = providerName
			}
			if pe.Op == "" {
				pe.Op = op
			}
		}
		p.log.Debug("transport failure", zap.String("op", op), zap.String("api", api), zap.String("kind", kindName(err)))
		return response{}, err
	}
	ambiguous := func(msg string) error {
		e := &payment.Error{Provider: providerName, Op: op, Message: msg}
		if idem {
			e.Kind, e.RetrySafe = payment.ErrUnavailable, true
		} else {
			e.Kind = payment.ErrOutcomeUnknown
		}
		return e
	}
	if isHTML(resp) {
		// Not GMO's wire format: a proxy, WAF, maintenance page or a wrong
		// base URL. Say so clearly; for a money-moving call it is still an
		// ambiguous answer that the caller reconciles.
		return response{}, ambiguous(htmlMessage + " (HTTP " + itoa(int64(resp.StatusCode)) + ")")
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return response{}, &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrRateLimited, RetrySafe: true, Message: "HTTP 429"}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return response{}, ambiguous("gateway answered HTTP " + itoa(int64(resp.StatusCode)))
	}
	r, perr := parseResponse(resp.Body)
	if perr != nil {
		return response{}, ambiguous("unparseable gateway reply")
	}
	if codes := r.errorCodes(); codes != nil {
		e := gatewayError(op, codes)
		p.log.Debug("gateway error", zap.String("op", op), zap.String("api", api), zap.Strings("codes", e.GatewayCodes))
		return r, e
	}
	return r, nil
}

// htmlMessage is the configuration hint for HTML answers.
const htmlMessage = "configuration: the endpoint answered an HTML page, not a GMO reply; check the base URL, proxy or firewall"

func isHTML(resp *provider.Response) bool {
	b := bytes.TrimLeft(resp.Body, " \t\r\n\ufeff")
	if len(b) > 0 && b[0] == '<' {
		return true
	}
	ct := resp.Header.Get("Content-Type")
	for i := 0; i+9 <= len(ct); i++ {
		if strings.EqualFold(ct[i:i+9], "text/html") {
			return true
		}
	}
	return false
}

func kindName(err error) string {
	if k := payment.KindOf(err); k != nil {
		return k.Error()
	}
	return "error"
}

// codesOf returns the ErrInfo codes of a gateway error.
func codesOf(err error) []string {
	var pe *payment.Error
	if !errors.As(err, &pe) {
		return nil
	}
	out := make([]string, 0, len(pe.GatewayCodes))
	for _, c := range pe.GatewayCodes {
		if _, info, ok := strings.Cut(c, "/"); ok {
			out = append(out, info)
		}
	}
	return out
}

func hasCode(err error, info string) bool {
	for _, c := range codesOf(err) {
		if c == info {
			return true
		}
	}
	return false
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// withOp returns err (a *payment.Error from a shared validator) with the
// provider and op set.
func withOp(err error, op string) error {
	var pe *payment.Error
	if errors.As(err, &pe) {
		cp := *pe
		cp.Provider = providerName
		cp.Op = op
		return &cp
	}
	return err
}
