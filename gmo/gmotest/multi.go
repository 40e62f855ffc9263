package gmotest

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// Konbini (convenience store) and Pay-easy: the two-step voucher payments.
// Their validation codes (M01...) are not public; the ones here are [U]
// choices documented in doc.go.

// chains are the accepted Convenience codes.
var chains = map[string]string{
	"10001": "Lawson", "10002": "FamilyMart", "10005": "Ministop", "00007": "Seven-Eleven", "10008": "Seicomart",
	"00001": "Lawson (old)", "00002": "FamilyMart (old)", "00005": "Ministop (old)", "00008": "Seicomart (old)",
}

// defaultTermDays is the payment term when PaymentTermDay is not given.
const defaultTermDays = 7

type multiState struct {
	convenience                   string
	confNo, receiptNo, receiptURL string
	custID, bkCode, encReceiptNo  string
	paymentTerm                   time.Time
	finishDate, receiptDate       string
}

// noteFields are the method-specific notification fields.
func (m *multiState) noteFields(t *tran) []kv {
	term := ""
	if !m.paymentTerm.IsZero() {
		term = gmoTime(m.paymentTerm)
	}
	if t.payType == "3" {
		return []kv{{"CvsCode", m.convenience}, {"CvsConfNo", m.confNo}, {"CvsReceiptNo", m.receiptNo},
			{"PaymentTerm", term}, {"FinishDate", m.finishDate}, {"ReceiptDate", m.receiptDate}}
	}
	return []kv{{"CustID", m.custID}, {"BkCode", m.bkCode}, {"ConfNo", m.confNo}, {"EncryptReceiptNo", m.encReceiptNo},
		{"PaymentTerm", term}, {"FinishDate", m.finishDate}, {"ReceiptDate", m.receiptDate}}
}

func (s *Server) entryTranCvs(c *call) reply     { return s.entryMulti(c, "3", "EntryTranCvs") }
func (s *Server) entryTranPayEasy(c *call) reply { return s.entryMulti(c, "4", "EntryTranPayEasy") }

func (s *Server) entryMulti(c *call, payType, op string) reply {
	p := c.p
	var e []string
	s.checkShop(p, &e)
	orderID := p.get("OrderID")
	orderOK := checkOrderID(orderID, &e)
	amount, amtOK := parseAmount(p.get("Amount"), true, "E01060001", "E01060005", "E01060006", "E01060011", &e)
	if amtOK && amount > 299999 { // 6 digits, and stores take at most 299,999 JPY [U]
		e = append(e, "E01060011")
	}
	tax, _ := parseAmount(p.get("Tax"), false, "", "E01070005", "E01070006", "", &e)
	if orderOK {
		if _, dup := s.orders[orderID]; dup {
			e = append(e, "E01040010")
		}
	}
	if len(e) > 0 {
		return fail(e...)
	}
	t := s.newTran(orderID, payType, c.now)
	t.amount, t.tax = amount, tax
	t.multi = &multiState{}
	t.log(c.now, "%s %d", op, amount)
	return reply{pairs: []kv{{"OrderID", t.orderID}, {"AccessID", t.accessID}, {"AccessPass", t.accessPass}}}
}

// fullWidth reports whether raw cp932 bytes are only double-byte
// characters (no ASCII, no half-width kana).
func fullWidth(raw string) bool {
	if !validCP932(raw) {
		return false
	}
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		if !(b >= 0x81 && b <= 0x9F || b >= 0xE0 && b <= 0xFC) {
			return false
		}
		i++ // trail byte
	}
	return true
}

// fullWidthKana reports whether raw is full-width katakana (plus ー and the
// ideographic space).
func fullWidthKana(raw string) bool {
	if !fullWidth(raw) {
		return false
	}
	for _, r := range toUTF8(raw) {
		if !(r >= 'ァ' && r <= 'ヶ' || r == 'ー' || r == '\u3000') {
			return false
		}
	}
	return true
}

