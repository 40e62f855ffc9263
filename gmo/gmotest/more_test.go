package gmotest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/payment/gmo/gmotest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"
)

func TestTokens(t *testing.T) {
	clock := gmotest.NewManualClock(jan1)
	s := gmotest.NewServer(gmotest.WithClock(clock))
	defer s.Close()

	exec := func(order, tok string) answer {
		id, pass := entry(t, s, order, "AUTH", "100")
		return call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", order, "Method", "1", "Token", tok))
	}
	tok := token(t, s, gmotest.CardApprove)
	assert.Len(t, tok, 64)
	assert.Equal(t, "0", exec("tok-1", tok).get("ACS"))
	assert.Equal(t, "ErrCode=EX1&ErrInfo=EX1000302", exec("tok-2", tok).raw, "single use")

	old := token(t, s, gmotest.CardApprove)
	s.Advance(30 * time.Minute)
	assert.Equal(t, "ErrCode=EX1&ErrInfo=EX1000303", exec("tok-3", old).raw, "expired after 30 minutes")
	assert.Equal(t, jan1.Add(30*time.Minute), clock.Now(), "Advance moves the manual clock")

	_, err := s.IssueToken("4111", "203012", "", "")
	var te *gmotest.TokenError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "102", te.Code)
}

func TestTokenEndpoint(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	post := func(body string) map[string]any {
		resp, err := http.Post(s.URL()+"/ext/api/credit/getToken", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return m
	}
	m := post(`{"cardNo":"4111111111111111","expire":"203012","securityCode":"123","holderName":"TARO","tokenNumber":"2"}`)
	assert.Equal(t, []any{"000"}, m["resultCode"])
	obj := m["tokenObject"].(map[string]any)
	toks := obj["token"].([]any)
	require.Len(t, toks, 2)
	assert.Equal(t, "411111******1111", obj["maskedCardNo"])

	id, pass := entry(t, s, "tep-1", "CAPTURE", "100")
	a := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "tep-1", "Method", "1", "Token", toks[1].(string)))
	assert.Equal(t, "0", a.get("ACS"), a.raw)

	assert.Equal(t, []any{"110"}, post(`{"cardNo":"4111111111111111"}`)["resultCode"])
	assert.Equal(t, []any{"901"}, post(`not json`)["resultCode"])

	resp, err := http.Get(s.URL() + "/ext/js/token.js")
	require.NoError(t, err)
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(js), "Multipayment")
}

// merchant is a notification receiver answering from a script.
type merchant struct {
	mu      sync.Mutex
	answers []string // answer i for request i; "0" after the script
	got     []*http.Request
	forms   []map[string]string
}

func (m *merchant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	defer m.mu.Unlock()
	f := map[string]string{}
	for _, p := range strings.Split(string(body), "&") {
		k, v, _ := strings.Cut(p, "=")
		f[k] = v
	}
	m.got = append(m.got, r)
	m.forms = append(m.forms, f)
	ans := "0"
	if n := len(m.got) - 1; n < len(m.answers) {
		ans = m.answers[n]
	}
	_, _ = io.WriteString(w, ans)
}

func (m *merchant) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.got)
}

func TestNextNotification(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	id, _, a := pay(t, s, "note-1", "CAPTURE", "1200", gmotest.CardApprove)
	require.Equal(t, "0", a.get("ACS"))

	req, err := s.NextNotification("note-1")
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "application/x-www-form-urlencoded", req.Header.Get("Content-Type"))
	require.NoError(t, req.ParseForm())
	f := req.PostForm
	assert.Equal(t, s.Credentials().ShopID, f.Get("ShopID"))
	assert.Equal(t, "**********", f.Get("ShopPass"), "ShopPass masked")
	assert.Equal(t, id, f.Get("AccessID"))
	assert.Equal(t, strings.Repeat("*", 32), f.Get("AccessPass"), "AccessPass masked")
	assert.Equal(t, "CAPTURE", f.Get("Status"))
	assert.Equal(t, "1200", f.Get("Amount"))
	assert.Equal(t, "JPN", f.Get("Currency"))
	assert.Equal(t, "0", f.Get("PayType"))
	assert.Equal(t, a.get("TranID"), f.Get("TranID"))
	assert.Empty(t, f.Get("ErrInfo"))

	_, err = s.NextNotification("note-1")
	assert.Error(t, err, "taken")
	_, err = s.NextNotification("nope")
	assert.Error(t, err)

	_, _, a = pay(t, s, "note-2", "AUTH", "10", gmotest.CardInsufficientFunds)
	require.Equal(t, "G02", a.get("ErrCode"))
	req, err = s.NextNotification("note-2")
	require.NoError(t, err)
	require.NoError(t, req.ParseForm())
	assert.Equal(t, "42G020000", req.PostForm.Get("ErrInfo"), "declines are notified with the error")

	ping, err := s.PingNotification()
	require.NoError(t, err)
	require.NoError(t, ping.ParseForm())
	assert.Equal(t, "E00000000", ping.PostForm.Get("ErrInfo"))
}

