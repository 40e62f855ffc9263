package golomt

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/kessai/payment"
)

// TokenPayer is implemented by *Provider: charging a card token the bank
// issued earlier (genToken=Y, or card registration) without the customer
// (POST /api/pay). Find it with a type assertion on a payment.Provider.
type TokenPayer interface {
	payment.Provider
	PayWithToken(ctx context.Context, req TokenPaymentRequest) (*payment.Payment, error)
}

var _ TokenPayer = (*Provider)(nil)

// TokenPaymentRequest charges a stored card token.
type TokenPaymentRequest struct {
	// OrderID is a new, unique transactionId (the same rules as
	// CreatePaymentRequest.OrderID).
	OrderID string
	// Amount in MNT.
	Amount payment.Money
	// Token is the card token from Payment.CardToken or CardToken.
	Token payment.Secret
	// Language of the transaction details, "mn" or "en" (default:
	// Config.Language). Sent upper-case, as documented.
	Language string
}

// resolveTimeout bounds the /api/check that settles an ambiguous
// pay-with-token outcome.
const resolveTimeout = 30 * time.Second

// PayWithToken charges a stored card token (POST /api/pay). It is never
// resent: when the answer is lost (timeout, dropped connection, HTTP 5xx,
// an unreadable or unverifiable body) the adapter asks /api/check once;
// what it says is returned, and if it cannot tell, the result is a
// StatusUnknown payment with an error matching ErrOutcomeUnknown — call
// Inquire later with its Ref, never charge again. A decline is a
// StatusFailed payment with an ErrDeclined error carrying the bank's
// code. The response amount may come back re-formatted ("1" → "1.00"); it
// is compared as money.
func (p *Provider) PayWithToken(ctx context.Context, req TokenPaymentRequest) (*payment.Payment, error) {
	const op = "pay"
	if req.OrderID == "" {
		return nil, payment.InvalidRequest(Name, op, "OrderID", "order id is empty")
	}
	if err := p.checkOrderID(op, req.OrderID); err != nil {
		return nil, err
	}
	amount, err := p.formatAmount(op, req.Amount)
	if err != nil {
		return nil, err
	}
	tok := req.Token.Reveal()
	if tok == "" {
		return nil, payment.InvalidRequest(Name, op, "Token", "card token is empty")
	}
	if len(tok) > 256 {
		return nil, payment.InvalidRequest(Name, op, "Token", "card token longer than 256 characters")
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c <= ' ' || c >= 0x7f {
			return nil, payment.InvalidRequest(Name, op, "Token", "card token has unexpected characters")
		}
	}
	lang := "MN"
	if p.lang(req.Language) == "en" {
		lang = "EN"
	}
	now := p.clock.Now()
	r := ref{kind: kindPay, txn: req.OrderID, amount: amount, created: now.Unix()}
	wire := payRequest{
		Amount:        amount,
		TransactionID: req.OrderID,
		Lang:          lang,
		Token:         tok,
		Checksum:      p.sign.checksum(amount, req.OrderID, tok),
	}
	resp, err := p.send(ctx, op, p.urls.pay, wire.appendJSON(make([]byte, 0, requestBodyCap)), false)
	if err != nil {
		if errors.Is(err, payment.ErrOutcomeUnknown) {
			return p.resolve(ctx, op, r, err)
		}
		return nil, p.logErr(op, r.txn, err) // provably not sent
	}
	res, err := p.readResult(op, resp, true)
	if err != nil {
		if errors.Is(err, payment.ErrOutcomeUnknown) {
			return p.resolve(ctx, op, r, err)
		}
		return nil, p.logErr(op, r.txn, err)
	}
	if err := p.verifyResult(op, r.txn, res, false); err != nil {
		return p.resolve(ctx, op, r, err)
	}
	pay, err := p.interpret(op, r, res)
	switch {
	case err != nil:
		return pay, p.logErr(op, r.txn, err)
	case pay.Status == payment.StatusFailed:
		return pay, p.logErr(op, r.txn, p.declined(op, pay))
	case pay.Status == payment.StatusUnknown:
		// A verified answer with a null errorCode does not say whether the
		// card was charged: settle it like a lost answer.
		return p.resolve(ctx, op, r, nil)
	}
	p.logOK(op, pay)
	return pay, nil
}

