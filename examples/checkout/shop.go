package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/kessai/payment"
	"go.uber.org/zap"
)

//go:embed templates/*.html
var templateFS embed.FS

// product is something the shop sells, with one price per currency.
type product struct {
	ID          string
	Name        string
	Description string
	Prices      []payment.Money
}

// testCard is a card number shown as a hint on simulator pages.
type testCard struct {
	Number string
	Expiry string // as typed in the form: MM/YY
	Note   string
}

// cardConfig says how the card page turns a card into a token. Exactly one
// of TokenURL (a simulator's tokenizer endpoint, called by a small inline
// script) and TokenJS (GMO's token.js, for real gateways) is set.
type cardConfig struct {
	TokenURL  string
	TokenJS   string
	ShopID    string // for Multipayment.init with token.js
	TestCards []testCard
}

// link is a labelled URL shown in the page footer (simulator status pages).
type link struct{ Label, URL string }

// shopConfig is what newShop needs.
type shopConfig struct {
	// Payments is the one provider the shop talks to: a payment.Router
	// that sends JPY to the "gmo" route and MNT to the "golomt" route
	// (wrapped in middleware.Log).
	Payments payment.Provider
	// Capabilities holds each route's capabilities, to show only the
	// buttons a gateway supports.
	Capabilities map[string]payment.Capabilities
	// CardRoute and HostedRoute name the routes of the two checkouts.
	CardRoute, HostedRoute string
	// BaseURL is where browsers (and the gateways' redirects) reach the
	// shop, e.g. "http://127.0.0.1:8080". No trailing slash.
	BaseURL string
	Card    cardConfig
	// HostedTestCards are shown on the shop page before the hosted-page
	// redirect (simulator only).
	HostedTestCards []testCard
	Products        []product
	Events          *eventLog
	Logger          *zap.Logger
	Links           []link
	// Mode is shown in the header: "simulators" or "sandbox".
	Mode string
	Now  func() time.Time
	// Voucher configures konbini and Pay-easy payments on the card route
	// (shown when that route has Capabilities.AsyncPayments).
	Voucher voucherConfig
	// Reconcile, when set, backs the "reconcile pending" button.
	Reconcile reconcileFunc
}

// shop is the merchant web shop: an http.Handler.
type shop struct {
	cfg    shopConfig
	orders *orderStore
	tmpl   *template.Template
	log    *zap.Logger
	mux    *http.ServeMux
	h      http.Handler
}

// maxFormBody bounds every form the shop reads.
const maxFormBody = 64 << 10

