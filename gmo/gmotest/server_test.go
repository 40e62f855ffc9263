package gmotest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kessai/payment/gmo/gmotest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWireShape(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	tests := []struct {
		name, method, ctype, body string
		want                      string
	}{
		{"GET is refused", http.MethodGet, "", "", "ErrCode=E31&ErrInfo=E31500014"},
		{"no content type: parameters ignored", http.MethodPost, "", shop(s, "OrderID", "o-1", "JobCd", "AUTH", "Amount", "100").Encode(),
			"ErrCode=E01|E01|E01|E01|E01&ErrInfo=E01010001|E01020001|E01040001|E01050001|E01060001"},
		{"text/plain is not a form", http.MethodPost, "text/plain", shop(s, "OrderID", "o-1", "JobCd", "AUTH", "Amount", "100").Encode(),
			"ErrCode=E01|E01|E01|E01|E01&ErrInfo=E01010001|E01020001|E01040001|E01050001|E01060001"},
		{"recorded: OrderID/JobCd/Amount null", http.MethodPost, form, shop(s, "OrderID", "null", "JobCd", "null", "Amount", "null").Encode(),
			"ErrCode=E01|E01&ErrInfo=E01050002|E01060006"},
		{"bad shop", http.MethodPost, form, vals("ShopID", "tshop99999999", "ShopPass", "nope", "OrderID", "o-2", "JobCd", "AUTH", "Amount", "1").Encode(),
			"ErrCode=E01&ErrInfo=E01030002"},
		{"order id too long and bad chars", http.MethodPost, form, shop(s, "OrderID", strings.Repeat("x", 27)+"_", "JobCd", "AUTH", "Amount", "1").Encode(),
			"ErrCode=E01|E01&ErrInfo=E01040003|E01040013"},
		{"amount too long", http.MethodPost, form, shop(s, "OrderID", "o-3", "JobCd", "AUTH", "Amount", "12345678").Encode(),
			"ErrCode=E01&ErrInfo=E01060005"},
		{"amount plus tax too long", http.MethodPost, form, shop(s, "OrderID", "o-4", "JobCd", "AUTH", "Amount", "9999999", "Tax", "1").Encode(),
			"ErrCode=E01&ErrInfo=E01490005"},
		{"unknown API", http.MethodPost, form, "", "ErrCode=E91&ErrInfo=E91099997"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := s.URL() + "/payment/EntryTran.idPass"
			if tt.name == "unknown API" {
				target = s.URL() + "/payment/NoSuchApi.idPass"
			}
			a := do(t, tt.method, target, tt.ctype, tt.body)
			assert.Equal(t, http.StatusOK, a.status, "business errors are HTTP 200")
			assert.Equal(t, "text/plain;charset=Windows-31J", a.ctype)
			assert.Equal(t, tt.want, a.raw)
		})
	}
}