func TestKonbiniNotification(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	sj, err := japanese.ShiftJIS.NewEncoder().String("山田")
	require.NoError(t, err)
	cid, cpass := cvsEntry(t, s, "cvsn-2", "1500")
	a := call(t, s, "ExecTranCvs", cvsExec(cid, cpass, "cvsn-2", sj))
	require.Empty(t, a.get("ErrCode"), a.raw)
	req, err := s.NextNotification("cvsn-2")
	require.NoError(t, err)
	body, _ := io.ReadAll(req.Body)
	assert.Contains(t, string(body), "Status=REQSUCCESS")
	assert.Contains(t, string(body), "PayType=3")
	assert.Contains(t, string(body), "CvsCode=10001")
}

func TestBackgroundDelivery(t *testing.T) {
	m := &merchant{answers: []string{"0", "1", "error", "0"}}
	hs := httptest.NewServer(m)
	defer hs.Close()
	clock := gmotest.NewManualClock(jan1)
	s := gmotest.NewServer(gmotest.WithClock(clock), gmotest.WithNotifyURL(hs.URL), gmotest.WithConnectivityCheck())
	defer s.Close()

	// Wait on recorded deliveries (recorded after the resend is scheduled)
	// before moving the clock.
	delivered := func(n int) func() bool { return func() bool { return len(s.Deliveries()) == n } }
	require.Eventually(t, delivered(1), 5*time.Second, 5*time.Millisecond, "ping first")
	_, _, a := pay(t, s, "bg-1", "CAPTURE", "100", gmotest.CardApprove)
	require.Equal(t, "0", a.get("ACS"))
	require.Eventually(t, delivered(2), 5*time.Second, 5*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 2, m.count(), "no resend before the interval")
	s.Advance(59 * time.Minute)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 2, m.count(), "still no resend")
	s.Advance(time.Minute)
	require.Eventually(t, delivered(3), 5*time.Second, 5*time.Millisecond, "resend after 60 minutes")
	s.Advance(time.Hour)
	require.Eventually(t, delivered(4), 5*time.Second, 5*time.Millisecond)
	s.Advance(time.Hour)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 4, m.count(), "answered 0: done")

	d := s.Deliveries()
	require.Len(t, d, 4)
	assert.Equal(t, "E00000000", d[0].ErrInfo)
	assert.Equal(t, []bool{true, false, false, true}, []bool{d[0].OK, d[1].OK, d[2].OK, d[3].OK})
	assert.Equal(t, []int{1, 1, 2, 3}, []int{d[0].Attempt, d[1].Attempt, d[2].Attempt, d[3].Attempt})
	m.mu.Lock()
	assert.Equal(t, "bg-1", m.forms[1]["OrderID"])
	m.mu.Unlock()
}