// checkCustomer validates the customer fields shared by konbini and
// Pay-easy.
func checkCustomer(p params, e *[]string) int {
	name, kana, tel := p.get("CustomerName"), p.get("CustomerKana"), p.get("TelNo")
	switch {
	case name == "":
		*e = append(*e, "M01010001")
	case len(name) > 40:
		*e = append(*e, "M01010012")
	case !fullWidth(name):
		*e = append(*e, "M01010013")
	}
	switch {
	case kana == "":
		*e = append(*e, "M01011001")
	case len(kana) > 40:
		*e = append(*e, "M01011012")
	case !fullWidthKana(kana):
		*e = append(*e, "M01011013")
	}
	switch {
	case tel == "":
		*e = append(*e, "M01012001")
	case len(tel) > 13 || !telChars(tel):
		*e = append(*e, "M01012008")
	}
	if len(p.get("MailAddress")) > 256 {
		*e = append(*e, "M01014005")
	}
	days := defaultTermDays
	if v := p.get("PaymentTermDay"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || !isDigits(v):
			*e = append(*e, "M01013006")
		case n < 1 || n > 60:
			*e = append(*e, "M01013011")
		default:
			days = n
		}
	}
	// Contact shown on the receipt: name, phone, hours (HH:MM-HH:MM).
	c11, c12, c13 := p.get("ReceiptsDisp11"), p.get("ReceiptsDisp12"), p.get("ReceiptsDisp13")
	switch {
	case c11 == "":
		*e = append(*e, "M01031001")
	case len(c11) > 42 || !validCP932(c11):
		*e = append(*e, "M01031008")
	}
	switch {
	case c12 == "":
		*e = append(*e, "M01032001")
	case len(c12) > 12 || !telChars(c12):
		*e = append(*e, "M01032008")
	}
	switch {
	case c13 == "":
		*e = append(*e, "M01033001")
	case !hoursFormat(c13):
		*e = append(*e, "M01033008")
	}
	return days
}

func telChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] == '-') {
			return false
		}
	}
	return s != ""
}

// hoursFormat checks HH:MM-HH:MM.
func hoursFormat(s string) bool {
	if len(s) != 11 || s[2] != ':' || s[5] != '-' || s[8] != ':' {
		return false
	}
	return isDigits(s[0:2]) && isDigits(s[3:5]) && isDigits(s[6:8]) && isDigits(s[9:11])
}

// term is the payment deadline: 23:59:59 JST days after now.
func term(now time.Time, days int) time.Time {
	d := now.In(jst).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, jst)
}

func (s *Server) execMulti(c *call, payType string) (*tran, int, [3]string, bool, reply, bool) {
	p := c.p
	var e []string
	t := s.lookupAccess(p, &e)
	orderID := p.get("OrderID")
	if orderID == "" {
		e = append(e, "E01040001")
	} else if t != nil && orderID != t.orderID {
		e = append(e, "E01110002")
	}
	if t != nil && (t.payType != payType || t.status != "UNPROCESSED") {
		return nil, 0, [3]string{}, false, fail("E11010001"), false
	}
	if payType == "3" {
		switch cv := p.get("Convenience"); {
		case cv == "":
			e = append(e, "M01040001")
		case chains[cv] == "":
			e = append(e, "M01040010")
		}
	}
	days := checkCustomer(p, &e)
	cf, flag := clientFields(p, &e)
	if len(e) > 0 {
		return nil, 0, cf, flag, fail(e...), false
	}
	return t, days, cf, flag, reply{}, true
}

