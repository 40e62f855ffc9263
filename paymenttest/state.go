package paymenttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/kessai/payment"
	"go.uber.org/zap"
)

// record is the simulated gateway's state for one payment. Guarded by
// Provider.mu.
type record struct {
	ref       payment.PaymentRef
	orderID   string
	amount    payment.Money
	capture   payment.CaptureMode
	returnURL string

	status     payment.Status
	authorized payment.Money
	captured   payment.Money
	refunded   payment.Money
	ledger     Ledger

	code, message string
	card          *payment.CardSummary
	tranID        string
	approval      string

	// challenge is the pending challenge (or hosted page) id; result is
	// the customer's answer on it: 0 none yet, 1 passed, 2 failed.
	challenge string
	result    int
	next      *payment.NextAction

	// method is the payment's method type; voucher the payment numbers of
	// an issued konbini / Pay-easy voucher (async.go).
	method  payment.MethodType
	voucher *payment.Voucher

	seq     int
	updated time.Time
}

// Ledger is the money moved for one order: the simulated gateway's ground
// truth.
type Ledger struct {
	Authorized     payment.Money // held and not yet captured or voided
	Charged        payment.Money // captured in total
	Refunded       payment.Money // refunded in total
	Authorizations int           // holds made
	Charges        int           // times money was taken
	Refunds        int           // times money was returned
	Voids          int           // authorizations canceled
}

// Ledger returns the money moved for orderID (zero amounts and counts for
// an unknown order).
func (p *Provider) Ledger(orderID string) Ledger {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.byOrder[orderID]
	if r == nil {
		return Ledger{}
	}
	l := r.ledger
	l.Authorized, l.Charged, l.Refunded = r.authorized, r.captured, r.refunded
	return l
}

func (p *Provider) setStatus(r *record, s payment.Status) {
	if r.status != s {
		r.seq++
	}
	r.status = s
	r.updated = p.clock.Now()
}

func (p *Provider) snapshot(r *record) *payment.Payment {
	pay := &payment.Payment{
		Provider: p.name, OrderID: r.orderID, Ref: r.ref, Status: r.status,
		Amount: r.amount, Captured: r.captured, Refunded: r.refunded,
		TransactionID: r.tranID, ApprovalCode: r.approval,
		GatewayCode: r.code, GatewayMessage: r.message, UpdatedAt: r.updated,
	}
	if r.card != nil {
		c := *r.card
		pay.Card = &c
	}
	if r.status == payment.StatusRequiresAction && r.next != nil {
		n := *r.next
		pay.NextAction = &n
	}
	if r.status == payment.StatusPending && r.voucher != nil {
		v := *r.voucher
		pay.NextAction = &payment.NextAction{Type: payment.NextActionVoucher, Voucher: &v}
	}
	return pay
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type tokenKind int

const (
	tokenUnknown tokenKind = iota
	tokenApprove
	tokenDecline
	tokenChallenge
)

func kindOf(tok payment.Secret) tokenKind {
	s := tok.Reveal()
	switch {
	case strings.HasPrefix(s, "tok_approve"):
		return tokenApprove
	case strings.HasPrefix(s, "tok_decline"):
		return tokenDecline
	case strings.HasPrefix(s, "tok_challenge"):
		return tokenChallenge
	}
	return tokenUnknown
}

// cardOf summarises the card digits at the end of a test token.
func cardOf(tok payment.Secret) *payment.CardSummary {
	s := tok.Reveal()
	i := strings.LastIndexByte(s, '_')
	digits := s[i+1:]
	if len(digits) < 10 {
		return nil
	}
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return nil
		}
	}
	return &payment.CardSummary{Brand: "visa", Masked: payment.MaskPAN(digits), Last4: digits[len(digits)-4:]}
}

func (p *Provider) logResult(op string, pay *payment.Payment, err error) {
	fields := []zap.Field{logOp(op)}
	if pay != nil {
		fields = append(fields, zap.Object("payment", pay))
	}
	if err != nil {
		if pe, ok := errAsPayment(err); ok {
			fields = append(fields, logStr("kind", pe.Kind.Error()))
			if pe.GatewayCode != "" {
				fields = append(fields, logStr("gateway_code", pe.GatewayCode))
			}
		}
		p.log.Info("call failed", fields...)
		return
	}
	p.log.Debug("call done", fields...)
}

func logOp(op string) zap.Field                           { return zap.String("op", op) }
func logStr(k, v string) zap.Field                        { return zap.String(k, v) }
func (p *Provider) lookup(ref payment.PaymentRef) *record { return p.byRef[ref] }