func TestDeliveryGivesUp(t *testing.T) {
	m := &merchant{answers: strings.Split(strings.Repeat("1,", 10), ",")}
	hs := httptest.NewServer(m)
	defer hs.Close()
	s := gmotest.NewServer(gmotest.WithClock(gmotest.NewManualClock(jan1)), gmotest.WithNotifyURL(hs.URL), gmotest.WithNotifyRetry(time.Minute, 2))
	defer s.Close()
	pay(t, s, "gu-1", "CAPTURE", "100", gmotest.CardApprove)
	for i := 1; i <= 3; i++ {
		require.Eventually(t, func() bool { return len(s.Deliveries()) == i }, 5*time.Second, 5*time.Millisecond)
		s.Advance(time.Minute)
	}
	s.Advance(time.Minute)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 3, m.count(), "first attempt plus 2 resends")
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name      string
		f         gmotest.Fault
		wantErr   bool   // transport error
		status    int    // when no transport error
		body      string // substring
		processed bool
	}{
		{"delay", gmotest.Fault{Kind: gmotest.FaultDelay, Delay: 50 * time.Millisecond}, false, 200, "ACS=0", true},
		{"drop before", gmotest.Fault{Kind: gmotest.FaultDropBeforeProcess}, true, 0, "", false},
		{"drop after", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess}, true, 0, "", true},
		{"503 before", gmotest.Fault{Kind: gmotest.FaultServerError}, false, 503, "Service Unavailable", false},
		{"500 after", gmotest.Fault{Kind: gmotest.FaultServerErrorAfterProcess}, false, 500, "Internal Server Error", true},
		{"E91 without processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknown}, false, 200, "ErrCode=E91&ErrInfo=E91020001", false},
		{"E90 after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E90010001"}, false, 200, "ErrCode=E90&ErrInfo=E90010001", true},
		{"42C after processing", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "42C010000"}, false, 200, "ErrCode=C01&ErrInfo=42C010000", true},
		{"HTML 200", gmotest.Fault{Kind: gmotest.FaultHTML}, false, 200, "<html", false},
		{"HTML 403", gmotest.Fault{Kind: gmotest.FaultHTML, Status: 403}, false, 403, "<html", false},
		{"slow answer after processing", gmotest.Fault{Kind: gmotest.FaultDelayAfterProcess, Delay: 50 * time.Millisecond}, false, 200, "ACS=0", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := gmotest.NewServer()
			defer s.Close()
			order := fmt.Sprintf("flt-%d", i)
			id, pass := entry(t, s, order, "CAPTURE", "700")
			s.InjectFault("ExecTran", tt.f)
			v := vals("AccessID", id, "AccessPass", pass, "OrderID", order, "Method", "1", "Token", token(t, s, gmotest.CardApprove))
			resp, err := http.Post(s.URL()+"/payment/ExecTran.idPass", form, strings.NewReader(v.Encode()))
			if tt.wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.Equal(t, tt.status, resp.StatusCode)
				assert.Contains(t, string(b), tt.body)
			}
			e, _ := s.Ledger(order)
			st := call(t, s, "SearchTrade", shop(s, "OrderID", order))
			if tt.processed {
				assert.Equal(t, "CAPTURE", st.get("Status"))
				assert.Equal(t, 1, e.Charges)
			} else {
				assert.Equal(t, "UNPROCESSED", st.get("Status"))
				assert.Equal(t, 0, e.Charges)
			}
			// The fault was consumed: a re-execution is refused or works normally, never a 2nd charge.
			again := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", order, "Method", "1", "Token", token(t, s, gmotest.CardApprove)))
			if tt.processed {
				assert.Equal(t, "ErrCode=E11&ErrInfo=E11010001", again.raw)
			} else {
				assert.Equal(t, "0", again.get("ACS"), again.raw)
			}
			e, _ = s.Ledger(order)
			assert.Equal(t, 1, e.Charges, "money moved exactly once")
			assert.Equal(t, 2, s.Calls("ExecTran"))
		})
	}
}

func TestFaultFuncAndWildcard(t *testing.T) {
	var mu sync.Mutex
	n := 0
	s := gmotest.NewServer(gmotest.WithFaultFunc(func(api string) (gmotest.Fault, bool) {
		mu.Lock()
		defer mu.Unlock()
		n++
		return gmotest.Fault{Kind: gmotest.FaultServerError, Status: 502}, api == "SearchTrade" && n%2 == 1
	}))
	defer s.Close()
	assert.Equal(t, 502, call(t, s, "SearchTrade", shop(s, "OrderID", "x")).status)
	assert.Equal(t, 200, call(t, s, "SearchTrade", shop(s, "OrderID", "x")).status)
	s.InjectFault("*", gmotest.Fault{Kind: gmotest.FaultHTML})
	assert.Contains(t, call(t, s, "EntryTran", shop(s)).raw, "<html")
	assert.Equal(t, 3, s.Requests())
}

