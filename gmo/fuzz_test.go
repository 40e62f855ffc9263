package gmo

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kessai/payment"
)

// Seed corpora live in testdata/fuzz/<FuzzName>: the recorded GMO bodies
// from recorded-messages.md and notification shapes.

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte("ACS=2&RedirectUrl=https://x/cb?transId=1&t=2"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseResponse(body)
		if err != nil {
			if len(r.pairs) != 0 {
				t.Fatal("pairs returned with an error")
			}
			return
		}
		if len(r.pairs) == 0 || len(r.pairs) > maxPairs {
			t.Fatalf("%d pairs", len(r.pairs))
		}
		for _, p := range r.pairs {
			if !utf8.ValidString(p.k) || !utf8.ValidString(p.v) {
				t.Fatalf("invalid UTF-8 in %q=%q", p.k, p.v)
			}
			if strings.TrimSpace(p.k) == "" {
				t.Fatal("empty key")
			}
			if _, ok := r.lookup(p.k); !ok {
				t.Fatalf("key %q not found again", p.k)
			}
		}
		for _, c := range r.errorCodes() {
			if c.Code == "" || c.Info == "" {
				t.Fatal("empty code in an error reply")
			}
			_ = Kind(c.Code, c.Info)
		}
		if codes := r.errorCodes(); codes != nil {
			e := gatewayError("fuzz", codes)
			if payment.KindOf(e) == nil || len(e.GatewayCodes) != len(codes) {
				t.Fatal("error reply without a kind or with lost codes")
			}
		}
		_ = verifyCheckString(r, payment.NewSecret("shoppass1"))
		_ = parseCards(r)
	})
}

func FuzzParseNotification(f *testing.F) {
	f.Add([]byte("OrderID=o-1&Status=CAPTURE&AccessID=9e6c3b46f7fd03ac22693b335286e622&Amount=100"))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := parseNotificationBody(body)
		if err != nil {
			if payment.KindOf(err) != payment.ErrInvalidRequest {
				t.Fatalf("error of kind %v", payment.KindOf(err))
			}
			return
		}
		if _, ok := n.Fields["ShopPass"]; ok {
			t.Fatal("ShopPass kept")
		}
		if _, ok := n.Fields["AccessPass"]; ok {
			t.Fatal("AccessPass kept")
		}
		for k, v := range n.Fields {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("invalid UTF-8 in %q=%q", k, v)
			}
		}
		if len(n.Fields) > maxPairs {
			t.Fatal("too many fields")
		}
		_ = StatusOf(n.Status)
	})
}
