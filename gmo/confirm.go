package gmo

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/kessai/payment"
)

// Confirm executes or verifies a payment.
//
//   - With Method: ExecTran with the card token or the stored card
//     (MemberID = StoredCard.CustomerID, CardSeq = StoredCard.CardID, site
//     credentials from Config). ACS=0 gives StatusAuthorized (manual
//     capture) or StatusCaptured; ACS=2 gives StatusRequiresAction with a
//     GET redirect to GMO's RedirectUrl; ACS=1 (3-D Secure 1.0) a POST
//     form to ACSUrl with PaReq, TermUrl and MD.
//   - With Return (the browser came back to the ReturnURL after 3-D
//     Secure): SecureTran2 (SecureTran when the browser brought PaRes). The
//     browser's values are hints: an AccessID or MD that differs from the
//     ref fails with ErrInvalidRequest before any I/O.
//   - With neither: the current state (SearchTrade).
//
// The 3-D Secure RetUrl is ConfirmRequest.ReturnURL, or the
// CreatePaymentRequest.ReturnURL this provider remembered in its in-memory
// cache. When neither is available and 3-D Secure is on, Confirm fails with
// ErrInvalidRequest (field ReturnURL) before any I/O: pass ReturnURL on
// Confirm when CreatePayment ran in another process.
//
// Every CheckString is verified in constant time. A mismatch fails with
// ErrInvalidSignature; because money may have moved, Confirm then reads the
// gateway's state with SearchTrade and returns it as the *Payment next to
// the error (nil when the inquiry failed too). Never ship on that payment
// without checking the error.
//
// An ambiguous outcome (timeout or cut connection after sending, HTTP 5xx,
// an HTML page, E82/E90/E91/42C) is never resent: Confirm asks SearchTrade.
// An executed order is reported as it stands. An order that shows no change
// yet is StatusUnknown with an ErrOutcomeUnknown error, because the request
// may still be applied moments later: resolve it with Inquire (the same
// when SearchTrade fails too; the error then also matches ctx.Err() when
// the context ended). An ExecTran whose reply was lost while GMO started
// 3-D Secure (SearchTrade shows AUTHENTICATED) lost the customer's
// redirect for good: Confirm fails with ErrDeclined matching
// [ErrRedirectLost] and a nil payment; no money moved, and the payment
// must be created again with a new order id. Confirming an order that was
// already executed answers the existing state without charging again.
func (p *Provider) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	return p.ConfirmWithOptions(ctx, req, ExecOptions{})
}

// ExecOptions are ExecTran settings the common API has no field for.
type ExecOptions struct {
	// ClientFields are GMO's merchant free fields ClientField1..3, stored
	// with the transaction (SearchTrade and the console show them). At most
	// 100 characters each [U: GMO may count bytes]; text is sent as cp932
	// with the look-alike mapping, and characters cp932 cannot carry fail
	// with ErrInvalidRequest naming the field.
	ClientFields [3]string
}

// ConfirmWithOptions is Confirm with GMO-specific ExecTran settings. The
// options apply when req.Method is set (ExecTran) and are ignored
// otherwise.
func (p *Provider) ConfirmWithOptions(ctx context.Context, req payment.ConfirmRequest, o ExecOptions) (*payment.Payment, error) {
	const op = "confirm"
	if pay, err, ok := p.confirmHook(ctx, req, o); ok { // konbini / Pay-easy: async.go
		return pay, err
	}
	orderID, accessID, err := ParseRef(req.Ref)
	if err != nil {
		return nil, withOp(err, op)
	}
	if err := checkReturnURL(op, "ReturnURL", req.ReturnURL); err != nil {
		return nil, err
	}
	switch {
	case req.Method != nil && req.Return != nil:
		return nil, payment.InvalidRequest(providerName, op, "Method", "set Method or Return, not both")
	case req.Method != nil:
		return p.execTran(ctx, orderID, accessID, req, o)
	case req.Return != nil:
		return p.secureTran(ctx, orderID, accessID, req.Return)
	}
	t, err := p.searchRef(ctx, op, orderID, accessID)
	if err != nil {
		return nil, err
	}
	return p.toPayment(t), nil
}

