package gmo

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/kessai/payment"
)

// Konbini (convenience store) and Pay-easy: asynchronous voucher payments
// (gmo-protocol.md §4, §5). CreatePayment registers the order
// (EntryTranCvs / EntryTranPayEasy), Confirm issues the payment numbers
// (ExecTranCvs / ExecTranPayEasy) and returns StatusPending with a voucher
// NextAction; the customer pays later at the counter, ATM or net bank, and
// a result notification (PAYSUCCESS, EXPIRED, CANCEL, PAYFAIL) or an
// inquiry (SearchTradeMulti) reports the outcome.

// voucherKind describes one voucher payment type.
type voucherKind struct {
	method  payment.MethodType
	payType string // SearchTradeMulti / notification PayType
	entry   string // EntryTranCvs, EntryTranPayEasy
	exec    string // ExecTranCvs, ExecTranPayEasy
	cancel  string // CvsCancel, PayEasyCancel
	max     int64  // largest amount
	name    string // for messages
}

// MaxKonbiniAmount is the largest konbini amount the adapter sends:
// convenience stores take less than 300,000 JPY per slip [U: GMO allows 6
// digits].
const MaxKonbiniAmount = 299_999

// MaxPayEasyAmount is the largest Pay-easy amount the adapter sends: GMO's
// 6-digit limit for multi-payment amounts [L].
const MaxPayEasyAmount = 999_999

var (
	konbiniKind = &voucherKind{method: payment.MethodKonbini, payType: "3", entry: "EntryTranCvs", exec: "ExecTranCvs",
		cancel: "CvsCancel", max: MaxKonbiniAmount, name: "konbini"}
	payEasyKind = &voucherKind{method: payment.MethodPayEasy, payType: "4", entry: "EntryTranPayEasy", exec: "ExecTranPayEasy",
		cancel: "PayEasyCancel", max: MaxPayEasyAmount, name: "pay-easy"}
)

func kindOfMethod(m payment.MethodType) *voucherKind {
	switch m {
	case payment.MethodKonbini:
		return konbiniKind
	case payment.MethodPayEasy:
		return payEasyKind
	}
	return nil
}

func kindOfPayType(pt string) *voucherKind {
	switch pt {
	case "3":
		return konbiniKind
	case "4":
		return payEasyKind
	}
	return nil
}

// Konbini chain codes (ExecTranCvs Convenience) [L].
const (
	ChainLawson      = "10001"
	ChainFamilyMart  = "10002"
	ChainMinistop    = "10005"
	ChainSevenEleven = "00007"
	ChainSeicomart   = "10008"
)

// knownChains are the Convenience codes the adapter accepts, including the
// older 0000x variants.
var knownChains = map[string]bool{
	ChainLawson: true, ChainFamilyMart: true, ChainMinistop: true, ChainSevenEleven: true, ChainSeicomart: true,
	"00001": true, "00002": true, "00005": true, "00008": true,
}

// voucherRef is the PaymentRef of a voucher payment:
// "gmo:<OrderID>:<AccessID>:konbini" or "…:payeasy". The method is part of
// the ref because SearchTrade does not see voucher orders: every later call
// must know it is one, without I/O.
func voucherRef(orderID, accessID string, k *voucherKind) payment.PaymentRef {
	return payment.PaymentRef("gmo:" + orderID + ":" + accessID + ":" + string(k.method))
}

// splitVoucherRef reports whether ref is a voucher ref (ok) and, if so,
// parses it; err is set for a voucher ref that is malformed.
func splitVoucherRef(ref payment.PaymentRef) (orderID, accessID string, k *voucherKind, ok bool, err error) {
	k, i := voucherKindOfRef(ref)
	if k == nil {
		return "", "", nil, false, nil
	}
	orderID, accessID, err = ParseRef(ref[:i])
	return orderID, accessID, k, true, err
}

// voucherKindOfRef returns the kind a voucher ref names and the index of
// its ":<method>" suffix, or nil for any other ref. It only looks at the
// prefix and the suffix: ParseRef asks it, so it must not parse.
func voucherKindOfRef(ref payment.PaymentRef) (*voucherKind, int) {
	s := string(ref)
	if !strings.HasPrefix(s, "gmo:") {
		return nil, 0
	}
	i := strings.LastIndexByte(s, ':')
	return kindOfMethod(payment.MethodType(s[i+1:])), i
}

