package gmo

import (
	"context"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/kessai/payment"
)

// Capture settles an authorization with AlterTran JobCd=SALES and the
// authorized amount (GMO requires exactly that amount). A nil Amount or the
// authorized amount captures; a smaller amount fails with ErrUnsupported
// (see Capabilities), a larger one with ErrInvalidRequest. Capturing a
// payment that is already captured returns it unchanged.
//
// The current state is read with SearchTrade first. An ambiguous AlterTran
// outcome is resolved with SearchTrade, never by resending.
func (p *Provider) Capture(ctx context.Context, req payment.CaptureRequest) (*payment.Payment, error) {
	const op = "capture"
	orderID, accessID, err := ParseRef(req.Ref)
	if err != nil {
		return nil, withOp(err, op)
	}
	var want int64
	if req.Amount != nil {
		if want, err = checkAmount(op, "Amount", *req.Amount); err != nil {
			return nil, err
		}
		if e, ok := p.cache.get(accessID); ok && e.amount > 0 && want != e.amount {
			if want < e.amount {
				return nil, payment.Unsupported(providerName, op, "partial capture: GMO captures exactly the authorized amount")
			}
			return nil, payment.InvalidRequest(providerName, op, "Amount", "amount exceeds the authorized amount")
		}
	}
	t, err := p.searchRef(ctx, op, orderID, accessID)
	if err != nil {
		return nil, err
	}
	switch t.Status {
	case "AUTH", "SAUTH":
	case "CAPTURE", "SALES":
		return p.toPayment(t), nil
	default:
		return nil, stateError(op, t.Status, "only an authorization can be captured")
	}
	if want != 0 && want != t.Amount {
		if want < t.Amount {
			return nil, payment.Unsupported(providerName, op, "partial capture: GMO captures exactly the authorized amount")
		}
		return nil, payment.InvalidRequest(providerName, op, "Amount", "amount exceeds the authorized amount")
	}
	_, err = p.alter(ctx, op, "AlterTran", t, "SALES", t.Amount)
	if err != nil {
		return p.afterAlterError(ctx, op, t, err, func(n *trade) bool { return n.Status == "SALES" || n.Status == "CAPTURE" })
	}
	p.cache.markCaptured(accessID)
	pay := p.newPayment(orderID, accessID, payment.StatusCaptured, t.Amount)
	pay.Captured = pay.Amount
	pay.TransactionID, pay.ApprovalCode = t.TranID, t.Approve
	p.log.Info("captured", zap.String("order_id", orderID), zap.Int64("amount", t.Amount))
	return pay, nil
}

func stateError(op, status, msg string) error {
	return &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrInvalidRequest,
		Message: msg + " (gmo status " + strings.ToLower(status) + ")"}
}

// alter sends AlterTran or ChangeTran for t. Neither is ever resent.
func (p *Provider) alter(ctx context.Context, op, api string, t *trade, job string, amount int64) (response, error) {
	var f form
	f.buf = make([]byte, 0, 200)
	f.add("ShopID", p.cfg.ShopID)
	f.addSecret("ShopPass", p.cfg.ShopPass)
	f.add("AccessID", t.AccessID)
	f.addSecret("AccessPass", t.AccessPass)
	f.add("JobCd", job)
	if amount > 0 {
		f.add("Amount", itoa(amount))
	}
	if api == "ChangeTran" && t.Tax > 0 {
		f.add("Tax", itoa(t.Tax))
	}
	return p.call(ctx, op, api, &f, false, nil)
}