// clientFieldNames are the wire names of ExecOptions.ClientFields.
var clientFieldNames = [len(ExecOptions{}.ClientFields)]string{"ClientField1", "ClientField2", "ClientField3"}

// execPlan is a validated ExecTran request.
type execPlan struct {
	method, payTimes string
}

func (p *Provider) checkMethod(m *payment.PaymentMethod) (execPlan, error) {
	const op = "confirm"
	switch {
	case m.Konbini != nil:
		return execPlan{}, payment.Unsupported(providerName, op, "konbini payments are not supported")
	case m.PayEasy != nil:
		return execPlan{}, payment.Unsupported(providerName, op, "pay-easy payments are not supported")
	case !m.CardToken.IsZero() && m.StoredCard != nil:
		return execPlan{}, payment.InvalidRequest(providerName, op, "Method", "set CardToken or StoredCard, not both")
	case m.CardToken.IsZero() && m.StoredCard == nil:
		return execPlan{}, payment.InvalidRequest(providerName, op, "Method", "a card token or a stored card is required")
	}
	if tok := m.CardToken.Reveal(); tok != "" && (len(tok) > 512 || !printableASCII(tok)) {
		return execPlan{}, payment.InvalidRequest(providerName, op, "Method.CardToken", "malformed card token")
	}
	if sc := m.StoredCard; sc != nil {
		if p.cfg.SiteID == "" {
			return execPlan{}, payment.InvalidRequest(providerName, op, "Method.StoredCard", "stored cards need Config.SiteID and SitePass")
		}
		if err := checkMemberID(op, "Method.StoredCard.CustomerID", sc.CustomerID); err != nil {
			return execPlan{}, err
		}
		if err := checkCardSeq(op, "Method.StoredCard.CardID", sc.CardID, true); err != nil {
			return execPlan{}, err
		}
	}
	if sc := m.SecurityCode.Reveal(); sc != "" && (len(sc) < 3 || len(sc) > 4 || !isDigits(sc)) {
		return execPlan{}, payment.InvalidRequest(providerName, op, "Method.SecurityCode", "security code must be 3 or 4 digits")
	}
	plan := execPlan{method: "1"}
	if in := m.Installments; in != nil {
		switch in.Plan {
		case payment.PlanLump, payment.PlanBonusLump, payment.PlanRevolving:
			if in.Count != 0 {
				return execPlan{}, payment.InvalidRequest(providerName, op, "Method.Installments.Count", "count is only for installment plans")
			}
		case payment.PlanInstallments, payment.PlanBonusInstallments:
			if in.Count < 2 || in.Count > 99 {
				return execPlan{}, payment.InvalidRequest(providerName, op, "Method.Installments.Count", "installments need a count of 2 to 99")
			}
			plan.payTimes = itoa(int64(in.Count))
		default:
			return execPlan{}, payment.InvalidRequest(providerName, op, "Method.Installments.Plan", "unknown plan")
		}
		// GMO Method: 1 lump, 2 installments, 3 bonus lump, 4 bonus
		// installments, 5 revolving — the same numbers as InstallmentPlan.
		plan.method = itoa(int64(in.Plan))
	}
	return plan, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7F {
			return false
		}
	}
	return true
}

// known returns what is needed to execute: the cached entry, or one built
// from SearchTrade (t non-nil then).
func (p *Provider) known(ctx context.Context, op, orderID, accessID string) (entry, *trade, error) {
	if e, ok := p.cache.get(accessID); ok && e.orderID == orderID && e.jobCd != "" {
		return e, nil, nil
	}
	t, err := p.searchRef(ctx, op, orderID, accessID)
	if err != nil {
		return entry{}, nil, err
	}
	e, _ := p.cache.get(accessID)
	if e.orderID == "" {
		e = entry{orderID: orderID, accessPass: t.AccessPass, jobCd: registeredJob(t.JobCd), amount: t.Amount}
	}
	return e, t, nil
}