// newShop returns the shop's handler. Routes:
//
//	GET  /                      product page, orders, event log
//	GET  /pay/card?product=ID   card form (tokenized in the browser)
//	POST /pay/card              create + confirm with the card token
//	POST /pay/hosted            create, then redirect to the hosted page
//	GET  /pay/voucher?product=ID&method=konbini|payeasy  konbini / Pay-easy form
//	POST /pay/voucher           create + confirm: the voucher (payment numbers)
//	GET|POST /return/{order}    the browser comes back (3-D Secure RetUrl, bank redirect)
//	POST /notify/{provider}     gateway notifications (payment.NotificationHandler)
//	GET  /orders/{order}        order page with status history and actions
//	POST /orders/{order}/{action}  capture, refund, void, inquire
//	GET  /orders/{order}/state  status key polled by a pending voucher's page
//	POST /orders/{order}/sim/{action}  simulator only: pay, expire a voucher
//	POST /reconcile             ask the gateway about pending vouchers
//	GET  /events                the full event log
func newShop(cfg shopConfig) (*shop, error) {
	if cfg.Payments == nil {
		return nil, errors.New("checkout: no payment provider")
	}
	if cfg.Events == nil {
		cfg.Events = newEventLog(0)
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CardRoute == "" {
		cfg.CardRoute = "gmo"
	}
	if cfg.HostedRoute == "" {
		cfg.HostedRoute = "golomt"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	tmpl, err := template.New("").Funcs(templateFuncs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("checkout: templates: %w", err)
	}
	s := &shop{cfg: cfg, orders: newOrderStore(), tmpl: tmpl, log: cfg.Logger.Named("shop"), mux: http.NewServeMux()}

	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /pay/card", s.cardForm)
	s.mux.HandleFunc("POST /pay/card", s.payCard)
	s.mux.HandleFunc("POST /pay/hosted", s.payHosted)
	s.mux.HandleFunc("GET /pay/voucher", s.voucherPage)
	s.mux.HandleFunc("POST /pay/voucher", s.payVoucher)
	s.mux.HandleFunc("GET /return/{order}", s.browserReturn)
	s.mux.HandleFunc("POST /return/{order}", s.browserReturn)
	s.mux.Handle("POST /notify/{provider}", payment.NotificationHandler(cfg.Payments, s.onNotification,
		payment.WithNotificationErrorFunc(s.onNotificationError)))
	s.mux.HandleFunc("GET /orders/{order}", s.orderPage)
	s.mux.HandleFunc("POST /orders/{order}/{action}", s.orderAction)
	s.mux.HandleFunc("GET /orders/{order}/state", s.orderState)
	s.mux.HandleFunc("POST /orders/{order}/sim/{action}", s.simAction)
	s.mux.HandleFunc("POST /reconcile", s.reconcile)
	s.mux.HandleFunc("GET /events", s.eventsPage)

	// The shop's own forms are same-origin. Gateways post the browser back
	// to /return/ from their own origin and call /notify/ server to server.
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /return/{order}")
	cop.AddInsecureBypassPattern("POST /notify/{provider}")
	s.h = cop.Handler(s.mux)
	return s, nil
}

func (s *shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.h.ServeHTTP(w, r)
}

// page is what every template gets.
type page struct {
	Title    string
	Mode     string
	Products []product
	Orders   []order
	Order    *order
	Events   []event
	Card     cardConfig
	Hosted   []testCard
	Product  *product
	Price    payment.Money
	Caps     payment.Capabilities
	Actions  actions
	Redirect *payment.NextAction
	Error    string
	Links    []link
	// Voucher is the konbini / Pay-easy form.
	Voucher *voucherForm
	// AsyncPayments shows the konbini / Pay-easy buttons.
	AsyncPayments bool
	// Reconcile shows the "reconcile pending" button.
	Reconcile bool
	// Poll makes the order page reload when the order's StateKey changes.
	Poll     bool
	StateKey string
}

// actions says which buttons the order page shows.
type actions struct {
	Capture, PartialCapture, Void, Refund, PartialRefund, Inquire, Continue bool
	// Voucher orders: CancelVoucher voids an unpaid voucher; EnterDetails
	// goes back to the form; SimPay and SimExpire are simulator controls.
	CancelVoucher, EnterDetails, SimPay, SimExpire bool
}

func (s *shop) render(w http.ResponseWriter, status int, name string, p page) {
	p.Mode = s.cfg.Mode
	p.Links = s.cfg.Links
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var b strings.Builder
	if err := s.tmpl.ExecuteTemplate(&b, name, p); err != nil {
		s.log.Error("template failed", zap.String("template", name), zap.Error(err))
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (s *shop) fail(w http.ResponseWriter, status int, msg string) {
	s.render(w, status, "error.html", page{Title: http.StatusText(status), Error: msg})
}

func (s *shop) index(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "index.html", page{
		Title:         "kessai demo shop",
		Products:      s.cfg.Products,
		Orders:        s.orders.list(),
		Events:        s.cfg.Events.recent(40),
		Hosted:        s.cfg.HostedTestCards,
		AsyncPayments: s.cfg.Capabilities[s.cfg.CardRoute].AsyncPayments,
		Reconcile:     s.cfg.Reconcile != nil,
	})
}

func (s *shop) findPrice(productID, currency string) (*product, payment.Money, bool) {
	for i := range s.cfg.Products {
		p := &s.cfg.Products[i]
		if p.ID != productID {
			continue
		}
		for _, m := range p.Prices {
			if m.Currency().Code == currency {
				return p, m, true
			}
		}
	}
	return nil, payment.Money{}, false
}

func (s *shop) cardForm(w http.ResponseWriter, r *http.Request) {
	prod, price, ok := s.findPrice(r.URL.Query().Get("product"), "JPY")
	if !ok {
		s.fail(w, http.StatusNotFound, "no such product")
		return
	}
	s.render(w, http.StatusOK, "card.html", page{
		Title:   "Pay " + formatMoney(price) + " by card",
		Product: prod,
		Price:   price,
		Card:    s.cfg.Card,
		Caps:    s.cfg.Capabilities[s.cfg.CardRoute],
	})
}

// parseForm reads a bounded form body.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	return r.ParseForm()
}

// validToken accepts what a tokenizer returns (GMO: about 64 characters
// of [A-Za-z0-9+/=]) and refuses anything else before it reaches a
// gateway. The token is a secret: it is never logged or shown.
func validToken(t string) bool {
	if t == "" || len(t) > 512 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("+/=-_.", c) >= 0) {
			return false
		}
	}
	return true
}

