package gmotest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// card is a card as the simulator sees it after tokenization or lookup.
type card struct {
	pan, expire, cvc, holder string // expire is YYMM
}

// tran is one order at the simulated gateway.
type tran struct {
	seq                   int
	orderID               string
	accessID, accessPass  string
	payType               string // "0" card, "3" konbini, "4" Pay-easy
	status, jobCd         string
	amount, tax           int64
	itemCode              string
	tdFlag, tdTenant      string
	tds2Type              string
	method, payTimes      string
	card                  *card
	siteID, memberID      string
	forward, approve      string
	tranID, tranDate      string
	processDate           time.Time
	cf                    [3]string // ClientField1..3, raw cp932 bytes
	tds                   *tdsState
	multi                 *multiState
	authorized, captured  int64
	refunded              int64
	charges, paid, sales  int
	refunds, voids, decls int
	history               []string
	created, updated      time.Time
	notes                 []*note
}

// pending holds what an execution that waits for 3-D Secure will apply.
type pending struct {
	c                card
	method, payTimes string
	cf               [3]string
	cfFlag           bool
	siteID, memberID string
}

func (t *tran) log(now time.Time, format string, args ...any) {
	t.history = append(t.history, fmt.Sprintf(format, args...))
	t.updated = now
}

func (t *tran) entry() LedgerEntry {
	e := LedgerEntry{
		OrderID: t.orderID, AccessID: t.accessID, PayType: t.payType,
		Status: t.status, JobCd: t.jobCd, Amount: t.amount, Tax: t.tax,
		Authorized: t.authorized, Captured: t.captured, Refunded: t.refunded,
		Charges: t.charges, Paid: t.paid, Sales: t.sales, Refunds: t.refunds,
		Voids: t.voids, Declines: t.decls,
		TranID: t.tranID, Approve: t.approve, Forward: t.forward,
		Method: t.method, PayTimes: t.payTimes,
		History:   append([]string(nil), t.history...),
		CreatedAt: t.created, UpdatedAt: t.updated,
	}
	if t.card != nil {
		e.CardNo = maskPAN(t.card.pan)
	}
	if t.multi != nil {
		e.PaymentTerm, e.Convenience = t.multi.paymentTerm, t.multi.convenience
	}
	return e
}

// randHex returns n random bytes as lowercase hex.
func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randDigits returns n random decimal digits.
func randDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randAlnum(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// forward is the sandbox's card-company code.
const forward = "2a99662"

// newTranID returns a 28-digit TranID shaped like the sandbox's:
// yyMMddHHmm, a run of 1s, then a sequence number.
func (s *Server) newTranID(now time.Time) string {
	s.seq++
	return now.In(jst).Format("0601021504") + "1111111111111" + fmt.Sprintf("%05d", s.seq%100000)
}

// approval stamps a new TranID, Approve and TranDate on t.
func (s *Server) approval(t *tran, now time.Time, newApprove bool) {
	t.forward = forward
	if newApprove || t.approve == "" {
		t.approve = randDigits(7)
	}
	t.tranID = s.newTranID(now)
	t.tranDate = gmoTime(now)
	t.processDate = now
}

// eq compares secrets in constant time.
func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// parseAmount checks a JPY amount field: required, digits, at most 7
// digits, positive. codes are the field's not-given, too-long,
// not-numeric and out-of-range ErrInfo codes.
func parseAmount(v string, required bool, missing, tooLong, notNum, rng string, e *[]string) (int64, bool) {
	switch {
	case v == "":
		if required {
			*e = append(*e, missing)
			return 0, false
		}
		return 0, true
	case !isDigits(v):
		*e = append(*e, notNum)
		return 0, false
	case len(v) > 7:
		*e = append(*e, tooLong)
		return 0, false
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	if n == 0 && rng != "" {
		*e = append(*e, rng)
		return 0, false
	}
	return n, true
}

// checkShop validates ShopID/ShopPass.
func (s *Server) checkShop(p params, e *[]string) {
	id, pass := p.get("ShopID"), p.get("ShopPass")
	okID, okPass := true, true
	switch {
	case id == "":
		*e = append(*e, "E01010001")
		okID = false
	case len(id) > 13 || !isAlnum(id):
		*e = append(*e, "E01010008")
		okID = false
	}
	switch {
	case pass == "":
		*e = append(*e, "E01020001")
		okPass = false
	case len(pass) > 10 || !isAlnum(pass):
		*e = append(*e, "E01020008")
		okPass = false
	}
	if okID && okPass && !(eq(id, s.cfg.creds.ShopID) && eq(pass, s.cfg.creds.ShopPass)) {
		*e = append(*e, "E01030002")
	}
}

// checkSite validates SiteID/SitePass.
func (s *Server) checkSite(p params, e *[]string) {
	id, pass := p.get("SiteID"), p.get("SitePass")
	okID, okPass := true, true
	switch {
	case id == "":
		*e = append(*e, "E01190001")
		okID = false
	case len(id) > 13 || !isAlnum(id):
		*e = append(*e, "E01190008")
		okID = false
	}
	switch {
	case pass == "":
		*e = append(*e, "E01200001")
		okPass = false
	case len(pass) > 10 || !isAlnum(pass):
		*e = append(*e, "E01200008")
		okPass = false
	}
	if okID && okPass && !(eq(id, s.cfg.creds.SiteID) && eq(pass, s.cfg.creds.SitePass)) {
		*e = append(*e, "E01210002")
	}
}

// checkOrderID validates an OrderID's shape.
func checkOrderID(id string, e *[]string) bool {
	ok := true
	if id == "" {
		*e = append(*e, "E01040001")
		return false
	}
	if len(id) > 27 {
		*e = append(*e, "E01040003")
		ok = false
	}
	if !validOrderIDChars(id) {
		*e = append(*e, "E01040013")
		ok = false
	}
	return ok
}

// lookupAccess validates AccessID/AccessPass and finds the transaction.
// Like GMO it reports the format errors and the failed lookup together.
func (s *Server) lookupAccess(p params, e *[]string) *tran {
	id, pass := p.get("AccessID"), p.get("AccessPass")
	switch {
	case id == "":
		*e = append(*e, "E01090001")
	case !isLowerHex(id, 32):
		*e = append(*e, "E01090008")
	}
	switch {
	case pass == "":
		*e = append(*e, "E01100001")
	case !isLowerHex(pass, 32):
		*e = append(*e, "E01100008")
	}
	if id == "" || pass == "" {
		return nil
	}
	t := s.byAccess[id]
	if t == nil || !eq(pass, t.accessPass) {
		*e = append(*e, "E01110002")
		return nil
	}
	return t
}

// newTran registers an order.
func (s *Server) newTran(orderID, payType string, now time.Time) *tran {
	t := &tran{
		seq: len(s.orders), orderID: orderID, payType: payType,
		accessID: randHex(16), accessPass: randHex(16),
		status: "UNPROCESSED", processDate: now, created: now, updated: now,
	}
	s.orders[orderID] = t
	s.byAccess[t.accessID] = t
	return t
}