func (p *Provider) execTran(ctx context.Context, orderID, accessID string, req payment.ConfirmRequest, o ExecOptions) (*payment.Payment, error) {
	const op = "confirm"
	plan, err := p.checkMethod(req.Method)
	if err != nil {
		return nil, err
	}
	var cf form
	for i, v := range o.ClientFields {
		name := clientFieldNames[i]
		if utf8.RuneCountInString(v) > 100 {
			return nil, payment.InvalidRequest(providerName, op, name, "at most 100 characters")
		}
		cf.add(name, v)
	}
	if cf.err != nil {
		return nil, withOp(cf.err, op)
	}
	retURL := req.ReturnURL
	cached, inCache := p.cache.get(accessID)
	if retURL == "" && inCache {
		retURL = cached.returnURL
	}
	if retURL == "" && p.tdFlag != string(TdFlagOff) {
		return nil, payment.InvalidRequest(providerName, op, "ReturnURL",
			"3-D Secure needs a return url: set ConfirmRequest.ReturnURL (CreatePaymentRequest.ReturnURL is only remembered in this process)")
	}
	e, t, err := p.known(ctx, op, orderID, accessID)
	if err != nil {
		return nil, err
	}
	if t != nil && t.Status != "UNPROCESSED" {
		// Already executed (or waiting for 3-D Secure): report, never
		// execute twice.
		return p.existing(t)
	}
	var f form
	f.buf = make([]byte, 0, 320)
	f.add("AccessID", accessID)
	f.addSecret("AccessPass", e.accessPass)
	f.add("OrderID", orderID)
	f.add("Method", plan.method)
	f.add("PayTimes", plan.payTimes)
	m := req.Method
	if sc := m.StoredCard; sc != nil {
		f.add("SiteID", p.cfg.SiteID)
		f.addSecret("SitePass", p.cfg.SitePass)
		f.add("MemberID", sc.CustomerID)
		f.add("SeqMode", "0")
		f.add("CardSeq", sc.CardID)
	} else {
		f.addSecret("Token", m.CardToken)
	}
	f.addSecret("SecurityCode", m.SecurityCode)
	if p.tdFlag != string(TdFlagOff) {
		f.add("RetUrl", retURL)
	}
	if len(cf.buf) > 0 {
		f.buf = append(append(f.buf, '&'), cf.buf...)
	}
	r, err := p.call(ctx, op, "ExecTran", &f, false, nil)
	if err != nil {
		return p.afterExecError(ctx, op, "ExecTran", orderID, accessID, e, err)
	}
	switch acs := r.get("ACS"); acs {
	case "0":
		return p.executed(ctx, op, orderID, accessID, e, r)
	case "2":
		u := r.get("RedirectUrl")
		if !validRedirect(u) {
			return p.badReply(ctx, op, orderID, accessID, e, "ACS=2 reply without a valid RedirectUrl")
		}
		pay := p.newPayment(orderID, accessID, payment.StatusRequiresAction, e.amount)
		pay.NextAction = &payment.NextAction{Type: payment.NextActionRedirect, Method: "GET", URL: u}
		p.log.Debug("3-D Secure 2.0 redirect", zap.String("order_id", orderID))
		return pay, nil
	case "1":
		u := r.get("ACSUrl")
		if !validRedirect(u) || r.get("PaReq") == "" {
			return p.badReply(ctx, op, orderID, accessID, e, "ACS=1 reply without a valid ACSUrl/PaReq")
		}
		pay := p.newPayment(orderID, accessID, payment.StatusRequiresAction, e.amount)
		pay.NextAction = &payment.NextAction{Type: payment.NextActionRedirect, Method: "POST", URL: u,
			Fields: []payment.FormField{{Name: "PaReq", Value: r.get("PaReq")}, {Name: "TermUrl", Value: retURL}, {Name: "MD", Value: r.get("MD")}}}
		p.log.Debug("3-D Secure 1.0 redirect", zap.String("order_id", orderID))
		return pay, nil
	default:
		return p.badReply(ctx, op, orderID, accessID, e, "reply without a known ACS value")
	}
}