// isVoucherRef reports whether ref names a konbini or Pay-easy payment
// (well-formed or not).
func isVoucherRef(ref payment.PaymentRef) bool {
	k, _ := voucherKindOfRef(ref)
	return k != nil
}

// --- CreatePayment ----------------------------------------------------------

// createVoucher registers a konbini or Pay-easy order (EntryTranCvs,
// EntryTranPayEasy). req has passed req.Validate.
func (p *Provider) createVoucher(ctx context.Context, req payment.CreatePaymentRequest, k *voucherKind) (*payment.Payment, error) {
	const op = "create"
	if req.Capture == payment.CaptureManual {
		return nil, payment.InvalidRequest(providerName, op, "Capture",
			k.name+" payments are captured when the customer pays; manual capture does not apply")
	}
	amount, err := checkAmount(op, "Amount", req.Amount)
	if err != nil {
		return nil, err
	}
	if amount > k.max {
		return nil, payment.InvalidRequest(providerName, op, "Amount", k.name+" amounts are at most "+itoa(k.max)+" JPY")
	}
	if err := checkOrderID(req.OrderID); err != nil {
		return nil, err
	}
	var f form
	f.add("ShopID", p.cfg.ShopID)
	f.addSecret("ShopPass", p.cfg.ShopPass)
	f.add("OrderID", req.OrderID)
	f.add("Amount", itoa(amount))
	var info callInfo
	r, err := p.call(ctx, op, k.entry, &f, true, &info)
	var accessID string
	var accessPass payment.Secret
	switch {
	case err == nil:
		accessID, accessPass = r.get("AccessID"), payment.NewSecret(r.get("AccessPass"))
		if !isLowerHex32(accessID) || !isLowerHex32(accessPass.Reveal()) {
			return nil, &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrUnavailable,
				Message: strings.ToLower(k.entry) + " reply has no valid AccessID/AccessPass"}
		}
	case hasCode(err, "E01040010") && info.writes.Load() > 1:
		// Our own resend hit the order the first attempt created.
		t, serr := p.searchTradeMulti(ctx, op, req.OrderID, k)
		if serr != nil {
			return nil, serr
		}
		if t.Status != "UNPROCESSED" || t.Amount != amount {
			return nil, err
		}
		accessID, accessPass = t.AccessID, t.AccessPass
	default:
		return nil, err
	}
	p.cache.put(accessID, entry{orderID: req.OrderID, accessPass: accessPass, amount: amount})
	if ce := p.log.Check(zap.DebugLevel, "created"); ce != nil {
		ce.Write(zap.String("order_id", req.OrderID), zap.String("access_id", accessID), zap.Int64("amount", amount),
			zap.String("method", string(k.method)))
	}
	pay := p.newPayment(req.OrderID, accessID, payment.StatusPending, amount)
	pay.Ref = voucherRef(req.OrderID, accessID, k)
	return pay, nil
}

// --- Confirm ----------------------------------------------------------------

// confirmHook handles Confirm for voucher refs, and voucher methods on card
// refs. ok is false when the card path should handle the request.
func (p *Provider) confirmHook(ctx context.Context, req payment.ConfirmRequest, o ExecOptions) (pay *payment.Payment, err error, ok bool) {
	const op = "confirm"
	orderID, accessID, k, isVoucher, err := splitVoucherRef(req.Ref)
	if !isVoucher {
		if m := req.Method; m != nil && (m.Konbini != nil || m.PayEasy != nil) {
			return nil, payment.InvalidRequest(providerName, op, "Method",
				"this payment was created as a card payment; create it with MethodType konbini or payeasy"), true
		}
		return nil, nil, false
	}
	if err != nil {
		return nil, withOp(err, op), true
	}
	switch {
	case req.Return != nil:
		return nil, payment.InvalidRequest(providerName, op, "Return", k.name+" payments have no browser redirect"), true
	case req.Method == nil:
		pay, err = p.inquireVoucher(ctx, op, orderID, accessID, k)
		return pay, err, true
	}
	pay, err = p.execVoucher(ctx, orderID, accessID, k, req.Method, o)
	return pay, err, true
}

