package gmo

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"github.com/kessai/payment"
)

const providerName = "gmo"

// Environment selects GMO's sandbox or production host.
type Environment int

const (
	// EnvironmentUnset is the zero value: New then requires a BaseURL.
	EnvironmentUnset Environment = iota
	// Sandbox is https://pt01.mul-pay.jp.
	Sandbox
	// Production is https://p01.mul-pay.jp.
	Production
)

// Hosts of the two environments.
const (
	SandboxHost    = "pt01.mul-pay.jp"
	ProductionHost = "p01.mul-pay.jp"
)

func (e Environment) String() string {
	switch e {
	case Sandbox:
		return "sandbox"
	case Production:
		return "production"
	}
	return "unset"
}

// TdFlag is EntryTran's 3-D Secure setting.
type TdFlag string

const (
	// TdFlagDefault means TdFlag3DS2.
	TdFlagDefault TdFlag = ""
	// TdFlagOff registers transactions without 3-D Secure ("0"). Japanese
	// e-commerce must use 3-D Secure since the end of March 2025; only use
	// this for contracts that are exempt.
	TdFlagOff TdFlag = "0"
	// TdFlag3DS1 is legacy 3-D Secure 1.0 ("1").
	TdFlag3DS1 TdFlag = "1"
	// TdFlag3DS2 is 3-D Secure 2.0 ("2"), the default.
	TdFlag3DS2 TdFlag = "2"
)

// Tds2Type is what GMO does when the issuer does not support 3-D Secure 2.0.
type Tds2Type string

const (
	Tds2TypeDefault  Tds2Type = ""  // the shop's console setting
	Tds2TypeFallback Tds2Type = "1" // fall back to 3-D Secure 1.0
	Tds2TypeError    Tds2Type = "2" // fail the transaction
	Tds2TypeNo3DS    Tds2Type = "3" // plain authorization without 3-D Secure
)

// DefaultCacheSize is the default number of AccessID → AccessPass entries
// the provider remembers.
const DefaultCacheSize = 4096

// Config holds a GMO shop's settings. New validates it.
type Config struct {
	// ShopID is the 13-character shop ID (sandbox "tshop" + 8 digits).
	ShopID string
	// ShopPass is the shop password (at most 10 characters).
	ShopPass payment.Secret
	// SiteID and SitePass are the site credentials needed for stored cards
	// (members). Both or neither.
	SiteID   string
	SitePass payment.Secret

	// Environment selects the GMO host. BaseURL (or provider.WithBaseURL)
	// overrides it; one of them is required.
	Environment Environment
	// BaseURL replaces the host, e.g. "http://127.0.0.1:8081" for paysim.
	// provider.WithBaseURL takes precedence over it.
	BaseURL string

	// TdFlag is sent with EntryTran; default TdFlag3DS2.
	TdFlag TdFlag
	// Tds2Type is sent with EntryTran when set.
	Tds2Type Tds2Type
	// TdTenantName is the shop name shown on the 3-D Secure page. It is
	// sent as Base64 of its EUC-JP bytes, which may be at most 25 bytes.
	TdTenantName string

	// SkipNotificationVerification makes HandleNotification trust the
	// notification's content instead of re-reading the order with
	// SearchTrade. GMO notifications carry no signature; only skip this
	// when the notification URL is otherwise authenticated.
	SkipNotificationVerification bool

	// CacheSize bounds the in-memory AccessID → AccessPass cache that saves
	// a SearchTrade between CreatePayment and Confirm. 0 means
	// DefaultCacheSize; negative disables the cache.
	CacheSize int
}

// Environment variables the URL opener reads when the URL leaves a value
// out, so secrets need not be in the URL.
const (
	EnvShopID   = "GMO_SHOP_ID"
	EnvShopPass = "GMO_SHOP_PASS"
	EnvSiteID   = "GMO_SITE_ID"
	EnvSitePass = "GMO_SITE_PASS"
	EnvBaseURL  = "GMO_BASE_URL"
)

func invalidConfig(field, msg string) error {
	return payment.InvalidRequest(providerName, "new", "Config."+field, msg)
}