func TestCardLifecycle(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()

	id, pass, a := pay(t, s, "life-1", "AUTH", "1000", gmotest.CardApprove)
	require.Equal(t, "0", a.get("ACS"), a.raw)
	assert.Equal(t, []string{"ACS", "OrderID", "Forward", "Method", "PayTimes", "Approve", "TranID", "TranDate", "CheckString"}, a.keys)
	assert.Equal(t, s.CheckString("life-1", a.get("Forward"), "1", "", a.get("Approve"), a.get("TranID"), a.get("TranDate")), a.get("CheckString"))

	st := call(t, s, "SearchTrade", shop(s, "OrderID", "life-1"))
	assert.Equal(t, []string{"OrderID", "Status", "ProcessDate", "JobCd", "AccessID", "AccessPass", "ItemCode", "Amount", "Tax",
		"SiteID", "MemberID", "CardNo", "Expire", "Method", "PayTimes", "Forward", "TranID", "Approve",
		"ClientField1", "ClientField2", "ClientField3"}, st.keys, "recorded field order")
	assert.Equal(t, "AUTH", st.get("Status"))
	assert.Equal(t, "************1111", st.get("CardNo"))
	assert.Equal(t, "3012", st.get("Expire"))
	assert.Equal(t, pass, st.get("AccessPass"), "SearchTrade returns AccessPass")

	alter := func(job, amount string) answer {
		return call(t, s, "AlterTran", shop(s, "AccessID", id, "AccessPass", pass, "JobCd", job, "Amount", amount))
	}
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01060010", alter("SALES", "999").raw, "SALES must equal the authorized amount")
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01050004", alter("RETURN", "").raw, "RETURN of an authorization")
	sales := alter("SALES", "1000")
	assert.Equal(t, []string{"AccessID", "AccessPass", "Forward", "Approve", "TranID", "TranDate"}, sales.keys, sales.raw)
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01050004", alter("SALES", "1000").raw, "second SALES")

	ch := call(t, s, "ChangeTran", shop(s, "AccessID", id, "AccessPass", pass, "JobCd", "CAPTURE", "Amount", "600"))
	require.Empty(t, ch.get("ErrCode"), ch.raw)
	assert.Empty(t, alter("RETURN", "").get("ErrCode"))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01050004", alter("VOID", "").raw, "void after return")

	e, ok := s.Ledger("life-1")
	require.True(t, ok)
	assert.Equal(t, "RETURN", e.Status)
	assert.Equal(t, 1, e.Charges, "charged once")
	assert.Equal(t, 1, e.Sales)
	assert.Equal(t, 2, e.Refunds, "partial via ChangeTran, then RETURN")
	assert.Equal(t, int64(1000), e.Captured)
	assert.Equal(t, int64(1000), e.Refunded)
	assert.Equal(t, int64(0), e.Authorized)
}

func TestDuplicatesAndReExecution(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()

	// A declined order still owns its OrderID.
	_, _, a := pay(t, s, "dup-1", "CAPTURE", "500", gmotest.CardInsufficientFunds)
	assert.Equal(t, "ErrCode=G02&ErrInfo=42G020000", a.raw)
	dup := call(t, s, "EntryTran", shop(s, "OrderID", "dup-1", "JobCd", "CAPTURE", "Amount", "500"))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01040010", dup.raw)

	id, pass, a := pay(t, s, "dup-2", "CAPTURE", "500", gmotest.CardApprove)
	require.Equal(t, "0", a.get("ACS"), a.raw)
	again := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "dup-2", "Method", "1", "Token", token(t, s, gmotest.CardApprove)))
	assert.Equal(t, "ErrCode=E11&ErrInfo=E11010001", again.raw, "re-execution refused")
	e, _ := s.Ledger("dup-2")
	assert.Equal(t, 1, e.Charges, "never a second charge")
	assert.Equal(t, int64(500), e.Captured)

	bad := call(t, s, "AlterTran", shop(s, "AccessID", "zz", "AccessPass", "yy", "JobCd", "SALES", "Amount", "100"))
	assert.Equal(t, "ErrCode=E01|E01|E01&ErrInfo=E01090008|E01100008|E01110002", bad.raw, "recorded bad access id/pass")
	wrong := call(t, s, "AlterTran", shop(s, "AccessID", id, "AccessPass", strings.Repeat("0", 32), "JobCd", "VOID"))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01110002", wrong.raw)
}