// voucherForm validates the method's customer fields and returns them as
// the method-specific part of ExecTranCvs / ExecTranPayEasy.
func voucherForm(k *voucherKind, m *payment.PaymentMethod, o ExecOptions) (*form, error) {
	const op = "confirm"
	n := 0
	for _, set := range []bool{!m.CardToken.IsZero(), m.StoredCard != nil, m.Konbini != nil, m.PayEasy != nil, m.Installments != nil} {
		if set {
			n++
		}
	}
	var (
		name, kana, phone, email, cName, cPhone, cHours string
		days                                            int
		lines                                           []string
		prefix                                          string
	)
	switch {
	case k == konbiniKind && m.Konbini != nil && n == 1:
		c := m.Konbini
		prefix = "Method.Konbini."
		if c.Chain == "" {
			return nil, payment.InvalidRequest(providerName, op, prefix+"Chain", "required (e.g. gmo.ChainLawson)")
		}
		if !knownChains[c.Chain] {
			return nil, payment.InvalidRequest(providerName, op, prefix+"Chain", "unknown convenience store code")
		}
		name, kana, phone, email, days, lines = c.CustomerName, c.CustomerKana, c.Phone, c.Email, c.DeadlineDays, c.ReceiptLines
		cName, cPhone, cHours = c.ContactName, c.ContactPhone, c.ContactHours
	case k == payEasyKind && m.PayEasy != nil && n == 1:
		c := m.PayEasy
		prefix = "Method.PayEasy."
		name, kana, phone, email, days = c.CustomerName, c.CustomerKana, c.Phone, c.Email, c.DeadlineDays
		cName, cPhone, cHours = c.ContactName, c.ContactPhone, c.ContactHours
	case k == konbiniKind:
		return nil, payment.InvalidRequest(providerName, op, "Method", "a konbini payment needs Method.Konbini and nothing else")
	default:
		return nil, payment.InvalidRequest(providerName, op, "Method", "a pay-easy payment needs Method.PayEasy and nothing else")
	}
	if !m.SecurityCode.IsZero() {
		return nil, payment.InvalidRequest(providerName, op, "Method.SecurityCode", "not used by "+k.name+" payments")
	}
	name, err := fullWidthText(op, prefix+"CustomerName", name, 40, false)
	if err != nil {
		return nil, err
	}
	if kana, err = fullWidthText(op, prefix+"CustomerKana", kana, 40, true); err != nil {
		return nil, err
	}
	if phone, err = phoneNumber(op, prefix+"Phone", phone, 13, true); err != nil {
		return nil, err
	}
	if email, err = emailAddress(op, prefix+"Email", email); err != nil {
		return nil, err
	}
	if days < 0 || days > 60 {
		return nil, payment.InvalidRequest(providerName, op, prefix+"DeadlineDays", "0 (the gateway's default) or 1 to 60 days")
	}
	if len(lines) > 10 {
		return nil, payment.InvalidRequest(providerName, op, prefix+"ReceiptLines", "at most 10 lines")
	}
	for i, l := range lines {
		if err := cp932Text(op, prefix+"ReceiptLines["+itoa(int64(i))+"]", l, 60, false); err != nil {
			return nil, err
		}
	}
	if err := cp932Text(op, prefix+"ContactName", strings.TrimSpace(cName), 42, true); err != nil {
		return nil, err
	}
	if cPhone, err = phoneNumber(op, prefix+"ContactPhone", cPhone, 12, true); err != nil {
		return nil, err
	}
	if cHours, err = contactHours(op, prefix+"ContactHours", cHours); err != nil {
		return nil, err
	}
	f := &form{buf: make([]byte, 0, 512)}
	if k == konbiniKind {
		f.add("Convenience", m.Konbini.Chain)
	}
	f.add("CustomerName", name)
	f.add("CustomerKana", kana)
	f.add("TelNo", phone)
	if days > 0 {
		f.add("PaymentTermDay", itoa(int64(days)))
	}
	f.add("MailAddress", email)
	for i, l := range lines {
		f.add("ReceiptsDisp"+itoa(int64(i+1)), l)
	}
	f.add("ReceiptsDisp11", strings.TrimSpace(cName))
	f.add("ReceiptsDisp12", cPhone)
	f.add("ReceiptsDisp13", cHours)
	flag := false
	for i, v := range o.ClientFields {
		fn := clientFieldNames[i]
		if err := cp932Text(op, fn, v, 100, false); err != nil {
			return nil, err
		}
		f.add(fn, v)
		flag = flag || v != ""
	}
	if flag {
		f.add("ClientFieldFlag", "1")
	}
	if f.err != nil {
		return nil, withOp(f.err, op)
	}
	return f, nil
}

