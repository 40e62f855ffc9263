package gmotest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/kessai/payment/gmo/gmotest"
)

// post sends a form to one API and returns the raw answer.
func post(s *gmotest.Server, api string, v url.Values) string {
	resp, err := http.Post(s.URL()+"/payment/"+api+".idPass", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func field(answer, key string) string {
	for _, p := range strings.Split(answer, "&") {
		if k, v, ok := strings.Cut(p, "="); ok && k == key {
			return v
		}
	}
	return ""
}

func Example() {
	s := gmotest.NewServer()
	defer s.Close()
	c := s.Credentials()

	entry := post(s, "EntryTran", url.Values{"ShopID": {c.ShopID}, "ShopPass": {c.ShopPass},
		"OrderID": {"order-1"}, "JobCd": {"AUTH"}, "Amount": {"1500"}})
	tok, _ := s.IssueToken(gmotest.CardApprove, "203012", "123", "TARO YAMADA")
	exec := post(s, "ExecTran", url.Values{"AccessID": {field(entry, "AccessID")}, "AccessPass": {field(entry, "AccessPass")},
		"OrderID": {"order-1"}, "Method": {"1"}, "Token": {tok}})
	fmt.Println(field(exec, "ACS"), field(exec, "Forward"))

	again := post(s, "ExecTran", url.Values{"AccessID": {field(entry, "AccessID")}, "AccessPass": {field(entry, "AccessPass")},
		"OrderID": {"order-1"}, "Method": {"1"}, "Token": {tok}})
	fmt.Println(again)

	e, _ := s.Ledger("order-1")
	fmt.Println(e.Status, e.Authorized, e.Charges)
	// Output:
	// 0 2a99662
	// ErrCode=E11&ErrInfo=E11010001
	// AUTH 1500 1
}

func ExampleServer_InjectFault() {
	s := gmotest.NewServer()
	defer s.Close()
	c := s.Credentials()
	entry := post(s, "EntryTran", url.Values{"ShopID": {c.ShopID}, "ShopPass": {c.ShopPass},
		"OrderID": {"order-2"}, "JobCd": {"CAPTURE"}, "Amount": {"800"}})
	tok, _ := s.IssueToken(gmotest.CardApprove, "203012", "", "")

	// The charge goes through, but the answer says "outcome unknown".
	s.InjectFault("ExecTran", gmotest.Fault{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E91020001"})
	fmt.Println(post(s, "ExecTran", url.Values{"AccessID": {field(entry, "AccessID")}, "AccessPass": {field(entry, "AccessPass")},
		"OrderID": {"order-2"}, "Method": {"1"}, "Token": {tok}}))

	// SearchTrade tells the truth.
	st := post(s, "SearchTrade", url.Values{"ShopID": {c.ShopID}, "ShopPass": {c.ShopPass}, "OrderID": {"order-2"}})
	fmt.Println(field(st, "Status"))
	// Output:
	// ErrCode=E91&ErrInfo=E91020001
	// CAPTURE
}

func ExampleServer_CompleteChallenge() {
	s := gmotest.NewServer()
	defer s.Close()
	c := s.Credentials()
	entry := post(s, "EntryTran", url.Values{"ShopID": {c.ShopID}, "ShopPass": {c.ShopPass},
		"OrderID": {"order-3"}, "JobCd": {"AUTH"}, "Amount": {"2000"}, "TdFlag": {"2"}})
	id, pass := field(entry, "AccessID"), field(entry, "AccessPass")
	tok, _ := s.IssueToken(gmotest.CardChallenge, "203012", "", "")
	exec := post(s, "ExecTran", url.Values{"AccessID": {id}, "AccessPass": {pass}, "OrderID": {"order-3"},
		"Method": {"1"}, "Token": {tok}, "RetUrl": {"https://shop.example/3ds"}})

	// RedirectUrl contains its own "&t=": take everything after the key.
	redirect := strings.TrimPrefix(exec, "ACS=2&RedirectUrl=")
	back, err := s.CompleteChallenge(context.Background(), redirect, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.Get("AccessID") == id)

	done := post(s, "SecureTran2", url.Values{"AccessID": {id}, "AccessPass": {pass}})
	fmt.Println(field(done, "OrderID"))
	// Output:
	// true
	// order-3
}

func ExampleServer_NextNotification() {
	clock := gmotest.NewManualClock(time.Date(2030, 1, 10, 3, 0, 0, 0, time.UTC))
	s := gmotest.NewServer(gmotest.WithClock(clock))
	defer s.Close()
	c := s.Credentials()
	entry := post(s, "EntryTran", url.Values{"ShopID": {c.ShopID}, "ShopPass": {c.ShopPass},
		"OrderID": {"order-4"}, "JobCd": {"CAPTURE"}, "Amount": {"300"}})
	tok, _ := s.IssueToken(gmotest.CardApprove, "203012", "", "")
	post(s, "ExecTran", url.Values{"AccessID": {field(entry, "AccessID")}, "AccessPass": {field(entry, "AccessPass")},
		"OrderID": {"order-4"}, "Method": {"1"}, "Token": {tok}})

	req, _ := s.NextNotification("order-4")
	_ = req.ParseForm()
	fmt.Println(req.PostForm.Get("Status"), req.PostForm.Get("Amount"), req.PostForm.Get("ShopPass"), req.PostForm.Get("TranDate"))
	// Output:
	// CAPTURE 300 ********** 20300110120000
}

func ExampleServer_PayVoucher() {
	s := gmotest.NewServer()
	defer s.Close()
	c := s.Credentials()
	entry := post(s, "EntryTranCvs", url.Values{"ShopID": {c.ShopID}, "ShopPass": {c.ShopPass},
		"OrderID": {"order-5"}, "Amount": {"1200"}})
	name, kana, contact := "\x8eR\x93c\x91\xbe\x98Y", "\x83\x84\x83}\x83_", "\x91\x8b\x8c\xfb" // cp932: 山田太郎, ヤマダ, 窓口
	exec := post(s, "ExecTranCvs", url.Values{"AccessID": {field(entry, "AccessID")}, "AccessPass": {field(entry, "AccessPass")},
		"OrderID": {"order-5"}, "Convenience": {"10001"}, "CustomerName": {name}, "CustomerKana": {kana},
		"TelNo": {"0312345678"}, "ReceiptsDisp11": {contact}, "ReceiptsDisp12": {"0312345678"}, "ReceiptsDisp13": {"09:00-18:00"}})
	fmt.Println(field(exec, "ErrCode") == "", len(field(exec, "ConfNo")))

	_ = s.PayVoucher("order-5")
	e, _ := s.Ledger("order-5")
	fmt.Println(e.Status, e.Captured)
	// Output:
	// true 6
	// PAYSUCCESS 1200
}

func ExampleServer_ExpireVoucher() {
	s := gmotest.NewServer()
	defer s.Close()
	c := s.Credentials()
	entry := post(s, "EntryTranPayEasy", url.Values{"ShopID": {c.ShopID}, "ShopPass": {c.ShopPass},
		"OrderID": {"order-7"}, "Amount": {"3000"}})
	name, kana, contact := "\x8eR\x93c\x91\xbe\x98Y", "\x83\x84\x83}\x83_", "\x91\x8b\x8c\xfb" // cp932: 山田太郎, ヤマダ, 窓口
	post(s, "ExecTranPayEasy", url.Values{"AccessID": {field(entry, "AccessID")}, "AccessPass": {field(entry, "AccessPass")},
		"OrderID": {"order-7"}, "CustomerName": {name}, "CustomerKana": {kana},
		"TelNo": {"0312345678"}, "ReceiptsDisp11": {contact}, "ReceiptsDisp12": {"0312345678"}, "ReceiptsDisp13": {"09:00-18:00"}})

	// The deadline passes for this voucher only; the clock stays.
	fmt.Println(s.ExpireVoucher("order-7"))
	e, _ := s.Ledger("order-7")
	fmt.Println(e.Status, e.PaymentTerm.After(s.Now()))
	fmt.Println(s.ExpireVoucher("order-7") != nil)
	// Output:
	// <nil>
	// EXPIRED true
	// true
}

func ExampleNewHandler() {
	// paysim style: the simulator behind the caller's own listener.
	var s *gmotest.Server
	ln := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.Handler().ServeHTTP(w, r) }))
	defer ln.Close()
	s = gmotest.NewHandler(gmotest.WithPublicURL(ln.URL))
	defer s.Close()

	c := s.Credentials()
	fmt.Println(field(post(s, "EntryTran", url.Values{"ShopID": {c.ShopID}, "ShopPass": {c.ShopPass},
		"OrderID": {"order-6"}, "JobCd": {"AUTH"}, "Amount": {"100"}}), "AccessID") != "")
	// Output: true
}
