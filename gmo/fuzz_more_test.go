package gmo

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
)

// Fuzz targets for everything GMO or a browser sends the adapter: payment
// references, 3-D Secure replies (the '&' glued back into RedirectUrl,
// ACSUrl, PaReq and MD), whole ExecTran / SecureTran replies as the
// provider sees them, the browser's 3-D Secure return, and result
// notifications. Seed corpora: testdata/fuzz/<FuzzName>.

// Fixed wire values of the scripted gateway below.
const (
	fzShopID     = "tshop00000001"
	fzShopPass   = "shoppass1"
	fzAccessID   = "3618be802c7ac572414274731e50cb6c"
	fzAccessPass = "4099664bd4b110800e09805539d1d7b5"
	fzToken      = "tok-9f2c1e0b7a"
	fzOrderID    = "fuzz-order-1"
	fzAmount     = 1000
)

// fzStatuses are the SearchTrade statuses the scripted gateway reports.
var fzStatuses = [...]string{"UNPROCESSED", "AUTHENTICATED", "AUTH", "CAPTURE", "SALES", "VOID"}

// fzGateway answers GMO API calls in process: EntryTran with fixed ids,
// SearchTrade with a valid reply in the given status, and the fuzzed API
// with the fuzzed status and body. It counts calls per API.
type fzGateway struct {
	mu          sync.Mutex
	calls       map[string]int
	fuzzAPI     string
	fuzzStatus  int
	fuzzBody    []byte
	tradeStatus string
	tradeOrder  string // "" = echo the request's OrderID
	tradeAccess string // AccessID SearchTrade reports
}

func (g *fzGateway) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	api := strings.TrimSuffix(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:], ".idPass")
	g.mu.Lock()
	g.calls[api]++
	g.mu.Unlock()
	status, out := http.StatusOK, []byte(nil)
	switch {
	case api == g.fuzzAPI:
		status, out = g.fuzzStatus, g.fuzzBody
	case api == "EntryTran":
		out = []byte("AccessID=" + fzAccessID + "&AccessPass=" + fzAccessPass)
	case api == "SearchTrade":
		v, _ := url.ParseQuery(string(body))
		order := g.tradeOrder
		if order == "" {
			order = v.Get("OrderID")
		}
		job := "AUTH"
		if g.tradeStatus == "CAPTURE" {
			job = "CAPTURE"
		}
		out = []byte("OrderID=" + order + "&Status=" + g.tradeStatus + "&ProcessDate=20260310100000&JobCd=" + job +
			"&AccessID=" + g.tradeAccess + "&AccessPass=" + fzAccessPass + "&ItemCode=0000990&Amount=" + itoa(fzAmount) +
			"&Tax=0&SiteID=&MemberID=&CardNo=************1111&Expire=3012&Method=1&PayTimes=&Forward=2a99662&TranID=1&Approve=6416276")
	default:
		out = []byte("ErrCode=E01&ErrInfo=E01010001")
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"text/plain;charset=Windows-31J"}},
		Body: io.NopCloser(bytes.NewReader(out)), ContentLength: int64(len(out)), Request: r}, nil
}

func (g *fzGateway) count(api string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[api]
}

// fzProvider is a provider wired to g that has registered fzOrderID
// (EntryTran), so the AccessPass is cached.
func fzProvider(t *testing.T, g *fzGateway, mod func(*Config)) (*Provider, payment.PaymentRef) {
	t.Helper()
	g.calls = map[string]int{}
	if g.tradeAccess == "" {
		g.tradeAccess = fzAccessID
	}
	cfg := Config{ShopID: fzShopID, ShopPass: payment.NewSecret(fzShopPass)}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg, provider.WithBaseURL("http://gmo.invalid"),
		provider.WithHTTPClient(&http.Client{Transport: g}), provider.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	pay, err := p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: fzOrderID,
		Amount: payment.MoneyFromMinor(fzAmount, payment.JPY), Capture: payment.CaptureAutomatic, ReturnURL: "https://shop.example/return"})
	if err != nil {
		t.Fatal(err)
	}
	return p, pay.Ref
}