// knownVoucher returns the AccessPass of a voucher order: from the cache,
// or with SearchTradeMulti (t non-nil then).
func (p *Provider) knownVoucher(ctx context.Context, op, orderID, accessID string, k *voucherKind) (entry, *multiTrade, error) {
	if e, ok := p.cache.get(accessID); ok && e.orderID == orderID && !e.accessPass.IsZero() {
		return e, nil, nil
	}
	t, err := p.searchVoucher(ctx, op, orderID, accessID, k)
	if err != nil {
		return entry{}, nil, err
	}
	return entry{orderID: orderID, accessPass: t.AccessPass, amount: t.Amount}, t, nil
}

// execVoucher issues the payment numbers (ExecTranCvs / ExecTranPayEasy).
// It is sent once: an ambiguous answer is resolved with SearchTradeMulti,
// never by resending.
func (p *Provider) execVoucher(ctx context.Context, orderID, accessID string, k *voucherKind, m *payment.PaymentMethod, o ExecOptions) (*payment.Payment, error) {
	const op = "confirm"
	fields, err := voucherForm(k, m, o)
	if err != nil {
		return nil, err
	}
	e, t, err := p.knownVoucher(ctx, op, orderID, accessID, k)
	if err != nil {
		return nil, err
	}
	if t != nil && t.Status != "UNPROCESSED" {
		return p.voucherPayment(t, k), nil // issued before: report, never twice
	}
	f := form{buf: make([]byte, 0, 160+len(fields.buf))}
	f.add("AccessID", accessID)
	f.addSecret("AccessPass", e.accessPass)
	f.add("OrderID", orderID)
	f.buf = append(append(f.buf, '&'), fields.buf...)
	r, err := p.call(ctx, op, k.exec, &f, false, nil)
	if err != nil {
		return p.afterVoucherError(ctx, op, orderID, accessID, k, e.amount, err)
	}
	v, ok := parseVoucherReply(r, k)
	if !ok || r.get("OrderID") != orderID {
		cause := &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrOutcomeUnknown,
			Message: strings.ToLower(k.exec) + " reply without the payment numbers"}
		return p.afterVoucherError(ctx, op, orderID, accessID, k, e.amount, cause)
	}
	if !verifyVoucherCheckString(r, k, p.cfg.ShopPass) {
		p.log.Warn("checkstring mismatch", zap.String("order_id", orderID), zap.String("op", op))
		serr := &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrInvalidSignature,
			Message: "CheckString of the gateway reply does not verify; the payment below is the gateway's state read with SearchTradeMulti"}
		t, err := p.searchVoucher(ctx, op, orderID, accessID, k)
		if err != nil {
			serr.Message = "CheckString of the gateway reply does not verify and the inquiry failed; resolve with Inquire"
			return nil, serr
		}
		return p.voucherPayment(t, k), serr
	}
	pay := p.newPayment(orderID, accessID, payment.StatusPending, e.amount)
	pay.Ref = voucherRef(orderID, accessID, k)
	pay.NextAction = &payment.NextAction{Type: payment.NextActionVoucher, Voucher: v}
	if ce := p.log.Check(zap.InfoLevel, "voucher issued"); ce != nil {
		ce.Write(zap.String("order_id", orderID), zap.String("method", string(k.method)), zap.Int64("amount", e.amount),
			zap.Time("deadline", v.Deadline))
	}
	return pay, nil
}

// parseVoucherReply reads the payment numbers of an ExecTranCvs /
// ExecTranPayEasy reply. ok is false when a number the customer needs is
// missing.
func parseVoucherReply(r response, k *voucherKind) (*payment.Voucher, bool) {
	v := &payment.Voucher{Method: k.method, ConfirmationNumber: r.get("ConfNo")}
	v.Deadline, _ = parseJST(r.get("PaymentTerm"))
	if k == konbiniKind {
		v.Chain, v.ReceiptNumber = r.get("Convenience"), r.get("ReceiptNo")
		if u := r.get("ReceiptUrl"); validRedirect(u) {
			v.ReceiptURL = u
		}
		return v, v.Chain != "" && v.ReceiptNumber != "" && !v.Deadline.IsZero()
	}
	v.CustomerCode, v.BankCode, v.ReceiptNumber = r.get("CustID"), r.get("BkCode"), r.get("EncryptReceiptNo")
	return v, v.ConfirmationNumber != "" && v.CustomerCode != "" && v.BankCode != "" && !v.Deadline.IsZero()
}

