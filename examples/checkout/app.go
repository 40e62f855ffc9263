package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/middleware"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// app is a running demo: the shop and, unless real gateways are
// configured, the two simulators, each on its own loopback listener.
type app struct {
	ShopURL   string
	GMOSim    *gmotest.Server    // nil with -gmo
	GolomtSim *golomttest.Server // nil with -golomt
	Shop      *shop
	Events    *eventLog

	servers []*http.Server
	conns   connTracker
	closers []func()
	errc    chan error
}

// listen opens addr and turns "address already in use" into advice.
func listen(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("checkout: cannot start the %s: %s is already in use (another checkout still running?); "+
			"stop that process or choose another address, e.g. -addr 127.0.0.1:0 for any free port", what, addr)
	}
	return nil, fmt.Errorf("checkout: cannot start the %s on %s: %w", what, addr, err)
}

// start builds and starts the demo. extra, when not nil, receives a copy
// of every event (the terminal). Close stops everything.
func start(ctx context.Context, cfg config, extra zapcore.Core) (_ *app, err error) {
	a := &app{Events: newEventLog(1000), errc: make(chan error, 3)}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	logger := newLogger(a.Events, extra)

	shopLn, err := listen("shop", cfg.Addr)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { _ = shopLn.Close() })
	a.ShopURL = "http://" + shopLn.Addr().String()
	base := a.ShopURL
	if cfg.PublicURL != "" {
		base = strings.TrimRight(cfg.PublicURL, "/")
	}

	simGMO, simGolomt := cfg.simulated()
	sc := shopConfig{
		BaseURL:     base,
		Events:      a.Events,
		Logger:      logger,
		CardRoute:   "gmo",
		HostedRoute: "golomt",
		Products:    defaultProducts(),
		Mode:        modeName(simGMO, simGolomt),
		Voucher:     defaultVoucherConfig(),
	}

	var gmoP, golomtP payment.Provider
	if simGMO {
		ln, err := listen("GMO simulator", cfg.GMOSimAddr)
		if err != nil {
			return nil, err
		}
		simURL := "http://" + ln.Addr().String()
		a.GMOSim = gmotest.NewHandler(
			gmotest.WithPublicURL(simURL),
			gmotest.WithNotifyURL(base+"/notify/gmo"),
			gmotest.WithNotifyRetry(5*time.Second, 3),
		)
		a.closers = append(a.closers, a.GMOSim.Close)
		a.serve(ln, a.GMOSim.Handler())
		gmoP, err = newSimGMO(a.GMOSim, logger)
		if err != nil {
			return nil, err
		}
		sc.Card = cardConfig{TokenURL: simURL + gmoTokenPath, TestCards: gmoTestCards()}
		sc.Voucher.Sim = a.GMOSim
		sc.Links = append(sc.Links, link{"GMO simulator", simURL + "/gmotest/status"})
	} else {
		gmoP, err = payment.Open(ctx, cfg.GMOURL)
		if err != nil {
			return nil, fmt.Errorf("checkout: -gmo: %w", err)
		}
		sc.Card = cardConfig{TokenJS: cfg.GMOTokenJS, ShopID: shopIDOf(cfg.GMOURL)}
	}
	if simGolomt {
		ln, err := listen("Golomt simulator", cfg.GolomtSimAddr)
		if err != nil {
			return nil, err
		}
		simURL := "http://" + ln.Addr().String()
		a.GolomtSim = golomttest.NewHandler(
			golomttest.WithNotifyURL(base+"/notify/golomt"),
			golomttest.WithInvoiceLifetime(cfg.GolomtInvoiceLifetime),
		)
		a.GolomtSim.SetBaseURL(simURL)
		a.closers = append(a.closers, a.GolomtSim.Close)
		a.serve(ln, a.GolomtSim.Handler())
		golomtP, err = newSimGolomt(a.GolomtSim, cfg.GolomtInvoiceLifetime, logger)
		if err != nil {
			return nil, err
		}
		sc.HostedTestCards = golomtTestCards()
		sc.Links = append(sc.Links, link{"Golomt simulator", simURL + "/_sim/status"})
	} else {
		golomtP, err = payment.Open(ctx, cfg.GolomtURL)
		if err != nil {
			return nil, fmt.Errorf("checkout: -golomt: %w", err)
		}
	}

	router, err := payment.NewRouter(payment.RouterConfig{
		Name:      "shop",
		Providers: map[string]payment.Provider{"gmo": gmoP, "golomt": golomtP},
		Rules: []payment.Rule{
			{Provider: "gmo", Currencies: []payment.Currency{payment.JPY}},
			{Provider: "golomt", Currencies: []payment.Currency{payment.MNT}},
		},
		Logger: logger.Named("router"),
	})
	if err != nil {
		return nil, fmt.Errorf("checkout: router: %w", err)
	}
	sc.Capabilities = router.ProviderCapabilities()
	if gp, ok := gmoP.(*gmo.Provider); ok {
		sc.Reconcile = gmoReconciler("gmo", gp, router.SplitRef)
	}
	sc.Payments = middleware.Log(router, logger.Named("payments"))

	a.Shop, err = newShop(sc)
	if err != nil {
		return nil, err
	}
	var h http.Handler = a.Shop
	if cfg.wrapShop != nil {
		h = cfg.wrapShop(h)
	}
	a.serve(shopLn, h)
	return a, nil
}

