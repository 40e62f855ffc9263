package gmotest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kessai/payment/gmo/gmotest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reach builds an order in a given GMO status and returns its access keys.
func reach(t *testing.T, s *gmotest.Server, order, status string) (string, string) {
	t.Helper()
	job := map[string]string{"AUTH": "AUTH", "SAUTH": "SAUTH", "CAPTURE": "CAPTURE", "SALES": "AUTH", "VOID": "AUTH",
		"RETURN": "CAPTURE", "CHECK": "CHECK", "UNPROCESSED": "AUTH", "AUTHENTICATED": "AUTH"}[status]
	amount := "1000"
	if job == "CHECK" {
		amount = ""
	}
	extra := []string{}
	if status == "AUTHENTICATED" {
		extra = []string{"TdFlag", "2"}
	}
	id, pass := entry(t, s, order, job, amount, extra...)
	if status == "UNPROCESSED" {
		return id, pass
	}
	pan := gmotest.CardApprove
	if status == "AUTHENTICATED" {
		pan = gmotest.CardChallenge
	}
	a := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", order, "Method", "1", "Token", token(t, s, pan), "RetUrl", "https://shop.example/r"))
	require.Empty(t, a.get("ErrCode"), a.raw)
	next := map[string]string{"SALES": "SALES", "VOID": "VOID", "RETURN": "RETURN"}[status]
	if next != "" {
		r := call(t, s, "AlterTran", shop(s, "AccessID", id, "AccessPass", pass, "JobCd", next, "Amount", "1000"))
		require.Empty(t, r.get("ErrCode"), r.raw)
	}
	e, _ := s.Ledger(order)
	require.Equal(t, status, e.Status)
	return id, pass
}

func TestAlterTranMatrix(t *testing.T) {
	const ok = ""
	statuses := []string{"AUTH", "SAUTH", "CAPTURE", "SALES", "VOID", "RETURN", "CHECK", "UNPROCESSED", "AUTHENTICATED"}
	// want[job][status]: "" = applied, else the ErrInfo.
	want := map[string]map[string]string{
		"SALES":   {"AUTH": ok, "SAUTH": ok, "CAPTURE": "E01050004", "SALES": "E01050004", "VOID": "E01050004", "RETURN": "E01050004", "CHECK": "E01050004", "UNPROCESSED": "E11010002", "AUTHENTICATED": "E11010002"},
		"VOID":    {"AUTH": ok, "SAUTH": ok, "CAPTURE": ok, "SALES": ok, "VOID": "E01050004", "RETURN": "E01050004", "CHECK": "E01050004", "UNPROCESSED": "E11010002", "AUTHENTICATED": "E11010002"},
		"RETURN":  {"AUTH": "E01050004", "SAUTH": "E01050004", "CAPTURE": ok, "SALES": ok, "VOID": "E01050004", "RETURN": "E01050004", "CHECK": "E01050004", "UNPROCESSED": "E11010002", "AUTHENTICATED": "E11010002"},
		"RETURNX": {"AUTH": "E01050004", "SAUTH": "E01050004", "CAPTURE": ok, "SALES": ok, "VOID": "E01050004", "RETURN": "E01050004", "CHECK": "E01050004", "UNPROCESSED": "E11010002", "AUTHENTICATED": "E11010002"},
		"AUTH":    {"AUTH": "E01050004", "SAUTH": "E01050004", "CAPTURE": "E01050004", "SALES": "E01050004", "VOID": ok, "RETURN": ok, "CHECK": "E01050004", "UNPROCESSED": "E11010002", "AUTHENTICATED": "E11010002"},
	}
	s := gmotest.NewServer()
	defer s.Close()
	n := 0
	for _, job := range []string{"SALES", "VOID", "RETURN", "RETURNX", "AUTH"} {
		for _, st := range statuses {
			t.Run(job+" on "+st, func(t *testing.T) {
				n++
				order := fmt.Sprintf("mx-%d", n)
				id, pass := reach(t, s, order, st)
				before, _ := s.Ledger(order)
				a := call(t, s, "AlterTran", shop(s, "AccessID", id, "AccessPass", pass, "JobCd", job, "Amount", "1000", "Method", "1"))
				after, _ := s.Ledger(order)
				if w := want[job][st]; w != ok {
					assert.Equal(t, "ErrCode="+w[:3]+"&ErrInfo="+w, a.raw)
					assert.Equal(t, before.Status, after.Status, "unchanged")
					assert.Equal(t, before.Captured, after.Captured)
					assert.Equal(t, before.Refunded, after.Refunded)
					return
				}
				require.Empty(t, a.get("ErrCode"), a.raw)
				assert.Equal(t, job, after.Status)
				net := after.Captured - after.Refunded
				switch job {
				case "SALES":
					assert.Equal(t, int64(1000), net)
					assert.Equal(t, before.Sales+1, after.Sales)
				case "VOID", "RETURN", "RETURNX":
					assert.Equal(t, int64(0), net, "money given back")
					assert.Equal(t, int64(0), after.Authorized)
				case "AUTH":
					assert.Equal(t, before.Charges+1, after.Charges, "re-authorization")
					assert.Equal(t, int64(1000), after.Authorized)
				}
			})
		}
	}
}