// afterAlterError resolves an ambiguous AlterTran/ChangeTran with
// SearchTrade: applied(n) says whether the new state shows the change.
// When it does not, the request may still be queued at GMO and applied
// moments later (an unchanged status proves nothing once it may have been
// sent), so the answer is StatusUnknown with ErrOutcomeUnknown: resolve it
// with Inquire, never assume nothing happened.
func (p *Provider) afterAlterError(ctx context.Context, op string, t *trade, err error, applied func(*trade) bool) (*payment.Payment, error) {
	if !isAmbiguous(err) {
		return nil, err
	}
	n, pay, rerr := p.reconcile(ctx, op, t.OrderID, t.AccessID, t.Amount, err)
	if rerr != nil {
		p.log.Warn("outcome unknown", zap.String("order_id", t.OrderID), zap.String("op", op))
		return pay, rerr
	}
	p.log.Info("reconciled", zap.String("order_id", t.OrderID), zap.String("op", op), zap.String("gmo_status", n.Status))
	if applied(n) {
		return p.toPayment(n), nil
	}
	return p.stillInFlight(op, t.OrderID, t.AccessID, t.Amount, err)
}

// Void cancels an authorization with AlterTran JobCd=VOID. Voiding a voided
// payment returns it unchanged; a captured payment must be refunded.
func (p *Provider) Void(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	const op = "void"
	if pay, err, ok := p.voidHook(ctx, ref); ok { // konbini / Pay-easy: async.go
		return pay, err
	}
	orderID, accessID, err := ParseRef(ref)
	if err != nil {
		return nil, withOp(err, op)
	}
	t, err := p.searchRef(ctx, op, orderID, accessID)
	if err != nil {
		return nil, err
	}
	switch t.Status {
	case "AUTH", "SAUTH", "CHECK":
	case "VOID":
		return p.toPayment(t), nil
	case "CAPTURE", "SALES":
		return nil, stateError(op, t.Status, "the payment is captured: use Refund")
	default:
		return nil, stateError(op, t.Status, "only an authorization can be voided")
	}
	if _, err := p.alter(ctx, op, "AlterTran", t, "VOID", 0); err != nil {
		return p.afterAlterError(ctx, op, t, err, func(n *trade) bool { return n.Status == "VOID" })
	}
	pay := p.newPayment(orderID, accessID, payment.StatusCanceled, t.Amount)
	p.log.Info("voided", zap.String("order_id", orderID))
	return pay, nil
}

// Refund returns money. The current state is read with SearchTrade first.
//
// A full refund (nil Amount, or the whole remaining captured amount) is an
// AlterTran whose JobCd depends on the date of the sale (ProcessDate, JST):
// VOID on the same day, RETURN in the same month, RETURNX after a month
// boundary. All three are reported as StatusRefunded with Refunded set to
// the amount. GMO's SearchTrade shows VOID both for a voided sale and for a
// voided authorization; the provider remembers in its in-memory cache which
// transactions were captured, so Inquire reports a voided sale as
// StatusRefunded. Without that memory (another process, evicted entry) a
// VOID reads as StatusCanceled.
//
// A partial refund is ChangeTran JobCd=CAPTURE to the remaining amount
// (StatusPartiallyRefunded); several partial refunds are allowed. GMO keeps
// only the current amount, so the original amount comes from the provider's
// in-memory cache; without it (another process), Amount is the amount
// before this refund.
//
// Refunding an authorization that was never captured fails with
// ErrInvalidRequest: use Void. A full refund repeated returns the refunded
// payment.
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (*payment.Payment, error) {
	const op = "refund"
	orderID, accessID, err := ParseRef(req.Ref)
	if err != nil {
		return nil, withOp(err, op)
	}
	var want int64
	if req.Amount != nil {
		if want, err = checkAmount(op, "Amount", *req.Amount); err != nil {
			return nil, err
		}
	}
	t, err := p.searchRef(ctx, op, orderID, accessID)
	if err != nil {
		return nil, err
	}
	switch t.Status {
	case "CAPTURE", "SALES":
	case "RETURN", "RETURNX", "VOID":
		if want == 0 {
			return p.toPayment(t), nil
		}
		return nil, stateError(op, t.Status, "nothing left to refund")
	case "AUTH", "SAUTH":
		return nil, stateError(op, t.Status, "the payment is not captured: use Void")
	default:
		return nil, stateError(op, t.Status, "only a captured payment can be refunded")
	}
	if want > t.Amount {
		return nil, payment.InvalidRequest(providerName, op, "Amount", "amount exceeds the refundable amount")
	}
	orig := t.Amount
	if e, ok := p.cache.get(accessID); ok && e.amount > orig {
		orig = e.amount
	}
	if want != 0 && want < t.Amount {
		remaining := t.Amount - want
		if _, err := p.alter(ctx, op, "ChangeTran", t, "CAPTURE", remaining); err != nil {
			return p.afterAlterError(ctx, op, t, err, func(n *trade) bool {
				return n.Amount == remaining && (n.Status == "CAPTURE" || n.Status == "SALES")
			})
		}
		pay := p.newPayment(orderID, accessID, payment.StatusPartiallyRefunded, orig)
		pay.Captured = pay.Amount
		pay.Refunded = payment.MoneyFromMinor(orig-remaining, payment.JPY)
		p.log.Info("partially refunded", zap.String("order_id", orderID), zap.Int64("amount", want))
		return pay, nil
	}
	job := refundJob(t.ProcessDate, p.opts.Clock.Now())
	if _, err := p.alter(ctx, op, "AlterTran", t, job, 0); err != nil {
		if job == "RETURN" && (hasCode(err, "E01050004") || hasCode(err, "E11010003")) {
			// The gateway disagrees about the month boundary: RETURNX is
			// the only other full refund. The first call was refused, so
			// nothing moved.
			job = "RETURNX"
			_, err = p.alter(ctx, op, "AlterTran", t, job, 0)
		}
		if err != nil {
			return p.afterAlterError(ctx, op, t, err, func(n *trade) bool {
				return n.Status == "VOID" || n.Status == "RETURN" || n.Status == "RETURNX"
			})
		}
	}
	p.log.Info("refunded", zap.String("order_id", orderID), zap.String("job", job))
	return p.refundedPayment(t, job), nil
}

