package golomt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
)

// Provider is the Golomt Bank e-commerce adapter. It is immutable after New
// and safe for concurrent use.
type Provider struct {
	cfg    Config
	clock  provider.Clock
	client *provider.Client
	sign   *signer
	log    *zap.Logger
	base   string
	header http.Header
	urls   endpoints
}

type endpoints struct {
	invoice, inquiry, pay, check, confirmation, getToken, settlement string
}

var (
	_ payment.Provider = (*Provider)(nil)
	_ payment.Inquirer = (*Provider)(nil)
)

// New validates c and returns a provider. Options: provider.WithBaseURL
// (overrides Config.BaseURL: a simulator, paysim or a proxy),
// provider.WithLogger, provider.WithHTTPClient, provider.WithTimeout,
// provider.WithClock, provider.WithMaxRetries.
func New(c Config, opts ...provider.Option) (*Provider, error) {
	o := provider.Apply(opts...)
	if o.BaseURL != "" {
		c.BaseURL = o.BaseURL
	}
	c, err := c.validate()
	if err != nil {
		return nil, err
	}
	u, perr := url.Parse(c.BaseURL)
	if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// Never repeat the URL: it may hold credentials.
		return nil, payment.InvalidRequest(Name, "new", "BaseURL", "base URL must be an absolute http(s) URL without credentials, query or fragment")
	}
	base := strings.TrimRight(c.BaseURL, "/")
	c.BaseURL = base
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("Authorization", "Bearer "+c.BearerToken.Reveal())
	p := &Provider{
		cfg:    c,
		clock:  o.Clock,
		client: provider.NewHTTPClient(Name, o),
		sign:   newSigner([]byte(c.ChecksumKey.Reveal())),
		log:    provider.Logger(o, Name),
		base:   base,
		header: h,
		urls: endpoints{
			invoice:      base + "/api/invoice",
			inquiry:      base + "/api/inquiry",
			pay:          base + "/api/pay",
			check:        base + "/api/check",
			confirmation: base + "/api/confirmation",
			getToken:     base + "/api/get/token",
			settlement:   base + "/api/getSettlementDetails",
		},
	}
	return p, nil
}

// Name returns "golomt".
func (p *Provider) Name() string { return Name }

// Capabilities reports a sale-only hosted-page gateway in MNT: no separate
// capture, no refund or void in the public API, inquiry, stored-card
// tokens (PayWithToken) and push notifications.
func (p *Provider) Capabilities() payment.Capabilities {
	return payment.Capabilities{
		Inquiry:       true,
		HostedPage:    true,
		StoredCards:   true,
		Notifications: true,
		Currencies:    []payment.Currency{payment.MNT},
	}
}

// Capture fails with ErrUnsupported without I/O: Golomt e-commerce
// payments are sales, captured when the customer pays.
func (p *Provider) Capture(context.Context, payment.CaptureRequest) (*payment.Payment, error) {
	return nil, payment.Unsupported(Name, "capture", "golomt e-commerce is sale-only: payments are captured when the customer pays")
}

// Refund fails with ErrUnsupported without I/O: the bank's public API has
// no refund or cancel call (refunds are made by the bank's merchant
// support).
func (p *Provider) Refund(context.Context, payment.RefundRequest) (*payment.Payment, error) {
	return nil, payment.Unsupported(Name, "refund", "the golomt e-commerce API has no refund call; refund through the bank")
}

