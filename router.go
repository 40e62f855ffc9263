package payment

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"

	"go.uber.org/zap"
)

// DefaultRouterName is the name a [Router] reports when [RouterConfig.Name]
// is empty.
const DefaultRouterName = "router"

// maxRouteNameLen bounds a route name; names travel in every [PaymentRef]
// and in notification URLs.
const maxRouteNameLen = 32

// RouterConfig configures a [Router].
type RouterConfig struct {
	// Name is what Router.Name returns; empty means DefaultRouterName.
	Name string
	// Providers maps route names to providers. A route name is 1 to 32
	// characters from [a-z0-9_-]; it is written into every PaymentRef the
	// router returns and names the provider in notification URLs, so it
	// must never change while payments made through it are open. A route
	// name need not equal the provider's Name (two GMO shops can be routed
	// as "gmo-jp" and "gmo-ec").
	Providers map[string]Provider
	// Rules choose the provider for CreatePayment, in order. See [Rule].
	Rules []Rule
	// Failover lets CreatePayment try the next eligible provider when one
	// fails with an error proving its request never reached the gateway
	// (see [Router.CreatePayment]). Nothing but CreatePayment ever fails
	// over.
	Failover bool
	// Logger receives one Warn entry per failover (route names and the
	// error kind only). Nil logs nothing.
	Logger *zap.Logger
}

// Rule selects a provider for a [CreatePaymentRequest]. Every non-empty
// condition must hold; a Rule with no condition matches every request.
type Rule struct {
	// Provider is the route name chosen when the rule matches. Required.
	Provider string
	// Currencies, when set, lists the currencies the rule accepts.
	Currencies []Currency
	// Countries, when set, lists ISO 3166-1 alpha-2 codes (any case) the
	// rule accepts. A request without a Country never matches a rule that
	// lists countries.
	Countries []string
	// Methods, when set, lists the method types the rule accepts; a request
	// with an empty MethodType counts as MethodCard.
	Methods []MethodType
	// MinAmount and MaxAmount, when set (a zero Money has no currency and
	// means unset), bound the amount inclusively. A bound only matches
	// requests in its own currency: a rule with MaxAmount JPY 300000 does
	// not match an MNT request.
	MinAmount, MaxAmount Money
	// Match, when set, is an extra predicate. It must be fast, pure and
	// safe for concurrent use.
	Match func(CreatePaymentRequest) bool
}