func (s *Server) execTranCvs(c *call) reply {
	t, days, cf, flag, rep, ok := s.execMulti(c, "3")
	if !ok {
		return rep
	}
	m := t.multi
	m.convenience = c.p.get("Convenience")
	m.confNo = randDigits(6)
	m.receiptNo = randDigits(10)
	if m.convenience == "00007" {
		m.receiptURL = c.base + "/gmotest/receipt?order=" + t.orderID
	}
	m.paymentTerm = term(c.now, days)
	t.cf = cf
	t.status = "REQSUCCESS"
	s.vouchers = append(s.vouchers, t)
	t.tranDate = gmoTime(c.now)
	t.processDate = c.now
	t.log(c.now, "ExecTranCvs %s", chains[m.convenience])
	s.addNote(t, c.now, "")
	termS := gmoTime(m.paymentTerm)
	pairs := []kv{{"OrderID", t.orderID}, {"Convenience", m.convenience}, {"ConfNo", m.confNo},
		{"ReceiptNo", m.receiptNo}, {"PaymentTerm", termS}, {"TranDate", t.tranDate}}
	if m.receiptURL != "" {
		pairs = append(pairs, kv{"ReceiptUrl", m.receiptURL})
	}
	pairs = append(pairs, kv{"CheckString", s.md5(t.orderID, m.convenience, m.confNo, m.receiptNo, termS, t.tranDate)})
	if flag {
		pairs = append(pairs, kv{"ClientField1", cf[0]}, kv{"ClientField2", cf[1]}, kv{"ClientField3", cf[2]})
	}
	return reply{pairs: pairs}
}

func (s *Server) execTranPayEasy(c *call) reply {
	t, days, cf, _, rep, ok := s.execMulti(c, "4")
	if !ok {
		return rep
	}
	m := t.multi
	m.custID = "WNT" + randDigits(8)
	m.bkCode = "58021"
	m.confNo = randDigits(4)
	m.encReceiptNo = randAlnum(20)
	m.paymentTerm = term(c.now, days)
	t.cf = cf
	t.status = "REQSUCCESS"
	s.vouchers = append(s.vouchers, t)
	t.tranDate = gmoTime(c.now)
	t.processDate = c.now
	t.log(c.now, "ExecTranPayEasy")
	s.addNote(t, c.now, "")
	termS := gmoTime(m.paymentTerm)
	return reply{pairs: []kv{{"OrderID", t.orderID}, {"CustID", m.custID}, {"BkCode", m.bkCode}, {"ConfNo", m.confNo},
		{"EncryptReceiptNo", m.encReceiptNo}, {"PaymentTerm", termS}, {"TranDate", t.tranDate},
		{"CheckString", s.md5(t.orderID, m.custID, m.bkCode, m.confNo, m.encReceiptNo, termS, t.tranDate)}}}
}

// md5 is the CheckString of the voucher answers: MD5 of the fields plus
// ShopPass [U: formula inferred from the card CheckString].
func (s *Server) md5(fields ...string) string {
	h := md5.New()
	for _, f := range fields {
		h.Write([]byte(f))
	}
	h.Write([]byte(s.cfg.creds.ShopPass))
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) cvsCancel(c *call) reply     { return s.cancelMulti(c, "3", "CvsCancel") }
func (s *Server) payEasyCancel(c *call) reply { return s.cancelMulti(c, "4", "PayEasyCancel") }

