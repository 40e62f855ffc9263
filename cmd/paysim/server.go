package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt/golomttest"
)

// paysim is a running pair of simulators.
type paysim struct {
	cfg       config
	GMO       *gmotest.Server    // nil when -gmo-addr off
	Golomt    *golomttest.Server // nil when -golomt-addr off
	GMOURL    string
	GolomtURL string
	faults    *faultSource

	servers []*http.Server
	conns   connTracker
	errc    chan error
}

// listen opens addr and turns "address already in use" into advice.
func listen(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("paysim: cannot serve the %s simulator: %s is already in use; "+
			"stop the other process or pick another address (127.0.0.1:0 for any free port)", what, addr)
	}
	return nil, fmt.Errorf("paysim: cannot serve the %s simulator on %s: %w", what, addr, err)
}

// start listens and serves the enabled simulators.
func start(cfg config) (_ *paysim, err error) {
	p := &paysim{cfg: cfg, errc: make(chan error, 2), faults: newFaultSource(cfg)}
	defer func() {
		if err != nil {
			p.Close(context.Background())
		}
	}()
	var gmoLn, golomtLn net.Listener
	if cfg.GMOAddr != off {
		if gmoLn, err = listen("GMO", cfg.GMOAddr); err != nil {
			return nil, err
		}
		p.GMOURL = publicURL(cfg.GMOPublicURL, gmoLn)
	}
	if cfg.GolomtAddr != off {
		if golomtLn, err = listen("Golomt", cfg.GolomtAddr); err != nil {
			if gmoLn != nil {
				_ = gmoLn.Close()
			}
			return nil, err
		}
		p.GolomtURL = publicURL(cfg.GolomtPublicURL, golomtLn)
	}
	if gmoLn != nil {
		p.GMO = gmotest.NewHandler(p.gmoOptions()...)
		p.serve(gmoLn, p.mount(p.GMO.Handler()))
	}
	if golomtLn != nil {
		p.Golomt = golomttest.NewHandler(p.golomtOptions()...)
		p.Golomt.SetBaseURL(p.GolomtURL)
		p.serve(golomtLn, p.mount(p.golomtFaults(p.Golomt.Handler())))
	}
	return p, nil
}

func publicURL(configured string, ln net.Listener) string {
	if configured != "" {
		return strings.TrimRight(configured, "/")
	}
	return "http://" + ln.Addr().String()
}

func (p *paysim) gmoOptions() []gmotest.Option {
	c := p.cfg
	opts := []gmotest.Option{
		gmotest.WithPublicURL(p.GMOURL),
		gmotest.WithCredentials(gmotest.Credentials{ShopID: c.GMOShopID, ShopPass: c.GMOShopPass}),
	}
	if c.GMONotifyURL != "" {
		opts = append(opts, gmotest.WithNotifyURL(c.GMONotifyURL))
	}
	if c.GMORawCards {
		opts = append(opts, gmotest.WithRawCardNumbers())
	}
	if c.GMOThreeDSMandate {
		opts = append(opts, gmotest.WithThreeDSRequired())
	}
	if p.faults.enabled() {
		opts = append(opts, gmotest.WithFaultFunc(p.faults.gmo))
	}
	return opts
}

func (p *paysim) golomtOptions() []golomttest.Option {
	c := p.cfg
	var opts []golomttest.Option
	if c.GolomtToken != "" || c.GolomtSecret != "" {
		tok, sec := c.GolomtToken, c.GolomtSecret
		if tok == "" {
			tok = golomttest.DefaultBearerToken
		}
		if sec == "" {
			sec = golomttest.DefaultSecret
		}
		opts = append(opts, golomttest.WithCredentials(tok, sec))
	}
	if c.GolomtNotifyURL != "" {
		opts = append(opts, golomttest.WithNotifyURL(c.GolomtNotifyURL))
	}
	return opts
}

// mount adds paysim's own pages in front of a simulator: the status page
// at / and the ledgers as JSON at /paysim/ledger.json. Every other path is
// the simulator's.
func (p *paysim) mount(sim http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.statusPage)
	mux.HandleFunc("GET /paysim/ledger.json", p.ledgerJSON)
	mux.Handle("/", sim)
	return mux
}

func (p *paysim) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnState: p.conns.track}
	p.servers = append(p.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.errc <- err
		}
	}()
}

// Close shuts the listeners down gracefully within ctx, then stops the
// simulators' notifiers.
func (p *paysim) Close(ctx context.Context) {
	p.conns.closeFresh()
	for _, s := range p.servers {
		_ = s.Shutdown(ctx)
	}
	if p.GMO != nil {
		p.GMO.Close()
	}
	if p.Golomt != nil {
		p.Golomt.Close()
	}
}