// validate checks the configuration and returns the encoded TdTenantName.
func (c Config) validate() (tenant string, err error) {
	if c.ShopID == "" {
		return "", invalidConfig("ShopID", "required")
	}
	if len(c.ShopID) > 13 || !isAlnum(c.ShopID) {
		return "", invalidConfig("ShopID", "must be at most 13 letters or digits")
	}
	if err := checkPass("ShopPass", c.ShopPass); err != nil {
		return "", err
	}
	if (c.SiteID == "") != c.SitePass.IsZero() {
		return "", invalidConfig("SiteID", "SiteID and SitePass go together")
	}
	if c.SiteID != "" {
		if len(c.SiteID) > 13 || !isAlnum(c.SiteID) {
			return "", invalidConfig("SiteID", "must be at most 13 letters or digits")
		}
		if err := checkPass("SitePass", c.SitePass); err != nil {
			return "", err
		}
	}
	switch c.Environment {
	case EnvironmentUnset, Sandbox, Production:
	default:
		return "", invalidConfig("Environment", "unknown environment")
	}
	switch c.TdFlag {
	case TdFlagDefault, TdFlagOff, TdFlag3DS1, TdFlag3DS2:
	default:
		return "", invalidConfig("TdFlag", "must be \"0\", \"1\" or \"2\"")
	}
	switch c.Tds2Type {
	case Tds2TypeDefault, Tds2TypeFallback, Tds2TypeError, Tds2TypeNo3DS:
	default:
		return "", invalidConfig("Tds2Type", "must be \"1\", \"2\" or \"3\"")
	}
	if c.TdTenantName != "" {
		tenant, err = encodeTenantName(c.TdTenantName)
		if err != nil {
			return "", err
		}
	}
	return tenant, nil
}

// encodeTenantName returns Base64 of name's EUC-JP bytes (at most 25).
func encodeTenantName(name string) (string, error) {
	for _, r := range name {
		if r < 0x20 || r == 0x7F {
			return "", invalidConfig("TdTenantName", "contains control characters")
		}
	}
	b, _, err := transform.Bytes(japanese.EUCJP.NewEncoder(), []byte(name))
	if err != nil {
		return "", invalidConfig("TdTenantName", "has characters EUC-JP cannot carry")
	}
	if len(b) > 25 {
		return "", invalidConfig("TdTenantName", fmt.Sprintf("is %d bytes in EUC-JP; at most 25 allowed", len(b)))
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func checkPass(field string, s payment.Secret) error {
	v := s.Reveal()
	if v == "" {
		return invalidConfig(field, "required")
	}
	if len(v) > 10 {
		return invalidConfig(field, "must be at most 10 characters")
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7F {
			return invalidConfig(field, "must be printable ASCII")
		}
	}
	return nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// baseURL resolves the endpoint: provider.WithBaseURL, then Config.BaseURL,
// then Environment.
func baseURL(opt string, c Config) (string, error) {
	u := opt
	if u == "" {
		u = c.BaseURL
	}
	if u == "" {
		switch c.Environment {
		case Sandbox:
			return "https://" + SandboxHost, nil
		case Production:
			return "https://" + ProductionHost, nil
		}
		return "", invalidConfig("Environment", "set Environment (gmo.Sandbox or gmo.Production) or BaseURL")
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.User != nil {
		return "", invalidConfig("BaseURL", "must be an absolute http(s) URL without credentials")
	}
	return strings.TrimRight(u, "/"), nil
}

func init() { payment.Register(providerName, open) }

// open builds a provider from
//
//	gmo://SHOPID:SHOPPASS@pt01.mul-pay.jp?site_id=...&site_pass=...&base_url=...
//
// Missing credentials come from the GMO_* environment variables.
func open(_ context.Context, u *url.URL) (payment.Provider, error) {
	q := u.Query()
	c := Config{
		ShopID:   u.User.Username(),
		SiteID:   q.Get("site_id"),
		SitePass: payment.NewSecret(q.Get("site_pass")),
		BaseURL:  q.Get("base_url"),
		TdFlag:   TdFlag(q.Get("td_flag")),
		Tds2Type: Tds2Type(q.Get("tds2_type")),
	}
	if pw, ok := u.User.Password(); ok {
		c.ShopPass = payment.NewSecret(pw)
	}
	c.TdTenantName = q.Get("tenant_name")
	if v := q.Get("skip_notification_verification"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, payment.InvalidRequest(providerName, "open", "skip_notification_verification", "must be true or false")
		}
		c.SkipNotificationVerification = b
	}
	if v := q.Get("cache_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, payment.InvalidRequest(providerName, "open", "cache_size", "must be an integer")
		}
		c.CacheSize = n
	}
	env := func(dst *string, name string) {
		if *dst == "" {
			*dst = os.Getenv(name)
		}
	}
	env(&c.ShopID, EnvShopID)
	env(&c.SiteID, EnvSiteID)
	env(&c.BaseURL, EnvBaseURL)
	if c.ShopPass.IsZero() {
		c.ShopPass = payment.NewSecret(os.Getenv(EnvShopPass))
	}
	if c.SitePass.IsZero() {
		c.SitePass = payment.NewSecret(os.Getenv(EnvSitePass))
	}
	switch host := strings.ToLower(u.Hostname()); host {
	case SandboxHost:
		c.Environment = Sandbox
	case ProductionHost:
		c.Environment = Production
	case "":
	default:
		if c.BaseURL == "" {
			c.BaseURL = "https://" + u.Host
		}
	}
	return New(c)
}