func (s *Server) cancelMulti(c *call, payType, op string) reply {
	p := c.p
	var e []string
	s.checkShop(p, &e)
	t := s.lookupAccess(p, &e)
	if o := p.get("OrderID"); o == "" {
		e = append(e, "E01040001")
	} else if t != nil && o != t.orderID {
		e = append(e, "E01110002")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	if t.payType != payType || t.status != "REQSUCCESS" {
		return fail("E11010003")
	}
	t.status = "CANCEL"
	t.voids++
	t.processDate = c.now
	t.log(c.now, "%s", op)
	s.addNote(t, c.now, "")
	return reply{pairs: []kv{{"OrderID", t.orderID}, {"Status", t.status}}}
}

// sweep expires unpaid vouchers whose deadline passed. Caller holds s.mu.
func (s *Server) sweep(now time.Time) {
	keep := s.vouchers[:0]
	for _, t := range s.vouchers {
		switch {
		case t.status != "REQSUCCESS":
			continue // paid or cancelled
		case now.After(t.multi.paymentTerm):
			s.expire(t, now, "payment term passed")
			continue
		}
		keep = append(keep, t)
	}
	clear(s.vouchers[len(keep):])
	s.vouchers = keep
}

// expire turns an unpaid voucher EXPIRED and queues its notification, as
// GMO does when the payment term passes. Caller holds s.mu.
func (s *Server) expire(t *tran, now time.Time, why string) {
	t.status = "EXPIRED"
	t.processDate = now
	t.log(now, "%s", why)
	s.addNote(t, now, "")
}

// ExpireVoucher plays the payment deadline of one konbini or Pay-easy
// voucher passing without moving the simulator clock: REQSUCCESS becomes
// EXPIRED and the EXPIRED notification is queued and delivered (with
// resends) exactly as when simulator time passes the deadline. Other
// orders are untouched. It fails for unknown orders, card orders and
// vouchers that are not REQSUCCESS (not issued yet, paid, cancelled or
// expired already).
func (s *Server) ExpireVoucher(orderID string) error {
	return s.onVoucher(orderID, func(t *tran, now time.Time) {
		// sweep drops the no longer REQSUCCESS voucher from s.vouchers.
		s.expire(t, now, "payment term passed (ExpireVoucher)")
	})
}

// PayVoucher plays the customer paying a konbini or Pay-easy voucher:
// REQSUCCESS becomes PAYSUCCESS and a notification is queued. It fails for
// unknown orders, other states and passed deadlines.
func (s *Server) PayVoucher(orderID string) error {
	return s.onVoucher(orderID, func(t *tran, now time.Time) {
		t.status = "PAYSUCCESS"
		t.captured += t.amount
		t.paid++
		t.multi.finishDate = gmoTime(now)
		t.multi.receiptDate = gmoTime(now)
		t.processDate = now
		t.log(now, "paid at the counter %d", t.amount)
		s.addNote(t, now, "")
	})
}

// onVoucher applies a simulator control to the issued, unpaid voucher
// orderID after expiring the ones whose deadline passed, then wakes the
// notifier. It fails for unknown orders, card orders and vouchers that are
// not REQSUCCESS. do runs with s.mu held.
func (s *Server) onVoucher(orderID string, do func(t *tran, now time.Time)) error {
	s.mu.Lock()
	now := s.Now()
	s.sweep(now)
	t := s.orders[orderID]
	var err error
	switch {
	case t == nil:
		err = errors.New("gmotest: unknown order " + orderID)
	case t.multi == nil:
		err = errors.New("gmotest: order " + orderID + " is not a voucher payment")
	case t.status != "REQSUCCESS":
		err = errors.New("gmotest: order " + orderID + " is " + t.status + ", not REQSUCCESS")
	default:
		do(t, now)
	}
	s.mu.Unlock()
	s.poke()
	return err
}

func (s *Server) searchTradeMulti(c *call) reply {
	p := c.p
	var e []string
	s.checkShop(p, &e)
	pt := p.get("PayType")
	switch {
	case pt == "":
		e = append(e, "M01051001")
	default:
		if len(pt) > 1 {
			e = append(e, "M01051005")
		}
		if pt != "0" && pt != "3" && pt != "4" {
			e = append(e, "M01051011")
		}
	}
	orderID := p.get("OrderID")
	t := s.orders[orderID]
	switch {
	case orderID == "":
		e = append(e, "M01004001")
	case t == nil || (len(e) == 0 && t.payType != pt):
		e = append(e, "M01004002")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	pairs := append(tradeFields(t), kv{"PayType", t.payType})
	if t.multi != nil {
		m := t.multi
		term := ""
		if !m.paymentTerm.IsZero() {
			term = gmoTime(m.paymentTerm)
		}
		if t.payType == "3" {
			pairs = append(pairs, kv{"CvsCode", m.convenience}, kv{"CvsConfNo", m.confNo}, kv{"CvsReceiptNo", m.receiptNo})
		} else {
			pairs = append(pairs, kv{"CustID", m.custID}, kv{"BkCode", m.bkCode}, kv{"ConfNo", m.confNo}, kv{"EncryptReceiptNo", m.encReceiptNo})
		}
		pairs = append(pairs, kv{"PaymentTerm", term}, kv{"FinishDate", m.finishDate}, kv{"ReceiptDate", m.receiptDate})
	}
	return reply{pairs: append(pairs, kv{"Currency", "JPN"})}
}
