package golomttest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	msgMalformed   = "Malformed JSON request"
	msgChecksum    = "Invalid checksum."
	msgNotFound    = "Payment not found."
	msgDuplicated  = "Transaction id is duplicated."
	msgTokenAbsent = "Token not found."
)

// badRequest writes a 400 Validation envelope.
func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	s.writeError(w, r, http.StatusBadRequest, "Validation", msg)
}

// parse decodes body and checks required fields and sizes; on failure it
// writes the 400 and returns false.
func (s *Server) parse(w http.ResponseWriter, r *http.Request, body []byte, required ...string) (fields, bool) {
	f, err := decodeFields(body)
	if err != nil {
		s.badRequest(w, r, msgMalformed)
		return f, false
	}
	if msg := f.required(required...); msg != "" {
		s.badRequest(w, r, msg)
		return f, false
	}
	if msg := f.tooLong(); msg != "" {
		s.badRequest(w, r, msg)
		return f, false
	}
	return f, true
}

func validCallback(cb string) bool {
	u, err := url.Parse(cb)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "" || u.Path != "") && !strings.ContainsAny(cb, " \r\n")
}

type invoiceResponse struct {
	Checksum       string `json:"checksum"`
	TransactionID  string `json:"transactionId"`
	Invoice        string `json:"invoice"`
	SocialDeeplink string `json:"socialDeeplink,omitempty"`
}

func (s *Server) handleInvoice(w http.ResponseWriter, r *http.Request, body []byte) {
	f, ok := s.parse(w, r, body, "amount", "callback", "checksum", "genToken", "returnType", "transactionId")
	if !ok {
		return
	}
	id, amount, rt, cb := f.get("transactionId"), f.get("amount"), f.get("returnType"), f.get("callback")
	switch {
	case !transactionIDRE.MatchString(id):
		s.badRequest(w, r, "transactionId: invalid format")
		return
	case !validAmount(amount):
		s.badRequest(w, r, "amount: invalid format")
		return
	case rt != "GET" && rt != "POST" && rt != "MOBILE":
		s.badRequest(w, r, "returnType: must be GET, POST or MOBILE")
		return
	case f.get("genToken") != "Y" && f.get("genToken") != "N":
		s.badRequest(w, r, "genToken: must be Y or N")
		return
	case f.get("socialDeeplink") != "" && f.get("socialDeeplink") != "Y" && f.get("socialDeeplink") != "N":
		s.badRequest(w, r, "socialDeeplink: must be Y or N")
		return
	case !validCallback(cb):
		s.badRequest(w, r, "callback: invalid URL")
		return
	case !s.verify(MsgInvoiceRequest, f.vals, f.get("checksum")):
		s.badRequest(w, r, msgChecksum)
		return
	}
	t := &txn{LedgerEntry: LedgerEntry{
		TransactionID: id, Kind: KindInvoice, Amount: amount, ReturnType: rt, Callback: cb,
		GenToken: f.get("genToken") == "Y", State: StateCreated,
	}}
	if f.get("socialDeeplink") == "Y" {
		t.socialDeeplink = "socialpay-payment://key=" + base64Random(80)
	}
	if !s.create(t) {
		s.badRequest(w, r, msgDuplicated)
		return
	}
	s.writeJSON(w, http.StatusOK, invoiceResponse{
		Checksum:       s.sum(MsgInvoiceResponse, map[string]string{"invoice": t.Invoice, "transactionId": id}),
		TransactionID:  id,
		Invoice:        t.Invoice,
		SocialDeeplink: t.socialDeeplink,
	})
}

// create registers t under a new invoice id unless its transactionId is
// taken (one namespace for invoices, token payments and registrations).
func (s *Server) create(t *txn) bool {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.st.byTxn[t.TransactionID]; dup {
		return false
	}
	t.CreatedAt, t.UpdatedAt = now, now
	if t.Kind != KindPay {
		t.Invoice = newUUID()
		t.ExpiresAt = now.Add(s.cfg.invoiceLifetime)
		t.pageToken = randomHex(16)
		s.st.byInvoice[t.Invoice] = t
	}
	s.st.byTxn[t.TransactionID] = t
	s.st.order = append(s.st.order, t)
	return true
}

type inquiryResponse struct {
	Status        string  `json:"status"`
	Amount        string  `json:"amount"`
	Bank          *string `json:"bank"`
	ErrorDesc     *string `json:"errorDesc"`
	Checksum      string  `json:"checksum"`
	ErrorCode     *string `json:"errorCode"`
	CardHolder    *string `json:"cardHolder"`
	TransactionID string  `json:"transactionId"`
	CardNumber    *string `json:"cardNumber"`
	Token         string  `json:"token,omitempty"`
}