func TestAlterTranAge(t *testing.T) {
	clock := gmotest.NewManualClock(jan1)
	s := gmotest.NewServer(gmotest.WithClock(clock))
	defer s.Close()
	id, pass, a := pay(t, s, "age-1", "AUTH", "100", gmotest.CardApprove)
	require.Equal(t, "0", a.get("ACS"))
	s.Advance(61 * 24 * time.Hour)
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01420010", call(t, s, "AlterTran", shop(s, "AccessID", id, "AccessPass", pass, "JobCd", "SALES", "Amount", "100")).raw)
	s.Advance(120 * 24 * time.Hour)
	assert.Equal(t, "ErrCode=E11&ErrInfo=E11010010", call(t, s, "AlterTran", shop(s, "AccessID", id, "AccessPass", pass, "JobCd", "VOID")).raw)
}

func TestChangeTran(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	id, pass, _ := pay(t, s, "chg-1", "AUTH", "1000", gmotest.CardApprove)
	change := func(job, amount string) answer {
		return call(t, s, "ChangeTran", shop(s, "AccessID", id, "AccessPass", pass, "JobCd", job, "Amount", amount))
	}
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01050002", change("SALES", "900").raw)
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01060001", change("AUTH", "").raw)
	require.Empty(t, change("AUTH", "700").get("ErrCode"))
	e, _ := s.Ledger("chg-1")
	assert.Equal(t, int64(700), e.Authorized)
	// Partial capture: lower the authorization, then SALES the new amount.
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01060010", call(t, s, "AlterTran", shop(s, "AccessID", id, "AccessPass", pass, "JobCd", "SALES", "Amount", "1000")).raw)
	require.Empty(t, call(t, s, "AlterTran", shop(s, "AccessID", id, "AccessPass", pass, "JobCd", "SALES", "Amount", "700")).get("ErrCode"))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01050004", change("AUTH", "500").raw, "a sale cannot become an authorization")
	require.Empty(t, change("CAPTURE", "500").get("ErrCode"), "partial refund")
	e, _ = s.Ledger("chg-1")
	assert.Equal(t, "SALES", e.Status)
	assert.Equal(t, int64(700), e.Captured)
	assert.Equal(t, int64(200), e.Refunded)
	assert.Equal(t, 1, e.Charges)
	assert.Equal(t, 1, e.Refunds)
}