func (s *shop) newOrder(prod *product, price payment.Money, route string, method payment.MethodType, capture payment.CaptureMode) *order {
	o := &order{
		ID:        newOrderID(),
		Route:     route,
		Method:    method,
		ProductID: prod.ID,
		Product:   prod.Name,
		Amount:    price,
		Capture:   capture,
		Created:   s.cfg.Now(),
	}
	s.orders.add(o)
	return o
}

func (s *shop) returnURL(orderID string) string { return s.cfg.BaseURL + "/return/" + orderID }

// payCard handles the card form: it receives only the token the browser
// got from the tokenizer, never the card number.
func (s *shop) payCard(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, http.StatusBadRequest, "unreadable form")
		return
	}
	prod, price, ok := s.findPrice(r.PostForm.Get("product"), "JPY")
	if !ok {
		s.fail(w, http.StatusBadRequest, "no such product")
		return
	}
	token := r.PostForm.Get("token")
	if !validToken(token) {
		s.fail(w, http.StatusBadRequest, "missing or malformed card token: the card form must be tokenized in the browser")
		return
	}
	capture := payment.CaptureAutomatic
	if r.PostForm.Get("capture") == "manual" {
		capture = payment.CaptureManual
	}
	o := s.newOrder(prod, price, s.cfg.CardRoute, payment.MethodCard, capture)
	ctx := r.Context()
	p, err := s.cfg.Payments.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID:     o.ID,
		Amount:      price,
		Capture:     capture,
		ReturnURL:   s.returnURL(o.ID),
		Language:    "ja",
		Description: prod.Name,
	})
	s.record(o.ID, "create", "", p, err)
	if err != nil {
		s.toOrder(w, r, o.ID)
		return
	}
	p, err = s.cfg.Payments.Confirm(ctx, payment.ConfirmRequest{
		Ref:       p.Ref,
		Method:    &payment.PaymentMethod{CardToken: payment.NewSecret(token)},
		ReturnURL: s.returnURL(o.ID),
	})
	s.record(o.ID, "confirm", "card token", p, err)
	if err != nil {
		s.settle(ctx, o.ID, err, p)
	}
	if err == nil && p != nil && p.Status == payment.StatusRequiresAction && p.NextAction != nil {
		s.follow(w, r, p.NextAction)
		return
	}
	s.toOrder(w, r, o.ID)
}

// payHosted starts a hosted-page payment (Golomt): the customer types the
// card on the bank's page, never on the shop's.
func (s *shop) payHosted(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, http.StatusBadRequest, "unreadable form")
		return
	}
	prod, price, ok := s.findPrice(r.PostForm.Get("product"), "MNT")
	if !ok {
		s.fail(w, http.StatusBadRequest, "no such product")
		return
	}
	o := s.newOrder(prod, price, s.cfg.HostedRoute, payment.MethodCard, payment.CaptureAutomatic)
	p, err := s.cfg.Payments.CreatePayment(r.Context(), payment.CreatePaymentRequest{
		OrderID:     o.ID,
		Amount:      price,
		ReturnURL:   s.returnURL(o.ID),
		Language:    "en",
		Description: prod.Name,
	})
	s.record(o.ID, "create", "", p, err)
	if err == nil && p != nil && p.NextAction != nil {
		s.follow(w, r, p.NextAction)
		return
	}
	s.toOrder(w, r, o.ID)
}