func validRedirect(u string) bool {
	if u == "" || len(u) > 4096 || !printableASCII(u) {
		return false
	}
	pu, err := url.Parse(u)
	return err == nil && (pu.Scheme == "https" || pu.Scheme == "http") && pu.Host != ""
}

// badReply handles a success reply that makes no sense after a
// money-moving call: the outcome is unknown, so reconcile.
func (p *Provider) badReply(ctx context.Context, op, orderID, accessID string, e entry, msg string) (*payment.Payment, error) {
	cause := &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrOutcomeUnknown, Message: msg}
	return p.afterExecError(ctx, op, "ExecTran", orderID, accessID, e, cause)
}

// existing reports an order that was executed before (Confirm repeated).
func (p *Provider) existing(t *trade) (*payment.Payment, error) {
	// AUTHENTICATED (3-D Secure done, SecureTran2 pending) reads as
	// StatusPending: the browser's return completes it.
	return p.toPayment(t), nil
}

// afterExecError handles a failed ExecTran/SecureTran(2) (api). Ambiguous
// failures and E11010001 (already executed) are resolved with SearchTrade.
//
// After an ambiguous failure the request may have reached GMO, so an
// unchanged status proves nothing: the request may still be queued and
// applied moments later. Only an executed status is a definite answer;
// anything else is StatusUnknown with ErrOutcomeUnknown (resolve with
// Inquire), except the lost 3-D Secure redirect (see redirectLost).
func (p *Provider) afterExecError(ctx context.Context, op, api, orderID, accessID string, e entry, err error) (*payment.Payment, error) {
	switch {
	case isAmbiguous(err):
		t, pay, rerr := p.reconcile(ctx, op, orderID, accessID, e.amount, err)
		if rerr != nil {
			p.log.Warn("outcome unknown", zap.String("order_id", orderID), zap.String("op", op))
			return pay, rerr
		}
		p.log.Info("reconciled", zap.String("order_id", orderID), zap.String("op", op), zap.String("gmo_status", t.Status))
		if executed(t.Status) {
			return p.toPayment(t), nil
		}
		if api == "ExecTran" && t.Status == "AUTHENTICATED" && !inFlight(err) {
			return nil, p.redirectLost(op, orderID, err)
		}
		// UNPROCESSED (or AUTHENTICATED after SecureTran2): not executed
		// yet, which is not "not executed".
		return p.stillInFlight(op, orderID, accessID, e.amount, err)
	case hasCode(err, "E11010001"), hasCode(err, "E01050004"):
		// Already executed (or not executable in its state): report the
		// existing state when it was executed, never execute again.
		t, serr := p.searchRef(ctx, op, orderID, accessID)
		if serr != nil || !executed(t.Status) {
			return nil, err
		}
		return p.existing(t)
	}
	return nil, err
}

// redirectLost is the answer to an ExecTran whose reply was lost (or
// unusable) while SearchTrade shows AUTHENTICATED: GMO started 3-D Secure
// and issued a redirect (RedirectUrl, or ACSUrl/PaReq) that never reached
// us. SearchTrade does not return it and GMO refuses a second ExecTran for
// the AccessID (E11010001), so the order can never be paid; no money moved
// (an AUTHENTICATED order holds no authorization). It is ErrDeclined, like
// a failed 3-D Secure, with a nil payment (the order reads as pending at
// GMO) and Err matching ErrRedirectLost. Not retry-safe: start again with a
// new order id.
func (p *Provider) redirectLost(op, orderID string, cause error) error {
	p.log.Warn("3-D Secure redirect lost", zap.String("order_id", orderID), zap.String("op", op))
	return &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrDeclined,
		GatewayCode: codeOf(cause), GatewayCodes: gatewayCodes(cause), Err: ErrRedirectLost,
		Message: "GMO started 3-D Secure (status authenticated) but its reply with the customer's redirect was lost or unusable " +
			"and cannot be issued again; no money moved and this order cannot be paid: create a new payment with a new order id"}
}

func codeOf(err error) string {
	if c := codesOf(err); len(c) > 0 {
		return c[0]
	}
	return ""
}