// fzSuccess reports whether the adapter reads a reply of HTTP status s as
// GMO's answer: any 2xx (GMO always answers 200; a real 204 has no body).
func fzSuccess(s int) bool { return s >= 200 && s <= 299 }

// fzHTTPStatus maps a fuzzed byte to the HTTP statuses worth trying.
func fzHTTPStatus(b uint8) int {
	return [...]int{200, 200, 200, 200, 500, 503, 429, 302, 404, 204}[int(b)%10]
}

// fzCheckError asserts what every error of the adapter must be: a
// *payment.Error with a kind, naming the gmo provider, and free of the
// secrets used on the wire.
func fzCheckError(t *testing.T, err error) *payment.Error {
	t.Helper()
	var pe *payment.Error
	if !errors.As(err, &pe) || payment.KindOf(err) == nil {
		t.Fatalf("untyped error %T %v", err, err)
	}
	if pe.Provider != providerName {
		t.Fatalf("error from provider %q", pe.Provider)
	}
	fzNoSecrets(t, err.Error(), fmt.Sprintf("%+v", err))
	return pe
}

func fzNoSecrets(t *testing.T, ss ...string) {
	t.Helper()
	for _, s := range ss {
		for _, secret := range []string{fzShopPass, fzAccessPass, fzToken} {
			if strings.Contains(s, secret) {
				t.Fatalf("secret %q leaked in %q", secret, s)
			}
		}
	}
}

// fzCheckPayment asserts the invariants of every payment the adapter
// returns for fzOrderID: the registered amount exactly, the right ref, no
// secrets.
func fzCheckPayment(t *testing.T, pay *payment.Payment, ref payment.PaymentRef) {
	t.Helper()
	if pay.Ref != ref || pay.OrderID != fzOrderID || pay.Provider != providerName {
		t.Fatalf("payment for %q/%q", pay.Ref, pay.OrderID)
	}
	if !pay.Amount.Equal(payment.MoneyFromMinor(fzAmount, payment.JPY)) {
		t.Fatalf("amount %v, registered %d JPY", pay.Amount, fzAmount)
	}
	fzNoSecrets(t, fmt.Sprintf("%+v", *pay))
}

// FuzzParseRef: an accepted ref prints back to itself and has a valid
// order id and access id; every valid pair is accepted.
func FuzzParseRef(f *testing.F) {
	f.Add("gmo:ORDER1:3618be802c7ac572414274731e50cb6c", "o-1", fzAccessID)
	f.Add("gmo::3618be802c7ac572414274731e50cb6c", "", "")
	f.Add("gmo:a:b:3618be802c7ac572414274731e50cb6c", "a:b", fzAccessID)
	f.Add("gmo:ORDER1:3618BE802C7AC572414274731E50CB6C", "123456789012345678901234567", "3618be802c7ac572414274731e50cb6")
	f.Add("golomt:invoice:A1::1500:0", "o\x00", fzAccessID+"0")
	f.Fuzz(func(t *testing.T, s, orderID, accessID string) {
		o, a, err := ParseRef(payment.PaymentRef(s))
		if err != nil {
			kind := payment.KindOf(err)
			if o != "" || a != "" || !(kind == payment.ErrInvalidRequest || kind == payment.ErrUnsupported && fzVoucherRef(s)) {
				t.Fatalf("kind %v with %q %q", kind, o, a)
			}
		} else {
			if Ref(o, a) != payment.PaymentRef(s) {
				t.Fatalf("%q parses to %q %q, prints as %q", s, o, a, Ref(o, a))
			}
			if checkOrderID(o) != nil || !isLowerHex32(a) || strings.Contains(o, ":") {
				t.Fatalf("accepted order %q access %q", o, a)
			}
		}
		o2, a2, err := ParseRef(Ref(orderID, accessID))
		valid := checkOrderID(orderID) == nil && isLowerHex32(accessID)
		if valid != (err == nil) || (valid && (o2 != orderID || a2 != accessID)) {
			t.Fatalf("Ref(%q, %q): valid %v, parsed %q %q %v", orderID, accessID, valid, o2, a2, err)
		}
	})
}

