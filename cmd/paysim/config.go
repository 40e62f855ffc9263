package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt/golomttest"
)

// config is paysim's configuration.
type config struct {
	GMOAddr, GolomtAddr           string // listen addresses; "off" disables a simulator
	GMOPublicURL, GolomtPublicURL string // base URLs browsers and clients use; default http://<addr as bound>
	GMONotifyURL, GolomtNotifyURL string // notification targets (the merchant's endpoints)

	GMOShopID, GMOShopPass         string
	GolomtToken, GolomtSecret      string
	GMORawCards, GMOThreeDSMandate bool

	// FaultRate is the probability, in parts per million, that an API
	// request gets a random fault (0 = never, 1e6 = always).
	FaultRate  int
	FaultKinds []string // names from faultNames
	FaultDelay time.Duration
	FaultAPIs  []string // restrict random faults to these API names; empty = all money/inquiry APIs
	Seed       int64    // random source seed; 0 = time-based
}

const (
	envGMOAddr      = "PAYSIM_GMO_ADDR"
	envGolomtAddr   = "PAYSIM_GOLOMT_ADDR"
	envGMONotify    = "PAYSIM_GMO_NOTIFY_URL"
	envGolomtNotify = "PAYSIM_GOLOMT_NOTIFY_URL"
	envFaultRate    = "PAYSIM_FAULT_RATE"
)

// off disables a simulator when given as its address.
const off = "off"

// faultNames are the random fault kinds paysim knows, with what they do.
var faultNames = map[string]string{
	"delay":         "answer normally after -fault-delay",
	"drop-before":   "close the connection without processing",
	"drop-after":    "process (money may move), then close the connection without a response",
	"error":         "HTTP 503 (GMO) / 500 JSON (Golomt) without processing",
	"error-after":   "process, then HTTP 500",
	"unknown":       "GMO: ErrCode E91 (outcome unknown) without processing; Golomt: 500 after processing",
	"unknown-after": "GMO: process, then E91; Golomt: 500 after processing",
	"html":          "an HTML error page with HTTP 200, as a proxy or WAF would",
}

// defaultFaultKinds are the faults a client must survive without
// double-charging.
var defaultFaultKinds = []string{"error", "drop-after", "unknown", "unknown-after"}

