package gmotest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kessai/payment/gmo/gmotest"
)

func benchPost(b *testing.B, c *http.Client, target, body string) string {
	resp, err := c.Post(target, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(out)
}

// BenchmarkBaselineHTTP is a raw net/http round trip with a GMO-sized
// answer, the yardstick for the simulator benchmarks.
func BenchmarkBaselineHTTP(b *testing.B) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain;charset=Windows-31J")
		_, _ = io.WriteString(w, "AccessID=3618be802c7ac572414274731e50cb6c&AccessPass=4099664bd4b110800e09805539d1d7b5")
	}))
	defer hs.Close()
	c := hs.Client()
	body := url.Values{"ShopID": {"tshop00000001"}, "ShopPass": {"shoppass1"}, "OrderID": {"o"}, "JobCd": {"AUTH"}, "Amount": {"1"}}.Encode()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchPost(b, c, hs.URL+"/payment/EntryTran.idPass", body)
	}
}

// BenchmarkEntryTran is one EntryTran against the simulator.
func BenchmarkEntryTran(b *testing.B) {
	s := gmotest.NewServer()
	defer s.Close()
	c := &http.Client{}
	cr := s.Credentials()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := url.Values{"ShopID": {cr.ShopID}, "ShopPass": {cr.ShopPass}, "OrderID": {fmt.Sprintf("b-%d", i)}, "JobCd": {"AUTH"}, "Amount": {"1"}}.Encode()
		if a := benchPost(b, c, s.URL()+"/payment/EntryTran.idPass", body); !strings.HasPrefix(a, "AccessID=") {
			b.Fatal(a)
		}
	}
}

// BenchmarkPayment is EntryTran + token + ExecTran + SearchTrade.
func BenchmarkPayment(b *testing.B) {
	s := gmotest.NewServer()
	defer s.Close()
	c := &http.Client{}
	cr := s.Credentials()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		order := fmt.Sprintf("p-%d", i)
		e := benchPost(b, c, s.URL()+"/payment/EntryTran.idPass", url.Values{"ShopID": {cr.ShopID}, "ShopPass": {cr.ShopPass}, "OrderID": {order}, "JobCd": {"CAPTURE"}, "Amount": {"1"}}.Encode())
		_, kv, _ := strings.Cut(e, "AccessID=")
		id, rest, _ := strings.Cut(kv, "&AccessPass=")
		tok, err := s.IssueToken(gmotest.CardApprove, "203012", "", "")
		if err != nil {
			b.Fatal(err)
		}
		x := benchPost(b, c, s.URL()+"/payment/ExecTran.idPass", url.Values{"AccessID": {id}, "AccessPass": {rest}, "OrderID": {order}, "Method": {"1"}, "Token": {tok}}.Encode())
		if !strings.HasPrefix(x, "ACS=0") {
			b.Fatal(x)
		}
		benchPost(b, c, s.URL()+"/payment/SearchTrade.idPass", url.Values{"ShopID": {cr.ShopID}, "ShopPass": {cr.ShopPass}, "OrderID": {order}}.Encode())
	}
}