// verifyVoucherCheckString compares the CheckString of a voucher reply in
// constant time: MD5 of OrderID+Convenience+ConfNo+ReceiptNo+PaymentTerm+
// TranDate+ShopPass for konbini [L], and of OrderID+CustID+BkCode+ConfNo+
// EncryptReceiptNo+PaymentTerm+TranDate+ShopPass for Pay-easy [U].
func verifyVoucherCheckString(r response, k *voucherKind, shopPass payment.Secret) bool {
	var want [32]byte
	if k == konbiniKind {
		checkString(&want, shopPass.Reveal(), r.get("OrderID"), r.get("Convenience"), r.get("ConfNo"),
			r.get("ReceiptNo"), r.get("PaymentTerm"), r.get("TranDate"))
	} else {
		checkString(&want, shopPass.Reveal(), r.get("OrderID"), r.get("CustID"), r.get("BkCode"), r.get("ConfNo"),
			r.get("EncryptReceiptNo"), r.get("PaymentTerm"), r.get("TranDate"))
	}
	return checkStringMatches(r, &want)
}

// afterVoucherError resolves a failed ExecTranCvs / ExecTranPayEasy:
// ambiguous failures and E11010001 (already issued) with SearchTradeMulti.
func (p *Provider) afterVoucherError(ctx context.Context, op, orderID, accessID string, k *voucherKind, amount int64, err error) (*payment.Payment, error) {
	switch {
	case isAmbiguous(err):
		t, serr := p.searchVoucher(ctx, op, orderID, accessID, k)
		if serr != nil {
			p.log.Warn("outcome unknown", zap.String("order_id", orderID), zap.String("op", op))
			return p.unknownVoucher(ctx, op, orderID, accessID, k, amount, err, serr)
		}
		p.log.Info("reconciled", zap.String("order_id", orderID), zap.String("op", op), zap.String("gmo_status", t.Status))
		if t.Status != "UNPROCESSED" {
			return p.voucherPayment(t, k), nil
		}
		// Not issued yet, which is not "not issued": the request may still
		// be applied. Inquire later; Confirm again only once Inquire shows
		// no voucher after the request can no longer arrive.
		pay, e := p.stillInFlight(op, orderID, accessID, amount, err)
		pay.Ref = voucherRef(orderID, accessID, k)
		return pay, e
	case hasCode(err, "E11010001"):
		t, serr := p.searchVoucher(ctx, op, orderID, accessID, k)
		if serr != nil || t.Status == "UNPROCESSED" {
			return nil, err
		}
		return p.voucherPayment(t, k), nil
	}
	return nil, err
}

// unknownVoucher is the StatusUnknown answer when even the inquiry failed.
func (p *Provider) unknownVoucher(ctx context.Context, op, orderID, accessID string, k *voucherKind, amount int64, cause, serr error) (*payment.Payment, error) {
	pay := p.newPayment(orderID, accessID, payment.StatusUnknown, amount)
	pay.Ref = voucherRef(orderID, accessID, k)
	e := &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrOutcomeUnknown, GatewayCode: codeOf(cause), GatewayCodes: gatewayCodes(cause),
		Message: "the gateway may have processed the request and the inquiry failed; resolve with Inquire, never resend"}
	if ctx.Err() != nil {
		e.Err = ctx.Err()
	} else {
		e.Err = errors.New("inquiry failed: " + kindName(serr))
	}
	return pay, e
}

// --- SearchTradeMulti -------------------------------------------------------

// multiTrade is SearchTradeMulti's view of a voucher order.
// Only the fields the adapter reads are kept; ErrInfo comes from a
// notification, never from the inquiry.
type multiTrade struct {
	OrderID, Status, AccessID string
	AccessPass                payment.Secret
	Amount                    int64
	PayType                   string
	CvsCode, CvsConfNo        string
	CvsReceiptNo              string
	CustID, BkCode, ConfNo    string
	EncryptReceiptNo          string
	PaymentTerm               string
	ErrInfo                   string
}