func (rl *Rule) matches(req CreatePaymentRequest) bool {
	if len(rl.Currencies) > 0 && !containsCurrency(rl.Currencies, req.Amount.Currency()) {
		return false
	}
	if len(rl.Countries) > 0 {
		c := strings.ToUpper(strings.TrimSpace(req.Country))
		found := false
		for _, x := range rl.Countries {
			if c != "" && x == c {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if len(rl.Methods) > 0 {
		m := req.MethodType
		if m == "" {
			m = MethodCard
		}
		found := false
		for _, x := range rl.Methods {
			if x == m {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if rl.MinAmount.cur.Code != "" {
		if c, err := req.Amount.Cmp(rl.MinAmount); err != nil || c < 0 {
			return false
		}
	}
	if rl.MaxAmount.cur.Code != "" {
		if c, err := req.Amount.Cmp(rl.MaxAmount); err != nil || c > 0 {
			return false
		}
	}
	if rl.Match != nil && !rl.Match(req) {
		return false
	}
	return true
}

func containsCurrency(cs []Currency, c Currency) bool {
	for _, x := range cs {
		if x.Code == c.Code {
			return true
		}
	}
	return false
}

// Router is a [Provider] over several named providers. It also implements
// [Voider] and [Inquirer] and is immutable and safe for concurrent use.
//
// CreatePayment picks a provider (see [Router.CreatePayment]); every later
// call goes to the provider that created the payment, which the router
// records in the [PaymentRef] it returns: "<route>:<inner ref>", for
// example "gmo:gmo:ORDER1:ACCESSID" around the GMO ref "gmo:ORDER1:ACCESSID".
// Route names contain no ':', so the inner ref comes back byte for byte. A
// ref whose route this router does not know is refused with
// [ErrInvalidRequest] before any I/O, never sent to another gateway.
//
// Payments, notifications and errors from the inner providers pass through
// unchanged except for Ref, which carries the route. Payment.Provider stays
// the inner provider's name.
//
// A call that no route can do at all (per [Router.Capabilities]: Capture
// without ManualCapture, Refund, Void, Inquiry, Notifications) fails with
// [ErrUnsupported] before the ref is even read; otherwise a route that
// cannot do it answers for itself (also with ErrUnsupported and no I/O,
// for Void and Inquire on a provider that does not implement them).
type Router struct {
	name     string
	names    []string // sorted
	routes   map[string]Provider
	rules    []Rule
	failover bool
	log      *zap.Logger
	// Computed once in NewRouter: providers are immutable.
	union Capabilities
	caps  map[string]Capabilities // by route
}

var (
	_ Voider   = (*Router)(nil)
	_ Inquirer = (*Router)(nil)
)

// NewRouter validates cfg and returns a Router. It fails with
// [ErrInvalidRequest] when there is no provider, a route name is invalid, a
// provider is nil, a rule names an unknown route, a rule lists an unknown
// currency, a malformed country or an unknown method type, or a rule's
// bounds disagree in currency or order. Currency and country codes are
// matched case-insensitively.
func NewRouter(cfg RouterConfig) (*Router, error) {
	bad := func(field, msg string) error { return InvalidRequest("router", "new", field, msg) }
	if len(cfg.Providers) == 0 {
		return nil, bad("Providers", "no provider")
	}
	r := &Router{
		name:     cfg.Name,
		routes:   make(map[string]Provider, len(cfg.Providers)),
		failover: cfg.Failover,
		log:      cfg.Logger,
	}
	if r.name == "" {
		r.name = DefaultRouterName
	}
	if r.log == nil {
		r.log = zap.NewNop()
	}
	for name, p := range cfg.Providers {
		if !validRouteName(name) {
			return nil, bad("Providers", fmt.Sprintf("route name %s: want 1-%d characters from [a-z0-9_-]", quoteShort(name), maxRouteNameLen))
		}
		if p == nil {
			return nil, bad("Providers", "provider for route "+name+" is nil")
		}
		r.routes[name] = p
		r.names = append(r.names, name)
	}
	sort.Strings(r.names)
	r.caps = make(map[string]Capabilities, len(r.names))
	for _, name := range r.names {
		r.caps[name] = capabilitiesOf(r.routes[name])
	}
	r.union = r.unionCapabilities()
	for i, rl := range cfg.Rules {
		field := fmt.Sprintf("Rules[%d]", i)
		if _, ok := r.routes[rl.Provider]; !ok {
			return nil, bad(field, fmt.Sprintf("unknown route %s (routes: %s)", quoteShort(rl.Provider), strings.Join(r.names, ", ")))
		}
		curs := make([]Currency, 0, len(rl.Currencies))
		for _, c := range rl.Currencies {
			iso, err := LookupCurrency(c.Code)
			if err != nil {
				return nil, bad(field, "unknown currency "+quoteShort(c.Code))
			}
			curs = append(curs, iso)
		}
		countries := make([]string, 0, len(rl.Countries))
		for _, c := range rl.Countries {
			if !isAlpha2(c) {
				return nil, bad(field, "country "+quoteShort(c)+" is not ISO 3166-1 alpha-2")
			}
			countries = append(countries, strings.ToUpper(c))
		}
		for _, m := range rl.Methods {
			switch m {
			case MethodCard, MethodKonbini, MethodPayEasy:
			default:
				return nil, bad(field, "unknown method type "+quoteShort(string(m)))
			}
		}
		lo, hi := rl.MinAmount, rl.MaxAmount
		if lo.cur.Code != "" && hi.cur.Code != "" {
			c, err := lo.Cmp(hi)
			if err != nil {
				return nil, bad(field, "MinAmount and MaxAmount have different currencies")
			}
			if c > 0 {
				return nil, bad(field, "MinAmount is above MaxAmount")
			}
		}
		rl.Currencies, rl.Countries = curs, countries
		rl.Methods = append([]MethodType(nil), rl.Methods...)
		r.rules = append(r.rules, rl)
	}
	return r, nil
}

func validRouteName(s string) bool {
	if s == "" || len(s) > maxRouteNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isAlpha2(s string) bool {
	if len(s) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// Name returns RouterConfig.Name, or DefaultRouterName.
func (r *Router) Name() string { return r.name }

// Routes returns the route names, sorted.
func (r *Router) Routes() []string { return append([]string(nil), r.names...) }

// Provider returns the provider behind route name.
func (r *Router) Provider(name string) (Provider, bool) {
	p, ok := r.routes[name]
	return p, ok
}

// Capabilities returns the union of the providers' capabilities (read once,
// in NewRouter: providers are immutable): a flag is set when at least one
// provider has it, and Currencies lists every
// currency some provider accepts (sorted by code). What one particular
// provider can do is in [Router.ProviderCapabilities]; Void and Inquiry
// count only providers that implement [Voider] and [Inquirer].
func (r *Router) Capabilities() Capabilities {
	u := r.union
	u.Currencies = append([]Currency(nil), u.Currencies...)
	return u
}

func (r *Router) unionCapabilities() Capabilities {
	var u Capabilities
	seen := map[string]bool{}
	for _, name := range r.names {
		c := r.caps[name]
		u.ManualCapture = u.ManualCapture || c.ManualCapture
		u.PartialCapture = u.PartialCapture || c.PartialCapture
		u.Refund = u.Refund || c.Refund
		u.PartialRefund = u.PartialRefund || c.PartialRefund
		u.MultipleRefunds = u.MultipleRefunds || c.MultipleRefunds
		u.Void = u.Void || c.Void
		u.Inquiry = u.Inquiry || c.Inquiry
		u.ThreeDSecure = u.ThreeDSecure || c.ThreeDSecure
		u.HostedPage = u.HostedPage || c.HostedPage
		u.StoredCards = u.StoredCards || c.StoredCards
		u.Notifications = u.Notifications || c.Notifications
		u.AsyncPayments = u.AsyncPayments || c.AsyncPayments
		for _, cur := range c.Currencies {
			if !seen[cur.Code] {
				seen[cur.Code] = true
				u.Currencies = append(u.Currencies, cur)
			}
		}
	}
	sort.Slice(u.Currencies, func(i, j int) bool { return u.Currencies[i].Code < u.Currencies[j].Code })
	return u
}

// ProviderCapabilities returns each route's capabilities, keyed by route
// name. Void and Inquiry are cleared for a provider that does not implement
// [Voider] or [Inquirer], whatever it declares.
func (r *Router) ProviderCapabilities() map[string]Capabilities {
	out := make(map[string]Capabilities, len(r.names))
	for _, name := range r.names {
		c := r.caps[name]
		c.Currencies = append([]Currency(nil), c.Currencies...)
		out[name] = c
	}
	return out
}

func capabilitiesOf(p Provider) Capabilities {
	c := p.Capabilities()
	c.Currencies = append([]Currency(nil), c.Currencies...)
	if _, ok := p.(Voider); !ok {
		c.Void = false
	}
	if _, ok := p.(Inquirer); !ok {
		c.Inquiry = false
	}
	return c
}

// Eligible returns, in order of preference, the routes CreatePayment would
// try for req: the route named by req.Provider alone when it is set,
// otherwise the Provider of every matching [Rule] in rule order, without
// duplicates. Routes whose provider does not list the request's currency in
// its Capabilities are left out. An empty result means CreatePayment fails
// with [ErrInvalidRequest].
func (r *Router) Eligible(req CreatePaymentRequest) []string {
	var out []string
	add := func(name string) {
		for _, x := range out {
			if x == name {
				return
			}
		}
		if !r.caps[name].SupportsCurrency(req.Amount.Currency()) {
			return
		}
		out = append(out, name)
	}
	if req.Provider != "" {
		if _, ok := r.routes[req.Provider]; ok {
			add(req.Provider)
		}
		return out
	}
	for i := range r.rules {
		if r.rules[i].matches(req) {
			add(r.rules[i].Provider)
		}
	}
	return out
}

// CreatePayment validates req, chooses a provider and registers the payment
// there. The returned Payment's Ref names the chosen route.
//
// The choice: when req.Provider is set it must be a route name and that
// route is the only candidate (rules are not consulted); otherwise the
// candidates are the routes of the matching rules, in rule order. Routes
// whose provider does not accept the currency are skipped. No candidate is
// an [ErrInvalidRequest] before any I/O.
//
// The first candidate is called. With RouterConfig.Failover the next
// candidate is tried only when the failure proves that nothing was
// registered at the first gateway: kind [ErrUnavailable] with RetrySafe
// set, not [ErrOutcomeUnknown], no Payment returned, the context still
// alive, and a cause showing the request never left this process (a
// *net.OpError from dialing or connecting through a proxy, or a
// *net.DNSError: connection refused, no route, unknown host). RetrySafe
// alone is not enough: the provider transport also sets it after a
// registration request that may have reached the gateway, because
// repeating that request at the same gateway is harmless; registering the
// same order at a second gateway is not (the first could later notify
// about an order the application paid elsewhere). The last error is
// returned when every candidate failed that way. A decline, any other
// error or any returned Payment stops the search. Confirm, Capture,
// Refund, Void and Inquire never fail over: they only ever reach the
// provider named in the ref.
func (r *Router) CreatePayment(ctx context.Context, req CreatePaymentRequest) (*Payment, error) {
	if err := req.Validate(); err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			cp := *pe
			cp.Provider = r.name
			return nil, &cp
		}
		return nil, err
	}
	if req.Provider != "" {
		if _, ok := r.routes[req.Provider]; !ok {
			return nil, InvalidRequest(r.name, "create", "Provider",
				fmt.Sprintf("unknown route %s (routes: %s)", quoteShort(req.Provider), strings.Join(r.names, ", ")))
		}
	}
	cands := r.Eligible(req)
	if len(cands) == 0 {
		return nil, InvalidRequest(r.name, "create", "Amount", fmt.Sprintf(
			"no route accepts this request (%s, country %s, method %s)",
			req.Amount.Currency().Code, quoteShort(req.Country), quoteShort(string(req.MethodType))))
	}
	var lastErr error
	for i, name := range cands {
		p, err := r.routes[name].CreatePayment(ctx, req)
		if err == nil {
			if p == nil {
				return nil, &Error{Provider: name, Op: "create", Kind: ErrOutcomeUnknown,
					Message: "provider returned neither a payment nor an error"}
			}
			return wrapPayment(name, p), nil
		}
		lastErr = err
		if p != nil || !r.failover || i == len(cands)-1 || !mayFailOver(ctx, err) {
			return wrapPayment(name, p), err
		}
		r.log.Warn("payment router failover",
			zap.String("router", r.name),
			zap.String("from", name),
			zap.String("to", cands[i+1]),
			zap.String("order_id", req.OrderID),
			zap.String("error_kind", kindName(err)))
	}
	return nil, lastErr
}

// mayFailOver reports whether err proves the create request never reached
// the gateway, so that it may be made at another provider.
func mayFailOver(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrUnavailable) {
		return false
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != ErrUnavailable || !pe.RetrySafe {
		return false
	}
	return neverSent(err)
}

// neverSent reports whether err's causes show that the request never left
// this process: the connection to the gateway (or its proxy) could not be
// made, or its host name did not resolve.
func neverSent(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

func kindName(err error) string {
	if k := KindOf(err); k != nil {
		return k.Error()
	}
	return "other"
}

// RouteRef returns the router ref for a payment that route created with the
// inner ref inner: "<route>:<inner>". Use it to bring refs stored before a
// provider was put behind a router.
func RouteRef(route string, inner PaymentRef) PaymentRef {
	return PaymentRef(route + ":" + string(inner))
}

// SplitRef splits a router ref into its route name and the inner
// provider's ref. It fails with [ErrInvalidRequest] when ref has no route
// or names a route this router does not have.
func (r *Router) SplitRef(ref PaymentRef) (route string, inner PaymentRef, err error) {
	_, route, inner, err = r.lookup(ref, "ref")
	return route, inner, err
}

func (r *Router) lookup(ref PaymentRef, op string) (Provider, string, PaymentRef, error) {
	name, in, ok := strings.Cut(string(ref), ":")
	if !ok || in == "" || !validRouteName(name) {
		return nil, "", "", InvalidRequest(r.name, op, "Ref", "not a router ref (want <route>:<provider ref>)")
	}
	p, found := r.routes[name]
	if !found {
		return nil, "", "", InvalidRequest(r.name, op, "Ref",
			fmt.Sprintf("ref names route %s, which this router does not have (routes: %s)", quoteShort(name), strings.Join(r.names, ", ")))
	}
	return p, name, PaymentRef(in), nil
}

func wrapPayment(route string, p *Payment) *Payment {
	if p == nil {
		return nil
	}
	cp := *p
	if cp.Ref != "" {
		cp.Ref = RouteRef(route, cp.Ref)
	}
	return &cp
}

// Confirm sends req to the provider named in req.Ref.
func (r *Router) Confirm(ctx context.Context, req ConfirmRequest) (*Payment, error) {
	p, name, in, err := r.lookup(req.Ref, "confirm")
	if err != nil {
		return nil, err
	}
	req.Ref = in
	pay, err := p.Confirm(ctx, req)
	return wrapPayment(name, pay), err
}

// Capture sends req to the provider named in req.Ref.
func (r *Router) Capture(ctx context.Context, req CaptureRequest) (*Payment, error) {
	if !r.union.ManualCapture {
		return nil, Unsupported(r.name, "capture", "no provider of this router supports manual capture")
	}
	p, name, in, err := r.lookup(req.Ref, "capture")
	if err != nil {
		return nil, err
	}
	req.Ref = in
	pay, err := p.Capture(ctx, req)
	return wrapPayment(name, pay), err
}

// Refund sends req to the provider named in req.Ref.
func (r *Router) Refund(ctx context.Context, req RefundRequest) (*Payment, error) {
	if !r.union.Refund {
		return nil, Unsupported(r.name, "refund", "no provider of this router supports refunds")
	}
	p, name, in, err := r.lookup(req.Ref, "refund")
	if err != nil {
		return nil, err
	}
	req.Ref = in
	pay, err := p.Refund(ctx, req)
	return wrapPayment(name, pay), err
}

// Void voids the payment at the provider named in ref. When that provider
// does not implement [Voider] it fails with [ErrUnsupported] before any I/O.
func (r *Router) Void(ctx context.Context, ref PaymentRef) (*Payment, error) {
	if !r.union.Void {
		return nil, Unsupported(r.name, "void", "no provider of this router supports void")
	}
	p, name, in, err := r.lookup(ref, "void")
	if err != nil {
		return nil, err
	}
	v, ok := p.(Voider)
	if !ok {
		return nil, Unsupported(name, "void", "provider does not implement payment.Voider")
	}
	pay, err := v.Void(ctx, in)
	return wrapPayment(name, pay), err
}

// Inquire asks the provider named in ref. When that provider does not
// implement [Inquirer] it fails with [ErrUnsupported] before any I/O.
func (r *Router) Inquire(ctx context.Context, ref PaymentRef) (*Payment, error) {
	if !r.union.Inquiry {
		return nil, Unsupported(r.name, "inquire", "no provider of this router supports inquiry")
	}
	p, name, in, err := r.lookup(ref, "inquire")
	if err != nil {
		return nil, err
	}
	q, ok := p.(Inquirer)
	if !ok {
		return nil, Unsupported(name, "inquire", "provider does not implement payment.Inquirer")
	}
	pay, err := q.Inquire(ctx, in)
	return wrapPayment(name, pay), err
}

// RouteParam is the [http.Request.PathValue] name the router reads the
// route from in HandleNotification.
const RouteParam = "provider"

// NotificationRoute returns the route a notification request is for: the
// path value [RouteParam] when the request was matched by an
// [http.ServeMux] pattern such as "POST /notify/{provider}", otherwise the
// last non-empty segment of the URL path ("/notify/gmo" → "gmo"). Nothing
// else (no query parameter, header or body field) is consulted.
func NotificationRoute(r *http.Request) string {
	if v := r.PathValue(RouteParam); v != "" {
		return v
	}
	return lastSegment(r.URL.Path)
}

func lastSegment(p string) string {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// HandleNotification dispatches the request to the provider named by
// [NotificationRoute], which verifies it. A request that names no route of
// this router fails with [ErrInvalidRequest] and reaches no provider. The
// returned Notification's Ref (and its Payment's Ref) are router refs.
//
// Mount it with [NotificationHandler]:
//
//	mux.Handle("POST /notify/{provider}", payment.NotificationHandler(router, handle))
//
// or one handler per route with [Router.NotificationHandlers].
func (r *Router) HandleNotification(ctx context.Context, req *http.Request) (*Notification, error) {
	if !r.union.Notifications {
		return nil, Unsupported(r.name, "notification", "no provider of this router supports notifications")
	}
	name := NotificationRoute(req)
	if _, ok := r.routes[name]; !ok {
		return nil, InvalidRequest(r.name, "notification", "URL",
			fmt.Sprintf("notification path names no route %s (routes: %s)", quoteShort(name), strings.Join(r.names, ", ")))
	}
	return r.notifyRoute(ctx, name, req)
}

func (r *Router) notifyRoute(ctx context.Context, name string, req *http.Request) (*Notification, error) {
	n, err := r.routes[name].HandleNotification(ctx, req)
	if n == nil {
		return nil, err
	}
	cp := *n
	if cp.Ref != "" {
		cp.Ref = RouteRef(name, cp.Ref)
	}
	cp.Payment = wrapPayment(name, cp.Payment)
	return &cp, err
}

// NotificationHandlers returns one [NotificationHandler] per route whose
// provider declares Capabilities.Notifications, keyed by route name. Each
// handler sends every request to its own route, whatever the URL:
//
//	for name, h := range router.NotificationHandlers(handle) {
//		mux.Handle("POST /notify/"+name, h)
//	}
func (r *Router) NotificationHandlers(handle NotifyFunc, opts ...NotificationOption) map[string]http.Handler {
	out := make(map[string]http.Handler)
	for _, name := range r.names {
		if !r.caps[name].Notifications {
			continue
		}
		out[name] = NotificationHandler(fixedRoute{Router: r, route: name}, handle, opts...)
	}
	return out
}

// fixedRoute is the router with HandleNotification pinned to one route.
type fixedRoute struct {
	*Router
	route string
}

func (f fixedRoute) Name() string { return f.route }

func (f fixedRoute) HandleNotification(ctx context.Context, req *http.Request) (*Notification, error) {
	return f.notifyRoute(ctx, f.route, req)
}