func TestMembersAndCards(t *testing.T) {
	s := gmotest.NewServer(gmotest.WithRawCardNumbers())
	defer s.Close()
	assert.Equal(t, "MemberID=1362106992", call(t, s, "SaveMember", site(s, "MemberID", "1362106992", "MemberName", "John Smith")).raw)
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01390010", call(t, s, "SaveMember", site(s, "MemberID", "1362106992")).raw)
	assert.Equal(t, "MemberID=1362106992&MemberName=John Smith&DeleteFlag=0", call(t, s, "SearchMember", site(s, "MemberID", "1362106992")).raw, "recorded")
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01210002", call(t, s, "SearchMember", vals("SiteID", "tsite99999999", "SitePass", "x", "MemberID", "1362106992")).raw)
	assert.Equal(t, "ErrCode=E01|E01&ErrInfo=E01190001|E01200001", call(t, s, "SearchMember", vals("MemberID", "1")).raw, "site credentials missing")

	sc := call(t, s, "SaveCard", site(s, "MemberID", "1362106992", "CardNo", "4111111111111111", "Expire", "1405"))
	assert.Equal(t, "CardSeq=0&CardNo=*************111&Forward=2a99662", sc.raw)
	assert.Equal(t, "CardSeq=0&DefaultFlag=0&CardName=&CardNo=*************111&Expire=1405&HolderName=&DeleteFlag=0",
		call(t, s, "SearchCard", site(s, "MemberID", "1362106992", "SeqMode", "0", "CardSeq", "0")).raw, "recorded")

	tok, err := s.IssueToken(gmotest.CardApproveMaster, "203011", "", "HANAKO")
	require.NoError(t, err)
	assert.Equal(t, "CardSeq=1&CardNo=*************444&Forward=2a99662", call(t, s, "SaveCard", site(s, "MemberID", "1362106992", "Token", tok, "DefaultFlag", "1")).raw)
	all := call(t, s, "SearchCard", site(s, "MemberID", "1362106992", "SeqMode", "0"))
	assert.Equal(t, "0|1", all.get("CardSeq"), "column-oriented")
	assert.Equal(t, "0|1", all.get("DefaultFlag"))
	assert.Equal(t, "1405|3011", all.get("Expire"))
	assert.Equal(t, "|HANAKO", all.get("HolderName"))

	// Pay with the default card (CardSeq omitted → the Mastercard).
	id, pass := entry(t, s, "mem-1", "AUTH", "800")
	a := call(t, s, "ExecTran", site(s, "AccessID", id, "AccessPass", pass, "OrderID", "mem-1", "Method", "1", "MemberID", "1362106992"))
	require.Equal(t, "0", a.get("ACS"), a.raw)
	st := call(t, s, "SearchTrade", shop(s, "OrderID", "mem-1"))
	assert.Equal(t, "1362106992", st.get("MemberID"))
	assert.Equal(t, s.Credentials().SiteID, st.get("SiteID"))
	assert.Equal(t, "************4444", st.get("CardNo"))

	assert.Equal(t, "CardSeq=0", call(t, s, "DeleteCard", site(s, "MemberID", "1362106992", "SeqMode", "1", "CardSeq", "0")).raw)
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01240002", call(t, s, "SearchCard", site(s, "MemberID", "1362106992", "SeqMode", "1", "CardSeq", "0")).raw)
	phys := call(t, s, "SearchCard", site(s, "MemberID", "1362106992", "SeqMode", "1"))
	assert.Equal(t, "0|1", phys.get("CardSeq"), "physical numbering lists deleted cards")
	assert.Equal(t, "1|0", phys.get("DeleteFlag"))
	logical := call(t, s, "SearchCard", site(s, "MemberID", "1362106992", "SeqMode", "0"))
	assert.Equal(t, "0", logical.get("CardSeq"), "logical numbering closes the gap")

	// Stored-card execution with a bad site.
	id, pass = entry(t, s, "mem-2", "AUTH", "800")
	bad := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "mem-2", "Method", "1", "SiteID", "tsite00000001", "SitePass", "wrong", "MemberID", "1362106992"))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01210002", bad.raw)

	tc := call(t, s, "TradedCard", shop(s, "SiteID", s.Credentials().SiteID, "SitePass", s.Credentials().SitePass, "OrderID", "mem-1", "MemberID", "1362106992"))
	assert.Equal(t, "CardSeq=1&CardNo=*************444&Forward=2a99662", tc.raw, "logical: the deleted card closes the gap")
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01110010", call(t, s, "TradedCard", shop(s, "SiteID", s.Credentials().SiteID, "SitePass", s.Credentials().SitePass, "OrderID", "mem-2", "MemberID", "1362106992")).raw, "not executed")
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01110002", call(t, s, "TradedCard", shop(s, "SiteID", s.Credentials().SiteID, "SitePass", s.Credentials().SitePass, "OrderID", "nope", "MemberID", "1362106992")).raw)

	assert.Equal(t, "MemberID=1362106992", call(t, s, "DeleteMember", site(s, "MemberID", "1362106992")).raw)
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01390002", call(t, s, "SearchMember", site(s, "MemberID", "1362106992")).raw)
}