// searchTradeMulti reads a voucher order (SearchTradeMulti with PayType).
// It moves no money. An unknown order (M01004002) fails with ErrNotFound.
func (p *Provider) searchTradeMulti(ctx context.Context, op, orderID string, k *voucherKind) (*multiTrade, error) {
	var f form
	f.add("ShopID", p.cfg.ShopID)
	f.addSecret("ShopPass", p.cfg.ShopPass)
	f.add("OrderID", orderID)
	f.add("PayType", k.payType)
	r, err := p.call(ctx, op, "SearchTradeMulti", &f, true, nil)
	if err != nil {
		if hasCode(err, "M01004002") {
			if pe := asError(err); pe != nil {
				cp := *pe
				cp.Kind = payment.ErrNotFound
				cp.Message = "the gateway knows no " + k.name + " order " + orderID
				return nil, &cp
			}
		}
		return nil, err
	}
	t := &multiTrade{
		OrderID: r.get("OrderID"), Status: r.get("Status"), AccessID: r.get("AccessID"),
		AccessPass: payment.NewSecret(r.get("AccessPass")), PayType: r.get("PayType"),
		CvsCode: r.get("CvsCode"), CvsConfNo: r.get("CvsConfNo"), CvsReceiptNo: r.get("CvsReceiptNo"),
		CustID: r.get("CustID"), BkCode: r.get("BkCode"), ConfNo: r.get("ConfNo"), EncryptReceiptNo: r.get("EncryptReceiptNo"),
		PaymentTerm: r.get("PaymentTerm"),
	}
	bad := func(msg string) error {
		return &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrUnavailable, RetrySafe: true, Message: "searchtrademulti: " + msg}
	}
	switch {
	case t.OrderID != orderID:
		return nil, bad("reply is for another order")
	case t.PayType != "" && t.PayType != k.payType:
		return nil, bad("reply is for another payment type")
	case !isLowerHex32(t.AccessID) || !isLowerHex32(t.AccessPass.Reveal()):
		return nil, bad("reply has no valid AccessID/AccessPass")
	}
	if t.Amount, err = parseAmount(r.get("Amount")); err != nil {
		return nil, bad("reply has an invalid Amount")
	}
	return t, nil
}

// searchVoucher reads the order and checks it belongs to the ref.
func (p *Provider) searchVoucher(ctx context.Context, op, orderID, accessID string, k *voucherKind) (*multiTrade, error) {
	t, err := p.searchTradeMulti(ctx, op, orderID, k)
	if err != nil {
		return nil, err
	}
	if t.AccessID != accessID {
		return nil, &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrNotFound,
			Message: "the order's transaction has another access id than the payment reference"}
	}
	p.cache.put(accessID, entry{orderID: orderID, accessPass: t.AccessPass, amount: t.Amount})
	return t, nil
}

// voucherPayment builds the Payment of a voucher order. A REQSUCCESS order
// carries the voucher (without ReceiptURL, which only ExecTranCvs returns).
func (p *Provider) voucherPayment(t *multiTrade, k *voucherKind) *payment.Payment {
	st := StatusOf(t.Status)
	pay := p.newPayment(t.OrderID, t.AccessID, st, t.Amount)
	pay.Ref = voucherRef(t.OrderID, t.AccessID, k)
	if st == payment.StatusCaptured {
		pay.Captured = pay.Amount
	}
	if t.Status == "REQSUCCESS" {
		v := &payment.Voucher{Method: k.method}
		v.Deadline, _ = parseJST(t.PaymentTerm)
		if k == konbiniKind {
			v.Chain, v.ConfirmationNumber, v.ReceiptNumber = t.CvsCode, t.CvsConfNo, t.CvsReceiptNo
		} else {
			v.CustomerCode, v.BankCode, v.ConfirmationNumber, v.ReceiptNumber = t.CustID, t.BkCode, t.ConfNo, t.EncryptReceiptNo
		}
		pay.NextAction = &payment.NextAction{Type: payment.NextActionVoucher, Voucher: v}
	}
	if t.ErrInfo != "" {
		pay.GatewayCode = strings.SplitN(t.ErrInfo, "|", 2)[0]
	}
	return pay
}

// parseJST parses GMO's yyyyMMddHHmmss in Japan time.
func parseJST(s string) (time.Time, error) {
	if len(s) != 14 || !isDigits(s) {
		return time.Time{}, errMalformed
	}
	return time.ParseInLocation("20060102150405", s, jst)
}

