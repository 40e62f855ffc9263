package gmotest

import (
	"html/template"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Ledgers returns every order, oldest first.
func (s *Server) Ledgers() []LedgerEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(s.Now())
	ts := make([]*tran, 0, len(s.orders))
	for _, t := range s.orders {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].seq < ts[j].seq })
	out := make([]LedgerEntry, len(ts))
	for i, t := range ts {
		out[i] = t.entry()
	}
	return out
}

var statusPage = template.Must(template.New("s").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>gmotest ledger</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}</style>
</head><body>
<h1>GMO simulator ledger</h1>
<p>Simulator time {{.Now}} &middot; {{.Requests}} requests &middot; shop {{.ShopID}}</p>
<form method="POST" action="/gmotest/advance"><label>Advance the clock by <input name="d" value="1h" size="6"></label> <button type="submit">Advance</button></form>
<table>
<tr><th>OrderID</th><th>PayType</th><th>Status</th><th>JobCd</th><th>Amount</th><th>Authorized</th><th>Captured</th><th>Refunded</th><th>Charges</th><th>Sales</th><th>Refunds</th><th>Voids</th><th>Declines</th><th>Card</th><th>TranID</th><th>History</th></tr>
{{range .Ledgers}}<tr><td>{{.OrderID}}</td><td>{{.PayType}}</td><td>{{.Status}}</td><td>{{.JobCd}}</td><td>{{.Amount}}</td><td>{{.Authorized}}</td><td>{{.Captured}}</td><td>{{.Refunded}}</td><td>{{.Charges}}</td><td>{{.Sales}}</td><td>{{.Refunds}}</td><td>{{.Voids}}</td><td>{{.Declines}}</td><td>{{.CardNo}}</td><td>{{.TranID}}</td><td>{{range .History}}{{.}}<br>{{end}}{{if eq .Status "REQSUCCESS"}}{{if not .PaymentTerm.IsZero}}pay by {{.PaymentTerm.Format "2006-01-02 15:04:05 MST"}}<br>{{end}}<form method="POST" action="/gmotest/pay"><input type="hidden" name="order" value="{{.OrderID}}"><button type="submit">Customer pays</button></form><form method="POST" action="/gmotest/expire"><input type="hidden" name="order" value="{{.OrderID}}"><button type="submit">Deadline passes</button></form>{{end}}</td></tr>
{{else}}<tr><td colspan="16">no orders yet</td></tr>
{{end}}</table>
<h2>Notification deliveries</h2>
<table><tr><th>At</th><th>OrderID</th><th>Status</th><th>ErrInfo</th><th>Attempt</th><th>Answer</th><th>Error</th><th>OK</th></tr>
{{range .Deliveries}}<tr><td>{{.At}}</td><td>{{.OrderID}}</td><td>{{.Status}}</td><td>{{.ErrInfo}}</td><td>{{.Attempt}}</td><td>{{.Answer}}</td><td>{{.Err}}</td><td>{{.OK}}</td></tr>
{{else}}<tr><td colspan="8">none</td></tr>
{{end}}</table>
</body></html>
`))

// StatusHandler returns an HTML page listing the ledger and notification
// deliveries (also served at /gmotest/status by Handler). It shows no
// passwords and only masked card numbers.
func (s *Server) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.countRequest("")
		data := struct {
			Now        string
			Requests   int
			ShopID     string
			Ledgers    []LedgerEntry
			Deliveries []Delivery
		}{gmoTime(s.Now()), s.Requests(), s.cfg.creds.ShopID, s.Ledgers(), s.Deliveries()}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = statusPage.Execute(w, data)
	})
}

var receiptPage = template.Must(template.New("r").Parse(`<!DOCTYPE html>
<html lang="ja"><head><meta charset="UTF-8"><title>払込票 (gmotest)</title></head><body>
<h1>払込票 / Payment slip</h1>
<p>Order {{.OrderID}} &middot; {{.Amount}} JPY &middot; status {{.Status}}</p>
</body></html>
`))

// serveReceipt is the printable slip behind a konbini ReceiptUrl.
func (s *Server) serveReceipt(w http.ResponseWriter, r *http.Request) {
	s.countRequest("")
	e, ok := s.Ledger(r.URL.Query().Get("order"))
	if !ok || e.PayType != "3" {
		pageError(w, http.StatusNotFound, "unknown payment slip")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	_ = receiptPage.Execute(w, e)
}

// returnParam is the optional form field of the simulator controls naming
// where the browser goes afterwards.
const returnParam = "return"

// returnTarget is where a simulator control sends the browser when it is
// done: the form's "return" address, or the ledger page without one. Only
// a path on this host ("/orders/1", not "//host"), the configured public
// URL's origin (or the httptest server's) and loopback origins (127.0.0.0/8,
// ::1, localhost, any port) are accepted: never an open redirect to
// another host. ok is false for any other address.
func (s *Server) returnTarget(r *http.Request) (target string, ok bool) {
	v := r.FormValue(returnParam)
	if v == "" {
		return statusPath, true
	}
	if len(v) > 2048 {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		// Browsers drop tabs and newlines and read '\' as '/': "/\evil" and
		// "/\t/evil" would leave the host.
		if c := v[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return "", false
		}
	}
	u, err := url.Parse(v)
	if err != nil || u.User != nil || u.Opaque != "" {
		return "", false
	}
	if u.Scheme == "" && u.Host == "" {
		if !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") {
			return "", false
		}
		return u.String(), true
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", false
	}
	if s.sameOrigin(u, s.cfg.publicURL) || s.ts != nil && s.sameOrigin(u, s.ts.URL) || loopbackHost(u.Hostname()) {
		return u.String(), true
	}
	return "", false
}

// sameOrigin reports whether u has the scheme and host of base.
func (s *Server) sameOrigin(u *url.URL, base string) bool {
	if base == "" {
		return false
	}
	b, err := url.Parse(base)
	if err != nil || b.Host == "" {
		return false
	}
	return strings.EqualFold(u.Scheme, b.Scheme) && strings.EqualFold(u.Host, b.Host)
}

// loopbackHost reports whether host is localhost or a loopback IP.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// badReturn answers a control whose return address is refused, before it
// acts.
func badReturn(w http.ResponseWriter) {
	pageError(w, http.StatusBadRequest, "return must be a path on this simulator (/...), its public URL or a loopback address")
}

// servePay is the ledger page's "customer pays" button (simulator control,
// not a GMO API): POST order=<OrderID>[&return=<address>].
func (s *Server) servePay(w http.ResponseWriter, r *http.Request) {
	s.serveVoucherControl(w, r, s.PayVoucher)
}

// serveExpire is the ledger page's "deadline passes" button (simulator
// control, not a GMO API): POST order=<OrderID>[&return=<address>].
func (s *Server) serveExpire(w http.ResponseWriter, r *http.Request) {
	s.serveVoucherControl(w, r, s.ExpireVoucher)
}

// serveVoucherControl applies do to the posted order and sends the browser
// to the return address; a refused address is answered before do runs.
func (s *Server) serveVoucherControl(w http.ResponseWriter, r *http.Request, do func(orderID string) error) {
	s.countRequest("")
	if r.Method != http.MethodPost {
		pageError(w, http.StatusMethodNotAllowed, "POST order=<OrderID>")
		return
	}
	back, ok := s.returnTarget(r)
	if !ok {
		badReturn(w)
		return
	}
	if err := do(r.FormValue("order")); err != nil {
		pageError(w, http.StatusConflict, err.Error())
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// serveAdvance is the ledger page's clock control (simulator control, not
// a GMO API): POST d=<duration>[&return=<address>].
func (s *Server) serveAdvance(w http.ResponseWriter, r *http.Request) {
	s.countRequest("")
	if r.Method != http.MethodPost {
		pageError(w, http.StatusMethodNotAllowed, "POST d=<duration>")
		return
	}
	back, ok := s.returnTarget(r)
	if !ok {
		badReturn(w)
		return
	}
	d, err := time.ParseDuration(r.FormValue("d"))
	if err != nil || d <= 0 || d > 400*24*time.Hour {
		pageError(w, http.StatusBadRequest, "d must be a positive Go duration up to 9600h")
		return
	}
	s.Advance(d)
	http.Redirect(w, r, back, http.StatusSeeOther)
}