// fzVoucherRef reports whether s has the form of a konbini / Pay-easy ref
// ("gmo:<OrderID>:<AccessID>:konbini" or ":payeasy"), which ParseRef
// refuses with ErrUnsupported (only Confirm, Inquire, Void and
// notifications take them).
func fzVoucherRef(s string) bool {
	return strings.HasPrefix(s, "gmo:") && (strings.HasSuffix(s, ":konbini") || strings.HasSuffix(s, ":payeasy"))
}

// fzGluesApart reports whether v, placed after a URL-valued key of a 3-D
// Secure reply, would be split at one of its '&': a later segment that
// starts with one of the reply's own keys.
func fzGluesApart(v string) bool {
	segs := strings.Split(v, "&")
	for _, seg := range segs[1:] {
		if k, _, ok := strings.Cut(seg, "="); ok && isACSKey(k) {
			return true
		}
	}
	return false
}

// FuzzACSReply: the URL and Base64 values of a 3-D Secure reply come back
// exactly as sent, '&' and '=' included (RedirectUrl carries "&t="),
// unless a value itself contains "&<reply key>=", which no parser can
// tell apart.
func FuzzACSReply(f *testing.F) {
	f.Add(true, "https://pt01.mul-pay.jp/payment/Tds2StubCallback.idPass?transId=5b0c9a0e&t=9f86d081884c7d659a2feaa0c55ad015", "", "")
	f.Add(false, "https://acs.example/pareq?a=1&b=2", "eJxVUttu2zAM/RVB75Hl+BI0KFCgLdphWIFuHbqXQEpsW0gkBZKcJv37UU7TdHswSB6eI/KQpt3CMyjMu0O+7yWO69xsp7MXWU0G17fz9++T90+T81++TSfOqu9fPPt/uPL8n0t/Xq6fOqufwOJm23DIlSMOIOBZd8G7t3ON/bIvE9Gvt8fP3ZoQ==", "3618be802c7ac572414274731e50cb6c")
	f.Add(false, "https://acs.example/x", "a&MD=b", "m&&n=")
	f.Add(true, "https://x/cb?transId=1&t=2&&ACSUrl=3", "", "")
	f.Add(true, "https://x/cb?q=\x82\xa0&acs=2", "", "")
	f.Fuzz(func(t *testing.T, acs2 bool, u, paReq, md string) {
		var b strings.Builder
		want := map[string]string{}
		if acs2 {
			b.WriteString("ACS=2&RedirectUrl=" + u)
			want["RedirectUrl"] = u
		} else {
			b.WriteString("ACS=1&ACSUrl=" + u + "&PaReq=" + paReq + "&MD=" + md)
			want["ACSUrl"], want["PaReq"], want["MD"] = u, paReq, md
		}
		body := []byte(b.String())
		r, err := parseResponse(body)
		roundTrips := true
		for _, v := range want {
			// A trailing '&' is dropped with the empty last segment (a URL
			// means the same without it).
			if fzGluesApart(v) || strings.ContainsAny(v, "\r\n") || !fzASCII(v) || strings.HasSuffix(v, "&") {
				roundTrips = false
			}
		}
		if !roundTrips {
			if err == nil {
				fzResponseInvariants(t, r)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		for k, v := range want {
			if got, ok := r.lookup(k); !ok || got != v {
				t.Fatalf("%s = %q, sent %q (body %q)", k, got, v, body)
			}
		}
		if n := len(r.pairs); n != 1+len(want) {
			t.Fatalf("%d pairs from %q", n, body)
		}
	})
}

func fzASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// fzResponseInvariants are the properties of any parsed reply.
func fzResponseInvariants(t *testing.T, r response) {
	t.Helper()
	if len(r.pairs) == 0 || len(r.pairs) > maxPairs {
		t.Fatalf("%d pairs", len(r.pairs))
	}
	for _, p := range r.pairs {
		if strings.TrimSpace(p.k) == "" {
			t.Fatal("empty key")
		}
	}
}

// FuzzExecTranReply feeds arbitrary ExecTran replies (status and body) to
// Confirm, with the gateway's SearchTrade reporting one of several states.
// ExecTran is never sent twice; a success is either the gateway's verified
// reply (CheckString) or its SearchTrade state, for the registered amount
// exactly; a redirect is the reply's own URL; an error is typed, free of
// secrets, and says RetrySafe only when the gateway said it executed
// nothing.
func FuzzExecTranReply(f *testing.F) {
	ok := "ACS=0&OrderID=" + fzOrderID + "&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString="
	f.Add(uint8(0), uint8(0), []byte(ok+fzMD5(fzOrderID+"2a99662"+"1"+""+"6416276"+"1303011202111111111111198895"+"20130301120312"+fzShopPass)))
	f.Add(uint8(0), uint8(3), []byte(ok+"2d8fa5d3a220a34161d18a87e9cbfd75"))
	f.Add(uint8(0), uint8(1), []byte("ACS=2&RedirectUrl=https://pt01.mul-pay.jp/payment/Tds2StubCallback.idPass?transId=5b0c&t=9f86"))
	f.Add(uint8(0), uint8(0), []byte("ACS=1&ACSUrl=https://acs.example/pareq&PaReq=eJx+/a==&MD="+fzAccessID))
	f.Add(uint8(0), uint8(0), []byte("ACS=2&RedirectUrl=javascript:alert(1)"))
	f.Add(uint8(0), uint8(2), []byte("ErrCode=E01|E01|E01|E01|E01|E01&ErrInfo=E01090008|E01100008|E01110002|E01170011|E01170006|E01180006"))
	f.Add(uint8(0), uint8(2), []byte("ErrCode=G02&ErrInfo=42G020000"))
	f.Add(uint8(0), uint8(3), []byte("ErrCode=E11&ErrInfo=E11010001"))
	f.Add(uint8(0), uint8(0), []byte("ErrCode=&ErrInfo="))
	f.Add(uint8(4), uint8(3), []byte("<html><body>502 Bad Gateway</body></html>"))
	f.Add(uint8(4), uint8(0), []byte(""))
	f.Add(uint8(6), uint8(0), []byte("ErrCode=E92&ErrInfo=E92000001"))
	f.Add(uint8(0), uint8(4), []byte("ACS=0&OrderID="+fzOrderID+"&CheckString=null"))
	f.Fuzz(func(t *testing.T, status, trade uint8, body []byte) {
		g := &fzGateway{fuzzAPI: "ExecTran", fuzzStatus: fzHTTPStatus(status), fuzzBody: body,
			tradeStatus: fzStatuses[int(trade)%len(fzStatuses)]}
		p, ref := fzProvider(t, g, nil)
		pay, err := p.Confirm(context.Background(), payment.ConfirmRequest{Ref: ref,
			Method: &payment.PaymentMethod{CardToken: payment.NewSecret(fzToken)}, ReturnURL: "https://shop.example/return"})
		if n := g.count("ExecTran"); n != 1 {
			t.Fatalf("ExecTran sent %d times", n)
		}
		r, perr := parseResponse(body)
		replyOK := fzSuccess(g.fuzzStatus) && perr == nil && r.errorCodes() == nil
		if pay != nil {
			fzCheckPayment(t, pay, ref)
		}
		if err != nil {
			pe := fzCheckError(t, err)
			if pe.RetrySafe && g.fuzzStatus != http.StatusTooManyRequests {
				gatewayRefused := fzSuccess(g.fuzzStatus) && perr == nil && r.errorCodes() != nil
				if !gatewayRefused && executed(g.tradeStatus) {
					t.Fatalf("RetrySafe after an ExecTran the gateway shows executed (%s): %v", g.tradeStatus, err)
				}
			}
			return
		}
		if pay == nil {
			t.Fatal("nil payment and nil error")
		}
		searched := g.count("SearchTrade") > 0
		switch pay.Status {
		case payment.StatusRequiresAction:
			if !replyOK {
				t.Fatalf("redirect from a reply that is not a success: %q", body)
			}
			na := pay.NextAction
			want := r.get("RedirectUrl")
			if r.get("ACS") == "1" {
				want = r.get("ACSUrl")
			}
			if na == nil || na.URL != want || !validRedirect(na.URL) {
				t.Fatalf("next action %+v from %q", na, body)
			}
		case payment.StatusAuthorized, payment.StatusCaptured:
			if !searched {
				if !replyOK || r.get("ACS") != "0" || !verifyCheckString(r, payment.NewSecret(fzShopPass)) || r.get("OrderID") != fzOrderID {
					t.Fatalf("charged on an unverified reply %q", body)
				}
			} else if !executed(g.tradeStatus) {
				t.Fatalf("status %v while the gateway shows %s", pay.Status, g.tradeStatus)
			}
		default:
			if !searched || StatusOf(g.tradeStatus) != pay.Status {
				t.Fatalf("status %v (gateway %s, searched %v) without an error", pay.Status, g.tradeStatus, searched)
			}
		}
	})
}

func fzMD5(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// FuzzThreeDSReturn feeds arbitrary browser returns (query or form values)
// and SecureTran/SecureTran2 replies to Confirm. A return naming another
// AccessID or MD is refused before any I/O; PaRes selects SecureTran; the
// completion call is sent at most once; a success is the verified reply
// for the registered amount.
func FuzzThreeDSReturn(f *testing.F) {
	ok := "OrderID=" + fzOrderID + "&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString="
	good := []byte(ok + fzMD5(fzOrderID+"2a99662"+"1"+""+"6416276"+"1303011202111111111111198895"+"20130301120312"+fzShopPass))
	f.Add("AccessID="+fzAccessID, uint8(0), uint8(1), good)
	f.Add("PaRes=eJzVWNmu4zYS%2FRXD&MD="+fzAccessID, uint8(0), uint8(0), good)
	f.Add("AccessID=ffffffffffffffffffffffffffffffff", uint8(0), uint8(1), good)
	f.Add("MD=x&PaRes=", uint8(0), uint8(0), good)
	f.Add("accessid="+fzAccessID+"&ACCESSID=0", uint8(0), uint8(1), good)
	f.Add("", uint8(0), uint8(3), []byte("ErrCode=E21&ErrInfo=E21010201"))
	f.Add("AccessID="+fzAccessID, uint8(4), uint8(1), []byte("<html>"))
	f.Add("PaRes=%zz", uint8(0), uint8(0), []byte("OrderID="+fzOrderID+"&CheckString=00000000000000000000000000000000"))
	f.Fuzz(func(t *testing.T, query string, status, trade uint8, body []byte) {
		vals, _ := url.ParseQuery(query)
		g := &fzGateway{fuzzStatus: fzHTTPStatus(status), fuzzBody: body, tradeStatus: fzStatuses[int(trade)%len(fzStatuses)]}
		var mismatch, match bool // some / every AccessID or MD the browser sent names another transaction
		match = true
		var paRes, hasPaRes, paResKeys = "", false, 0
		for k, vs := range vals {
			if len(vs) == 0 {
				continue
			}
			if strings.EqualFold(k, "AccessID") || strings.EqualFold(k, "MD") {
				if vs[0] != fzAccessID {
					mismatch = true
				} else {
					match = false
				}
			}
			if strings.EqualFold(k, "PaRes") {
				paRes, hasPaRes = vs[0], true
				paResKeys++
			}
		}
		allMismatch := mismatch && match
		g.fuzzAPI = "SecureTran2"
		if hasPaRes {
			g.fuzzAPI = "SecureTran"
		}
		p, ref := fzProvider(t, g, nil)
		before := g.count("EntryTran")
		pay, err := p.Confirm(context.Background(), payment.ConfirmRequest{Ref: ref, Return: &payment.RedirectReturn{Values: vals}})
		sent := 0
		for api, n := range g.calls {
			if api != "EntryTran" {
				sent += n
			}
		}
		sent += g.count("EntryTran") - before
		if allMismatch {
			if !errors.Is(err, payment.ErrInvalidRequest) || pay != nil || sent != 0 {
				t.Fatalf("a return for another transaction: %v, %d requests", err, sent)
			}
			return
		}
		if g.count("SecureTran")+g.count("SecureTran2") > 1 || g.count("ExecTran") != 0 {
			t.Fatalf("calls %v", g.calls)
		}
		if paResKeys == 1 && g.count("SecureTran2") != 0 {
			t.Fatal("SecureTran2 with a PaRes")
		}
		if pay != nil {
			fzCheckPayment(t, pay, ref)
		}
		if err != nil {
			pe := fzCheckError(t, err)
			if pe.Kind == payment.ErrInvalidRequest && sent != 0 && strings.HasPrefix(pe.Field, "Return") {
				t.Fatalf("return refused after %d requests", sent)
			}
			if paResKeys == 1 && (paRes == "" || len(paRes) > 64<<10) && sent != 0 {
				t.Fatalf("bad PaRes %d bytes sent on", len(paRes))
			}
			return
		}
		if pay == nil {
			t.Fatal("nil payment and nil error")
		}
		if g.count(g.fuzzAPI) == 1 && (pay.Status == payment.StatusCaptured || pay.Status == payment.StatusAuthorized) {
			r, perr := parseResponse(body)
			if !fzSuccess(g.fuzzStatus) || perr != nil || !verifyCheckString(r, payment.NewSecret(fzShopPass)) {
				if g.count("SearchTrade") == 0 || !executed(g.tradeStatus) {
					t.Fatalf("charged on an unverified reply %q", body)
				}
			}
		}
	})
}

// FuzzNotificationRoundTrip: fields sent the way GMO sends them (values in
// cp932, percent-encoded) come back exactly, after the documented
// look-alike mapping; the masked passwords are dropped.
func FuzzNotificationRoundTrip(f *testing.F) {
	f.Add("ClientField1", "～－￠￡￢－∥①ほげほげhogehoge", "o-1", "PAYSUCCESS")
	f.Add("ShopPass", "**********", "1362106991", "CAPTURE")
	f.Add("TdTenantName", "〜−‖¢£¬", "", "")
	f.Add("X", "a&b=c%+ \r\n", "\x00", "\xff")
	f.Add("CvsReceiptNo", "ｱｲｳ¥", "o", "\u00e9")
	f.Fuzz(func(t *testing.T, key, val, orderID, st string) {
		if key == "" || !fzUnreservedKey(key) {
			return
		}
		var fm form
		in := [][2]string{{"OrderID", orderID}, {"Status", st}, {key, val}}
		for _, kv := range in {
			fm.add(kv[0], kv[1])
		}
		if fm.err != nil {
			if payment.KindOf(fm.err) != payment.ErrInvalidRequest {
				t.Fatalf("encode error of kind %v", payment.KindOf(fm.err))
			}
			return
		}
		if len(fm.buf) == 0 {
			return
		}
		n, err := parseNotificationBody(fm.buf)
		if err != nil {
			t.Fatalf("%q does not parse back: %v", fm.buf, err)
		}
		want := map[string]string{}
		for _, kv := range in {
			if _, dup := want[kv[0]]; !dup && kv[1] != "" {
				want[kv[0]] = fzLookAlike(kv[1])
			}
		}
		delete(want, "ShopPass")
		delete(want, "AccessPass")
		if len(n.Fields) != len(want) {
			t.Fatalf("fields %q, want %q", n.Fields, want)
		}
		for k, v := range want {
			if n.Fields[k] != v {
				t.Fatalf("%s = %q, sent %q", k, n.Fields[k], v)
			}
		}
		if n.OrderID != n.Fields["OrderID"] || n.Status != n.Fields["Status"] {
			t.Fatal("named fields disagree with Fields")
		}
	})
}

func fzUnreservedKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if !unreserved[k[i]] {
			return false
		}
	}
	return true
}

func fzLookAlike(s string) string {
	return strings.Map(func(r rune) rune {
		if m, ok := cp932Map[r]; ok {
			return m
		}
		return r
	}, s)
}

// FuzzHandleNotification feeds arbitrary notification bodies to
// HandleNotification, verified against a scripted SearchTrade (or trusted
// with SkipNotificationVerification). Only SearchTrade is ever called;
// errors are typed; a verified payment carries the gateway's amount
// exactly, a trusted one the notification's; refs parse back.
func FuzzHandleNotification(f *testing.F) {
	f.Add(false, uint8(2), []byte("ShopID="+fzShopID+"&ShopPass=**********&AccessID="+fzAccessID+"&AccessPass=********************************&OrderID="+fzOrderID+"&Status=AUTH&JobCd=AUTH&Amount=1000&Tax=0&Currency=JPN&Forward=2a99662&Method=1&PayTimes=&TranID=1&Approve=6416276&TranDate=20260310100000&ErrCode=&ErrInfo=&PayType=0"))
	f.Add(true, uint8(3), []byte("ShopID="+fzShopID+"&AccessID="+fzAccessID+"&OrderID="+fzOrderID+"&Status=CAPTURE&Amount=999&PayType=0"))
	f.Add(false, uint8(3), []byte("ShopID="+fzShopID+"&AccessID="+fzAccessID+"&OrderID="+fzOrderID+"&Status=CAPTURE&Amount=999&PayType=0"))
	f.Add(false, uint8(0), []byte("ShopID="+fzShopID+"&ErrCode=E00&ErrInfo=E00000000"))
	f.Add(false, uint8(0), []byte("ShopID="+fzShopID+"&OrderID=cvs-1&Status=PAYSUCCESS&Amount=1500&PayType=3&CvsCode=10001&CvsConfNo=1234&CvsReceiptNo=ABC"))
	f.Add(true, uint8(0), []byte("ShopID=other&AccessID="+fzAccessID+"&OrderID="+fzOrderID+"&Status=AUTH"))
	f.Add(true, uint8(0), []byte("AccessID="+fzAccessID+"&OrderID="+fzOrderID+"&Status=&ErrInfo=42G020000|E01&Amount=99999999999"))
	f.Add(false, uint8(0), []byte("OrderID=%82%a0&Status=CAPTURE"))
	f.Fuzz(func(t *testing.T, skip bool, trade uint8, body []byte) {
		g := &fzGateway{fuzzAPI: "-", tradeStatus: fzStatuses[int(trade)%len(fzStatuses)], calls: map[string]int{}, tradeAccess: fzAccessID}
		p, err := New(Config{ShopID: fzShopID, ShopPass: payment.NewSecret(fzShopPass), SkipNotificationVerification: skip},
			provider.WithBaseURL("http://gmo.invalid"), provider.WithHTTPClient(&http.Client{Transport: g}), provider.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, "https://shop.example/gmo/notify", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		n, err := p.HandleNotification(context.Background(), req)
		for api, c := range g.calls {
			if (api != "SearchTrade" && api != "SearchTradeMulti") || c > 1 || (skip && c > 0) {
				t.Fatalf("calls %v", g.calls)
			}
		}
		parsed, perr := parseNotificationBody(body)
		if err != nil {
			fzCheckError(t, err)
			if perr != nil && n != nil {
				t.Fatal("a notification for an unreadable body")
			}
			if n != nil && n.Payment != nil && !errors.Is(err, payment.ErrUnsupported) {
				t.Fatalf("payment next to %v", err)
			}
			return
		}
		if perr != nil || n == nil {
			t.Fatalf("accepted an unparseable body: %v", perr)
		}
		if n.Ack != AckReply || n.Retry != RetryReply {
			t.Fatalf("replies %+v %+v", n.Ack, n.Retry)
		}
		if n.Kind == payment.NotificationPing {
			if n.Payment != nil || parsed.ErrInfo != "E00000000" {
				t.Fatal("ping with a payment")
			}
			return
		}
		pay := n.Payment
		if pay == nil || n.Ref != pay.Ref || n.OrderID != parsed.OrderID {
			t.Fatalf("notification %+v", n)
		}
		base := string(n.Ref)
		if fzVoucherRef(base) {
			base = base[:strings.LastIndexByte(base, ':')]
		}
		o, a, rerr := ParseRef(payment.PaymentRef(base))
		if rerr != nil || o != parsed.OrderID || a != parsed.AccessID {
			t.Fatalf("ref %q: %v", n.Ref, rerr)
		}
		fzNoSecrets(t, fmt.Sprintf("%+v", *pay))
		if skip {
			if n.Verified {
				t.Fatal("verified without asking the gateway")
			}
			want, _ := parseAmount(parsed.Amount)
			if pay.Amount.MinorUnits() != want || pay.Amount.Currency() != payment.JPY {
				t.Fatalf("amount %v, notification %q", pay.Amount, parsed.Amount)
			}
			return
		}
		if !n.Verified || a != fzAccessID || !pay.Amount.Equal(payment.MoneyFromMinor(fzAmount, payment.JPY)) {
			t.Fatalf("verified %v, access %q, amount %v", n.Verified, a, pay.Amount)
		}
		if parsed.Status == g.tradeStatus && parsed.Amount != "" && parsed.Amount != itoa(fzAmount) {
			t.Fatalf("accepted amount %q for the gateway's %d", parsed.Amount, fzAmount)
		}
		if pay.Status != StatusOf(g.tradeStatus) && !(g.tradeStatus == "VOID") {
			t.Fatalf("status %v, gateway %s", pay.Status, g.tradeStatus)
		}
	})
}

// FuzzSearchTradeReply feeds arbitrary SearchTrade replies to Inquire: a
// reply for another order or access id, or without a valid AccessPass and
// integer Amount, is an error; otherwise the payment has the reply's
// status and exactly its amount, and never shows the AccessPass.
func FuzzSearchTradeReply(f *testing.F) {
	rec := "OrderID=" + fzOrderID + "&Status=AUTH&ProcessDate=20130420044346&JobCd=AUTH&AccessID=" + fzAccessID + "&AccessPass=" + fzAccessPass +
		"&ItemCode=0000990&Amount=1000&Tax=0&SiteID=&MemberID=&CardNo=************1111&Expire=1405&Method=1&PayTimes=&Forward=2a99662&TranID=1304200441111111111111193613&Approve=6712106"
	f.Add(uint8(0), []byte(rec))
	f.Add(uint8(0), []byte(strings.Replace(rec, "Amount=1000", "Amount=1e3", 1)))
	f.Add(uint8(0), []byte(strings.Replace(rec, "CardNo=************1111", "CardNo=4111111111111111", 1)))
	f.Add(uint8(4), []byte(""))
	f.Add(uint8(0), []byte("ErrCode=E01&ErrInfo=E01110002"))
	f.Fuzz(func(t *testing.T, status uint8, body []byte) {
		g := &fzGateway{calls: map[string]int{}, fuzzAPI: "SearchTrade", fuzzStatus: fzHTTPStatus(status), fuzzBody: body}
		p, err := New(Config{ShopID: fzShopID, ShopPass: payment.NewSecret(fzShopPass)}, provider.WithBaseURL("http://gmo.invalid"),
			provider.WithHTTPClient(&http.Client{Transport: g}), provider.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		ref := Ref(fzOrderID, fzAccessID)
		pay, err := p.Inquire(context.Background(), ref)
		if g.count("SearchTrade") != 1 || len(g.calls) != 1 {
			t.Fatalf("calls %v", g.calls)
		}
		if err != nil {
			fzCheckError(t, err)
			return
		}
		r, perr := parseResponse(body)
		if !fzSuccess(g.fuzzStatus) || perr != nil || r.errorCodes() != nil {
			t.Fatalf("inquiry from status %d body %q", g.fuzzStatus, body)
		}
		amount, aerr := parseAmount(r.get("Amount"))
		if r.get("OrderID") != fzOrderID || r.get("AccessID") != fzAccessID || aerr != nil || !isLowerHex32(r.get("AccessPass")) {
			t.Fatalf("accepted reply %q", body)
		}
		if pay.Status != StatusOf(r.get("Status")) && !(pay.Status == payment.StatusPartiallyRefunded || pay.Status == payment.StatusRefunded) {
			t.Fatalf("status %v from %q", pay.Status, r.get("Status"))
		}
		if pay.Ref != ref || pay.Amount.MinorUnits() != amount || pay.Amount.Currency() != payment.JPY {
			t.Fatalf("payment %v %v from %q", pay.Ref, pay.Amount, body)
		}
		s := fmt.Sprintf("%+v", *pay)
		if pay.Card != nil {
			s += fmt.Sprintf("%+v", *pay.Card)
		}
		fzNoSecrets(t, s)
		if ap := r.get("AccessPass"); strings.Contains(s, ap) {
			t.Fatalf("AccessPass %q in %s", ap, s)
		}
		if pay.Card != nil {
			digits := 0
			for _, c := range pay.Card.Masked {
				if c >= '0' && c <= '9' {
					digits++
				}
			}
			if digits > 10 {
				t.Fatalf("card %q", pay.Card.Masked)
			}
		}
	})
}