// parseFlags reads the command line; getenv supplies defaults.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	c := config{}
	var kinds, apis string
	rate := rateFlag{ppm: 0}
	if v := getenv(envFaultRate); v != "" {
		if err := rate.Set(v); err != nil {
			return config{}, fmt.Errorf("paysim: $%s: %w", envFaultRate, err)
		}
	}
	fs := flag.NewFlagSet("paysim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.GMOAddr, "gmo-addr", env(envGMOAddr, "127.0.0.1:8081"), "GMO simulator listen `address` (\"off\" disables it) [$"+envGMOAddr+"]")
	fs.StringVar(&c.GolomtAddr, "golomt-addr", env(envGolomtAddr, "127.0.0.1:8082"), "Golomt simulator listen `address` (\"off\" disables it) [$"+envGolomtAddr+"]")
	fs.StringVar(&c.GMOPublicURL, "gmo-public-url", "", "base `URL` of the GMO simulator as clients and browsers see it (default http://<gmo-addr>)")
	fs.StringVar(&c.GolomtPublicURL, "golomt-public-url", "", "base `URL` of the Golomt simulator as clients and browsers see it (default http://<golomt-addr>)")
	fs.StringVar(&c.GMONotifyURL, "gmo-notify-url", env(envGMONotify, ""), "deliver GMO result notifications to this `URL` [$"+envGMONotify+"]")
	fs.StringVar(&c.GolomtNotifyURL, "golomt-notify-url", env(envGolomtNotify, ""), "deliver Golomt push notifications to this `URL` [$"+envGolomtNotify+"]")
	fs.StringVar(&c.GMOShopID, "gmo-shop-id", "", "GMO ShopID the simulator accepts (default "+gmotest.DefaultShopID+")")
	fs.StringVar(&c.GMOShopPass, "gmo-shop-pass", "", "GMO ShopPass the simulator accepts (default "+gmotest.DefaultShopPass+")")
	fs.BoolVar(&c.GMORawCards, "gmo-raw-cards", false, "let GMO ExecTran accept raw card numbers (CardNo), as a shop whose contract allows it")
	fs.BoolVar(&c.GMOThreeDSMandate, "gmo-3ds-required", false, "make GMO refuse EntryTran without 3-D Secure (TdFlag)")
	fs.StringVar(&c.GolomtToken, "golomt-token", "", "Golomt bearer token the simulator accepts (default "+golomttest.DefaultBearerToken+")")
	fs.StringVar(&c.GolomtSecret, "golomt-secret", "", "Golomt HMAC key (default "+golomttest.DefaultSecret+")")
	fs.Var(&rate, "fault-rate", "probability of a random fault per API request: 0.05 or 5% (default 0) [$"+envFaultRate+"]")
	fs.StringVar(&kinds, "faults", strings.Join(defaultFaultKinds, ","), "comma-separated random fault `kinds`: "+strings.Join(sortedKeys(faultNames), ", "))
	fs.DurationVar(&c.FaultDelay, "fault-delay", 3*time.Second, "how long the \"delay\" fault waits")
	fs.StringVar(&apis, "fault-apis", "", "comma-separated API `names` random faults may hit (e.g. ExecTran,AlterTran,inquiry); default all API calls")
	fs.Int64Var(&c.Seed, "seed", 0, "random `seed` for faults (0: from the clock)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./cmd/paysim [flags]\n\n"+
			"Serves the GMO and Golomt simulators (the same code as gmo/gmotest and\n"+
			"golomt/golomttest) for manual QA and non-Go clients.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nFault kinds:\n")
		for _, k := range sortedKeys(faultNames) {
			fmt.Fprintf(fs.Output(), "  %-14s %s\n", k, faultNames[k])
		}
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("paysim: unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	c.FaultRate = rate.ppm
	c.FaultKinds = splitList(kinds)
	c.FaultAPIs = splitList(apis)
	return c, c.validate()
}

func (c config) validate() error {
	if c.GMOAddr == "" || c.GolomtAddr == "" {
		return errors.New("paysim: an address is empty (use \"off\" to disable a simulator)")
	}
	if c.GMOAddr == off && c.GolomtAddr == off {
		return errors.New("paysim: both simulators are off")
	}
	for _, u := range []struct{ flag, v string }{
		{"-gmo-public-url", c.GMOPublicURL}, {"-golomt-public-url", c.GolomtPublicURL},
		{"-gmo-notify-url", c.GMONotifyURL}, {"-golomt-notify-url", c.GolomtNotifyURL},
	} {
		if u.v == "" {
			continue
		}
		pu, err := url.Parse(u.v)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return fmt.Errorf("paysim: %s must be an absolute http(s) URL", u.flag)
		}
	}
	if c.FaultRate > 0 && len(c.FaultKinds) == 0 {
		return errors.New("paysim: -fault-rate is set but -faults lists no kind")
	}
	for _, k := range c.FaultKinds {
		if _, ok := faultNames[k]; !ok {
			return fmt.Errorf("paysim: unknown fault kind %q (known: %s)", k, strings.Join(sortedKeys(faultNames), ", "))
		}
	}
	if c.FaultDelay < 0 {
		return errors.New("paysim: -fault-delay is negative")
	}
	return nil
}

// rateFlag parses a probability as "0.05", "5%" or "1/20" into parts per
// million, exactly (no floating point).
type rateFlag struct{ ppm int }

func (r *rateFlag) String() string {
	if r == nil || r.ppm == 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(r.ppm)/1e4, 'f', -1, 64) + "%"
}

func (r *rateFlag) Set(s string) error {
	ppm, err := parseRate(s)
	if err != nil {
		return err
	}
	r.ppm = ppm
	return nil
}

// parseRate turns "0.05", "5%", "0.5%" or "1/20" into parts per million.
func parseRate(s string) (int, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("rate %q: want a probability such as 0.05, 5%% or 1/20", s)
	if num, den, ok := strings.Cut(s, "/"); ok {
		n, err1 := strconv.ParseInt(num, 10, 64)
		d, err2 := strconv.ParseInt(den, 10, 64)
		if err1 != nil || err2 != nil || n < 0 || d <= 0 || n > d || d > 1e12 {
			return 0, bad
		}
		return int(n * 1_000_000 / d), nil
	}
	scale := 6 // a fraction of 1 has 6 digits of ppm; a percentage 4
	num := s
	if p, ok := strings.CutSuffix(s, "%"); ok {
		num, scale = p, 4
	}
	intPart, frac, _ := strings.Cut(num, ".")
	if intPart == "" && frac == "" || len(frac) > scale || len(intPart) > 7 {
		return 0, bad
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, bad
			}
		}
	}
	frac += strings.Repeat("0", scale-len(frac))
	n, err := strconv.Atoi(intPart + frac)
	if err != nil {
		return 0, bad
	}
	if n > 1_000_000 {
		return 0, fmt.Errorf("rate %q: above 100%%", s)
	}
	return n, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