func cvsEntry(t *testing.T, s *gmotest.Server, order, amount string) (string, string) {
	t.Helper()
	a := call(t, s, "EntryTranCvs", shop(s, "OrderID", order, "Amount", amount))
	require.Empty(t, a.get("ErrCode"), a.raw)
	assert.Equal(t, []string{"OrderID", "AccessID", "AccessPass"}, a.keys)
	return a.get("AccessID"), a.get("AccessPass")
}

func cvsExec(id, pass, order, name string) map[string][]string {
	kana, _ := japanese.ShiftJIS.NewEncoder().String("ヤマダ　タロウ")
	contact, _ := japanese.ShiftJIS.NewEncoder().String("ケッサイ窓口")
	return vals("AccessID", id, "AccessPass", pass, "OrderID", order, "Convenience", "10001",
		"CustomerName", name, "CustomerKana", kana, "TelNo", "03-1234-5678", "PaymentTermDay", "3",
		"ReceiptsDisp11", contact, "ReceiptsDisp12", "0312345678", "ReceiptsDisp13", "09:00-18:00")
}

func TestKonbini(t *testing.T) {
	s := gmotest.NewServer(gmotest.WithClock(gmotest.NewManualClock(jan1)))
	defer s.Close()
	name, _ := japanese.ShiftJIS.NewEncoder().String("山田太郎")

	id, pass := cvsEntry(t, s, "cvs-1", "1500")
	bad := call(t, s, "ExecTranCvs", vals("AccessID", id, "AccessPass", pass, "OrderID", "cvs-1", "Convenience", "10001",
		"CustomerName", "Yamada", "CustomerKana", "ﾔﾏﾀﾞ", "TelNo", "x", "ReceiptsDisp11", "a", "ReceiptsDisp12", "1", "ReceiptsDisp13", "9-5"))
	assert.Equal(t, "ErrCode=M01|M01|M01|M01&ErrInfo=M01010013|M01011013|M01012008|M01033008", bad.raw)

	a := call(t, s, "ExecTranCvs", cvsExec(id, pass, "cvs-1", name))
	require.Empty(t, a.get("ErrCode"), a.raw)
	assert.Equal(t, []string{"OrderID", "Convenience", "ConfNo", "ReceiptNo", "PaymentTerm", "TranDate", "CheckString"}, a.keys)
	assert.Equal(t, "20300113235959", a.get("PaymentTerm"), "3 days, end of day JST")
	m := call(t, s, "SearchTradeMulti", shop(s, "OrderID", "cvs-1", "PayType", "3"))
	assert.Equal(t, "REQSUCCESS", m.get("Status"))
	assert.Equal(t, a.get("ConfNo"), m.get("CvsConfNo"))
	assert.Equal(t, "JPN", m.get("Currency"))

	require.NoError(t, s.PayVoucher("cvs-1"))
	assert.Error(t, s.PayVoucher("cvs-1"), "paid twice")
	e, _ := s.Ledger("cvs-1")
	assert.Equal(t, "PAYSUCCESS", e.Status)
	assert.Equal(t, 1, e.Paid)
	assert.Equal(t, int64(1500), e.Captured)

	id, pass = cvsEntry(t, s, "cvs-2", "900")
	require.Empty(t, call(t, s, "ExecTranCvs", cvsExec(id, pass, "cvs-2", name)).get("ErrCode"))
	s.Advance(4 * 24 * time.Hour)
	e, _ = s.Ledger("cvs-2")
	assert.Equal(t, "EXPIRED", e.Status, "deadline passed")
	assert.Error(t, s.PayVoucher("cvs-2"))
	var statuses []string
	for {
		req, err := s.NextNotification("cvs-2")
		if err != nil {
			break
		}
		require.NoError(t, req.ParseForm())
		statuses = append(statuses, req.PostForm.Get("Status"))
	}
	assert.Equal(t, []string{"REQSUCCESS", "EXPIRED"}, statuses)

	id, pass = cvsEntry(t, s, "cvs-3", "900")
	require.Empty(t, call(t, s, "ExecTranCvs", cvsExec(id, pass, "cvs-3", name)).get("ErrCode"))
	assert.Equal(t, "OrderID=cvs-3&Status=CANCEL", call(t, s, "CvsCancel", shop(s, "AccessID", id, "AccessPass", pass, "OrderID", "cvs-3")).raw)
	assert.Equal(t, "ErrCode=E11&ErrInfo=E11010003", call(t, s, "CvsCancel", shop(s, "AccessID", id, "AccessPass", pass, "OrderID", "cvs-3")).raw)

	assert.Equal(t, "ErrCode=M01|M01|M01&ErrInfo=M01051005|M01051011|M01004002",
		call(t, s, "SearchTradeMulti", shop(s, "OrderID", "null", "PayType", "null")).raw, "recorded")
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01110002", call(t, s, "SearchTrade", shop(s, "OrderID", "cvs-1")).raw, "SearchTrade is card only")
}