// inquireVoucher is Inquire for a voucher ref.
func (p *Provider) inquireVoucher(ctx context.Context, op, orderID, accessID string, k *voucherKind) (*payment.Payment, error) {
	t, err := p.searchVoucher(ctx, op, orderID, accessID, k)
	if err != nil {
		return nil, err
	}
	return p.voucherPayment(t, k), nil
}

// inquireHook handles Inquire for voucher refs; ok is false for card refs.
func (p *Provider) inquireHook(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error, bool) {
	orderID, accessID, k, ok, err := splitVoucherRef(ref)
	if !ok {
		return nil, nil, false
	}
	if err != nil {
		return nil, withOp(err, "inquire"), true
	}
	pay, err := p.inquireVoucher(ctx, "inquire", orderID, accessID, k)
	return pay, err, true
}

// --- Void -------------------------------------------------------------------

// voidHook cancels a voucher payment (CvsCancel / PayEasyCancel); ok is
// false for card refs.
func (p *Provider) voidHook(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error, bool) {
	const op = "void"
	orderID, accessID, k, ok, err := splitVoucherRef(ref)
	if !ok {
		return nil, nil, false
	}
	if err != nil {
		return nil, withOp(err, op), true
	}
	pay, err := p.cancelVoucher(ctx, op, orderID, accessID, k)
	return pay, err, true
}

func (p *Provider) cancelVoucher(ctx context.Context, op, orderID, accessID string, k *voucherKind) (*payment.Payment, error) {
	t, err := p.searchVoucher(ctx, op, orderID, accessID, k)
	if err != nil {
		return nil, err
	}
	switch t.Status {
	case "REQSUCCESS":
	case "CANCEL":
		return p.voucherPayment(t, k), nil // canceled before: nothing to do
	case "UNPROCESSED":
		return nil, stateError(op, t.Status, "no payment numbers were issued yet: there is nothing to cancel at the gateway")
	case "PAYSUCCESS":
		return nil, stateError(op, t.Status, "the customer has paid; GMO has no refund for "+k.name+" payments")
	default:
		return nil, stateError(op, t.Status, "only an unpaid "+k.name+" payment can be canceled")
	}
	var f form
	f.add("ShopID", p.cfg.ShopID)
	f.addSecret("ShopPass", p.cfg.ShopPass)
	f.add("AccessID", accessID)
	f.addSecret("AccessPass", t.AccessPass)
	f.add("OrderID", orderID)
	r, err := p.call(ctx, op, k.cancel, &f, false, nil)
	if err == nil && (r.get("OrderID") != orderID || r.get("Status") != "CANCEL") {
		err = &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrOutcomeUnknown,
			Message: strings.ToLower(k.cancel) + " reply does not confirm the cancellation"}
	}
	if err != nil {
		if !isAmbiguous(err) && !hasCode(err, "E11010003") && !hasCode(err, "E01050004") {
			return nil, err
		}
		// Ambiguous, or refused because the state changed meanwhile (paid,
		// expired): the gateway's state tells.
		n, serr := p.searchVoucher(ctx, op, orderID, accessID, k)
		switch {
		case serr != nil && isAmbiguous(err):
			return p.unknownVoucher(ctx, op, orderID, accessID, k, t.Amount, err, serr)
		case serr != nil:
			return nil, err
		case n.Status == "CANCEL":
			return p.voucherPayment(n, k), nil
		case n.Status == "REQSUCCESS" && isAmbiguous(err):
			// Unchanged so far; the cancel may still be applied.
			pay, e := p.stillInFlight(op, orderID, accessID, t.Amount, err)
			pay.Ref = voucherRef(orderID, accessID, k)
			return pay, e
		}
		return p.voucherPayment(n, k), err
	}
	p.log.Info("voucher canceled", zap.String("order_id", orderID), zap.String("method", string(k.method)))
	pay := p.newPayment(orderID, accessID, payment.StatusCanceled, t.Amount)
	pay.Ref = voucherRef(orderID, accessID, k)
	return pay, nil
}

// --- Notifications ----------------------------------------------------------

