package gmo

import (
	"context"
	"net/url"

	"go.uber.org/zap"

	"github.com/kessai/payment"
)

// checkAmount enforces JPY, a positive integer and GMO's 7-digit limit.
func checkAmount(op, field string, m payment.Money) (int64, error) {
	if m.Currency().Code != payment.JPY.Code {
		return 0, payment.InvalidRequest(providerName, op, field, "gmo accepts JPY only, got "+m.Currency().Code)
	}
	if !m.IsPositive() {
		return 0, payment.InvalidRequest(providerName, op, field, "amount must be positive")
	}
	if !m.Amount().IsInteger() {
		return 0, payment.InvalidRequest(providerName, op, field, "JPY amounts are whole yen")
	}
	n := m.MinorUnits()
	if n > MaxAmount {
		return 0, payment.InvalidRequest(providerName, op, field, "amount exceeds GMO's 7-digit limit (9999999)")
	}
	return n, nil
}

func checkReturnURL(op, field, u string) error {
	if u == "" {
		return nil
	}
	if len(u) > 2048 {
		return payment.InvalidRequest(providerName, op, field, "return url is too long")
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
		return payment.InvalidRequest(providerName, op, field, "return url must be an absolute http(s) url")
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= ' ' || u[i] >= 0x7F {
			return payment.InvalidRequest(providerName, op, field, "return url must be printable ASCII")
		}
	}
	return nil
}

// CreatePayment registers the transaction with EntryTran (JobCd AUTH for
// manual capture, CAPTURE for automatic; TdFlag from Config, default 2).
// It moves no money and returns StatusPending with a PaymentRef
// "gmo:<OrderID>:<AccessID>".
//
// EntryTran is sent as idempotent, so the client may resend it after a
// timeout. CreatePayment itself is idempotent for a registered order that
// has not been executed: when EntryTran answers E01040010 (duplicate
// OrderID) — a resend of this very call after the first attempt landed, or
// the application's own retry after an earlier CreatePayment failed with a
// retry-safe error although GMO had registered the order — the
// AccessID/AccessPass are recovered with SearchTrade and the original
// pending payment is returned, provided the order is still UNPROCESSED with
// the same JobCd and amount. Any other order under that OrderID (executed,
// or registered with another amount or capture mode) fails with
// payment.ErrDuplicate and GMO's code E01040010.
func (p *Provider) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	const op = "create"
	if err := req.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	switch req.MethodType {
	case "", payment.MethodCard:
	case payment.MethodKonbini, payment.MethodPayEasy:
		return p.createVoucher(ctx, req, kindOfMethod(req.MethodType)) // async.go
	default:
		return nil, payment.Unsupported(providerName, op, "only card payments are supported ("+string(req.MethodType)+" is not)")
	}
	amount, err := checkAmount(op, "Amount", req.Amount)
	if err != nil {
		return nil, err
	}
	if err := checkOrderID(req.OrderID); err != nil {
		return nil, err
	}
	if err := checkReturnURL(op, "ReturnURL", req.ReturnURL); err != nil {
		return nil, err
	}
	job := "CAPTURE"
	if req.Capture == payment.CaptureManual {
		job = "AUTH"
	}
	var f form
	f.buf = make([]byte, 0, 256)
	f.add("ShopID", p.cfg.ShopID)
	f.addSecret("ShopPass", p.cfg.ShopPass)
	f.add("OrderID", req.OrderID)
	f.add("JobCd", job)
	f.add("Amount", itoa(amount))
	f.add("TdFlag", p.tdFlag)
	f.add("TdTenantName", p.tenant)
	f.add("Tds2Type", string(p.cfg.Tds2Type))
	var info callInfo
	r, err := p.call(ctx, op, "EntryTran", &f, true, &info)
	var accessID string
	var accessPass payment.Secret
	switch {
	case err == nil:
		accessID, accessPass = r.get("AccessID"), payment.NewSecret(r.get("AccessPass"))
		if !isLowerHex32(accessID) || !isLowerHex32(accessPass.Reveal()) {
			return nil, &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrUnavailable, RetrySafe: false,
				Message: "entrytran reply has no valid AccessID/AccessPass"}
		}
	case hasCode(err, "E01040010"):
		// Our own resend hit the transaction the first attempt created, or
		// the application retries a CreatePayment whose earlier attempts all
		// failed after GMO had registered the order (a chaos-run finding):
		// the same unexecuted order is the original payment.
		t, serr := p.searchTrade(ctx, op, req.OrderID)
		if serr != nil {
			return nil, serr
		}
		if t.Status != "UNPROCESSED" || t.JobCd != job || t.Amount != amount {
			return nil, err // someone else's order: a genuine duplicate
		}
		accessID, accessPass = t.AccessID, t.AccessPass
	default:
		return nil, err
	}
	p.cache.put(accessID, entry{orderID: req.OrderID, accessPass: accessPass, jobCd: job, amount: amount, returnURL: req.ReturnURL})
	if ce := p.log.Check(zap.DebugLevel, "created"); ce != nil {
		ce.Write(zap.String("order_id", req.OrderID), zap.String("access_id", accessID), zap.Int64("amount", amount), zap.String("job", job))
	}
	return p.newPayment(req.OrderID, accessID, payment.StatusPending, amount), nil
}
