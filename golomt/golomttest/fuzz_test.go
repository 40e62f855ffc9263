package golomttest_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/kessai/payment/golomt/golomttest"
)

// FuzzAPI feeds arbitrary bodies to every API: the simulator answers 200 or
// a 400 envelope, never panics and never a 5xx.
func FuzzAPI(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `{"amount":1e400}`, `{"transactionId":"a","checksum":"b"}`,
		`{"amount":"2000","callback":"https://uwish.travel","genToken":"N","returnType":"GET","transactionId":"helloworld1","checksum":"6b4f750465b22b536e329870d3119983a132922f7bea9ec9097637c4ab3f0eb8"}`,
		`{"amount":"1","transactionId":"x","token":"t","lang":"MN","checksum":"` + strings.Repeat("a", 64) + `"}`,
		`{"transactionId":"\u0000\ud800","checksum":{}}`, "{\"a\":\"\xff\"}",
	} {
		for i := range apiPaths {
			f.Add(uint8(i), []byte(seed))
		}
	}
	srv := golomttest.NewHandler(golomttest.WithCredentials("tkn", "testSecret"))
	defer srv.Close()
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, path uint8, body []byte) {
		p := apiPaths[int(path)%len(apiPaths)] + "?page=0&size=5&start=2020-01-01&end=2030-01-01"
		req := httptest.NewRequest(http.MethodPost, p, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer tkn")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("%s %q: status %d %s", p, body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusOK && !strings.Contains(rec.Body.String(), `"timestamp"`) {
			t.Fatalf("%s: error without envelope: %s", p, rec.Body)
		}
	})
}

var pageTokenRE = regexp.MustCompile(`name="pageToken" value="([0-9a-f]+)"`)

// FuzzPageForm posts arbitrary card forms to an open invoice page.
func FuzzPageForm(f *testing.F) {
	f.Add("9496250000000003", "12/30", "123", "A", true)
	f.Add("", "", "", "", false)
	f.Add("9496 2500 0000 0003", "1/3", "12345", "<script>", true)
	f.Add("\x00", "99/99", "abc", strings.Repeat("x", 300), true)
	srv := golomttest.NewHandler()
	defer srv.Close()
	f.Fuzz(func(t *testing.T, pan, exp, cvc, holder string, token bool) {
		id := "FZ"
		body := `{"amount":"10","callback":"https://shop.example/cb","genToken":"Y","returnType":"POST","transactionId":"` +
			id + `","checksum":"` + srv.Sign(id, "10", "POST", "https://shop.example/cb") + `"}`
		req := httptest.NewRequest(http.MethodPost, "/api/invoice", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+srv.BearerToken())
		req.Header.Set("Content-Type", "application/json")
		srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
		inv, ok := srv.InvoiceOf(id)
		if !ok {
			t.Fatal("no invoice")
		}
		form := "cardNumber=" + pan + "&expiry=" + exp + "&cvv=" + cvc + "&cardHolder=" + holder
		if token {
			// the real one-time token from the page, while the invoice is open
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/payment/en/"+inv, nil))
			if m := pageTokenRE.FindStringSubmatch(rec.Body.String()); m != nil {
				form += "&pageToken=" + m[1]
			}
		}
		preq := httptest.NewRequest(http.MethodPost, "/payment/en/"+inv, strings.NewReader(form))
		preq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, preq)
		if rec.Code >= 500 {
			t.Fatalf("status %d", rec.Code)
		}
		e, _ := srv.Ledger(id)
		if e.Charges > 1 {
			t.Fatalf("charged %d times", e.Charges)
		}
	})
}