// resolve settles an ambiguous /api/pay with one /api/check. It never
// resends the payment.
func (p *Provider) resolve(ctx context.Context, op string, r ref, cause error) (*payment.Payment, error) {
	unknown := p.newPayment(r, payment.Zero(payment.MNT), p.clock.Now())
	if m, err := payment.ParseMoney(r.amount, payment.MNT.Code); err == nil {
		unknown.Amount = m
	}
	unknown.Status = payment.StatusUnknown
	if ctx.Err() != nil {
		// The caller gave up; the transport's error already matches both
		// ctx.Err() and ErrOutcomeUnknown.
		if errors.Is(cause, payment.ErrOutcomeUnknown) {
			return unknown, p.logErr(op, r.txn, cause)
		}
		return unknown, p.logErr(op, r.txn, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrOutcomeUnknown,
			Message: "the answer could not be verified and the context ended; inquire later, never resend", Err: ctx.Err()})
	}
	cctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	pay, err := p.lookup(cctx, op, r)
	if err == nil && pay.Status != payment.StatusUnknown {
		if pay.Status == payment.StatusFailed {
			return pay, p.logErr(op, r.txn, p.declined(op, pay))
		}
		p.logOK(op, pay)
		return pay, nil
	}
	msg := "the payment may have been made and /api/check could not tell; call Inquire later with the ref, never resend"
	if err != nil && errors.Is(err, payment.ErrNotFound) {
		msg = "the payment may have been made and /api/check does not know it yet; call Inquire later with the ref, never resend"
	}
	e := &payment.Error{Provider: Name, Op: op, Kind: payment.ErrOutcomeUnknown, Message: msg}
	var pe *payment.Error
	if errors.As(cause, &pe) {
		e.GatewayCode = pe.GatewayCode
	}
	return unknown, p.logErr(op, r.txn, e)
}

// CardRegistrationRequest starts a card registration without a purchase
// (POST /api/confirmation): the customer types the card on the bank's
// page, the bank verifies it with a small charge it refunds a minute or
// two later, and CardToken then returns the token. The feature must be
// enabled by the bank.
type CardRegistrationRequest struct {
	// TransactionID is a new, unique id (the OrderID rules apply).
	TransactionID string
	// ReturnURL is the callback the browser is sent to afterwards.
	ReturnURL string
	// Language of the page, "mn" or "en" (default Config.Language).
	Language string
}

// CardRegistration is a started card registration.
type CardRegistration struct {
	TransactionID string
	// Invoice is the bank's invoice id.
	Invoice string
	// NextAction redirects the browser to /confirmation/{lang}/{invoice}.
	NextAction *payment.NextAction
}

// RegisterCard starts a card registration (POST /api/confirmation). Its
// request checksum formula is UNCERTAIN: see Config.RegistrationFormula.
// Like CreatePayment's invoice it is never resent once it may have left: a
// lost or unusable answer is ErrOutcomeUnknown (start again with a new
// transaction id).
func (p *Provider) RegisterCard(ctx context.Context, req CardRegistrationRequest) (*CardRegistration, error) {
	const op = "register"
	if req.TransactionID == "" {
		return nil, payment.InvalidRequest(Name, op, "TransactionID", "transaction id is empty")
	}
	if err := p.checkOrderID(op, req.TransactionID); err != nil {
		return nil, err
	}
	if err := checkCallback(op, req.ReturnURL); err != nil {
		return nil, err
	}
	vals := map[string]string{FieldTransactionID: req.TransactionID, FieldReturnType: p.cfg.ReturnType, FieldCallback: req.ReturnURL}
	wire := confirmationRequest{
		Callback:      req.ReturnURL,
		ReturnType:    p.cfg.ReturnType,
		TransactionID: req.TransactionID,
		Checksum:      p.sign.checksum(pick(p.cfg.RegistrationFormula, vals)...),
	}
	// Never resent after it may have left: a resend of a processed request
	// fails as a duplicate and the invoice id is lost (as for invoices, see
	// invoiceLost).
	resp, err := p.post(ctx, op, p.urls.confirmation, wire, false)
	if err != nil {
		if errors.Is(err, payment.ErrOutcomeUnknown) {
			return nil, p.logErr(op, req.TransactionID, invoiceLost(op, againRegistration, err))
		}
		return nil, p.logErr(op, req.TransactionID, err) // provably not sent
	}
	var ir invoiceResponse
	a := answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: resp.Body}
	if resp.StatusCode == http.StatusOK && decodeObject(resp.Body, &ir) == nil && ir.Invoice.S != "" {
		a.result = true
	}
	if !a.result {
		e := classifyOrUnreadable(op, a, false)
		if errors.Is(e, payment.ErrUnavailable) {
			return nil, p.logErr(op, req.TransactionID, invoiceLost(op, againRegistration, e))
		}
		return nil, p.logErr(op, req.TransactionID, e)
	}
	if ir.TransactionID.S != req.TransactionID || !p.sign.verify(ir.Checksum.S, ir.Invoice.S, ir.TransactionID.S) {
		return nil, p.logErr(op, req.TransactionID, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidSignature,
			Message: "confirmation response checksum does not verify"})
	}
	if !validWireID(ir.Invoice.S, 64) {
		return nil, p.logErr(op, req.TransactionID, invoiceLost(op, againRegistration, &payment.Error{Provider: Name, Op: op,
			Kind: payment.ErrUnavailable, Message: "invoice id has unexpected characters"}))
	}
	lang := p.lang(req.Language)
	return &CardRegistration{
		TransactionID: req.TransactionID,
		Invoice:       ir.Invoice.S,
		NextAction: &payment.NextAction{Type: payment.NextActionRedirect, Method: http.MethodGet,
			URL: p.base + "/confirmation/" + lang + "/" + ir.Invoice.S},
	}, nil
}