func (p *Provider) notFound(op string) error {
	return p.err(op, payment.ErrNotFound, "", "no such payment")
}

// CreatePayment registers a payment. A card provider returns it in
// StatusPending; a hosted-page provider in StatusRequiresAction with a GET
// redirect to the simulated payment page. A used OrderID fails with
// payment.ErrDuplicate.
func (p *Provider) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (pay *payment.Payment, err error) {
	const op = OpCreate
	defer func() { p.logResult(op, pay, err) }()
	if err := req.Validate(); err != nil {
		if pe, ok := errAsPayment(err); ok {
			c := *pe
			c.Provider = p.name
			return nil, &c
		}
		return nil, p.invalid(op, "", "invalid request")
	}
	if why, ok := validOrderID(req.OrderID); !ok {
		return nil, p.invalid(op, "OrderID", why)
	}
	if err := p.checkAmount(op, "Amount", req.Amount); err != nil {
		return nil, err
	}
	async := isVoucher(req.MethodType)
	switch {
	case req.MethodType == "" || req.MethodType == payment.MethodCard:
	case !async || !p.caps.AsyncPayments:
		return nil, p.unsupported(op, "only card payments are simulated")
	case req.Capture == payment.CaptureManual:
		return nil, p.invalid(op, "Capture", "voucher payments are captured when the customer pays")
	}
	if req.Capture == payment.CaptureManual && !p.caps.ManualCapture {
		return nil, p.unsupported(op, "manual capture is not supported")
	}
	if req.SaveCard {
		return nil, p.unsupported(op, "stored cards are not supported")
	}
	if p.hosted && req.ReturnURL == "" {
		return nil, p.invalid(op, "ReturnURL", "a hosted page needs a return URL")
	}
	if req.ReturnURL != "" {
		if u, err := url.Parse(req.ReturnURL); err != nil || !u.IsAbs() {
			return nil, p.invalid(op, "ReturnURL", "not an absolute URL")
		}
	}
	return p.call(ctx, op, nil, func() (*payment.Payment, error) {
		if _, dup := p.byOrder[req.OrderID]; dup {
			return nil, p.err(op, payment.ErrDuplicate, "duplicate_order_id", "order id already used")
		}
		amt := canonical(req.Amount)
		zero := payment.Zero(amt.Currency())
		r := &record{
			ref: newRef(), orderID: req.OrderID, amount: amt, capture: req.Capture, returnURL: req.ReturnURL,
			authorized: zero, captured: zero, refunded: zero, updated: p.clock.Now(), seq: 1,
			status: payment.StatusPending, method: req.MethodType,
		}
		if p.hosted {
			r.status = payment.StatusRequiresAction
			r.challenge = randomHex(8)
			r.next = p.page("pay", r)
		}
		p.byRef[r.ref] = r
		p.byOrder[r.orderID] = r
		return p.snapshot(r), nil
	})
}

// page builds the GET redirect to a simulated page.
func (p *Provider) page(kind string, r *record) *payment.NextAction {
	q := url.Values{"ref": {string(r.ref)}, "id": {r.challenge}}
	return &payment.NextAction{Type: payment.NextActionRedirect, Method: "GET", URL: p.pageURL + "/" + kind + "?" + q.Encode()}
}

// approve authorizes (manual capture) or captures (automatic capture).
func (p *Provider) approve(r *record, tok payment.Secret) {
	r.tranID = "tr" + randomHex(8)
	r.approval = randomHex(3)
	r.code, r.message = "", ""
	if !tok.IsZero() {
		r.card = cardOf(tok)
	}
	if r.capture == payment.CaptureManual {
		r.authorized = r.amount
		r.ledger.Authorizations++
		p.setStatus(r, payment.StatusAuthorized)
		return
	}
	r.captured = r.amount
	r.ledger.Charges++
	p.setStatus(r, payment.StatusCaptured)
}

func (p *Provider) fail(op string, r *record, code, msg string) error {
	r.code, r.message = code, msg
	p.setStatus(r, payment.StatusFailed)
	return p.declined(op, r)
}

func (p *Provider) declined(op string, r *record) error {
	return p.err(op, payment.ErrDeclined, r.code, r.message)
}