// follow sends the browser where the gateway wants it.
func (s *shop) follow(w http.ResponseWriter, r *http.Request, na *payment.NextAction) {
	switch {
	case na.Type == payment.NextActionRedirect && strings.EqualFold(na.Method, http.MethodPost):
		s.render(w, http.StatusOK, "redirect.html", page{Title: "Redirecting…", Redirect: na})
	case na.Type == payment.NextActionRedirect && safeURL(na.URL):
		http.Redirect(w, r, na.URL, http.StatusSeeOther)
	default:
		s.fail(w, http.StatusBadGateway, "the gateway asked for an action this shop cannot perform: "+string(na.Type))
	}
}

// safeURL accepts only absolute http(s) URLs for redirects.
func safeURL(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

func (s *shop) toOrder(w http.ResponseWriter, r *http.Request, id string) {
	http.Redirect(w, r, "/orders/"+id, http.StatusSeeOther)
}

func (s *shop) record(id, op, detail string, p *payment.Payment, err error) {
	s.orders.update(id, func(o *order) { o.apply(s.cfg.Now(), op, detail, p, err) })
	if err != nil {
		s.log.Warn("step failed", zap.String("order_id", id), zap.String("op", op), zap.String("error_kind", kindName(err)))
	}
}

// settle handles a confirmation that failed without a definite payment
// status. A decline (ErrDeclined with no payment) marks the order failed
// with the gateway's code: GMO leaves a declined transaction UNPROCESSED,
// so an inquiry would only say "pending". An ambiguous outcome (timeout,
// GMO E90/E91/42C, HTTP 5xx, StatusUnknown) is resolved by inquiry;
// nothing is ever resent, and an inquiry moves no money.
func (s *shop) settle(ctx context.Context, id string, err error, p *payment.Payment) {
	if p != nil && p.Status != payment.StatusUnknown {
		return
	}
	o, ok := s.orders.get(id)
	if !ok || o.Ref == "" {
		return
	}
	if errors.Is(err, payment.ErrDeclined) && o.Payment != nil {
		failed := *o.Payment
		failed.Status = payment.StatusFailed
		failed.NextAction = nil
		var pe *payment.Error
		if errors.As(err, &pe) {
			failed.GatewayCode, failed.GatewayMessage = pe.GatewayCode, pe.Message
		}
		failed.UpdatedAt = s.cfg.Now()
		s.orders.update(id, func(o *order) {
			o.History = append(o.History, historyEntry{Time: s.cfg.Now(), Op: "declined", Status: failed.Status.String(),
				Detail: "the gateway declined the payment; no money moved"})
			if o.Payment == nil || o.Payment.Status.CanBecome(payment.StatusFailed) {
				o.Payment = &failed
			}
		})
		return
	}
	if !errors.Is(err, payment.ErrOutcomeUnknown) && (p == nil || p.Status != payment.StatusUnknown) {
		return
	}
	q, ok := s.cfg.Payments.(payment.Inquirer)
	if !ok {
		return
	}
	p, ierr := q.Inquire(ctx, o.Ref)
	s.record(id, "inquire", "after "+kindName(err), p, ierr)
}

func kindName(err error) string {
	if k := payment.KindOf(err); k != nil {
		return k.Error()
	}
	return "other"
}

// browserReturn is where gateways send the customer's browser back (3-D
// Secure RetUrl, Golomt callback). What the browser brings is unsigned: the
// shop treats it as a hint and lets the provider confirm server-side.
func (s *shop) browserReturn(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("order")
	o, ok := s.orders.get(id)
	if !ok || o.Ref == "" {
		s.fail(w, http.StatusNotFound, "no such order")
		return
	}
	ret, err := payment.ReturnFromRequest(r)
	if err != nil {
		s.record(id, "return", "browser came back", nil, err)
		s.toOrder(w, r, id)
		return
	}
	p, err := s.cfg.Payments.Confirm(r.Context(), payment.ConfirmRequest{Ref: o.Ref, Return: ret})
	s.record(id, "return", "browser came back; confirmed server-side", p, err)
	if err != nil {
		s.settle(r.Context(), id, err, p)
	}
	s.toOrder(w, r, id)
}

// onNotification records a verified notification (payment.NotificationHandler
// only calls it with authenticated content). Notifications arrive at least
// once and in any order, so the shop only moves an order forward.
func (s *shop) onNotification(ctx context.Context, n *payment.Notification) error {
	s.log.Named("notify").Info("notification received",
		zap.String("provider", n.Provider),
		zap.String("order_id", n.OrderID),
		zap.String("status", n.Status.String()),
		zap.Bool("verified", n.Verified),
		zap.String("id", n.ID))
	found := s.orders.update(n.OrderID, func(o *order) {
		o.Notifications++
		h := historyEntry{Time: s.cfg.Now(), Op: "notification", Status: n.Status.String(),
			Detail: "verified notification from " + n.Provider}
		if n.Payment != nil {
			o.keepVoucher(n.Payment)
		}
		if o.Payment == nil || o.Payment.Status.CanBecome(n.Status) {
			if n.Payment != nil {
				o.setPayment(n.Payment)
			}
		} else {
			h.Detail += " (older than what the shop knows; kept " + o.Payment.Status.String() + ")"
		}
		o.History = append(o.History, h)
	})
	if !found {
		s.log.Named("notify").Warn("notification for an unknown order", zap.String("order_id", n.OrderID))
	}
	return nil
}

func (s *shop) onNotificationError(ctx context.Context, err error) {
	s.log.Named("notify").Warn("notification refused", zap.String("error_kind", kindName(err)), zap.Error(err))
}

func (s *shop) actionsFor(o *order) (payment.Capabilities, actions) {
	caps := s.cfg.Capabilities[o.Route]
	var a actions
	if o.Payment == nil {
		return caps, a
	}
	st := o.Payment.Status
	_, voider := s.cfg.Payments.(payment.Voider)
	_, inquirer := s.cfg.Payments.(payment.Inquirer)
	if isVoucherMethod(o.Method) {
		// The customer's payment is the capture; GMO has no refund for
		// vouchers. An unpaid voucher can be canceled.
		issued := st == payment.StatusPending && o.Voucher != nil
		a.CancelVoucher = voider && caps.Void && issued
		a.EnterDetails = st == payment.StatusPending && o.Voucher == nil && o.Ref != ""
		a.Inquire = inquirer && caps.Inquiry && o.Ref != ""
		sim := issued && s.cfg.Voucher.Sim != nil && o.Route == s.cfg.CardRoute
		a.SimPay, a.SimExpire = sim, sim
		return caps, a
	}
	a.Capture = caps.ManualCapture && st == payment.StatusAuthorized
	a.PartialCapture = a.Capture && caps.PartialCapture
	a.Void = voider && caps.Void && (st == payment.StatusAuthorized || st == payment.StatusCaptured)
	a.Refund = caps.Refund && (st == payment.StatusCaptured || st == payment.StatusPartiallyRefunded)
	a.PartialRefund = a.Refund && caps.PartialRefund
	a.Inquire = inquirer && caps.Inquiry && o.Ref != ""
	a.Continue = st == payment.StatusRequiresAction && o.Payment.NextAction != nil
	return caps, a
}

func (s *shop) orderPage(w http.ResponseWriter, r *http.Request) {
	o, ok := s.orders.get(r.PathValue("order"))
	if !ok {
		s.fail(w, http.StatusNotFound, "no such order")
		return
	}
	caps, acts := s.actionsFor(&o)
	var na *payment.NextAction
	if acts.Continue {
		na = o.Payment.NextAction
	}
	s.render(w, http.StatusOK, "order.html", page{
		Title:    "Order " + o.ID,
		Order:    &o,
		Caps:     caps,
		Actions:  acts,
		Redirect: na,
		Events:   s.cfg.Events.matching(o.ID),
		Error:    o.Err,
		Poll:     isVoucherMethod(o.Method) && o.Payment != nil && o.Payment.Status == payment.StatusPending,
		StateKey: o.stateKey(),
	})
}

// orderAction runs capture, refund, void or inquire on an order.
func (s *shop) orderAction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("order")
	o, ok := s.orders.get(id)
	if !ok {
		s.fail(w, http.StatusNotFound, "no such order")
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, http.StatusBadRequest, "unreadable form")
		return
	}
	if o.Ref == "" {
		s.fail(w, http.StatusConflict, "the order has no payment yet")
		return
	}
	ctx := r.Context()
	var amount *payment.Money
	if a := strings.TrimSpace(r.PostForm.Get("amount")); a != "" {
		m, err := payment.ParseMoney(a, o.Amount.Currency().Code)
		if err != nil {
			s.record(id, r.PathValue("action"), "amount "+a, nil, err)
			s.toOrder(w, r, id)
			return
		}
		amount = &m
	}
	detail := "full"
	if amount != nil {
		detail = formatMoney(*amount)
	}
	var (
		p   *payment.Payment
		err error
	)
	switch action := r.PathValue("action"); action {
	case "capture":
		p, err = s.cfg.Payments.Capture(ctx, payment.CaptureRequest{Ref: o.Ref, Amount: amount})
	case "refund":
		p, err = s.cfg.Payments.Refund(ctx, payment.RefundRequest{Ref: o.Ref, Amount: amount, Reason: "requested by customer"})
	case "void":
		v, ok := s.cfg.Payments.(payment.Voider)
		if !ok {
			err = payment.Unsupported(s.cfg.Payments.Name(), "void", "provider cannot void")
			break
		}
		detail = ""
		p, err = v.Void(ctx, o.Ref)
	case "inquire":
		q, ok := s.cfg.Payments.(payment.Inquirer)
		if !ok {
			err = payment.Unsupported(s.cfg.Payments.Name(), "inquire", "provider cannot inquire")
			break
		}
		detail = "ask the gateway"
		p, err = q.Inquire(ctx, o.Ref)
	default:
		s.fail(w, http.StatusNotFound, "no such action")
		return
	}
	s.record(id, r.PathValue("action"), detail, p, err)
	s.toOrder(w, r, id)
}