// CreatePayment creates an invoice (POST /api/invoice) and returns a
// payment in StatusRequiresAction whose NextAction redirects the browser
// (GET) to the hosted card page; AltURL is the SocialPay page and Deeplink
// the SocialPay deeplink when Config.SocialDeeplink is set. OrderID is the
// bank's transactionId and ReturnURL its callback. It moves no money.
//
// The invoice is never resent once it may have left: when its answer is
// lost or unusable (timeout, dropped connection, HTTP 5xx, an HTML page,
// an unreadable body) the invoice may exist without its id reaching us,
// and CreatePayment fails with ErrOutcomeUnknown and a nil payment. Nobody
// has that invoice's page, so no money can move on it: create the payment
// again with a new order id.
func (p *Provider) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	const op = "create"
	if err := req.Validate(); err != nil {
		return nil, own(err, op)
	}
	if req.Capture == payment.CaptureManual {
		return nil, payment.Unsupported(Name, op, "golomt e-commerce is sale-only: manual capture is not available")
	}
	if req.MethodType != "" && req.MethodType != payment.MethodCard {
		return nil, payment.Unsupported(Name, op, "golomt takes cards only (method "+string(req.MethodType)+")")
	}
	if err := p.checkOrderID(op, req.OrderID); err != nil {
		return nil, err
	}
	amount, err := p.formatAmount(op, req.Amount)
	if err != nil {
		return nil, err
	}
	if err := checkCallback(op, req.ReturnURL); err != nil {
		return nil, err
	}
	lang := p.lang(req.Language)
	genToken := "N"
	if p.cfg.GenerateToken || req.SaveCard {
		genToken = "Y"
	}
	wire := invoiceRequest{
		Amount:        amount,
		Callback:      req.ReturnURL,
		GenToken:      genToken,
		ReturnType:    p.cfg.ReturnType,
		TransactionID: req.OrderID,
		Checksum:      p.sign.checksum(req.OrderID, amount, p.cfg.ReturnType, req.ReturnURL),
	}
	if p.cfg.SocialDeeplink {
		wire.SocialDeeplink = "Y"
	}
	now := p.clock.Now()
	resp, err := p.send(ctx, op, p.urls.invoice, wire.appendJSON(make([]byte, 0, requestBodyCap)), false)
	if err != nil {
		if errors.Is(err, payment.ErrOutcomeUnknown) {
			// It may have left: the invoice may exist (or be created in a
			// moment) and a resend would fail as a duplicate.
			return nil, p.logErr(op, req.OrderID, invoiceLost(op, againPayment, err))
		}
		return nil, p.logErr(op, req.OrderID, err) // provably not sent
	}
	var ir invoiceResponse
	a := answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: resp.Body}
	if resp.StatusCode == http.StatusOK && decodeObject(resp.Body, &ir) == nil && ir.Invoice.S != "" {
		a.result = true
	}
	if !a.result || resp.StatusCode != http.StatusOK {
		e := classifyOrUnreadable(op, a, false)
		if errors.Is(e, payment.ErrUnavailable) {
			// HTTP 5xx, a proxy's HTML page, an unreadable 2xx body: the
			// bank may have created the invoice before (or behind) it.
			return nil, p.logErr(op, req.OrderID, invoiceLost(op, againPayment, e))
		}
		return nil, p.logErr(op, req.OrderID, e)
	}
	if ir.TransactionID.S != req.OrderID || !p.sign.verify(ir.Checksum.S, ir.Invoice.S, ir.TransactionID.S) {
		return nil, p.logErr(op, req.OrderID, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidSignature,
			Message: "invoice response checksum does not verify"})
	}
	if !validWireID(ir.Invoice.S, 64) {
		return nil, p.logErr(op, req.OrderID, invoiceLost(op, againPayment, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrUnavailable,
			Message: "invoice id has unexpected characters"}))
	}
	r := ref{kind: kindInvoice, txn: req.OrderID, invoice: ir.Invoice.S, amount: amount, created: now.Unix()}
	pay := p.newPayment(r, req.Amount, now)
	pay.Status = payment.StatusRequiresAction
	pay.NextAction = p.pageAction(lang, ir.Invoice.S)
	if ir.SocialDeeplink.S != "" {
		pay.NextAction.Deeplink = ir.SocialDeeplink.S
	}
	p.logOK(op, pay)
	return pay, nil
}

// What to do after invoiceLost.
const (
	againPayment      = "create the payment again with a new order id"
	againRegistration = "start the card registration again with a new transaction id"
)

