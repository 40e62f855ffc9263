package gmotest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/japanese"
)

// maxTdTenantName is the byte limit of TdTenantName after Base64 decoding.
const maxTdTenantName = 25

// authValidity is how long an authorization can be captured (SALES).
const authValidity = 60 * 24 * time.Hour

// maxAge is the age after which a transaction can no longer be changed.
const maxAge = 180 * 24 * time.Hour

func (s *Server) entryTran(c *call) reply {
	p := c.p
	var e []string
	s.checkShop(p, &e)
	orderID := p.get("OrderID")
	orderOK := checkOrderID(orderID, &e)
	jobCd := p.get("JobCd")
	switch jobCd {
	case "":
		e = append(e, "E01050001")
	case "CHECK", "CAPTURE", "AUTH", "SAUTH":
	default:
		e = append(e, "E01050002")
	}
	amount, amtOK := parseAmount(p.get("Amount"), jobCd != "CHECK", "E01060001", "E01060005", "E01060006", "E01060011", &e)
	tax, taxOK := parseAmount(p.get("Tax"), false, "", "E01070005", "E01070006", "", &e)
	if amtOK && taxOK && amount+tax > 9999999 {
		e = append(e, "E01490005")
	}
	itemCode := p.get("ItemCode")
	if itemCode != "" && (len(itemCode) > 7 || !isDigits(itemCode)) {
		e = append(e, "E01450008")
	}
	td := p.get("TdFlag")
	switch td {
	case "", "0", "1", "2":
	default:
		e = append(e, "E01080007")
	}
	if s.cfg.tdsRequired && td != "1" && td != "2" {
		e = append(e, "E01080101")
	}
	if name := p.get("TdTenantName"); name != "" {
		if code := checkTdTenantName(name); code != "" {
			e = append(e, code)
		}
	}
	switch p.get("Tds2Type") {
	case "", "1", "2", "3":
	default:
		e = append(e, "E01950008")
	}
	if orderOK {
		if _, dup := s.orders[orderID]; dup {
			e = append(e, "E01040010")
		}
	}
	if len(e) > 0 {
		return fail(e...)
	}
	t := s.newTran(orderID, "0", c.now)
	t.jobCd, t.amount, t.tax = jobCd, amount, tax
	t.itemCode = itemCode
	if t.itemCode == "" {
		t.itemCode = "0000990"
	}
	t.tdFlag, t.tdTenant, t.tds2Type = td, p.get("TdTenantName"), p.get("Tds2Type")
	t.log(c.now, "EntryTran %s %d", jobCd, amount)
	return reply{pairs: []kv{{"AccessID", t.accessID}, {"AccessPass", t.accessPass}}}
}

// checkTdTenantName validates TdTenantName: Base64 of EUC-JP bytes, at most
// 25 bytes once decoded.
func checkTdTenantName(v string) string {
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return "E01370008"
	}
	if len(raw) > maxTdTenantName {
		return "E01370012"
	}
	if !isASCII(string(raw)) {
		s, err := japanese.EUCJP.NewDecoder().Bytes(raw)
		if err != nil || strings.ContainsRune(string(s), '\uFFFD') {
			return "E01370008"
		}
	}
	return ""
}

// tenantName decodes TdTenantName for display.
func tenantName(v string) string {
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return ""
	}
	s, err := japanese.EUCJP.NewDecoder().Bytes(raw)
	if err != nil {
		return ""
	}
	return string(s)
}

// validInstallments are the installment counts Japanese card companies
// commonly accept.
var validInstallments = map[string]bool{"2": true, "3": true, "5": true, "6": true, "10": true, "12": true, "15": true, "18": true, "20": true, "24": true}