func TestExecTranValidation(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	raw := gmotest.NewServer(gmotest.WithRawCardNumbers())
	defer raw.Close()

	tests := []struct {
		name string
		srv  *gmotest.Server
		kv   []string // besides AccessID/AccessPass/OrderID
		want string
	}{
		{"raw card number refused", s, []string{"Method", "1", "CardNo", "4111111111111111", "Expire", "3012"}, "ErrCode=E61&ErrInfo=E61040001"},
		{"no card source", s, []string{"Method", "1"}, "ErrCode=E01&ErrInfo=E01170001"},
		{"two card sources", s, []string{"Method", "1", "Token", "abc", "MemberID", "m1"}, "ErrCode=E01&ErrInfo=E01840010"},
		{"made-up token", s, []string{"Method", "1", "Token", "made-up"}, "ErrCode=EX1&ErrInfo=EX1000301"},
		{"method missing", s, []string{"Token", "made-up"}, "ErrCode=E01|EX1&ErrInfo=E01260001|EX1000301"},
		{"method 6", s, []string{"Method", "6", "Token", "made-up"}, "ErrCode=E01|EX1&ErrInfo=E01260002|EX1000301"},
		{"installments need PayTimes", s, []string{"Method", "2", "Token", "made-up"}, "ErrCode=E01|EX1&ErrInfo=E01270001|EX1000301"},
		{"bonus installments need PayTimes", s, []string{"Method", "4", "Token", "made-up"}, "ErrCode=E01|EX1&ErrInfo=E01270001|EX1000301"},
		{"unusable PayTimes", s, []string{"Method", "2", "PayTimes", "7", "Token", "made-up"}, "ErrCode=E01|EX1&ErrInfo=E01270010|EX1000301"},
		{"client field flag", s, []string{"Method", "1", "Token", "made-up", "ClientFieldFlag", "2"}, "ErrCode=EX1|E01&ErrInfo=EX1000301|E01400007"},
		{"client field too long", s, []string{"Method", "1", "Token", "made-up", "ClientField2", strings.Repeat("x", 101)}, "ErrCode=EX1|E01&ErrInfo=EX1000301|E01330012"},
		{"raw card number format", raw, []string{"Method", "1", "CardNo", "41x", "Expire", "1x"}, "ErrCode=E01|E01|E01&ErrInfo=E01170011|E01170006|E01180006"},
		{"bad expiry month", raw, []string{"Method", "1", "CardNo", "4111111111111111", "Expire", "3013"}, "ErrCode=E01&ErrInfo=E01180008"},
		{"device category", s, []string{"Method", "1", "Token", "made-up", "DeviceCategory", "2"}, "ErrCode=EX1|E01&ErrInfo=EX1000301|E01310001"},
		{"check digit", raw, []string{"Method", "1", "CardNo", "4111111111111112", "Expire", "3012"}, "ErrCode=E41&ErrInfo=E41170099"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order := "val-" + string(rune('a'+i))
			id, pass := entry(t, tt.srv, order, "AUTH", "100")
			v := vals(append([]string{"AccessID", id, "AccessPass", pass, "OrderID", order}, tt.kv...)...)
			assert.Equal(t, tt.want, call(t, tt.srv, "ExecTran", v).raw)
		})
	}

	t.Run("recorded: all inputs invalid", func(t *testing.T) {
		a := call(t, raw, "ExecTran", vals("AccessID", "x", "AccessPass", "y", "OrderID", "o", "Method", "1", "CardNo", "x", "Expire", "yy"))
		assert.Equal(t, "ErrCode=E01|E01|E01|E01|E01|E01&ErrInfo=E01090008|E01100008|E01110002|E01170011|E01170006|E01180006", a.raw)
	})
}