// Confirm executes a payment with a card token (card providers), or checks
// its outcome after the customer's browser returned from a challenge or
// the hosted page (Return, or neither). The redirect values are only a
// hint: the outcome is the simulated gateway's own record. Confirm repeated
// after success returns the payment without charging again; after a
// decline it returns the same decline.
func (p *Provider) Confirm(ctx context.Context, req payment.ConfirmRequest) (pay *payment.Payment, err error) {
	const op = OpConfirm
	defer func() { p.logResult(op, pay, err) }()
	if req.Ref == "" {
		return nil, p.invalid(op, "Ref", "empty payment reference")
	}
	if req.Method != nil && req.Return != nil {
		return nil, p.invalid(op, "Method", "set Method or Return, not both")
	}
	var tok payment.Secret
	if m := req.Method; m != nil {
		if p.hosted {
			return nil, p.unsupported(op, "the customer pays on the hosted page; confirm without a method")
		}
		voucherMethod := (m.Konbini != nil || m.PayEasy != nil) && p.caps.AsyncPayments
		if m.StoredCard != nil || (m.Konbini != nil || m.PayEasy != nil) && !voucherMethod {
			return nil, p.unsupported(op, "only card tokens are simulated")
		}
		if m.Installments != nil && m.Installments.Plan != payment.PlanLump {
			return nil, p.unsupported(op, "installments are not simulated")
		}
		if m.CardToken.IsZero() && !voucherMethod {
			return nil, p.invalid(op, "Method.CardToken", "empty card token")
		}
		tok = m.CardToken
	}
	if req.ReturnURL != "" {
		if u, err := url.Parse(req.ReturnURL); err != nil || !u.IsAbs() {
			return nil, p.invalid(op, "ReturnURL", "not an absolute URL")
		}
	}
	if req.Return != nil {
		if ref := req.Return.Values.Get("ref"); ref != "" && ref != string(req.Ref) {
			return nil, p.invalid(op, "Return", "redirect is for another payment")
		}
	}
	pre := func() error {
		r := p.lookup(req.Ref)
		if r != nil && req.Method != nil && (isVoucher(r.method) || req.Method.Konbini != nil || req.Method.PayEasy != nil) {
			if !isVoucher(r.method) {
				return p.invalid(op, "Method", "the payment was created as a card payment")
			}
			_, err := p.voucherMethod(op, r.method, req.Method)
			return err
		}
		if r != nil && isVoucher(r.method) && req.Return != nil {
			return p.invalid(op, "Return", "voucher payments have no redirect")
		}
		if r != nil && kindOf(tok) == tokenChallenge && p.caps.ThreeDSecure && req.ReturnURL == "" && r.returnURL == "" {
			return p.invalid(op, "ReturnURL", "a challenge needs a return URL")
		}
		return nil
	}
	return p.call(ctx, op, pre, func() (*payment.Payment, error) {
		r := p.lookup(req.Ref)
		if r == nil {
			return nil, p.notFound(op)
		}
		switch r.status {
		case payment.StatusAuthorized, payment.StatusCaptured, payment.StatusPartiallyRefunded, payment.StatusRefunded:
			return p.snapshot(r), nil // already done: never charge again
		case payment.StatusFailed:
			return nil, p.declined(op, r)
		case payment.StatusCanceled, payment.StatusExpired:
			return nil, p.err(op, payment.ErrInvalidRequest, "", "payment is "+r.status.String())
		case payment.StatusRequiresAction:
			if tok.IsZero() && !p.hosted {
				switch r.result {
				case 1:
					p.approve(r, payment.Secret{})
				case 2:
					return nil, p.fail(op, r, ChallengeFailedCode, "customer failed the challenge")
				}
			}
			return p.snapshot(r), nil
		}
		// StatusPending.
		if isVoucher(r.method) {
			if req.Method != nil && r.voucher == nil {
				days, _ := p.voucherMethod(op, r.method, req.Method)
				p.issueVoucher(r, req.Method, days)
			}
			return p.snapshot(r), nil
		}
		if tok.IsZero() {
			return p.snapshot(r), nil
		}
		switch kindOf(tok) {
		case tokenApprove:
			p.approve(r, tok)
		case tokenDecline:
			r.card = cardOf(tok)
			return nil, p.fail(op, r, DeclineCode, "insufficient funds")
		case tokenChallenge:
			if !p.caps.ThreeDSecure {
				p.approve(r, tok)
				break
			}
			r.card = cardOf(tok)
			if req.ReturnURL != "" {
				r.returnURL = req.ReturnURL
			}
			r.challenge = randomHex(8)
			r.next = p.page("challenge", r)
			p.setStatus(r, payment.StatusRequiresAction)
		default:
			return nil, p.fail(op, r, InvalidCardCode, "unknown test card")
		}
		return p.snapshot(r), nil
	})
}