// checkMethod validates Method/PayTimes and returns the PayTimes to store
// (empty unless installments).
func checkMethod(p params, required bool, e *[]string) (method, payTimes string) {
	method = p.get("Method")
	switch method {
	case "":
		if required {
			*e = append(*e, "E01260001")
		}
		return "", ""
	case "1", "3", "5":
		return method, ""
	case "2", "4":
	default:
		*e = append(*e, "E01260002")
		return "", ""
	}
	pt := p.get("PayTimes")
	switch {
	case pt == "":
		*e = append(*e, "E01270001")
	case !isDigits(pt):
		*e = append(*e, "E01270006")
	case len(pt) > 2:
		*e = append(*e, "E01270005")
	case !validInstallments[strings.TrimLeft(pt, "0")]:
		*e = append(*e, "E01270010")
	default:
		return method, strings.TrimLeft(pt, "0")
	}
	return method, ""
}

// clientFields validates ClientField1..3 and ClientFieldFlag.
func clientFields(p params, e *[]string) (cf [3]string, flag bool) {
	codes := [3]string{"E01320012", "E01330012", "E01340012"}
	for i := range cf {
		cf[i] = p.get("ClientField" + strconv.Itoa(i+1))
		if len(cf[i]) > 100 {
			*e = append(*e, codes[i])
		}
	}
	switch p.get("ClientFieldFlag") {
	case "", "0":
	case "1":
		flag = true
	default:
		*e = append(*e, "E01400007")
	}
	return cf, flag
}

// cardSource finds the one card an execution uses: a token, a stored card
// or (when allowed) a raw card number. consume is called once processing
// is certain, to burn a token.
func (s *Server) cardSource(p params, now time.Time, e *[]string) (c card, siteID, memberID string, consume func()) {
	consume = func() {}
	tok, pan, mem := p.get("Token"), p.get("CardNo"), p.get("MemberID")
	n := 0
	for _, v := range []string{tok, pan, mem} {
		if v != "" {
			n++
		}
	}
	switch {
	case n == 0:
		*e = append(*e, "E01170001")
		return
	case n > 1:
		*e = append(*e, "E01840010")
		return
	}
	cvc := p.get("SecurityCode")
	if cvc != "" && (!isDigits(cvc) || len(cvc) < 3 || len(cvc) > 4) {
		*e = append(*e, "E01460008")
	}
	switch {
	case tok != "":
		tk, code := s.lookupToken(tok, now)
		if code != "" {
			*e = append(*e, code)
			return
		}
		return tk.c, "", "", func() { tk.used = true }
	case pan != "":
		if !s.cfg.rawPAN {
			*e = append(*e, "E61040001")
			return
		}
		c = card{pan: pan, expire: p.get("Expire"), cvc: cvc, holder: p.get("HolderName")}
		checkPAN(pan, c.expire, e)
		return c, "", "", func() {}
	default:
		m, sc := s.storedCard(p, e)
		if sc == nil {
			return
		}
		c = sc.c
		if cvc != "" {
			c.cvc = cvc
		}
		return c, m.siteID, m.id, func() {}
	}
}

// checkPAN validates a raw card number and YYMM expiry.
func checkPAN(pan, expire string, e *[]string) {
	if len(pan) < 10 || len(pan) > 16 {
		*e = append(*e, "E01170011")
	}
	if !isDigits(pan) {
		*e = append(*e, "E01170006")
	}
	switch {
	case expire == "":
		*e = append(*e, "E01180001")
	case !isDigits(expire):
		*e = append(*e, "E01180006")
	case len(expire) != 4:
		*e = append(*e, "E01180003")
	default:
		if m, _ := strconv.Atoi(expire[2:]); m < 1 || m > 12 {
			*e = append(*e, "E01180008")
		}
	}
}

// decide returns the issuer's answer for a card: "" approves, otherwise a
// decline ErrInfo.
func decide(c card, now time.Time) string {
	switch c.pan {
	case CardInsufficientFunds:
		return "42G020000"
	case CardExpired:
		return "42G830000"
	case CardWrongCVC:
		return "42G440000"
	case CardDeclined:
		return "42G120000"
	case CardLimitExceeded:
		return "42G550000"
	}
	if !luhn(c.pan) {
		return "E41170099"
	}
	if expired(c.expire, now) {
		return "42G830000"
	}
	return ""
}