// voucherNotification verifies a konbini / Pay-easy result notification
// (PayType 3 or 4) with SearchTradeMulti, as HandleNotification does for
// cards with SearchTrade. out already carries the replies.
func (p *Provider) voucherNotification(ctx context.Context, n *ResultNotification, out *payment.Notification, k *voucherKind) (*payment.Notification, error) {
	const op = "notification"
	if err := p.screenNotification(n, out, voucherRef(n.OrderID, n.AccessID, k)); err != nil {
		return out, err
	}
	if p.cfg.SkipNotificationVerification {
		amount, _ := parseAmount(n.Amount)
		t := &multiTrade{OrderID: n.OrderID, Status: n.Status, AccessID: n.AccessID, Amount: amount,
			CvsCode: n.CvsCode, CvsConfNo: n.CvsConfNo, CvsReceiptNo: n.CvsReceiptNo, CustID: n.CustID, BkCode: n.BkCode,
			ConfNo: n.ConfNo, EncryptReceiptNo: n.EncryptReceiptNo, PaymentTerm: n.PaymentTerm, ErrInfo: n.ErrInfo}
		pay := p.voucherPayment(t, k)
		if n.ErrInfo != "" && (pay.Status == payment.StatusUnknown || pay.Status == payment.StatusPending) {
			pay.Status, pay.NextAction = payment.StatusFailed, nil
		}
		out.Status, out.Payment = pay.Status, pay
		return out, nil
	}
	t, err := p.searchTradeMulti(ctx, op, n.OrderID, k)
	if err != nil {
		return out, notificationInquiryError(err)
	}
	if err := matchNotification(n, t.AccessID, t.Status, t.Amount); err != nil {
		return out, err
	}
	if n.Status == t.Status {
		t.ErrInfo = n.ErrInfo
	}
	p.cache.put(t.AccessID, entry{orderID: t.OrderID, accessPass: t.AccessPass, amount: t.Amount})
	pay := p.voucherPayment(t, k)
	out.Status, out.Payment, out.Verified = pay.Status, pay, true
	p.log.Info("notification", zap.String("order_id", n.OrderID), zap.String("gmo_status", t.Status), zap.String("status", pay.Status.String()))
	return out, nil
}

// --- Reconciliation ---------------------------------------------------------

// PendingResult is the outcome of reconciling one pending payment.
type PendingResult struct {
	// Ref is the reconciled reference.
	Ref payment.PaymentRef
	// Payment is the gateway's current view (nil when Err is set).
	Payment *payment.Payment
	// Settled reports that the payment left StatusPending at the gateway
	// (paid, expired, canceled, failed): a notification was missed or is
	// still on its way. Apply Payment.Status as if a notification had come.
	Settled bool
	// Overdue reports that the payment is still pending at the gateway
	// although its voucher deadline has passed on the provider's clock.
	// GMO expires such vouchers itself; do not ship, inquire again later.
	Overdue bool
	// Err is the inquiry's error (ErrNotFound for a ref the gateway does
	// not know, ErrUnavailable when it could not be asked).
	Err error
}

// ReconcilePending asks the gateway about payments the application still
// holds as pending, typically konbini and Pay-easy vouchers whose result
// notification never arrived (GMO gives up after 5 resends). Run it
// periodically over the pending refs of the last 60 days or so.
//
// It moves no money: it only inquires (SearchTradeMulti for voucher refs,
// SearchTrade for card refs), one ref after the other, and returns one
// result per ref, in order. When ctx ends, the refs not yet inquired get
// an error matching ctx.Err() and ErrUnavailable.
func (p *Provider) ReconcilePending(ctx context.Context, refs []payment.PaymentRef) []PendingResult {
	out := make([]PendingResult, len(refs))
	now := p.opts.Clock.Now()
	for i, ref := range refs {
		out[i].Ref = ref
		if err := ctx.Err(); err != nil {
			out[i].Err = &payment.Error{Provider: providerName, Op: "reconcile", Kind: payment.ErrUnavailable, RetrySafe: true,
				Message: "not inquired: the context ended", Err: err}
			continue
		}
		pay, err := p.Inquire(ctx, ref)
		if err != nil {
			out[i].Err = err
			continue
		}
		out[i].Payment = pay
		out[i].Settled = pay.Status != payment.StatusPending && pay.Status != payment.StatusRequiresAction
		if pay.Status == payment.StatusPending && pay.NextAction != nil && pay.NextAction.Voucher != nil {
			d := pay.NextAction.Voucher.Deadline
			out[i].Overdue = !d.IsZero() && now.After(d)
		}
	}
	settled := 0
	for _, r := range out {
		if r.Settled {
			settled++
		}
	}
	p.log.Info("reconciled pending payments", zap.Int("refs", len(refs)), zap.Int("settled", settled))
	return out
}