// StoredCardToken is the answer of CardToken.
type StoredCardToken struct {
	TransactionID string
	// Ready is true once the card was verified and the token issued.
	Ready bool
	Token payment.Secret
	Card  *payment.CardSummary
	// Bank and BankCode name the issuing bank.
	Bank, BankCode string
	// GatewayCode and GatewayMessage are the bank's errorCode/errorDesc.
	GatewayCode, GatewayMessage string
}

// CardToken fetches the token of a card registration (POST
// /api/get/token). While the customer has not finished, Ready is false
// and the error nil; a refused card is an ErrDeclined error. Both checksum
// formulas are UNCERTAIN: see Config.GetTokenRequestFormula and
// GetTokenResponseFormula.
func (p *Provider) CardToken(ctx context.Context, transactionID string) (*StoredCardToken, error) {
	const op = "gettoken"
	if !validWireID(transactionID, 256) {
		return nil, payment.InvalidRequest(Name, op, "TransactionID", "missing or malformed transaction id")
	}
	req := txnRequest{TransactionID: transactionID,
		Checksum: p.sign.checksum(pick(p.cfg.GetTokenRequestFormula, map[string]string{FieldTransactionID: transactionID})...)}
	resp, err := p.send(ctx, op, p.urls.getToken, req.appendJSON(make([]byte, 0, req.sizeHint())), true)
	if err != nil {
		return nil, p.logErr(op, transactionID, err)
	}
	res, err := p.readResult(op, resp, false)
	if err != nil {
		return nil, p.logErr(op, transactionID, err)
	}
	vals := map[string]string{FieldTransactionID: res.TransactionID.S, FieldToken: res.Token.S,
		FieldErrorCode: res.ErrorCode.S, FieldAmount: res.Amount.S}
	if !p.sign.verify(res.Checksum.S, pick(p.cfg.GetTokenResponseFormula, vals)...) || res.TransactionID.S != transactionID {
		return nil, p.logErr(op, transactionID, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidSignature,
			Message: "get-token response checksum does not verify"})
	}
	out := &StoredCardToken{TransactionID: transactionID, Bank: res.Bank.S, BankCode: res.BankCode.S,
		GatewayCode: res.ErrorCode.S, GatewayMessage: res.ErrorDesc.S}
	if res.CardNumber.S != "" {
		out.Card = cardSummary(res.CardNumber.S, res.CardHolder.S)
	}
	switch res.ErrorCode.S {
	case "":
		return out, nil
	case CodeApproved:
		if res.Token.S != "" {
			out.Ready, out.Token = true, payment.NewSecret(res.Token.S)
		}
		return out, nil
	}
	return out, p.logErr(op, transactionID, classify(op, answer{status: http.StatusOK, result: true, code: res.ErrorCode.S, desc: res.ErrorDesc.S}, false))
}

// pick returns the values of a formula's fields in order.
func pick(f Formula, vals map[string]string) []string {
	out := make([]string, len(f))
	for i, name := range f {
		out[i] = vals[name]
	}
	return out
}