// invoiceLost is the error of an invoice request that may have created the
// invoice without giving us its id: a lost or unusable answer (timeout,
// dropped connection, HTTP 5xx, an HTML page, an unreadable body). The
// invoice is never sent again: asking /api/inquiry cannot prove it was not
// created (the request may still be in flight at the bank, so "Payment not
// found." proves nothing), and a resend of a created one fails as a
// duplicate. /api/inquiry does not return the invoice id either, so the
// hosted page of that invoice is out of reach: nobody can pay it and no
// money can move on it. The answer is ErrOutcomeUnknown: create the
// payment again with a new order id. Err keeps the cause only when it is of
// the same kind (a transport error, which also matches ctx.Err()), so that
// the error matches exactly one kind.
//
// again says what to do instead ("create the payment again with a new
// order id"). RegisterCard's /api/confirmation invoice is handled alike.
func invoiceLost(op, again string, cause error) error {
	e := &payment.Error{Provider: Name, Op: op, Kind: payment.ErrOutcomeUnknown,
		Message: "the invoice may have been created but its answer was lost (no money moved, and none can: nobody has its page); " +
			again + ", never resend this one"}
	var pe *payment.Error
	switch {
	case errors.Is(cause, payment.ErrOutcomeUnknown):
		e.Err = cause
	case errors.As(cause, &pe):
		e.GatewayCode = pe.GatewayCode
		e.Err = errors.New(pe.Message)
	}
	return e
}

// pageAction is the redirect to the hosted card page of invoice.
func (p *Provider) pageAction(lang, invoice string) *payment.NextAction {
	return &payment.NextAction{
		Type:   payment.NextActionRedirect,
		Method: http.MethodGet,
		URL:    p.base + "/payment/" + lang + "/" + invoice,
		AltURL: p.base + "/socialpay/" + lang + "/" + invoice,
	}
}

// Confirm asks the bank for the outcome (POST /api/inquiry, or /api/check
// for a token payment) after the customer's browser came back, or at any
// time. req.Return, when set, is only a hint: it must name this payment's
// transactionId, and its status_code is ignored. A paid payment is
// StatusCaptured; an unpaid one StatusRequiresAction with the page again
// (StatusExpired once the invoice lifetime has passed); a failed one is
// returned with StatusFailed together with an ErrDeclined error carrying
// the bank's code. Confirm takes no payment method: cards are typed on the
// bank's page, and stored-card tokens are charged with PayWithToken.
func (p *Provider) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	const op = "confirm"
	r, err := parseRef(op, req.Ref)
	if err != nil {
		return nil, err
	}
	if req.Method != nil {
		return nil, payment.InvalidRequest(Name, op, "Method",
			"golomt takes card data on its hosted page; charge a stored-card token with PayWithToken")
	}
	if req.Return != nil {
		rd, err := parseRedirectValues(op, req.Return.Values)
		if err != nil {
			return nil, err
		}
		if rd.TransactionID != "" && rd.TransactionID != r.txn {
			return nil, payment.InvalidRequest(Name, op, "Return", "the browser returned for another transaction")
		}
	}
	pay, err := p.lookup(ctx, op, r)
	if err != nil {
		return pay, p.logErr(op, r.txn, err)
	}
	if pay.Status == payment.StatusFailed {
		return pay, p.logErr(op, r.txn, p.declined(op, pay))
	}
	p.logOK(op, pay)
	return pay, nil
}

// Inquire returns the bank's current view of a payment (POST /api/inquiry,
// or /api/check for a token payment). It moves no money. A declined
// payment is a StatusFailed result with a nil error.
func (p *Provider) Inquire(ctx context.Context, pr payment.PaymentRef) (*payment.Payment, error) {
	const op = "inquire"
	r, err := parseRef(op, pr)
	if err != nil {
		return nil, err
	}
	pay, err := p.lookup(ctx, op, r)
	if err != nil {
		return pay, p.logErr(op, r.txn, err)
	}
	p.logOK(op, pay)
	return pay, nil
}

// declined is the error returned next to a StatusFailed payment.
func (p *Provider) declined(op string, pay *payment.Payment) error {
	return classify(op, answer{status: http.StatusOK, result: true, code: pay.GatewayCode, desc: pay.GatewayMessage}, false)
}