// CompleteAction plays the customer on the page a payment in
// StatusRequiresAction redirects to: the challenge (card providers) or the
// payment page (hosted-page providers). pass says whether the customer
// passes the challenge or pays successfully; otherwise the challenge fails
// or the card is declined with [DeclineCode]. It returns what the browser
// brings back to the return URL, for ConfirmRequest.Return.
//
// On a hosted page, money moves here, as it does on a real hosted page;
// after a challenge it moves in the Confirm that follows.
func (p *Provider) CompleteAction(ref payment.PaymentRef, pass bool) (*payment.RedirectReturn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.lookup(ref)
	if r == nil {
		return nil, p.notFound("customer")
	}
	if r.status != payment.StatusRequiresAction || r.result != 0 {
		return nil, p.err("customer", payment.ErrInvalidRequest, "", "no customer action pending")
	}
	vals := url.Values{"ref": {string(r.ref)}, "order_id": {r.orderID}}
	if pass {
		r.result = 1
		vals.Set("result", "success")
	} else {
		r.result = 2
		vals.Set("result", "failure")
	}
	if p.hosted {
		if pass {
			p.approve(r, payment.NewSecret(TokenApprove))
		} else {
			r.code, r.message = DeclineCode, "insufficient funds"
			p.setStatus(r, payment.StatusFailed)
		}
	}
	return &payment.RedirectReturn{Values: vals}, nil
}

// Expire makes the simulated gateway give up on an unpaid payment (pending
// or awaiting the customer): it becomes StatusExpired.
func (p *Provider) Expire(ref payment.PaymentRef) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.lookup(ref)
	if r == nil {
		return p.notFound("expire")
	}
	if r.status != payment.StatusPending && r.status != payment.StatusRequiresAction {
		return p.err("expire", payment.ErrInvalidRequest, "", "payment is "+r.status.String())
	}
	p.setStatus(r, payment.StatusExpired)
	return nil
}

// Capture settles an authorization: all of it (nil Amount) or part of it,
// releasing the rest. Capture repeated with a nil Amount, or with the amount
// already captured, returns the payment unchanged. Capture after a void
// fails with payment.ErrInvalidRequest.
func (p *Provider) Capture(ctx context.Context, req payment.CaptureRequest) (pay *payment.Payment, err error) {
	const op = OpCapture
	defer func() { p.logResult(op, pay, err) }()
	if !p.caps.ManualCapture {
		return nil, p.unsupported(op, "manual capture is not supported")
	}
	if req.Ref == "" {
		return nil, p.invalid(op, "Ref", "empty payment reference")
	}
	if req.Amount != nil {
		if err := p.checkAmount(op, "Amount", *req.Amount); err != nil {
			return nil, err
		}
	}
	pre := func() error {
		r := p.lookup(req.Ref)
		if r == nil || req.Amount == nil {
			return nil
		}
		if req.Amount.Currency().Code != r.amount.Currency().Code {
			return p.invalid(op, "Amount", "currency differs from the payment's")
		}
		if !p.caps.PartialCapture && r.status == payment.StatusAuthorized && !canonical(*req.Amount).Equal(r.authorized) {
			return p.unsupported(op, "partial capture is not supported")
		}
		return nil
	}
	return p.call(ctx, op, pre, func() (*payment.Payment, error) {
		r := p.lookup(req.Ref)
		if r == nil {
			return nil, p.notFound(op)
		}
		switch r.status {
		case payment.StatusAuthorized:
			amt := r.authorized
			if req.Amount != nil {
				amt = canonical(*req.Amount)
				if c, _ := amt.Cmp(r.authorized); c > 0 {
					return nil, p.err(op, payment.ErrInvalidRequest, "", "capture above the authorized amount")
				}
			}
			r.captured = amt
			r.authorized = payment.Zero(amt.Currency())
			r.ledger.Charges++
			p.setStatus(r, payment.StatusCaptured)
			return p.snapshot(r), nil
		case payment.StatusCaptured, payment.StatusPartiallyRefunded, payment.StatusRefunded:
			if req.Amount == nil || canonical(*req.Amount).Equal(r.captured) {
				return p.snapshot(r), nil
			}
			return nil, p.err(op, payment.ErrInvalidRequest, "", "already captured")
		case payment.StatusCanceled:
			return nil, p.err(op, payment.ErrInvalidRequest, "", "capture after void")
		}
		return nil, p.err(op, payment.ErrInvalidRequest, "", "payment is "+r.status.String()+", not authorized")
	})
}

