package gmo

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/payment"
)

// trade is SearchTrade's view of an order.
type trade struct {
	OrderID     string
	Status      string
	ProcessDate string
	JobCd       string
	AccessID    string
	AccessPass  payment.Secret
	Amount      int64
	Tax         int64
	CardNo      string
	Method      string
	PayTimes    string
	Forward     string
	TranID      string
	Approve     string
}

// searchTrade reads the gateway's current state of orderID. It moves no
// money and is retried by the client like any idempotent call.
func (p *Provider) searchTrade(ctx context.Context, op, orderID string) (*trade, error) {
	var f form
	f.add("ShopID", p.cfg.ShopID)
	f.addSecret("ShopPass", p.cfg.ShopPass)
	f.add("OrderID", orderID)
	r, err := p.call(ctx, op, "SearchTrade", &f, true, nil)
	if err != nil {
		return nil, err
	}
	t := &trade{
		OrderID:     r.get("OrderID"),
		Status:      r.get("Status"),
		ProcessDate: r.get("ProcessDate"),
		JobCd:       r.get("JobCd"),
		AccessID:    r.get("AccessID"),
		AccessPass:  payment.NewSecret(r.get("AccessPass")),
		CardNo:      r.get("CardNo"),
		Method:      r.get("Method"),
		PayTimes:    r.get("PayTimes"),
		Forward:     r.get("Forward"),
		TranID:      r.get("TranID"),
		Approve:     r.get("Approve"),
	}
	bad := func(msg string) error {
		return &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrUnavailable, RetrySafe: true, Message: "searchtrade: " + msg}
	}
	if t.OrderID != orderID {
		return nil, bad("reply is for another order")
	}
	if !isLowerHex32(t.AccessID) || !isLowerHex32(t.AccessPass.Reveal()) {
		return nil, bad("reply has no valid AccessID/AccessPass")
	}
	if t.Amount, err = parseAmount(r.get("Amount")); err != nil {
		return nil, bad("reply has an invalid Amount")
	}
	if v := r.get("Tax"); v != "" {
		if t.Tax, err = parseAmount(v); err != nil {
			return nil, bad("reply has an invalid Tax")
		}
	}
	return t, nil
}

// searchRef reads the state and checks it belongs to the ref's AccessID.
func (p *Provider) searchRef(ctx context.Context, op, orderID, accessID string) (*trade, error) {
	t, err := p.searchTrade(ctx, op, orderID)
	if err != nil {
		return nil, err
	}
	if t.AccessID != accessID {
		return nil, &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrNotFound,
			Message: "the order's transaction has another access id than the payment reference"}
	}
	switch t.Status {
	case "CAPTURE", "SALES", "RETURN", "RETURNX":
		p.cache.put(accessID, entry{orderID: orderID, accessPass: t.AccessPass, jobCd: registeredJob(t.JobCd), amount: t.Amount, captured: true})
	default:
		p.cache.put(accessID, entry{orderID: orderID, accessPass: t.AccessPass, jobCd: registeredJob(t.JobCd), amount: t.Amount})
	}
	return t, nil
}

// registeredJob keeps only the JobCd values EntryTran registers.
func registeredJob(j string) string {
	switch j {
	case "AUTH", "CAPTURE", "SAUTH", "CHECK":
		return j
	}
	return ""
}