// lookup reads a payment's result: /api/inquiry for invoices, /api/check
// for token payments. Both are idempotent.
func (p *Provider) lookup(ctx context.Context, op string, r ref) (*payment.Payment, error) {
	url, withToken := p.urls.inquiry, true
	if r.kind == kindPay {
		url = p.urls.check
	}
	wire := txnRequest{TransactionID: r.txn, Checksum: p.sign.checksum(r.txn, r.txn)}
	resp, err := p.send(ctx, op, url, wire.appendJSON(make([]byte, 0, wire.sizeHint())), true)
	if err != nil {
		return nil, err
	}
	res, err := p.readResult(op, resp, false)
	if err != nil {
		return nil, err
	}
	if err := p.verifyResult(op, r.txn, res, withToken); err != nil {
		return nil, err
	}
	return p.interpret(op, r, res)
}

// readResult decodes a result body or classifies the failure.
func (p *Provider) readResult(op string, resp *provider.Response, moneyMoving bool) (*result, error) {
	var res result
	a := answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: resp.Body}
	if resp.StatusCode == http.StatusOK && decodeObject(resp.Body, &res) == nil && res.TransactionID.S != "" {
		a.result = true
	}
	if !a.result || resp.StatusCode != http.StatusOK {
		return nil, classifyOrUnreadable(op, a, moneyMoving)
	}
	return &res, nil
}

// classifyOrUnreadable is classify for answers that are not a usable
// result; classify only returns nil for results, so this never does.
func classifyOrUnreadable(op string, a answer, moneyMoving bool) error {
	if e := classify(op, a, moneyMoving); e != nil {
		return e
	}
	a.result = false
	return classify(op, answer{status: 299, body: a.body}, moneyMoving)
}

// verifyResult checks a result's checksum, transactionId+errorCode+amount
// (+token when withToken), over the raw strings received (null as "").
func (p *Provider) verifyResult(op, txn string, res *result, withToken bool) error {
	var ok bool
	if withToken {
		ok = p.sign.verify(res.Checksum.S, res.TransactionID.S, res.ErrorCode.S, res.Amount.S, res.Token.S)
	} else {
		ok = p.sign.verify(res.Checksum.S, res.TransactionID.S, res.ErrorCode.S, res.Amount.S)
	}
	if !ok {
		return &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidSignature, Message: "response checksum does not verify"}
	}
	if res.TransactionID.S != txn {
		return &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidSignature, Message: "response is for another transaction"}
	}
	return nil
}

// interpret turns a verified result into a payment. Paid (StatusCaptured)
// needs errorCode "000" and the amount the bank reports equal (as money)
// to the amount charged; status ("SENT") is ignored.
func (p *Provider) interpret(op string, r ref, res *result) (*payment.Payment, error) {
	now := p.clock.Now()
	code := res.ErrorCode.S
	var expected payment.Money
	if r.amount != "" {
		expected, _ = payment.ParseMoney(r.amount, payment.MNT.Code) // checked by parseRef
	}
	var reported payment.Money
	var amountErr error
	switch {
	case res.Amount.S != "" && res.Amount.S == r.amount:
		reported = expected // the very string we sent
	case res.Amount.S != "":
		reported, amountErr = payment.ParseMoney(res.Amount.S, payment.MNT.Code)
	case code == CodeApproved:
		amountErr = errors.New("no amount")
	}
	if amountErr == nil && res.Amount.S != "" && !reported.IsPositive() {
		amountErr = errors.New("amount is not positive")
	}
	if r.amount == "" && amountErr == nil && res.Amount.S != "" {
		// A reduced ref (from a push) learns the amount from the signed
		// answer, in the one format the adapter sends and parseRef reads.
		expected = reported
		r.amount = reported.Decimal()
	}
	pay := p.newPayment(r, expected, now)
	if cn := res.CardNumber.S; cn != "" {
		pay.Card = cardSummary(cn, res.CardHolder.S)
	}
	switch {
	case code == CodeApproved:
		if amountErr != nil || expected.Currency().Code == "" || !reported.Equal(expected) {
			pay.Status = payment.StatusUnknown
			return pay, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidSignature, GatewayCode: code,
				Message: "the bank reports a payment whose amount differs from the amount charged; not treated as paid (check it with the bank)"}
		}
		pay.Status = payment.StatusCaptured
		pay.Captured = reported
		if res.Token.S != "" {
			pay.CardToken = payment.NewSecret(res.Token.S)
		}
	case code == "":
		switch {
		case r.kind == kindPay:
			pay.Status = payment.StatusUnknown
		case r.created > 0 && !now.Before(time.Unix(r.created, 0).Add(p.cfg.InvoiceLifetime+p.cfg.ExpiryGrace)):
			pay.Status = payment.StatusExpired
		case r.invoice == "":
			// A reduced ref (from a push) cannot point at the page.
			pay.Status = payment.StatusPending
		default:
			pay.Status = payment.StatusRequiresAction
			pay.NextAction = p.pageAction(p.cfg.Language, r.invoice)
		}
	default:
		pay.Status = payment.StatusFailed
		pay.GatewayCode = code
		pay.GatewayMessage = res.ErrorDesc.S
	}
	return pay, nil
}