// run serves until ctx ends (SIGINT/SIGTERM in main), then shuts down
// gracefully.
func run(ctx context.Context, cfg config, stdout io.Writer) error {
	p, err := start(cfg)
	if err != nil {
		return err
	}
	p.printBanner(stdout)
	var serveErr error
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "paysim: shutting down")
	case serveErr = <-p.errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.Close(sctx)
	if serveErr != nil {
		return fmt.Errorf("paysim: server stopped: %w", serveErr)
	}
	return nil
}

func (p *paysim) printBanner(w io.Writer) {
	if p.GMO != nil {
		cr := p.GMO.Credentials()
		pass := cr.ShopPass
		if p.cfg.GMOShopPass != "" {
			pass = "(as given by -gmo-shop-pass)"
		}
		fmt.Fprintf(w, "GMO simulator     %s   ShopID %s  ShopPass %s  (API: /payment/<Api>.idPass)\n", p.GMOURL, cr.ShopID, pass)
	}
	if p.Golomt != nil {
		tok, sec := p.Golomt.BearerToken(), p.Golomt.Secret()
		if p.cfg.GolomtToken != "" {
			tok = "(as given by -golomt-token)"
		}
		if p.cfg.GolomtSecret != "" {
			sec = "(as given by -golomt-secret)"
		}
		fmt.Fprintf(w, "Golomt simulator  %s   bearer %s  HMAC key %s  (API: /api/*)\n", p.GolomtURL, tok, sec)
	}
	if p.faults.enabled() {
		fmt.Fprintf(w, "random faults     %s of API requests: %s\n", (&rateFlag{ppm: p.cfg.FaultRate}).String(), strings.Join(p.cfg.FaultKinds, ", "))
	}
	fmt.Fprintln(w, "ledgers           / on each port; /paysim/ledger.json. Ctrl+C stops.")
}

// faultSource decides random faults. It is safe for concurrent use.
type faultSource struct {
	ppm   int
	kinds []string
	delay time.Duration
	apis  map[string]bool

	mu  sync.Mutex
	rng *rand.Rand

	injected atomic.Int64
}

func newFaultSource(c config) *faultSource {
	seed := uint64(c.Seed)
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	f := &faultSource{ppm: c.FaultRate, kinds: c.FaultKinds, delay: c.FaultDelay,
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	if len(c.FaultAPIs) > 0 {
		f.apis = map[string]bool{}
		for _, a := range c.FaultAPIs {
			f.apis[strings.ToLower(a)] = true
		}
	}
	return f
}

func (f *faultSource) enabled() bool { return f.ppm > 0 && len(f.kinds) > 0 }

// browserAPIs are never hit by random faults unless named in -fault-apis:
// they are the customer's browser, not the merchant's server.
var browserAPIs = map[string]bool{"gettoken": true, "page": true}

// roll reports whether a request to api gets a fault, and which kind.
func (f *faultSource) roll(api string) (string, bool) {
	if !f.enabled() {
		return "", false
	}
	key := strings.ToLower(api)
	if f.apis != nil && !f.apis[key] || f.apis == nil && browserAPIs[key] {
		return "", false
	}
	f.mu.Lock()
	hit := f.rng.IntN(1_000_000) < f.ppm
	kind := f.kinds[f.rng.IntN(len(f.kinds))]
	f.mu.Unlock()
	if !hit {
		return "", false
	}
	f.injected.Add(1)
	return kind, true
}

// gmo is the gmotest.WithFaultFunc hook.
func (f *faultSource) gmo(api string) (gmotest.Fault, bool) {
	kind, ok := f.roll(api)
	if !ok {
		return gmotest.Fault{}, false
	}
	return gmoFault(kind, f.delay), true
}

func gmoFault(kind string, delay time.Duration) gmotest.Fault {
	switch kind {
	case "delay":
		return gmotest.Fault{Kind: gmotest.FaultDelay, Delay: delay}
	case "drop-before":
		return gmotest.Fault{Kind: gmotest.FaultDropBeforeProcess}
	case "drop-after":
		return gmotest.Fault{Kind: gmotest.FaultDropAfterProcess}
	case "error":
		return gmotest.Fault{Kind: gmotest.FaultServerError}
	case "error-after":
		return gmotest.Fault{Kind: gmotest.FaultServerErrorAfterProcess}
	case "unknown":
		return gmotest.Fault{Kind: gmotest.FaultGatewayUnknown}
	case "unknown-after":
		return gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess}
	case "html":
		return gmotest.Fault{Kind: gmotest.FaultHTML}
	}
	return gmotest.Fault{}
}