// Refund returns money: all that remains (nil Amount) or part of it. A full
// refund repeated returns the refunded payment unchanged; an amount above
// what remains fails with payment.ErrInvalidRequest.
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (pay *payment.Payment, err error) {
	const op = OpRefund
	defer func() { p.logResult(op, pay, err) }()
	if !p.caps.Refund {
		return nil, p.unsupported(op, "refunds are not supported")
	}
	if req.Ref == "" {
		return nil, p.invalid(op, "Ref", "empty payment reference")
	}
	if req.Amount != nil {
		if err := p.checkAmount(op, "Amount", *req.Amount); err != nil {
			return nil, err
		}
	}
	pre := func() error {
		r := p.lookup(req.Ref)
		if r == nil {
			return nil
		}
		if req.Amount != nil && req.Amount.Currency().Code != r.amount.Currency().Code {
			return p.invalid(op, "Amount", "currency differs from the payment's")
		}
		if r.status != payment.StatusCaptured && r.status != payment.StatusPartiallyRefunded {
			return nil
		}
		if !p.caps.MultipleRefunds && r.refunded.IsPositive() {
			return p.unsupported(op, "only one refund per payment is supported")
		}
		if c, _ := canonical(*orZero(req.Amount, r.captured)).Cmp(r.captured); !p.caps.PartialRefund && c < 0 {
			return p.unsupported(op, "partial refunds are not supported")
		}
		return nil
	}
	return p.call(ctx, op, pre, func() (*payment.Payment, error) {
		r := p.lookup(req.Ref)
		if r == nil {
			return nil, p.notFound(op)
		}
		switch r.status {
		case payment.StatusCaptured, payment.StatusPartiallyRefunded:
			remaining, _ := r.captured.Sub(r.refunded)
			amt := remaining
			if req.Amount != nil {
				amt = canonical(*req.Amount)
				if c, _ := amt.Cmp(remaining); c > 0 {
					return nil, p.err(op, payment.ErrInvalidRequest, "", "refund above the remaining amount")
				}
			}
			r.refunded, _ = r.refunded.Add(amt)
			r.ledger.Refunds++
			if r.refunded.Equal(r.captured) {
				p.setStatus(r, payment.StatusRefunded)
			} else {
				r.seq++ // a new partial refund is a new event
				p.setStatus(r, payment.StatusPartiallyRefunded)
			}
			return p.snapshot(r), nil
		case payment.StatusRefunded:
			if req.Amount == nil {
				return p.snapshot(r), nil // full refund repeated: no-op
			}
			return nil, p.err(op, payment.ErrInvalidRequest, "", "refund above the remaining amount (nothing left)")
		}
		return nil, p.err(op, payment.ErrInvalidRequest, "", "payment is "+r.status.String()+", nothing to refund")
	})
}

// Void cancels an authorization, or a payment not yet paid. Void repeated
// returns the canceled payment. A captured payment must be refunded
// instead.
func (p *Provider) Void(ctx context.Context, ref payment.PaymentRef) (pay *payment.Payment, err error) {
	const op = OpVoid
	defer func() { p.logResult(op, pay, err) }()
	if !p.caps.Void {
		return nil, p.unsupported(op, "void is not supported")
	}
	if ref == "" {
		return nil, p.invalid(op, "Ref", "empty payment reference")
	}
	return p.call(ctx, op, nil, func() (*payment.Payment, error) {
		r := p.lookup(ref)
		if r == nil {
			return nil, p.notFound(op)
		}
		switch r.status {
		case payment.StatusAuthorized:
			r.authorized = payment.Zero(r.amount.Currency())
			r.ledger.Voids++
			p.setStatus(r, payment.StatusCanceled)
		case payment.StatusPending, payment.StatusRequiresAction:
			p.setStatus(r, payment.StatusCanceled)
		case payment.StatusCanceled:
		default:
			return nil, p.err(op, payment.ErrInvalidRequest, "", "payment is "+r.status.String()+", cannot void")
		}
		return p.snapshot(r), nil
	})
}

// Inquire returns the simulated gateway's current view of a payment.
func (p *Provider) Inquire(ctx context.Context, ref payment.PaymentRef) (pay *payment.Payment, err error) {
	const op = OpInquire
	defer func() { p.logResult(op, pay, err) }()
	if !p.caps.Inquiry {
		return nil, p.unsupported(op, "inquiry is not supported")
	}
	if ref == "" {
		return nil, p.invalid(op, "Ref", "empty payment reference")
	}
	return p.call(ctx, op, nil, func() (*payment.Payment, error) {
		r := p.lookup(ref)
		if r == nil {
			return nil, p.notFound(op)
		}
		return p.snapshot(r), nil
	})
}

// orZero returns m, or def when m is nil.
func orZero(m *payment.Money, def payment.Money) *payment.Money {
	if m == nil {
		return &def
	}
	return m
}
