package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kessai/payment/golomt/golomttest"
)

// DefaultGMOTokenJS is GMO's sandbox token.js, used with -gmo (real
// credentials). Production is https://static.mul-pay.jp/ext/js/token.js.
const DefaultGMOTokenJS = "https://stg.static.mul-pay.jp/ext/js/token.js"

// config is the checkout demo's configuration.
type config struct {
	// Addr is the shop's listen address ("127.0.0.1:0" picks a free port).
	Addr string
	// PublicURL is how browsers and gateways reach the shop; default
	// http://<Addr as bound>. Real gateways need a URL they can reach
	// (a tunnel) for redirects and notifications.
	PublicURL string
	// GMOURL and GolomtURL are payment.Open URLs (gmo://…, golomt://…).
	// Empty runs the in-process simulator instead.
	GMOURL    string
	GolomtURL string
	// GMOTokenJS is GMO's token.js, loaded by the card page when GMOURL is
	// set.
	GMOTokenJS string
	// GMOSimAddr and GolomtSimAddr are the simulators' listen addresses.
	GMOSimAddr    string
	GolomtSimAddr string
	// GolomtInvoiceLifetime is how long the Golomt simulator's hosted page
	// accepts a payment (shorten it to watch an invoice expire).
	GolomtInvoiceLifetime time.Duration
	// Quiet stops the event log from being echoed to the terminal.
	Quiet bool

	// wrapShop, when set, wraps the shop's handler (tests record what the
	// shop's server receives).
	wrapShop func(http.Handler) http.Handler
}

// Environment variables read as flag defaults.
const (
	envAddr      = "KESSAI_CHECKOUT_ADDR"
	envPublicURL = "KESSAI_CHECKOUT_PUBLIC_URL"
	envGMO       = "KESSAI_GMO_URL"
	envGolomt    = "KESSAI_GOLOMT_URL"
	envTokenJS   = "KESSAI_GMO_TOKEN_JS"
)

// parseFlags reads the command line; getenv supplies defaults (os.Getenv
// in main, a map in tests). Flags win over the environment.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("checkout", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", env(envAddr, "127.0.0.1:8080"), "shop listen `address` (127.0.0.1:0 picks a free port) [$"+envAddr+"]")
	fs.StringVar(&c.PublicURL, "public-url", env(envPublicURL, ""), "`URL` browsers and gateways use to reach the shop (default http://<addr>) [$"+envPublicURL+"]")
	fs.StringVar(&c.GMOURL, "gmo", env(envGMO, ""), "GMO provider `URL` (gmo://SHOPID:SHOPPASS@pt01.mul-pay.jp…); empty runs the GMO simulator [$"+envGMO+"]")
	fs.StringVar(&c.GolomtURL, "golomt", env(envGolomt, ""), "Golomt provider `URL` (golomt://…); empty runs the Golomt simulator [$"+envGolomt+"]")
	fs.StringVar(&c.GMOTokenJS, "gmo-token-js", env(envTokenJS, DefaultGMOTokenJS), "GMO token.js `URL` used with -gmo [$"+envTokenJS+"]")
	fs.StringVar(&c.GMOSimAddr, "gmo-sim-addr", "127.0.0.1:0", "GMO simulator listen `address`")
	fs.StringVar(&c.GolomtSimAddr, "golomt-sim-addr", "127.0.0.1:0", "Golomt simulator listen `address`")
	fs.DurationVar(&c.GolomtInvoiceLifetime, "golomt-invoice-lifetime", golomttest.DefaultInvoiceLifetime, "how long the Golomt simulator's hosted page accepts a payment (try 1m to see an invoice expire)")
	fs.BoolVar(&c.Quiet, "quiet", false, "do not echo the event log to the terminal")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/checkout [flags]\n\n"+
			"A demo shop on GMO (JPY) and Golomt (MNT). Without -gmo/-golomt it runs both\n"+
			"simulators in the same process and needs no credentials.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("checkout: unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	return c, c.validate()
}

func (c config) validate() error {
	if c.Addr == "" {
		return errors.New("checkout: -addr is empty")
	}
	if c.GolomtInvoiceLifetime < 0 {
		return errors.New("checkout: -golomt-invoice-lifetime is negative")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("checkout: -public-url must be an absolute http(s) URL")
		}
	}
	for _, p := range []struct{ flag, raw, scheme string }{{"-gmo", c.GMOURL, "gmo"}, {"-golomt", c.GolomtURL, "golomt"}} {
		if p.raw == "" {
			continue
		}
		// Never echo the URL: it holds credentials.
		u, err := url.Parse(p.raw)
		if err != nil || !strings.EqualFold(u.Scheme, p.scheme) {
			return fmt.Errorf("checkout: %s must be a %s:// URL", p.flag, p.scheme)
		}
	}
	if c.GMOURL != "" {
		u, err := url.Parse(c.GMOTokenJS)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			return errors.New("checkout: -gmo-token-js must be an https URL (or http on loopback, e.g. paysim's /ext/js/token.js)")
		}
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// simulated reports whether the demo runs the given simulator.
func (c config) simulated() (gmo, golomt bool) { return c.GMOURL == "", c.GolomtURL == "" }