func golomtFault(kind string, delay time.Duration) golomttest.Fault {
	switch kind {
	case "delay":
		return golomttest.Fault{Kind: golomttest.FaultDelay, Delay: delay}
	case "drop-before":
		return golomttest.Fault{Kind: golomttest.FaultDropBeforeProcess}
	case "drop-after":
		return golomttest.Fault{Kind: golomttest.FaultDropAfterProcess}
	case "error":
		return golomttest.Fault{Kind: golomttest.FaultServerError}
	case "error-after":
		return golomttest.Fault{Kind: golomttest.FaultServerErrorAfterProcess}
	case "unknown", "unknown-after":
		return golomttest.Fault{Kind: golomttest.FaultGatewayUnknown}
	case "html":
		return golomttest.Fault{Kind: golomttest.FaultHTML}
	}
	return golomttest.Fault{}
}

// golomtAPIs maps Golomt API paths to golomttest's fault names.
var golomtAPIs = map[string]string{
	"/api/invoice":              golomttest.APIInvoice,
	"/api/inquiry":              golomttest.APIInquiry,
	"/api/pay":                  golomttest.APIPay,
	"/api/check":                golomttest.APICheck,
	"/api/confirmation":         golomttest.APIConfirmation,
	"/api/get/token":            golomttest.APIGetToken,
	"/api/getSettlementDetails": golomttest.APISettlement,
}

// golomtFaults injects random faults in front of the Golomt simulator,
// which has no fault hook of its own: a request that draws a fault queues
// it with InjectFault just before the simulator sees the request. (Under
// concurrent requests to the same API another request may take it; the
// rate stays the same.)
func (p *paysim) golomtFaults(sim http.Handler) http.Handler {
	if !p.faults.enabled() {
		return sim
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if api, ok := golomtAPIs[r.URL.Path]; ok && r.Method == http.MethodPost {
			if kind, hit := p.faults.roll(api); hit {
				p.Golomt.InjectFault(api, golomtFault(kind, p.faults.delay))
			}
		}
		sim.ServeHTTP(w, r)
	})
}

// ledgers is what /paysim/ledger.json returns.
type ledgers struct {
	GMO            []gmotest.LedgerEntry    `json:"gmo"`
	Golomt         []golomttest.LedgerEntry `json:"golomt"`
	FaultsInjected int64                    `json:"faults_injected"`
}

func (p *paysim) ledgers() ledgers {
	l := ledgers{GMO: []gmotest.LedgerEntry{}, Golomt: []golomttest.LedgerEntry{}, FaultsInjected: p.faults.injected.Load()}
	if p.GMO != nil {
		l.GMO = append(l.GMO, p.GMO.Ledgers()...)
	}
	if p.Golomt != nil {
		l.Golomt = append(l.Golomt, p.Golomt.Ledgers()...)
	}
	return l
}

func (p *paysim) ledgerJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(p.ledgers())
}