// newPayment is a payment with every always-set field filled.
func (p *Provider) newPayment(r ref, amount payment.Money, now time.Time) *payment.Payment {
	if amount.Currency().Code == "" {
		amount = payment.Zero(payment.MNT)
	}
	return &payment.Payment{
		Provider:      Name,
		OrderID:       r.txn,
		Ref:           r.paymentRef(),
		Amount:        amount,
		Captured:      payment.Zero(payment.MNT),
		Refunded:      payment.Zero(payment.MNT),
		TransactionID: r.invoice,
		UpdatedAt:     now,
	}
}

// cardSummary keeps the bank's masked number (first 6, stars, last 4),
// re-masking anything that arrives unmasked.
func cardSummary(number, holder string) *payment.CardSummary {
	masked := number
	if !looksMasked(masked) {
		masked = payment.MaskPAN(number)
	}
	c := &payment.CardSummary{Masked: masked, Holder: holder}
	if n := len(masked); n >= 4 {
		last := masked[n-4:]
		if strings.Trim(last, "0123456789") == "" {
			c.Last4 = last
		}
	}
	return c
}

// post sends one JSON call encoded by encoding/json (request types
// without appendJSON, off the hot paths; those with it call send).
func (p *Provider) post(ctx context.Context, op, url string, v any, idempotent bool) (*provider.Response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidRequest, Message: "cannot encode request"}
	}
	return p.send(ctx, op, url, body, idempotent)
}

// requestBodyCap is the initial capacity of a request body built with
// appendJSON: every request fits without growing.
const requestBodyCap = 384

// send sends one encoded JSON call. The hot paths encode their request
// with its appendJSON and call send directly: passing the struct through
// post's `any` would box it (one allocation per request).
func (p *Provider) send(ctx context.Context, op, url string, body []byte, idempotent bool) (*provider.Response, error) {
	return p.client.Do(ctx, &provider.Request{Op: op, Method: http.MethodPost, URL: url, Header: p.header, Body: body, Idempotent: idempotent})
}

// own fills in the provider name of a *payment.Error built by the core.
func own(err error, op string) error {
	var pe *payment.Error
	if errors.As(err, &pe) {
		c := *pe
		c.Provider, c.Op = Name, op
		return &c
	}
	return err
}