func (a *app) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnState: a.conns.track}
	a.servers = append(a.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.errc <- err
		}
	}()
}

// Err reports a server that stopped on its own.
func (a *app) Err() <-chan error { return a.errc }

// Close shuts the servers down gracefully (5 s at most), then stops the
// simulators' notifiers.
func (a *app) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range a.servers {
		s.SetKeepAlivesEnabled(false)
	}
	a.conns.closeFresh()
	for _, s := range a.servers {
		_ = s.Shutdown(ctx)
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.servers, a.closers = nil, nil
}

func modeName(simGMO, simGolomt bool) string {
	switch {
	case simGMO && simGolomt:
		return "simulators"
	case !simGMO && !simGolomt:
		return "real gateways"
	case simGMO:
		return "GMO simulator + real Golomt"
	default:
		return "real GMO + Golomt simulator"
	}
}

// shopIDOf returns the ShopID (the URL's user name) of a gmo:// URL, for
// token.js. It is not a secret; the password is never read here.
func shopIDOf(raw string) string {
	u, err := url.Parse(raw)
	if err == nil && u.User != nil && u.User.Username() != "" {
		return u.User.Username()
	}
	return os.Getenv(gmo.EnvShopID) // the opener's fallback

}

// defaultVoucherConfig is the shop's contact printed on konbini and
// Pay-easy vouchers.
func defaultVoucherConfig() voucherConfig {
	return voucherConfig{ContactName: "けっさいデモ商店", ContactPhone: "03-1234-5678", ContactHours: "10:00-18:00", DeadlineDays: 3}
}

func defaultProducts() []product {
	return []product{{
		ID:          "furoshiki",
		Name:        "Furoshiki wrapping cloth",
		Description: "Cotton, 70 × 70 cm, indigo wave pattern. Ships from Tokyo or Ulaanbaatar.",
		Prices: []payment.Money{
			payment.MustParseMoney("1500", "JPY"),
			payment.MustParseMoney("35000.00", "MNT"),
		},
	}}
}

// run starts the demo, prints where to open it and serves until ctx ends.
func run(ctx context.Context, cfg config, stdout io.Writer, extra zapcore.Core) error {
	a, err := start(ctx, cfg, extra)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(stdout, "kessai checkout demo (%s)\n\n    open %s\n\n", a.Shop.cfg.Mode, a.ShopURL)
	if base := a.Shop.cfg.BaseURL; base != a.ShopURL {
		fmt.Fprintf(stdout, "Gateways send browsers back to %s/return/… and notifications to %s/notify/{gmo,golomt}\n", base, base)
	}
	if a.GMOSim != nil {
		fmt.Fprintf(stdout, "GMO simulator:    %s (ledger: %s/gmotest/status)\n", a.GMOSim.URL(), a.GMOSim.URL())
	}
	if a.GolomtSim != nil {
		fmt.Fprintf(stdout, "Golomt simulator: %s (ledger: %s/_sim/status)\n", a.GolomtSim.URL(), a.GolomtSim.URL())
	}
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "\nshutting down")
		return nil
	case err := <-a.Err():
		return fmt.Errorf("checkout: server stopped: %w", err)
	}
}

// terminalCore echoes events to w in zap's console format.
func terminalCore(w io.Writer) zapcore.Core {
	ec := zap.NewDevelopmentEncoderConfig()
	ec.TimeKey = "T"
	ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
	return zapcore.NewCore(zapcore.NewConsoleEncoder(ec), zapcore.AddSync(w), zapcore.InfoLevel)
}