var statusTmpl = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>paysim</title>
<meta http-equiv="refresh" content="5">
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#1d2330}table{border-collapse:collapse;margin-bottom:24px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:left}th{color:#6b7280}code{font-size:12px}
form{display:inline}.note,.state{color:#6b7280}</style></head>
<body><h1>paysim</h1>
<p>{{if .GMOURL}}GMO <code>{{.GMOURL}}</code> (<a href="{{.GMOURL}}/gmotest/status">simulator page</a>){{end}}
{{if .GolomtURL}} · Golomt <code>{{.GolomtURL}}</code> (<a href="{{.GolomtURL}}/_sim/status">simulator page</a>){{end}}
· <a href="/paysim/ledger.json">ledger.json</a> · random faults injected: {{.L.FaultsInjected}}</p>
{{if .GMOURL}}<h2>GMO ledger</h2>
<p class="note">Simulator time {{.GMONow}}. Konbini and Pay-easy vouchers waiting for payment have simulator controls (not GMO APIs):
<b>pay at the store</b> plays the customer paying (PAYSUCCESS), <b>expire</b> lets that voucher's deadline pass (EXPIRED) without moving the clock for the other orders.
GMO sends its result notification for either.</p>
<table><tr><th>OrderID</th><th>Pay type</th><th>Status</th><th>JobCd</th><th>Amount</th><th>Authorized</th><th>Captured</th><th>Refunded</th><th>Charges</th><th>Refunds</th><th>Voids</th><th>Card</th><th>Pay by (JST)</th><th>Updated</th><th>Simulator</th></tr>
{{range .GMO}}{{$e := .E}}<tr id="gmo-{{$e.OrderID}}"><td><code>{{$e.OrderID}}</code></td><td>{{.PayType}}</td><td>{{$e.Status}}{{if .State}} <span class="state">({{.State}})</span>{{end}}</td><td>{{$e.JobCd}}</td><td>{{$e.Amount}}</td><td>{{$e.Authorized}}</td><td>{{$e.Captured}}</td><td>{{$e.Refunded}}</td><td>{{$e.Charges}}</td><td>{{$e.Refunds}}</td><td>{{$e.Voids}}</td><td><code>{{$e.CardNo}}</code></td><td>{{.Deadline}}</td><td>{{$e.UpdatedAt.Format "15:04:05"}}</td>
<td>{{if .Open}}<form method="post" action="{{$.GMOURL}}/gmotest/pay"><input type="hidden" name="order" value="{{$e.OrderID}}"><input type="hidden" name="return" value="{{$.GMOURL}}/"><button type="submit">pay at the store</button></form>
<form method="post" action="{{$.GMOURL}}/gmotest/expire"><input type="hidden" name="order" value="{{$e.OrderID}}"><input type="hidden" name="return" value="{{$.GMOURL}}/"><button type="submit">expire</button></form>{{end}}</td></tr>
{{else}}<tr><td colspan="15">no orders yet</td></tr>{{end}}</table>{{end}}
{{if .GolomtURL}}<h2>Golomt ledger</h2>
<table><tr><th>transactionId</th><th>Kind</th><th>State</th><th>Amount</th><th>errorCode</th><th>Card</th><th>Charges</th><th>Refunds</th><th>Updated</th></tr>
{{range .L.Golomt}}<tr><td><code>{{.TransactionID}}</code></td><td>{{.Kind}}</td><td>{{.State}}</td><td>{{.Amount}}</td><td>{{.ErrorCode}}</td><td><code>{{.CardNumber}}</code></td><td>{{.Charges}}</td><td>{{.Refunds}}</td><td>{{.UpdatedAt.Format "15:04:05"}}</td></tr>
{{else}}<tr><td colspan="9">no transactions yet</td></tr>{{end}}</table>{{end}}
</body></html>
`))

// gmoRow is one GMO order on the status page.
type gmoRow struct {
	E        gmotest.LedgerEntry
	PayType  string // "card", "konbini (Lawson)", "Pay-easy"
	State    string // vouchers: "not issued", "waiting for payment", "paid", "expired", "cancelled"
	Deadline string // vouchers: the payment deadline in JST, else ""
	Open     bool   // a voucher waiting for payment: the pay/expire buttons apply
}

// konbiniChains names GMO's Convenience codes (the old 0000x codes too).
var konbiniChains = map[string]string{
	"10001": "Lawson", "10002": "FamilyMart", "10005": "Ministop", "00007": "Seven-Eleven", "10008": "Seicomart",
	"00001": "Lawson", "00002": "FamilyMart", "00005": "Ministop", "00008": "Seicomart",
}

// voucherStates says what a voucher's GMO status means for the customer.
var voucherStates = map[string]string{
	"UNPROCESSED": "not issued", "REQSUCCESS": "waiting for payment", "PAYSUCCESS": "paid",
	"EXPIRED": "expired", "CANCEL": "cancelled",
}

var jst = time.FixedZone("JST", 9*60*60)

func newGMORow(e gmotest.LedgerEntry) gmoRow {
	r := gmoRow{E: e}
	switch e.PayType {
	case "3":
		r.PayType = "konbini"
		if name := konbiniChains[e.Convenience]; name != "" {
			r.PayType += " (" + name + ")"
		} else if e.Convenience != "" {
			r.PayType += " (" + e.Convenience + ")"
		}
	case "4":
		r.PayType = "Pay-easy"
	default:
		r.PayType = "card"
		return r
	}
	r.State = voucherStates[e.Status]
	if !e.PaymentTerm.IsZero() {
		r.Deadline = e.PaymentTerm.In(jst).Format("2006-01-02 15:04:05")
	}
	r.Open = e.Status == "REQSUCCESS"
	return r
}

func (p *paysim) statusPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	l := p.ledgers()
	rows := make([]gmoRow, len(l.GMO))
	for i, e := range l.GMO {
		rows[i] = newGMORow(e)
	}
	now := ""
	if p.GMO != nil {
		now = p.GMO.Now().In(jst).Format("2006-01-02 15:04:05 MST")
	}
	_ = statusTmpl.Execute(w, struct {
		GMOURL, GolomtURL string
		GMONow            string
		GMO               []gmoRow
		L                 ledgers
	}{p.GMOURL, p.GolomtURL, now, rows, l})
}