// checkOrderID applies the bank's transactionId rules before any I/O.
func (p *Provider) checkOrderID(op, id string) error {
	if p.cfg.LongTransactionIDs {
		if len(id) > MaxLongTransactionIDLen {
			return payment.InvalidRequest(Name, op, "OrderID", "order id longer than 64 characters")
		}
		for i := 0; i < len(id); i++ {
			if c := id[i]; !isAlnum(c) && c != '-' {
				return payment.InvalidRequest(Name, op, "OrderID", "order id may hold only letters, digits and '-'")
			}
		}
		return nil
	}
	if len(id) > MaxTransactionIDLen {
		return payment.InvalidRequest(Name, op, "OrderID", "order id longer than 15 characters (the bank allows fewer than 16; see Config.LongTransactionIDs)")
	}
	for i := 0; i < len(id); i++ {
		if !isAlnum(id[i]) {
			return payment.InvalidRequest(Name, op, "OrderID", "order id may hold only letters and digits")
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// formatAmount is the single place an amount becomes wire text; the same
// string goes into the body and the checksum.
func (p *Provider) formatAmount(op string, m payment.Money) (string, error) {
	if m.Currency().Code != payment.MNT.Code {
		return "", payment.InvalidRequest(Name, op, "Amount", "golomt accepts MNT only, not "+m.Currency().Code)
	}
	if !m.IsPositive() {
		return "", payment.InvalidRequest(Name, op, "Amount", "amount must be positive")
	}
	// Decimals are checked against our own ISO 4217 table, not the
	// Money's currency value, which a caller may have built by hand.
	d := m.Amount()
	if d.Exponent() < -payment.MNT.Exponent && !d.Equal(d.Truncate(payment.MNT.Exponent)) {
		return "", payment.InvalidRequest(Name, op, "Amount", "MNT allows 2 decimal places; the amount has more")
	}
	var fixed string
	if m.Currency().Exponent == payment.MNT.Exponent {
		fixed = m.Decimal() // int64 formatting; StringFixed goes through math/big
	} else {
		fixed = d.StringFixed(payment.MNT.Exponent)
	}
	if p.cfg.AmountFormat == AmountInteger {
		whole, frac, _ := strings.Cut(fixed, ".")
		if strings.Trim(frac, "0") != "" {
			return "", payment.InvalidRequest(Name, op, "Amount", "amount has a fraction of a tögrög, which AmountInteger cannot carry")
		}
		return whole, nil
	}
	return fixed, nil
}

// checkCallback validates the callback URL before any I/O.
func checkCallback(op, cb string) error {
	if cb == "" {
		return payment.InvalidRequest(Name, op, "ReturnURL", "return URL (the bank's callback) is required")
	}
	if len(cb) > 256 {
		return payment.InvalidRequest(Name, op, "ReturnURL", "return URL longer than 256 characters")
	}
	for i := 0; i < len(cb); i++ {
		if c := cb[i]; c <= ' ' || c >= 0x7f {
			return payment.InvalidRequest(Name, op, "ReturnURL", "return URL must be printable ASCII (percent-encode anything else)")
		}
	}
	u, err := url.Parse(cb)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return payment.InvalidRequest(Name, op, "ReturnURL", "return URL must be an absolute http(s) URL")
	}
	return nil
}

// lang picks the page language: the request's hint when it is mn or en,
// else the configured one.
func (p *Provider) lang(hint string) string {
	switch strings.ToLower(strings.TrimSpace(hint)) {
	case "mn":
		return "mn"
	case "en":
		return "en"
	}
	return p.cfg.Language
}

func (p *Provider) logOK(op string, pay *payment.Payment) {
	if ce := p.log.Check(zap.InfoLevel, op); ce != nil {
		fields := []zap.Field{zap.String("op", op), zap.String("order_id", pay.OrderID),
			zap.String("status", pay.Status.String()), zap.String("amount", pay.Amount.String())}
		if pay.GatewayCode != "" {
			fields = append(fields, zap.String("gateway_code", pay.GatewayCode))
		}
		if pay.Card != nil && pay.Card.Last4 != "" {
			fields = append(fields, zap.String("card_last4", pay.Card.Last4))
		}
		ce.Write(fields...)
	}
}

// logErr logs a failed call (kind and codes only) and returns err.
func (p *Provider) logErr(op, orderID string, err error) error {
	if ce := p.log.Check(zap.WarnLevel, op+" failed"); ce != nil {
		kind := "other"
		if k := payment.KindOf(err); k != nil {
			kind = k.Error()
		}
		fields := []zap.Field{zap.String("op", op), zap.String("order_id", orderID), zap.String("error_kind", kind)}
		var pe *payment.Error
		if errors.As(err, &pe) && pe.GatewayCode != "" {
			fields = append(fields, zap.String("gateway_code", pe.GatewayCode))
		}
		ce.Write(fields...)
	}
	return err
}

// String describes the provider without its credentials.
func (p *Provider) String() string { return "golomt.Provider(" + p.base + ")" }

// GoString describes the provider without its credentials.
func (p *Provider) GoString() string {
	return "&golomt.Provider{BaseURL: " + strconv.Quote(p.base) + "}"
}

// Format prints String in every verb, so that no verb reaches the bearer
// token kept for the Authorization header.
func (p *Provider) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, p.GoString())
		return
	}
	_, _ = io.WriteString(f, p.String())
}