// expired reports whether a YYMM expiry lies before now's month (JST).
func expired(yymm string, now time.Time) bool {
	if len(yymm) != 4 || !isDigits(yymm) {
		return true
	}
	y, _ := strconv.Atoi(yymm[:2])
	m, _ := strconv.Atoi(yymm[2:])
	n := now.In(jst)
	cy, cm := n.Year()%100, int(n.Month())
	return y < cy || (y == cy && m < cm)
}

// challengeCard reports whether c requires a 3-D Secure challenge.
func challengeCard(c card) bool { return c.pan == CardChallenge || c.pan == CardChallengeFail }

func (s *Server) execTran(c *call) reply {
	p := c.p
	var e []string
	t := s.lookupAccess(p, &e)
	orderID := p.get("OrderID")
	if orderID == "" {
		e = append(e, "E01040001")
	} else if t != nil && orderID != t.orderID {
		e = append(e, "E01110002") // [U] the order does not match the AccessID
	}
	if t != nil && (t.payType != "0" || t.status != "UNPROCESSED") {
		// Already executed (or waiting for 3-D Secure): never a second charge.
		return fail("E11010001")
	}
	method, payTimes := checkMethod(p, t == nil || t.jobCd != "CHECK", &e)
	cd, siteID, memberID, consume := s.cardSource(p, c.now, &e)
	cf, cfFlag := clientFields(p, &e)
	switch p.get("DeviceCategory") {
	case "", "0", "1":
	default:
		e = append(e, "E01310001")
	}
	threeDS := t != nil && (t.tdFlag == "1" || t.tdFlag == "2") && challengeCard(cd)
	retURL := p.get("RetUrl")
	if threeDS && t.tdFlag == "2" && retURL == "" {
		e = append(e, "E01E30001")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	consume()
	pd := pending{c: cd, method: method, payTimes: payTimes, cf: cf, cfFlag: cfFlag, siteID: siteID, memberID: memberID}
	if threeDS {
		return s.startTds(c, t, pd, retURL, p.get("CallbackType"))
	}
	rep := s.authorize(c.now, t, pd, "ExecTran")
	if len(rep.errs) > 0 {
		return rep
	}
	return reply{pairs: append([]kv{{"ACS", "0"}}, rep.pairs...)}
}

// authorize runs the issuer's decision and applies an approval. It answers
// the ExecTran/SecureTran2 success fields (without ACS).
func (s *Server) authorize(now time.Time, t *tran, pd pending, op string) reply {
	switch pd.c.pan {
	case CardUnknownNoCharge:
		t.log(now, "%s lost before the card company (E91020001)", op)
		return fail("E91020001")
	}
	if code := decide(pd.c, now); code != "" {
		t.decls++
		t.card = &pd.c
		t.log(now, "%s declined %s", op, code)
		s.addNote(t, now, code)
		return fail(code)
	}
	t.card = &pd.c
	t.method, t.payTimes = pd.method, pd.payTimes
	t.siteID, t.memberID = pd.siteID, pd.memberID
	t.cf = pd.cf
	t.status = t.jobCd
	s.approval(t, now, true)
	switch t.jobCd {
	case "AUTH", "SAUTH":
		t.authorized = t.amount
		t.charges++
	case "CAPTURE":
		t.captured += t.amount
		t.charges++
	}
	t.log(now, "%s %s %d", op, t.jobCd, t.amount)
	s.addNote(t, now, "")
	if pd.c.pan == CardOutcomeUnknown {
		return fail("E91020001")
	}
	pairs := []kv{
		{"OrderID", t.orderID}, {"Forward", t.forward}, {"Method", t.method}, {"PayTimes", t.payTimes},
		{"Approve", t.approve}, {"TranID", t.tranID}, {"TranDate", t.tranDate},
		{"CheckString", s.checkString(t)},
	}
	if pd.cfFlag {
		pairs = append(pairs, kv{"ClientField1", t.cf[0]}, kv{"ClientField2", t.cf[1]}, kv{"ClientField3", t.cf[2]})
	}
	return reply{pairs: pairs}
}

// checkString is MD5(OrderID+Forward+Method+PayTimes+Approve+TranID+TranDate+ShopPass), lowercase hex.
func (s *Server) checkString(t *tran) string {
	sum := md5.Sum([]byte(t.orderID + t.forward + t.method + t.payTimes + t.approve + t.tranID + t.tranDate + s.cfg.creds.ShopPass))
	return hex.EncodeToString(sum[:])
}

// CheckString computes the ExecTran/SecureTran2 CheckString for the given
// fields with the simulator's ShopPass, for tests that forge answers.
func (s *Server) CheckString(orderID, forward, method, payTimes, approve, tranID, tranDate string) string {
	sum := md5.Sum([]byte(orderID + forward + method + payTimes + approve + tranID + tranDate + s.cfg.creds.ShopPass))
	return hex.EncodeToString(sum[:])
}

func (s *Server) alterTran(c *call) reply {
	p := c.p
	var e []string
	s.checkShop(p, &e)
	t := s.lookupAccess(p, &e)
	job := p.get("JobCd")
	switch job {
	case "":
		e = append(e, "E01050001")
	case "SALES", "VOID", "RETURN", "RETURNX", "CAPTURE", "AUTH", "SAUTH":
	default:
		e = append(e, "E01050002")
	}
	amtRequired := job == "SALES" || job == "CAPTURE" || job == "AUTH" || job == "SAUTH"
	amount, amtOK := parseAmount(p.get("Amount"), amtRequired, "E01060001", "E01060005", "E01060006", "E01060011", &e)
	var method, payTimes string
	if job == "CAPTURE" || job == "AUTH" || job == "SAUTH" {
		method, payTimes = checkMethod(p, true, &e)
	}
	if len(e) > 0 {
		return fail(e...)
	}
	if t.payType != "0" {
		return fail("E11010003")
	}
	switch t.status {
	case "UNPROCESSED", "AUTHENTICATED":
		return fail("E11010002")
	}
	if c.now.Sub(t.created) > maxAge {
		return fail("E11010010")
	}
	switch job {
	case "SALES":
		if t.status != "AUTH" && t.status != "SAUTH" {
			return fail("E01050004")
		}
		if c.now.Sub(t.processDate) > authValidity {
			return fail("E01420010")
		}
		if !amtOK || amount != t.amount {
			return fail("E01060010")
		}
		t.status, t.jobCd = "SALES", "SALES"
		t.captured += t.authorized
		t.authorized = 0
		t.sales++
		s.approval(t, c.now, false)
	case "VOID":
		switch t.status {
		case "AUTH", "SAUTH":
			t.authorized = 0
		case "CAPTURE", "SALES":
			t.refunded += t.captured - t.refunded
		default:
			return fail("E01050004")
		}
		t.status, t.jobCd = "VOID", "VOID"
		t.voids++
		s.approval(t, c.now, false)
	case "RETURN", "RETURNX":
		if t.status != "CAPTURE" && t.status != "SALES" {
			return fail("E01050004")
		}
		t.refunded += t.captured - t.refunded
		t.status, t.jobCd = job, job
		t.refunds++
		s.approval(t, c.now, false)
	default: // re-authorization of a cancelled transaction [U]
		switch t.status {
		case "VOID", "RETURN", "RETURNX":
		default:
			return fail("E01050004")
		}
		if t.card != nil {
			if code := decide(*t.card, c.now); code != "" {
				t.decls++
				t.log(c.now, "AlterTran %s declined %s", job, code)
				return fail(code)
			}
		}
		t.status, t.jobCd, t.amount = job, job, amount
		t.method, t.payTimes = method, payTimes
		if job == "CAPTURE" {
			t.captured += amount
		} else {
			t.authorized = amount
		}
		t.charges++
		s.approval(t, c.now, true)
	}
	t.log(c.now, "AlterTran %s %d", job, amount)
	s.addNote(t, c.now, "")
	return s.alterReply(t)
}

func (s *Server) alterReply(t *tran) reply {
	return reply{pairs: []kv{
		{"AccessID", t.accessID}, {"AccessPass", t.accessPass}, {"Forward", t.forward},
		{"Approve", t.approve}, {"TranID", t.tranID}, {"TranDate", t.tranDate},
	}}
}

func (s *Server) changeTran(c *call) reply {
	p := c.p
	var e []string
	s.checkShop(p, &e)
	t := s.lookupAccess(p, &e)
	job := p.get("JobCd")
	switch job {
	case "":
		e = append(e, "E01050001")
	case "CAPTURE", "AUTH", "SAUTH":
	default:
		e = append(e, "E01050002")
	}
	amount, _ := parseAmount(p.get("Amount"), true, "E01060001", "E01060005", "E01060006", "E01060011", &e)
	tax, _ := parseAmount(p.get("Tax"), false, "", "E01070005", "E01070006", "", &e)
	if len(e) > 0 {
		return fail(e...)
	}
	if t.payType != "0" {
		return fail("E11010003")
	}
	if c.now.Sub(t.created) > maxAge {
		return fail("E11010010")
	}
	switch t.status {
	case "UNPROCESSED", "AUTHENTICATED":
		return fail("E11010002")
	case "AUTH", "SAUTH":
		if job == "CAPTURE" {
			t.captured += amount
			t.authorized = 0
			t.sales++
		} else {
			t.authorized = amount
		}
	case "CAPTURE", "SALES":
		if job != "CAPTURE" {
			return fail("E01050004")
		}
		switch d := amount - t.amount; {
		case d < 0:
			t.refunded += -d
			t.refunds++
		case d > 0:
			t.captured += d
			t.charges++
		}
		job = t.status // a sale stays a sale
	default:
		return fail("E01050004")
	}
	t.status, t.jobCd = job, job
	t.amount, t.tax = amount, tax
	s.approval(t, c.now, true)
	t.log(c.now, "ChangeTran %s %d", job, amount)
	s.addNote(t, c.now, "")
	return s.alterReply(t)
}

func (s *Server) searchTrade(c *call) reply {
	p := c.p
	var e []string
	s.checkShop(p, &e)
	orderID := p.get("OrderID")
	if orderID == "" {
		e = append(e, "E01040001")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	t := s.orders[orderID]
	if t == nil || t.payType != "0" {
		return fail("E01110002")
	}
	return reply{pairs: tradeFields(t)}
}

// tradeFields are SearchTrade's fields, in the recorded order.
func tradeFields(t *tran) []kv {
	var cardNo, expire string
	if t.card != nil && t.status != "UNPROCESSED" && t.status != "AUTHENTICATED" {
		cardNo, expire = maskPAN(t.card.pan), t.card.expire
	}
	pd := ""
	if !t.processDate.IsZero() {
		pd = gmoTime(t.processDate)
	}
	return []kv{
		{"OrderID", t.orderID}, {"Status", t.status}, {"ProcessDate", pd}, {"JobCd", t.jobCd},
		{"AccessID", t.accessID}, {"AccessPass", t.accessPass}, {"ItemCode", t.itemCode},
		{"Amount", strconv.FormatInt(t.amount, 10)}, {"Tax", strconv.FormatInt(t.tax, 10)},
		{"SiteID", t.siteID}, {"MemberID", t.memberID}, {"CardNo", cardNo}, {"Expire", expire},
		{"Method", t.method}, {"PayTimes", t.payTimes}, {"Forward", t.forward},
		{"TranID", t.tranID}, {"Approve", t.approve},
		{"ClientField1", t.cf[0]}, {"ClientField2", t.cf[1]}, {"ClientField3", t.cf[2]},
	}
}