func TestMiscOptions(t *testing.T) {
	s := gmotest.NewServer(gmotest.WithCredentials(gmotest.Credentials{ShopID: "tshop12345678", ShopPass: "pw12345678"}),
		gmotest.WithTokenLifetime(time.Minute), gmotest.WithClock(gmotest.NewManualClock(jan1)))
	defer s.Close()
	assert.Equal(t, gmotest.Credentials{ShopID: "tshop12345678", ShopPass: "pw12345678", SiteID: gmotest.DefaultSiteID, SitePass: gmotest.DefaultSitePass}, s.Credentials())
	old := vals("ShopID", gmotest.DefaultShopID, "ShopPass", gmotest.DefaultShopPass, "OrderID", "m-1", "JobCd", "AUTH", "Amount", "1")
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01030002", call(t, s, "EntryTran", old).raw)
	id, pass := entry(t, s, "m-2", "AUTH", "1")
	tok := token(t, s, gmotest.CardApprove)
	s.Advance(time.Minute)
	assert.Equal(t, "ErrCode=EX1&ErrInfo=EX1000303", call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "m-2", "Method", "1", "Token", tok)).raw)

	big := do(t, http.MethodPost, s.URL()+"/payment/EntryTran.idPass", form, "A="+strings.Repeat("x", 2<<20))
	assert.Equal(t, "ErrCode=E00&ErrInfo=E00000010", big.raw, "huge body")

	assert.Equal(t, "MemberID=u1", call(t, s, "SaveMember", site(s, "MemberID", "u1", "MemberName", "A")).raw)
	assert.Equal(t, "MemberID=u1", call(t, s, "UpdateMember", site(s, "MemberID", "u1", "MemberName", "B")).raw)
	assert.Equal(t, "B", call(t, s, "SearchMember", site(s, "MemberID", "u1")).get("MemberName"))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01220008", call(t, s, "SaveMember", site(s, "MemberID", "bad id!")).raw)
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01220005", call(t, s, "SaveMember", site(s, "MemberID", strings.Repeat("m", 61))).raw)
}

func TestTokenInputCodes(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	tests := []struct{ pan, exp, cvc, holder, code string }{
		{"", "203012", "", "", "100"},
		{"4111x", "203012", "", "", "101"},
		{"411111111", "203012", "", "", "102"},
		{"4111111111111111", "", "", "", "110"},
		{"4111111111111111", "2030x2", "", "", "111"},
		{"4111111111111111", "3012", "", "", "112"},
		{"4111111111111111", "203013", "", "", "113"},
		{"4111111111111111", "203012", "12a", "", "121"},
		{"4111111111111111", "203012", "12", "", "122"},
		{"4111111111111111", "203012", "", strings.Repeat("A", 51), "131"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			_, err := s.IssueToken(tt.pan, tt.exp, tt.cvc, tt.holder)
			var te *gmotest.TokenError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.code, te.Code)
			assert.Contains(t, te.Error(), tt.code)
		})
	}
}

func TestPayEasyCancel(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	a := call(t, s, "EntryTranPayEasy", shop(s, "OrderID", "pec-1", "Amount", "5000"))
	require.Empty(t, a.get("ErrCode"), a.raw)
	id, pass := a.get("AccessID"), a.get("AccessPass")
	assert.Equal(t, "ErrCode=E11&ErrInfo=E11010003", call(t, s, "PayEasyCancel", shop(s, "AccessID", id, "AccessPass", pass, "OrderID", "pec-1")).raw, "not executed")
	v := cvsExec(id, pass, "pec-1", "\x8eR\x93c")
	require.Empty(t, call(t, s, "ExecTranPayEasy", v).get("ErrCode"))
	assert.Equal(t, "OrderID=pec-1&Status=CANCEL", call(t, s, "PayEasyCancel", shop(s, "AccessID", id, "AccessPass", pass, "OrderID", "pec-1")).raw)
	assert.Error(t, s.PayVoucher("pec-1"))
	e, _ := s.Ledger("pec-1")
	assert.Equal(t, 1, e.Voids)
	assert.Equal(t, int64(0), e.Captured)
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01060011", call(t, s, "EntryTranCvs", shop(s, "OrderID", "pec-2", "Amount", "300000")).raw, "konbini limit")
}