func (p *Provider) refundedPayment(t *trade, job string) *payment.Payment {
	orig := t.Amount
	if e, ok := p.cache.get(t.AccessID); ok && e.amount > orig {
		orig = e.amount
	}
	pay := p.newPayment(t.OrderID, t.AccessID, payment.StatusRefunded, orig)
	pay.Captured = pay.Amount
	pay.Refunded = pay.Amount
	return pay
}

// refundJob picks VOID (same JST day as the sale), RETURN (same month) or
// RETURNX (a later month) from the sale's ProcessDate.
func refundJob(processDate string, now time.Time) string {
	d, err := time.ParseInLocation("20060102150405", processDate, jst)
	if err != nil {
		return "RETURN"
	}
	n := now.In(jst)
	switch {
	case d.Year() == n.Year() && d.YearDay() == n.YearDay():
		return "VOID"
	case d.Year() == n.Year() && d.Month() == n.Month():
		return "RETURN"
	}
	return "RETURNX"
}

// inFlight reports E82/E90: GMO is still processing another request for
// the same transaction, so an inquiry right now may not show its effect.
func inFlight(err error) bool {
	for _, c := range codesOf(err) {
		if strings.HasPrefix(c, "E82") || strings.HasPrefix(c, "E90") {
			return true
		}
	}
	return false
}

// stillInFlight reports an outcome the gateway may still be producing (the
// request may have reached GMO and SearchTrade shows no effect yet):
// StatusUnknown and ErrOutcomeUnknown, to be resolved later with Inquire.
func (p *Provider) stillInFlight(op, orderID, accessID string, amount int64, err error) (*payment.Payment, error) {
	p.log.Warn("outcome unknown", zap.String("order_id", orderID), zap.String("op", op))
	return p.newPayment(orderID, accessID, payment.StatusUnknown, amount), &payment.Error{
		Provider: providerName, Op: op, Kind: payment.ErrOutcomeUnknown,
		GatewayCode: codeOf(err), GatewayCodes: gatewayCodes(err),
		Message: "the request may have reached the gateway and the inquiry shows no effect yet; it may still be applied: resolve with Inquire later, never resend",
	}
}