// lookup finds transactionID among kinds and applies time to it.
func (s *Server) lookup(id string, kinds ...Kind) (LedgerEntry, *txn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.st.byTxn[id]
	if !ok {
		return LedgerEntry{}, nil, false
	}
	for _, k := range kinds {
		if t.Kind == k {
			s.refreshLocked(t, s.Now())
			return t.LedgerEntry, t, true
		}
	}
	return LedgerEntry{}, nil, false
}

func (s *Server) handleInquiry(w http.ResponseWriter, r *http.Request, body []byte) {
	f, ok := s.parse(w, r, body, "transactionId", "checksum")
	if !ok {
		return
	}
	if !s.verify(MsgInquiryRequest, f.vals, f.get("checksum")) {
		s.badRequest(w, r, msgChecksum)
		return
	}
	e, _, found := s.lookup(f.get("transactionId"), KindInvoice, KindConfirmation)
	if !found {
		s.badRequest(w, r, msgNotFound)
		return
	}
	resp := inquiryResponse{
		Status:        statusOf(e),
		Amount:        e.Amount,
		ErrorDesc:     nullable(e.ErrorDesc),
		ErrorCode:     nullable(e.ErrorCode),
		CardHolder:    nullable(e.CardHolder),
		TransactionID: e.TransactionID,
		CardNumber:    nullable(e.CardNumber),
		Token:         e.Token,
	}
	if e.CardNumber != "" {
		resp.Bank = nullable(BankName)
	}
	resp.Checksum = s.sum(MsgInquiryResponse, map[string]string{
		"transactionId": e.TransactionID, "errorCode": e.ErrorCode, "amount": e.Amount, "token": e.Token})
	s.writeJSON(w, http.StatusOK, resp)
}

func statusOf(e LedgerEntry) string {
	if e.ErrorCode == "" {
		return "PENDING"
	}
	return "SENT"
}

type payResponse struct {
	Amount        string `json:"amount"`
	ErrorDesc     string `json:"errorDesc"`
	Checksum      string `json:"checksum"`
	ErrorCode     string `json:"errorCode"`
	CardNumber    string `json:"cardNumber"`
	TransactionID string `json:"transactionId"`
}

func (s *Server) handlePay(w http.ResponseWriter, r *http.Request, body []byte) {
	f, ok := s.parse(w, r, body, "amount", "checksum", "transactionId", "lang", "token")
	if !ok {
		return
	}
	id, amount, tok := f.get("transactionId"), f.get("amount"), f.get("token")
	switch lang := strings.ToUpper(f.get("lang")); {
	case !transactionIDRE.MatchString(id):
		s.badRequest(w, r, "transactionId: invalid format")
		return
	case !validAmount(amount):
		s.badRequest(w, r, "amount: invalid format")
		return
	case lang != "MN" && lang != "EN":
		s.badRequest(w, r, "lang: must be MN or EN")
		return
	case !s.verify(MsgPayRequest, f.vals, f.get("checksum")):
		s.badRequest(w, r, msgChecksum)
		return
	}
	now := s.Now()
	s.mu.Lock()
	if _, dup := s.st.byTxn[id]; dup {
		s.mu.Unlock()
		s.badRequest(w, r, msgDuplicated)
		return
	}
	sc, known := s.st.tokens[tok]
	if !known {
		s.mu.Unlock()
		s.badRequest(w, r, msgTokenAbsent)
		return
	}
	code, desc := cardResult(sc.card, now)
	t := &txn{LedgerEntry: LedgerEntry{
		TransactionID: id, Kind: KindPay, Amount: amount, State: StateDeclined,
		ErrorCode: code, ErrorDesc: desc, CardNumber: maskPAN(sc.card.Number), CardHolder: sc.holder,
		Token: tok, CreatedAt: now, UpdatedAt: now,
	}, payAmount: formatAmount2(amount)}
	if code == CodeApproved {
		t.State = StatePaid
		s.recordChargeLocked(t, now)
	}
	s.st.byTxn[id] = t
	s.st.order = append(s.st.order, t)
	s.mu.Unlock()
	s.writeJSON(w, http.StatusOK, payResponse{
		Amount:        t.payAmount,
		ErrorDesc:     desc,
		Checksum:      s.sum(MsgPayResponse, map[string]string{"transactionId": id, "errorCode": code, "amount": t.payAmount}),
		ErrorCode:     code,
		CardNumber:    t.CardNumber,
		TransactionID: id,
	})
}