func TestDeclineCards(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	tests := []struct{ pan, want string }{
		{gmotest.CardInsufficientFunds, "ErrCode=G02&ErrInfo=42G020000"},
		{gmotest.CardExpired, "ErrCode=G83&ErrInfo=42G830000"},
		{gmotest.CardWrongCVC, "ErrCode=G44&ErrInfo=42G440000"},
		{gmotest.CardDeclined, "ErrCode=G12&ErrInfo=42G120000"},
		{gmotest.CardLimitExceeded, "ErrCode=G55&ErrInfo=42G550000"},
		{gmotest.CardUnknownNoCharge, "ErrCode=E91&ErrInfo=E91020001"},
		{gmotest.CardOutcomeUnknown, "ErrCode=E91&ErrInfo=E91020001"},
	}
	for i, tt := range tests {
		t.Run(tt.pan, func(t *testing.T) {
			order := "decl-" + string(rune('a'+i))
			_, _, a := pay(t, s, order, "CAPTURE", "100", tt.pan)
			assert.Equal(t, tt.want, a.raw)
			e, _ := s.Ledger(order)
			st := call(t, s, "SearchTrade", shop(s, "OrderID", order))
			if tt.pan == gmotest.CardOutcomeUnknown {
				assert.Equal(t, "CAPTURE", st.get("Status"), "the unknown outcome was a charge")
				assert.Equal(t, 1, e.Charges)
			} else {
				assert.Equal(t, "UNPROCESSED", st.get("Status"))
				assert.Equal(t, 0, e.Charges)
			}
		})
	}
	t.Run("past expiry", func(t *testing.T) {
		tok, err := s.IssueToken(gmotest.CardApprove, "201901", "", "")
		require.NoError(t, err)
		id, pass := entry(t, s, "decl-exp", "AUTH", "100")
		a := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "decl-exp", "Method", "1", "Token", tok))
		assert.Equal(t, "ErrCode=G83&ErrInfo=42G830000", a.raw)
	})
}

func TestMethods(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	tests := []struct{ method, payTimes, wantPayTimes string }{
		{"1", "1", ""}, {"2", "3", "3"}, {"3", "", ""}, {"4", "2", "2"}, {"5", "", ""},
	}
	for _, tt := range tests {
		t.Run("method "+tt.method, func(t *testing.T) {
			order := "meth-" + tt.method
			id, pass := entry(t, s, order, "AUTH", "100")
			a := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", order, "Method", tt.method, "PayTimes", tt.payTimes, "Token", token(t, s, gmotest.CardApprove)))
			require.Equal(t, "0", a.get("ACS"), a.raw)
			assert.Equal(t, tt.method, a.get("Method"))
			assert.Equal(t, tt.wantPayTimes, a.get("PayTimes"))
		})
	}
}

func TestClientFieldsNull(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	id, pass := entry(t, s, "cf-1", "AUTH", "100")
	a := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "cf-1", "Method", "1", "Token", token(t, s, gmotest.CardApprove),
		"ClientField1", "a b", "ClientField2", "null", "ClientFieldFlag", "1"))
	assert.Equal(t, "a b", a.get("ClientField1"))
	assert.Equal(t, "null", a.get("ClientField2"), "the literal null is stored as given")
	assert.Equal(t, "", a.get("ClientField3"))
	st := call(t, s, "SearchTrade", shop(s, "OrderID", "cf-1"))
	assert.Equal(t, "null", st.get("ClientField2"))

	id, pass = entry(t, s, "cf-2", "AUTH", "100")
	a = call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "cf-2", "Method", "1", "Token", token(t, s, gmotest.CardApprove), "ClientField1", "x"))
	assert.NotContains(t, a.keys, "ClientField1", "not echoed without ClientFieldFlag=1")
}

func TestTdTenantNameValidation(t *testing.T) {
	s := gmotest.NewServer(gmotest.WithThreeDSRequired())
	defer s.Close()
	a := call(t, s, "EntryTran", shop(s, "OrderID", "td-1", "JobCd", "AUTH", "Amount", "1"))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01080101", a.raw, "3-D Secure mandatory shop")
	a = call(t, s, "EntryTran", shop(s, "OrderID", "td-2", "JobCd", "AUTH", "Amount", "1", "TdFlag", "2", "TdTenantName", "bm90IGJhc2U2NC!"))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01370008", a.raw)
	a = call(t, s, "EntryTran", shop(s, "OrderID", "td-3", "JobCd", "AUTH", "Amount", "1", "TdFlag", "2", "TdTenantName", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01370012", a.raw, "26 bytes")
}

func TestFaultKindString(t *testing.T) {
	assert.Equal(t, "drop-after", gmotest.FaultDropAfterProcess.String())
	assert.Equal(t, "delay-after", gmotest.FaultDelayAfterProcess.String())
	assert.Equal(t, "fault(99)", gmotest.FaultKind(99).String())
}