func (s *shop) eventsPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "events.html", page{Title: "Event log", Events: s.cfg.Events.recent(0)})
}

var templateFuncs = template.FuncMap{
	"money":      formatMoney,
	"card":       cardText,
	"clock":      func(t time.Time) string { return t.Format("15:04:05.000") },
	"upper":      strings.ToUpper,
	"chain":      chainName,
	"jst":        jstTime,
	"methodName": methodName,
	"isVoucher":  isVoucherMethod,
}

// cardText shows a masked card: the gateway's mask when it shows the last
// four digits, "•••• 1234" otherwise.
func cardText(c *payment.CardSummary) string {
	var parts []string
	if c.Brand != "" {
		parts = append(parts, c.Brand)
	}
	switch {
	case c.Last4 != "" && !strings.HasSuffix(c.Masked, c.Last4):
		parts = append(parts, "•••• "+c.Last4)
	case c.Masked != "":
		parts = append(parts, c.Masked)
	}
	if c.Holder != "" {
		parts = append(parts, "· "+c.Holder)
	}
	return strings.Join(parts, " ")
}

// formatMoney renders an amount for people: "¥1,500", "₮35,000.00".
func formatMoney(m payment.Money) string {
	code := m.Currency().Code
	if code == "" {
		return "—"
	}
	s := m.Decimal()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if hasFrac {
		out += "." + frac
	}
	sym := map[string]string{"JPY": "¥", "MNT": "₮", "USD": "$"}[code]
	if sym == "" {
		out = code + " " + out
	} else {
		out = sym + out
	}
	if neg {
		out = "-" + out
	}
	return out
}