type checkResponse struct {
	Amount        string `json:"amount"`
	ErrorDesc     string `json:"errorDesc"`
	Checksum      string `json:"checksum"`
	ErrorCode     string `json:"errorCode"`
	TransactionID string `json:"transactionId"`
	CardNumber    string `json:"cardNumber"`
	Token         string `json:"token,omitempty"`
}

func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request, body []byte) {
	f, ok := s.parse(w, r, body, "transactionId", "checksum")
	if !ok {
		return
	}
	if !s.verify(MsgCheckRequest, f.vals, f.get("checksum")) {
		s.badRequest(w, r, msgChecksum)
		return
	}
	e, t, found := s.lookup(f.get("transactionId"), KindPay)
	if !found {
		s.badRequest(w, r, msgNotFound)
		return
	}
	amount := t.payAmount
	s.writeJSON(w, http.StatusOK, checkResponse{
		Amount:    amount,
		ErrorDesc: e.ErrorDesc,
		Checksum: s.sum(MsgCheckResponse, map[string]string{
			"transactionId": e.TransactionID, "errorCode": e.ErrorCode, "amount": amount, "token": e.Token}),
		ErrorCode:     e.ErrorCode,
		TransactionID: e.TransactionID,
		CardNumber:    e.CardNumber,
		Token:         e.Token,
	})
}

func (s *Server) handleConfirmation(w http.ResponseWriter, r *http.Request, body []byte) {
	f, ok := s.parse(w, r, body, "callback", "checksum", "returnType", "transactionId")
	if !ok {
		return
	}
	id, rt, cb := f.get("transactionId"), f.get("returnType"), f.get("callback")
	switch {
	case !transactionIDRE.MatchString(id):
		s.badRequest(w, r, "transactionId: invalid format")
		return
	case rt != "GET" && rt != "POST" && rt != "MOBILE":
		s.badRequest(w, r, "returnType: must be GET, POST or MOBILE")
		return
	case !validCallback(cb):
		s.badRequest(w, r, "callback: invalid URL")
		return
	case !s.verify(MsgConfirmationRequest, f.vals, f.get("checksum")):
		s.badRequest(w, r, msgChecksum)
		return
	}
	t := &txn{LedgerEntry: LedgerEntry{
		TransactionID: id, Kind: KindConfirmation, ReturnType: rt, Callback: cb, GenToken: true, State: StateCreated,
	}}
	if !s.create(t) {
		s.badRequest(w, r, msgDuplicated)
		return
	}
	s.writeJSON(w, http.StatusOK, invoiceResponse{
		Checksum:      s.sum(MsgConfirmationResponse, map[string]string{"invoice": t.Invoice, "transactionId": id}),
		TransactionID: id,
		Invoice:       t.Invoice,
	})
}

type getTokenResponse struct {
	BankCode      *string `json:"bankCode"`
	Bank          *string `json:"bank"`
	ErrorDesc     *string `json:"errorDesc"`
	Checksum      string  `json:"checksum"`
	ErrorCode     *string `json:"errorCode"`
	CardHolder    *string `json:"cardHolder"`
	TransactionID string  `json:"transactionId"`
	CardNumber    *string `json:"cardNumber"`
	Token         string  `json:"token,omitempty"`
}

// BankCode is the bankCode the simulator reports in /api/get/token
// (invented).
const BankCode = "150000"

func (s *Server) handleGetToken(w http.ResponseWriter, r *http.Request, body []byte) {
	f, ok := s.parse(w, r, body, "transactionId", "checksum")
	if !ok {
		return
	}
	if !s.verify(MsgGetTokenRequest, f.vals, f.get("checksum")) {
		s.badRequest(w, r, msgChecksum)
		return
	}
	e, _, found := s.lookup(f.get("transactionId"), KindConfirmation, KindInvoice)
	if !found {
		s.badRequest(w, r, msgNotFound)
		return
	}
	resp := getTokenResponse{
		ErrorDesc:     nullable(e.ErrorDesc),
		ErrorCode:     nullable(e.ErrorCode),
		CardHolder:    nullable(e.CardHolder),
		TransactionID: e.TransactionID,
		CardNumber:    nullable(e.CardNumber),
		Token:         e.Token,
	}
	if e.CardNumber != "" {
		resp.Bank, resp.BankCode = nullable(BankName), nullable(BankCode)
	}
	resp.Checksum = s.sum(MsgGetTokenResponse, map[string]string{
		"transactionId": e.TransactionID, "token": e.Token, "errorCode": e.ErrorCode, "amount": e.Amount})
	s.writeJSON(w, http.StatusOK, resp)
}