func gatewayCodes(err error) []string {
	if pe := asError(err); pe != nil {
		return pe.GatewayCodes
	}
	return nil
}

// executed builds the result of a successful execution reply (ExecTran
// ACS=0, SecureTran, SecureTran2) after verifying its CheckString.
func (p *Provider) executed(ctx context.Context, op, orderID, accessID string, e entry, r response) (*payment.Payment, error) {
	if r.get("OrderID") != orderID || !verifyCheckString(r, p.cfg.ShopPass) {
		p.log.Warn("checkstring mismatch", zap.String("order_id", orderID), zap.String("op", op))
		serr := &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrInvalidSignature,
			Message: "CheckString of the gateway reply does not verify; the payment below is the gateway's state read with SearchTrade"}
		t, err := p.searchRef(ctx, op, orderID, accessID)
		if err != nil {
			serr.Message = "CheckString of the gateway reply does not verify and the inquiry failed; resolve with Inquire"
			return nil, serr
		}
		return p.toPayment(t), serr
	}
	st := payment.StatusAuthorized
	amount := e.amount
	pay := p.newPayment(orderID, accessID, st, amount)
	if e.jobCd == "CAPTURE" {
		pay.Status = payment.StatusCaptured
		pay.Captured = pay.Amount
	}
	pay.TransactionID = r.get("TranID")
	pay.ApprovalCode = r.get("Approve")
	if ce := p.log.Check(zap.InfoLevel, "executed"); ce != nil {
		ce.Write(zap.String("order_id", orderID), zap.String("status", pay.Status.String()), zap.Int64("amount", amount))
	}
	return pay, nil
}

// secureTran completes a payment after the browser returned from 3-D
// Secure.
func (p *Provider) secureTran(ctx context.Context, orderID, accessID string, ret *payment.RedirectReturn) (*payment.Payment, error) {
	const op = "confirm"
	vals := ret.Values
	// Keys are matched case-insensitively; spellings that disagree
	// ("AccessID" and "accessid" with different values) are refused
	// rather than resolved by map order.
	conflict := ""
	get := func(k string) (string, bool) {
		v, found := "", false
		for key, vs := range vals {
			if strings.EqualFold(key, k) && len(vs) > 0 {
				if found && vs[0] != v {
					conflict = k
				}
				v, found = vs[0], true
			}
		}
		return v, found
	}
	for _, k := range []string{"AccessID", "MD", "PaRes"} {
		if get(k); conflict != "" {
			return nil, payment.InvalidRequest(providerName, op, "Return."+conflict, "the browser's return repeats "+conflict+" with different values")
		}
	}
	if v, ok := get("AccessID"); ok && v != accessID {
		return nil, payment.InvalidRequest(providerName, op, "Return.AccessID", "the browser's AccessID does not match the payment reference")
	}
	paRes, is3DS1 := get("PaRes")
	if md, ok := get("MD"); ok && md != accessID {
		return nil, payment.InvalidRequest(providerName, op, "Return.MD", "the browser's MD does not match the payment reference")
	}
	if is3DS1 && (paRes == "" || len(paRes) > 64<<10) {
		return nil, payment.InvalidRequest(providerName, op, "Return.PaRes", "empty or oversized PaRes")
	}
	e, t, err := p.known(ctx, op, orderID, accessID)
	if err != nil {
		return nil, err
	}
	if t != nil && t.Status != "UNPROCESSED" && t.Status != "AUTHENTICATED" {
		return p.existing(t)
	}
	var f form
	api := "SecureTran2"
	if is3DS1 {
		api = "SecureTran"
		f.add("PaRes", paRes)
		f.add("MD", accessID)
	} else {
		f.add("AccessID", accessID)
		f.addSecret("AccessPass", e.accessPass)
	}
	r, err := p.call(ctx, op, api, &f, false, nil)
	if err != nil {
		return p.afterExecError(ctx, op, api, orderID, accessID, e, err)
	}
	return p.executed(ctx, op, orderID, accessID, e, r)
}

func asError(err error) *payment.Error {
	var pe *payment.Error
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}
