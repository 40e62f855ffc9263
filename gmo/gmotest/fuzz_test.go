package gmotest

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// FuzzAPI throws arbitrary bodies at every API of a simulator that holds
// a few orders: no input may panic or produce anything but an HTTP 200
// text/plain answer.
func FuzzAPI(f *testing.F) {
	s := NewHandler(WithRawCardNumbers())
	defer s.Close()
	seed(s, "o1", "e65385d62b5e5e9be64d2c8cecdb24f2", "a79882df473a228fd2a00051e72642be", "AUTH", 100)
	var names []string
	for n := range s.apis() {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, b := range []string{
		"AccessID=e65385d62b5e5e9be64d2c8cecdb24f2&AccessPass=a79882df473a228fd2a00051e72642be&OrderID=o1&Method=1&CardNo=4111111111111111&Expire=3012",
		"ShopID=" + DefaultShopID + "&ShopPass=" + DefaultShopPass + "&OrderID=o1&JobCd=SALES&Amount=100&AccessID=e65385d62b5e5e9be64d2c8cecdb24f2&AccessPass=a79882df473a228fd2a00051e72642be",
		"SiteID=" + DefaultSiteID + "&SitePass=" + DefaultSitePass + "&MemberID=m&CardSeq=0&SeqMode=1&CardNo=4111111111111111&Expire=3012",
		"ClientField1=%81%60%87%40&ClientFieldFlag=1&TdTenantName=%FF%FE",
		"CustomerName=%8E%52&CustomerKana=%83%84&TelNo=0-0&ReceiptsDisp13=09:00-18:00&PaymentTermDay=99",
		"%zz=%&&=&a==b",
	} {
		for i := range names {
			f.Add(uint8(i), b)
		}
	}
	f.Fuzz(func(t *testing.T, api uint8, body string) {
		name := names[int(api)%len(names)]
		req := httptest.NewRequest(http.MethodPost, "http://gmo.test/payment/"+name+".idPass", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != contentType {
			t.Fatalf("%s: HTTP %d %q", name, rec.Code, rec.Header().Get("Content-Type"))
		}
		if rec.Body.Len() == 0 {
			t.Fatalf("%s: empty answer", name)
		}
	})
}