func parseAmount(s string) (int64, error) {
	if s == "" || len(s) > 10 {
		return 0, errors.New("bad amount")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("bad amount")
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// StatusOf maps a GMO transaction status (SearchTrade's Status, a
// notification's Status) to a payment.Status. Unknown values map to
// payment.StatusUnknown.
func StatusOf(gmoStatus string) payment.Status {
	switch gmoStatus {
	case "UNPROCESSED", "AUTHENTICATED", "REQSUCCESS", "AUTHPROCESS", "PAYSTART", "TRADING", "REQAUTH":
		return payment.StatusPending
	case "AUTH", "SAUTH", "CHECK", "REQSALES":
		return payment.StatusAuthorized
	case "CAPTURE", "SALES", "PAYSUCCESS":
		return payment.StatusCaptured
	case "RETURN", "RETURNX":
		return payment.StatusRefunded
	case "VOID", "CANCEL":
		return payment.StatusCanceled
	case "EXPIRED":
		return payment.StatusExpired
	case "PAYFAIL", "AUTHFAIL", "FAILED":
		return payment.StatusFailed
	}
	return payment.StatusUnknown
}

// executed reports whether a status means the card execution took effect
// (money was reserved or taken at some point).
func executed(gmoStatus string) bool {
	switch gmoStatus {
	case "AUTH", "SAUTH", "CHECK", "CAPTURE", "SALES", "VOID", "RETURN", "RETURNX", "REQSALES":
		return true
	}
	return false
}

var jst = time.FixedZone("JST", 9*60*60)

// toPayment builds the Payment for a trade. orig is the original amount
// when known (the cache), used to tell a partially refunded sale (GMO keeps
// only the current amount after ChangeTran) from a full one.
func (p *Provider) toPayment(t *trade) *payment.Payment {
	st := StatusOf(t.Status)
	amount := t.Amount
	var captured, refunded int64
	orig := amount
	if e, ok := p.cache.get(t.AccessID); ok && e.amount > amount {
		orig = e.amount
	}
	switch st {
	case payment.StatusCaptured:
		captured = orig
		if orig > amount {
			refunded = orig - amount
			st = payment.StatusPartiallyRefunded
		}
	case payment.StatusRefunded:
		captured, refunded = orig, orig
	case payment.StatusCanceled:
		if t.Status == "VOID" && p.cache.wasCaptured(t.AccessID) {
			// A same-day refund of a sale is a VOID at GMO.
			st = payment.StatusRefunded
			captured, refunded = orig, orig
		}
	}
	pay := p.newPayment(t.OrderID, t.AccessID, st, orig)
	// Amounts equal to the original share its Money (immutable) instead of
	// allocating another; zero is Zero already.
	if captured == orig {
		pay.Captured = pay.Amount
	} else if captured != 0 {
		pay.Captured = payment.MoneyFromMinor(captured, payment.JPY)
	}
	if refunded == orig {
		pay.Refunded = pay.Amount
	} else if refunded != 0 {
		pay.Refunded = payment.MoneyFromMinor(refunded, payment.JPY)
	}
	pay.TransactionID = t.TranID
	pay.ApprovalCode = t.Approve
	if t.CardNo != "" {
		pay.Card = cardSummary(t.CardNo)
	}
	return pay
}

// cardSummary is the card as SearchTrade shows it. GMO returns CardNo
// already masked ("************1111", or "411111******1111" for shops
// shown the first six digits): that form is kept as it is, never masked
// again (MaskPAN would drop the stars and keep only 10 digits' worth);
// 'X' is accepted as a mask character too.
// Digits only (a raw number, which GMO should never return) are masked
// with payment.MaskPAN; anything else is not echoed. Last4 is taken from
// the masked form.
func cardSummary(cardNo string) *payment.CardSummary {
	c := &payment.CardSummary{}
	switch {
	case strings.ContainsAny(cardNo, "*Xx") && isMasked(cardNo):
		c.Masked = cardNo
	case isDigits(cardNo):
		c.Masked = payment.MaskPAN(cardNo)
	}
	if n := len(c.Masked); n >= 4 && isDigits(c.Masked[n-4:]) {
		c.Last4 = c.Masked[n-4:]
	}
	return c
}

// isMasked reports whether s contains only mask characters ('*', or 'X')
// and at most 10 digits.
func isMasked(s string) bool {
	d := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '*' || c == 'X' || c == 'x':
		case '0' <= c && c <= '9':
			d++
		default:
			return false
		}
	}
	return d <= 10
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (p *Provider) newPayment(orderID, accessID string, st payment.Status, amount int64) *payment.Payment {
	return &payment.Payment{
		Provider:  providerName,
		OrderID:   orderID,
		Ref:       Ref(orderID, accessID),
		Status:    st,
		Amount:    payment.MoneyFromMinor(amount, payment.JPY),
		Captured:  payment.Zero(payment.JPY),
		Refunded:  payment.Zero(payment.JPY),
		UpdatedAt: p.opts.Clock.Now(),
	}
}

// Inquire returns the gateway's current view of the payment (SearchTrade;
// SearchTradeMulti for konbini and Pay-easy). It moves no money. A status
// [StatusOf] does not map gives the payment in StatusUnknown together with
// an ErrOutcomeUnknown error whose GatewayCode is GMO's status.
func (p *Provider) Inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	if pay, err, ok := p.inquireHook(ctx, ref); ok { // konbini / Pay-easy: async.go
		return pay, err
	}
	orderID, accessID, err := ParseRef(ref)
	if err != nil {
		return nil, withOp(err, "inquire")
	}
	t, err := p.searchRef(ctx, "inquire", orderID, accessID)
	if err != nil {
		return nil, err
	}
	pay := p.toPayment(t)
	if pay.Status == payment.StatusUnknown {
		// A status this library does not know (GMO added one, or the
		// reply is odd): do not let a nil error pass it off as an answer.
		pay.GatewayCode = t.Status
		return pay, &payment.Error{Provider: providerName, Op: "inquire", Kind: payment.ErrOutcomeUnknown, GatewayCode: t.Status,
			Message: "GMO reports a transaction status this library does not map; check the order in GMO's console"}
	}
	return pay, nil
}

// reconcile resolves an ambiguous money-moving call (cause) by reading the
// gateway's truth. When even SearchTrade fails it returns a payment in
// StatusUnknown and an ErrOutcomeUnknown error that also matches the
// context's error when ctx ended.
func (p *Provider) reconcile(ctx context.Context, op, orderID, accessID string, amount int64, cause error) (*trade, *payment.Payment, error) {
	t, err := p.searchRef(ctx, op, orderID, accessID)
	if err == nil {
		return t, nil, nil
	}
	pay := p.newPayment(orderID, accessID, payment.StatusUnknown, amount)
	e := &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrOutcomeUnknown,
		Message: "the gateway may have processed the request and the inquiry failed; resolve with Inquire, never resend"}
	var pe *payment.Error
	if errors.As(cause, &pe) {
		e.GatewayCode, e.GatewayCodes = pe.GatewayCode, pe.GatewayCodes
	}
	// Err must not carry the inquiry's own kind (every error matches one
	// kind), only the context's error when it ended.
	if ctx.Err() != nil {
		e.Err = ctx.Err()
	} else {
		msg := "inquiry failed: " + kindName(err)
		if pe := asError(err); pe != nil && pe.Message != "" {
			msg += ": " + pe.Message
		}
		e.Err = errors.New(msg)
	}
	return nil, pay, e
}

// isAmbiguous reports whether err leaves a money-moving call's outcome
// unknown (timeout after sending, cut connection, 5xx, E82/E90/E91/42C).
func isAmbiguous(err error) bool {
	return errors.Is(err, payment.ErrOutcomeUnknown)
}