func TestPayEasy(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	name, _ := japanese.ShiftJIS.NewEncoder().String("山田太郎")
	a := call(t, s, "EntryTranPayEasy", shop(s, "OrderID", "pe-1", "Amount", "5000"))
	require.Empty(t, a.get("ErrCode"), a.raw)
	v := cvsExec(a.get("AccessID"), a.get("AccessPass"), "pe-1", name)
	delete(v, "Convenience")
	x := call(t, s, "ExecTranPayEasy", v)
	require.Empty(t, x.get("ErrCode"), x.raw)
	assert.Equal(t, []string{"OrderID", "CustID", "BkCode", "ConfNo", "EncryptReceiptNo", "PaymentTerm", "TranDate", "CheckString"}, x.keys, "recorded order")
	require.NoError(t, s.PayVoucher("pe-1"))
	m := call(t, s, "SearchTradeMulti", shop(s, "OrderID", "pe-1", "PayType", "4"))
	assert.Equal(t, "PAYSUCCESS", m.get("Status"))
	assert.Equal(t, x.get("CustID"), m.get("CustID"))
}

func TestConcurrentExecution(t *testing.T) {
	// Many clients race to execute the same order: exactly one charge.
	s := gmotest.NewServer()
	defer s.Close()
	id, pass := entry(t, s, "race-1", "CAPTURE", "100")
	const n = 16
	toks := make([]string, n)
	for i := range toks {
		toks[i] = token(t, s, gmotest.CardApprove)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v := vals("AccessID", id, "AccessPass", pass, "OrderID", "race-1", "Method", "1", "Token", toks[i])
			resp, err := http.Post(s.URL()+"/payment/ExecTran.idPass", form, strings.NewReader(v.Encode()))
			if err != nil {
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.HasPrefix(string(b), "ACS=0") {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}(i)
	}
	// Meanwhile, other orders and inquiries proceed.
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			order := fmt.Sprintf("race-o-%d", i)
			_, _, _ = pay(t, s, order, "AUTH", "10", gmotest.CardApprove)
			_ = s.Ledgers()
		}(i)
	}
	wg.Wait()
	assert.Equal(t, 1, ok)
	e, _ := s.Ledger("race-1")
	assert.Equal(t, 1, e.Charges)
	assert.Len(t, s.Ledgers(), n+1)
}

func TestStatusPage(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	pay(t, s, "page-1", "CAPTURE", "100", gmotest.CardApprove)
	resp, err := http.Get(s.URL() + "/gmotest/status")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(b), "page-1")
	assert.Contains(t, string(b), "************1111")
	assert.NotContains(t, string(b), "4111111111111111", "no PAN")
	assert.NotContains(t, string(b), s.Credentials().ShopPass, "no password")
}

func TestCloseStopsDelivery(t *testing.T) {
	block := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer hs.Close()
	defer close(block)
	s := gmotest.NewServer(gmotest.WithNotifyURL(hs.URL))
	pay(t, s, "close-1", "CAPTURE", "100", gmotest.CardApprove)
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the notifier")
	}
}