type settlementRow struct {
	ID              int     `json:"id"`
	MerchantID      string  `json:"merchantId"`
	TerminalID      string  `json:"terminalId"`
	BatchNumber     string  `json:"batchNumber"`
	InvoiceNumber   string  `json:"invoiceNumber"`
	CardNumber      string  `json:"cardNumber"`
	Token           *string `json:"token"`
	Amount          string  `json:"amount"`
	MerchantInvoice string  `json:"merchantInvoice"`
	RespCode        string  `json:"respCode"`
	RespDesc        string  `json:"respDesc"`
	TranTime        string  `json:"tranTime"`
	TranDate        string  `json:"tranDate"`
	SysReference    string  `json:"sysReference"`
	ApprovalCode    string  `json:"approvalCode"`
	FreeText1       *string `json:"freeText1"`
	FreeText2       *string `json:"freeText2"`
	FreeText3       *string `json:"freeText3"`
	RequestDate     string  `json:"requestDate"`
	ReversedDate    *string `json:"reversedDate"`
	CheckedDate     string  `json:"checkedDate"`
	TransferStatus  string  `json:"transferStatus"`
}

type pageable struct {
	First         bool `json:"first"`
	Last          bool `json:"last"`
	TotalPages    int  `json:"totalPages"`
	TotalElements int  `json:"totalElements"`
}

type settlementResponse struct {
	Content  []settlementRow `json:"content"`
	Pageable pageable        `json:"pageable"`
}

// TerminalID is the terminal id of settlement rows (from the bank's
// example).
const TerminalID = "13161272"

func (s *Server) handleSettlement(w http.ResponseWriter, r *http.Request, body []byte) {
	q := r.URL.Query()
	page, size := 0, 20
	var err error
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 0 {
			s.badRequest(w, r, "page: must be a non-negative integer")
			return
		}
	}
	if v := q.Get("size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > 1000 {
			s.badRequest(w, r, "size: must be between 1 and 1000")
			return
		}
	}
	start, err1 := time.ParseInLocation("2006-01-02", q.Get("start"), ulaanbaatar)
	end, err2 := time.ParseInLocation("2006-01-02", q.Get("end"), ulaanbaatar)
	if err1 != nil || err2 != nil || end.Before(start) {
		s.badRequest(w, r, "start, end: required as YYYY-MM-DD, start <= end")
		return
	}
	f, ok := s.parse(w, r, body, "checksum", "token", "merchantId")
	if !ok {
		return
	}
	if !s.verify(MsgSettlementRequest, f.vals, f.get("checksum")) {
		s.badRequest(w, r, msgChecksum)
		return
	}
	if f.get("merchantId") != s.cfg.merchantID {
		s.badRequest(w, r, "Merchant not found.")
		return
	}
	end = end.AddDate(0, 0, 1) // inclusive end date
	var rows []settlementRow
	s.mu.Lock()
	for _, t := range s.st.order {
		if t.Charges == 0 || t.settledAt.Before(start) || !t.settledAt.Before(end) {
			continue
		}
		local := t.settledAt.In(ulaanbaatar)
		checked := "CHECKED"
		rows = append(rows, settlementRow{
			ID: t.settleID, MerchantID: s.cfg.merchantID, TerminalID: TerminalID,
			BatchNumber: "000001", InvoiceNumber: leftPad(strconv.Itoa(t.settleID%1000000), 6),
			CardNumber: t.CardNumber, Token: nullable(t.Token), Amount: t.Amount,
			MerchantInvoice: t.TransactionID, RespCode: "00", RespDesc: "Амжилттай",
			TranTime: local.Format("150405"), TranDate: local.Format("0102"),
			SysReference: t.sysRef, ApprovalCode: t.approval, FreeText2: &checked,
			RequestDate:    t.settledAt.UTC().Format(timestampLayout),
			CheckedDate:    t.settledAt.Add(6 * time.Hour).UTC().Format(timestampLayout),
			TransferStatus: "NEW",
		})
	}
	s.mu.Unlock()
	total := len(rows)
	pages := (total + size - 1) / size
	from := min(page*size, total)
	to := min(from+size, total)
	content := rows[from:to]
	if content == nil {
		content = []settlementRow{}
	}
	s.writeJSON(w, http.StatusOK, settlementResponse{Content: content, Pageable: pageable{
		First: page == 0, Last: page >= pages-1, TotalPages: pages, TotalElements: total,
	}})
}

func leftPad(v string, n int) string {
	for len(v) < n {
		v = "0" + v
	}
	return v
}