func TestDelayAndClientTimeout(t *testing.T) {
	tests := []struct {
		name      string
		kind      gmotest.FaultKind
		processed bool
	}{
		{"delay before processing", gmotest.FaultDelay, false},
		{"delay after processing", gmotest.FaultDelayAfterProcess, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := gmotest.NewServer()
			defer s.Close()
			id, pass := entry(t, s, "slow-1", "CAPTURE", "100")
			s.InjectFault("ExecTran", gmotest.Fault{Kind: tt.kind, Delay: 2 * time.Second})
			c := &http.Client{Timeout: 100 * time.Millisecond}
			v := vals("AccessID", id, "AccessPass", pass, "OrderID", "slow-1", "Method", "1", "Token", token(t, s, gmotest.CardApprove))
			_, err := c.Post(s.URL()+"/payment/ExecTran.idPass", form, strings.NewReader(v.Encode()))
			require.Error(t, err, "client timed out")
			want := "UNPROCESSED"
			if tt.processed {
				want = "CAPTURE"
			}
			// Give the simulator time to notice the client left.
			time.Sleep(200 * time.Millisecond)
			e, _ := s.Ledger("slow-1")
			assert.Equal(t, want, e.Status)
		})
	}
}

func TestDuplicateSubmissionWhileInFlight(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	id, pass := entry(t, s, "e90-1", "CAPTURE", "100")
	s.InjectFault("ExecTran", gmotest.Fault{Kind: gmotest.FaultDelay, Delay: 300 * time.Millisecond})
	v := vals("AccessID", id, "AccessPass", pass, "OrderID", "e90-1", "Method", "1", "Token", token(t, s, gmotest.CardApprove))
	first := make(chan answer, 1)
	go func() {
		resp, err := http.Post(s.URL()+"/payment/ExecTran.idPass", form, strings.NewReader(v.Encode()))
		if err != nil {
			first <- answer{raw: err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		first <- answer{raw: string(b)}
	}()
	require.Eventually(t, func() bool { return s.Calls("ExecTran") == 1 }, 5*time.Second, time.Millisecond)
	second := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "e90-1", "Method", "1", "Token", token(t, s, gmotest.CardApprove)))
	assert.Equal(t, "ErrCode=E90&ErrInfo=E90010001", second.raw, "duplicate while the first is in flight")
	search := call(t, s, "SearchTrade", shop(s, "OrderID", "e90-1"))
	assert.Equal(t, "UNPROCESSED", search.get("Status"), "searches are not refused")
	assert.True(t, strings.HasPrefix((<-first).raw, "ACS=0"), "the first one proceeds")
	e, _ := s.Ledger("e90-1")
	assert.Equal(t, 1, e.Charges)
	third := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "e90-1", "Method", "1", "Token", token(t, s, gmotest.CardApprove)))
	assert.Equal(t, "ErrCode=E11&ErrInfo=E11010001", third.raw)
}

func TestStatusControls(t *testing.T) {
	s := gmotest.NewServer(gmotest.WithClock(gmotest.NewManualClock(jan1)))
	defer s.Close()
	id, pass := cvsEntry(t, s, "ctl-1", "700")
	name, _ := japanese.ShiftJIS.NewEncoder().String("山田")
	require.Empty(t, call(t, s, "ExecTranCvs", cvsExec(id, pass, "ctl-1", name)).get("ErrCode"))
	page := func() string {
		resp, err := http.Get(s.URL() + "/gmotest/status")
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	assert.Contains(t, page(), `action="/gmotest/pay"`)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(s.URL()+"/gmotest/pay", map[string][]string{"order": {"ctl-1"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	e, _ := s.Ledger("ctl-1")
	assert.Equal(t, "PAYSUCCESS", e.Status)
	resp, err = noRedirect.PostForm(s.URL()+"/gmotest/pay", map[string][]string{"order": {"ctl-1"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "paid already")

	resp, err = noRedirect.PostForm(s.URL()+"/gmotest/advance", map[string][]string{"d": {"2h"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, jan1.Add(2*time.Hour), s.Now())
	resp, err = noRedirect.PostForm(s.URL()+"/gmotest/advance", map[string][]string{"d": {"-1h"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
