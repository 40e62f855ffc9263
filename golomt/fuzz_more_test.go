package golomt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
)

// Fuzz targets for the bank's JSON answers as the provider sees them
// (invoice, inquiry/check and pay replies, error envelopes, HTML pages)
// and for the browser's redirect values handed to Confirm. The replies are
// built from fuzzed fields and signed with the test key (or not), or taken
// raw, so the fuzzer reaches both the verified and the refused paths.
// Seed corpora: testdata/fuzz/<FuzzName>.

const (
	fzKey     = "fuzz-checksum-key"
	fzBearer  = "fuzz-bearer-token-7f3a"
	fzTxn     = "ORDER1"
	fzInvoice = "d7fb2858-df36-469e-b40d-2815fe9215cf"
	fzAmount  = "1500.00"
	fzToken   = "tok-secret-5e1d"
)

// fzBank answers the bank's endpoints in process: each path gets the
// scripted status and body (a missing path answers 400 "Payment not
// found."), and calls are counted per path.
type fzBank struct {
	mu      sync.Mutex
	calls   map[string]int
	replies map[string]fzReply
}

type fzReply struct {
	status int
	ct     string
	body   []byte
}

func (b *fzBank) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	_ = r.Body.Close()
	b.mu.Lock()
	b.calls[r.URL.Path]++
	rep, ok := b.replies[r.URL.Path]
	b.mu.Unlock()
	if !ok {
		rep = fzReply{status: 400, body: []byte(`{"timestamp":"2020-06-02T10:51:56.359+0000","status":400,"error":"Bad Request","message":"Payment not found.","path":"` + r.URL.Path + `"}`)}
	}
	ct := rep.ct
	if ct == "" {
		ct = "application/json"
	}
	return &http.Response{StatusCode: rep.status, Header: http.Header{"Content-Type": {ct}},
		Body: io.NopCloser(bytes.NewReader(rep.body)), ContentLength: int64(len(rep.body)), Request: r}, nil
}

func (b *fzBank) count(path string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[path]
}

func (b *fzBank) total() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.calls {
		n += c
	}
	return n
}

func fzProvider(t *testing.T, b *fzBank) *Provider {
	t.Helper()
	b.calls = map[string]int{}
	p, err := New(Config{BearerToken: payment.NewSecret(fzBearer), ChecksumKey: payment.NewSecret(fzKey)},
		provider.WithBaseURL("http://golomt.invalid"), provider.WithHTTPClient(&http.Client{Transport: b}),
		provider.WithMaxRetries(0), provider.WithClock(fixedClock{}))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fzStatus maps a fuzzed byte to the HTTP statuses worth trying.
func fzStatus(b uint8) int {
	return [...]int{200, 200, 200, 200, 200, 500, 502, 400, 401, 429, 302, 404, 204}[int(b)%13]
}

// fzJSON writes a flat JSON object; a value "null" is written as null and
// keys with value "\x00absent" are left out.
func fzJSON(kv ...string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "\x00absent" {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(kv[i])
		b.Write(k)
		b.WriteByte(':')
		if kv[i+1] == "null" {
			b.WriteString("null")
		} else {
			v, _ := json.Marshal(kv[i+1])
			b.Write(v)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// fzNull is the value a checksum covers for a field fzJSON writes: "" for
// "null".
func fzNull(s string) string {
	if s == "null" {
		return ""
	}
	return s
}

// fzCheckError: every error is a typed golomt *payment.Error without the
// bearer token, the checksum key or the card token in it.
func fzCheckError(t *testing.T, err error) *payment.Error {
	t.Helper()
	var pe *payment.Error
	if !errors.As(err, &pe) || payment.KindOf(err) == nil || pe.Provider != Name {
		t.Fatalf("untyped error %T %v", err, err)
	}
	fzNoSecrets(t, err.Error(), fmt.Sprintf("%+v", err))
	return pe
}

func fzNoSecrets(t *testing.T, ss ...string) {
	t.Helper()
	for _, s := range ss {
		for _, secret := range []string{fzKey, fzBearer, fzToken} {
			if strings.Contains(s, secret) {
				t.Fatalf("secret %q leaked in %q", secret, s)
			}
		}
	}
}

// FuzzInvoiceReply feeds /api/invoice answers to CreatePayment. The
// invoice is sent at most twice (once more only after the bank said it
// does not know the transaction); a created payment comes from a verified
// answer for this transaction, points at the bank's page for the answer's
// invoice id, and carries the requested amount exactly in a ref that
// parses back.
func FuzzInvoiceReply(f *testing.F) {
	f.Add(uint8(0), uint8(0), fzTxn, fzInvoice, "", []byte(nil))
	f.Add(uint8(0), uint8(0), fzTxn, fzInvoice, "socialpay-payment://key=VnEWLv/nmtt2LbKjvujI8toXiR1RFt6d7zmGxNvFiHnR5YfNLDu/bx1gHRsK8PjwQbEwxcU1q4fsAPHqHRtrDPdsFQiug/vCFNNux9YbTEg=", []byte(nil))
	f.Add(uint8(0), uint8(1), fzTxn, fzInvoice, "", []byte(nil))
	f.Add(uint8(0), uint8(0), "OTHER", fzInvoice, "", []byte(nil))
	f.Add(uint8(0), uint8(0), fzTxn, "../../admin?x=1", "", []byte(nil))
	f.Add(uint8(0), uint8(0), fzTxn, "", "", []byte(nil))
	f.Add(uint8(0), uint8(2), "", "", "", []byte(`{"checksum":"9ac76e1ecd0cb23b25cf2dbf976de7bc4d6ff11aebfbd83216aae29be16534b8","transactionId":"TEST20230920","invoice":"d7fb2858-df36-469e-b40d-2815fe9215cf","socialDeeplink":"socialpay-payment://key=VnEW"}`))
	f.Add(uint8(5), uint8(2), "", "", "", []byte(`{"timestamp":"2020-06-02T10:51:56.359+0000","status":500,"error":"Internal Server Error"}`))
	f.Add(uint8(7), uint8(2), "", "", "", []byte(`{"status":"400","error":"Duplicate","message":"Duplicate transaction"}`))
	f.Add(uint8(0), uint8(2), "", "", "", []byte(`<html><body>Forbidden</body></html>`))
	f.Add(uint8(0), uint8(2), "", "", "", []byte(`{"invoice":1,"transactionId":"ORDER1"}`))
	f.Fuzz(func(t *testing.T, status, mode uint8, txn, invoice, deeplink string, raw []byte) {
		b := &fzBank{}
		p := fzProvider(t, b)
		body := raw
		sum := p.sign.checksum(invoice, txn)
		switch mode % 3 {
		case 0:
			body = fzJSON("checksum", sum, "transactionId", txn, "invoice", invoice, "socialDeeplink", deeplink)
		case 1:
			body = fzJSON("checksum", strings.Repeat("0", 64), "transactionId", txn, "invoice", invoice)
		}
		b.replies = map[string]fzReply{"/api/invoice": {status: fzStatus(status), body: body}}
		amount := payment.MustParseMoney(fzAmount, "MNT")
		pay, err := p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: fzTxn, Amount: amount,
			Capture: payment.CaptureAutomatic, ReturnURL: "https://shop.example/golomt/return"})
		if n := b.count("/api/invoice"); n < 1 || n > 2 || (n == 2 && b.count("/api/inquiry") < 1) {
			t.Fatalf("calls %v", b.calls)
		}
		if err != nil {
			fzCheckError(t, err)
			if pay != nil {
				t.Fatalf("payment next to %v", err)
			}
			return
		}
		var ir invoiceResponse
		if fzStatus(status) != http.StatusOK || decodeObject(body, &ir) != nil {
			t.Fatalf("created from status %d body %q", fzStatus(status), body)
		}
		if ir.TransactionID.S != fzTxn || !p.sign.verify(ir.Checksum.S, ir.Invoice.S, ir.TransactionID.S) || !validWireID(ir.Invoice.S, 64) {
			t.Fatalf("created from an unverified answer %q", body)
		}
		if pay.Status != payment.StatusRequiresAction || pay.NextAction == nil ||
			pay.NextAction.URL != "http://golomt.invalid/payment/mn/"+ir.Invoice.S || pay.NextAction.Deeplink != ir.SocialDeeplink.S {
			t.Fatalf("payment %+v next %+v", pay, pay.NextAction)
		}
		if !pay.Amount.Equal(amount) || pay.OrderID != fzTxn {
			t.Fatalf("amount %v order %q", pay.Amount, pay.OrderID)
		}
		r, err := parseRef("x", pay.Ref)
		if err != nil || r.invoice != ir.Invoice.S || r.amount != fzAmount || r.txn != fzTxn {
			t.Fatalf("ref %q: %+v %v", pay.Ref, r, err)
		}
		fzNoSecrets(t, fmt.Sprintf("%+v", *pay))
	})
}

// FuzzInquiryReply feeds /api/inquiry and /api/check answers, and the
// browser's redirect values, to Confirm and Inquire. A return for another
// transaction or with malformed values is refused before any I/O; each
// call asks the bank once; paid means errorCode "000", a verified answer
// and exactly the amount charged; a decline is StatusFailed with the
// bank's code (ErrDeclined from Confirm, no error from Inquire).
func FuzzInquiryReply(f *testing.F) {
	f.Add(false, uint8(0), uint8(0), "000", fzAmount, "", "invoice=ORDER1&status_code=000&desc=%D0%90%D0%BC%D0%B6%D0%B8%D0%BB%D1%82%D1%82%D0%B0%D0%B9", []byte(nil))
	f.Add(false, uint8(0), uint8(0), "000", "1500", fzToken, "", []byte(nil))
	f.Add(false, uint8(0), uint8(0), "000", "1500.001", "", "", []byte(nil))
	f.Add(false, uint8(0), uint8(0), "000", "1500.01", "", "", []byte(nil))
	f.Add(false, uint8(0), uint8(0), "000", "1.5e3", "", "", []byte(nil))
	f.Add(false, uint8(0), uint8(0), "300", "1", "", "invoice=ORDER1&status_code=300", []byte(nil))
	f.Add(false, uint8(0), uint8(0), "null", "null", "null", "invoice=OTHER", []byte(nil))
	f.Add(true, uint8(0), uint8(0), "", "", "", "", []byte(nil))
	f.Add(false, uint8(0), uint8(1), "000", fzAmount, "", "", []byte(nil))
	f.Add(false, uint8(0), uint8(2), "", "", "", "invoice=ORDER1&invoice=ORDER2", []byte(`{"status":"SENT","amount":"1","bank":"Голомт банк","errorDesc":"Амжилттай","checksum":"8e2538fac797d6828","errorCode":"000","cardHolder":"Golomt bank","transactionId":"test000001","cardNumber":"949625******0003","token":"9ffd1bb0544990"}`))
	f.Add(false, uint8(7), uint8(2), "", "", "", "", []byte(`{"status":400,"message":"Payment not found."}`))
	f.Add(true, uint8(5), uint8(2), "", "", "", "desc=%ff", []byte(`<html>`))
	f.Fuzz(func(t *testing.T, pay bool, status, mode uint8, code, amount, token, query string, raw []byte) {
		b := &fzBank{}
		p := fzProvider(t, b)
		r := ref{kind: kindInvoice, txn: fzTxn, invoice: fzInvoice, amount: fzAmount, created: fixedClock{}.Now().Unix()}
		path := "/api/inquiry"
		if pay {
			r = ref{kind: kindPay, txn: fzTxn, amount: fzAmount, created: fixedClock{}.Now().Unix()}
			path = "/api/check"
		}
		body := raw
		switch mode % 3 {
		case 0:
			sum := p.sign.checksum(fzTxn, fzNull(code), fzNull(amount), fzNull(token))
			body = fzJSON("status", "SENT", "transactionId", fzTxn, "errorCode", code, "errorDesc", "Амжилттай", "amount", amount,
				"token", token, "cardNumber", "949625******0003", "cardHolder", "Golomt bank", "checksum", sum)
		case 1:
			body = fzJSON("transactionId", fzTxn, "errorCode", code, "amount", amount, "checksum", strings.Repeat("a", 64))
		}
		b.replies = map[string]fzReply{path: {status: fzStatus(status), body: body}}
		var res result
		verified := fzStatus(status) == http.StatusOK && decodeObject(body, &res) == nil && res.TransactionID.S == fzTxn &&
			p.sign.verify(res.Checksum.S, res.TransactionID.S, res.ErrorCode.S, res.Amount.S, res.Token.S)

		vals, qerr := url.ParseQuery(query)
		rd, rerr := parseRedirectValues("confirm", vals)
		cpay, cerr := p.Confirm(context.Background(), payment.ConfirmRequest{Ref: r.paymentRef(), Return: &payment.RedirectReturn{Values: vals}})
		if rerr != nil || (rd.TransactionID != "" && rd.TransactionID != fzTxn) {
			if !errors.Is(cerr, payment.ErrInvalidRequest) || cpay != nil || b.total() != 0 {
				t.Fatalf("return %q (%v): %v, %d calls", query, qerr, cerr, b.total())
			}
		} else {
			fzCheckResult(t, "confirm", cpay, cerr, verified, &res)
		}
		b.calls = map[string]int{}
		ipay, ierr := p.Inquire(context.Background(), r.paymentRef())
		fzCheckResult(t, "inquire", ipay, ierr, verified, &res)
		if b.count(path) != 1 || b.total() != 1 {
			t.Fatalf("calls %v", b.calls)
		}
	})
}

// fzCheckResult asserts what Confirm, Inquire and PayWithToken may answer
// for a result the bank sent (verified says whether it checks out).
func fzCheckResult(t *testing.T, op string, pay *payment.Payment, err error, verified bool, res *result) {
	t.Helper()
	charged := payment.MustParseMoney(fzAmount, "MNT")
	if pay != nil {
		if pay.OrderID != fzTxn || pay.Provider != Name {
			t.Fatalf("%s: payment %+v", op, pay)
		}
		if !pay.Amount.Equal(charged) {
			t.Fatalf("%s: amount %v, charged %s", op, pay.Amount, fzAmount)
		}
		fzNoSecrets(t, fmt.Sprintf("%+v", *pay))
	}
	if err != nil {
		pe := fzCheckError(t, err)
		if pay != nil && pay.Status == payment.StatusCaptured {
			t.Fatalf("%s: captured with %v", op, err)
		}
		switch {
		case pe.Kind == payment.ErrDeclined:
			if pay == nil || pay.Status != payment.StatusFailed || pe.GatewayCode != pay.GatewayCode || pay.GatewayCode == CodeApproved || pay.GatewayCode == "" {
				t.Fatalf("%s: decline %v with %+v", op, err, pay)
			}
		case pay != nil && pe.Kind != payment.ErrInvalidSignature && pe.Kind != payment.ErrOutcomeUnknown:
			t.Fatalf("%s: payment %v next to %v", op, pay.Status, err)
		}
		if pe.Kind == payment.ErrInvalidSignature && pay != nil && pay.Status != payment.StatusUnknown {
			t.Fatalf("%s: unverified answer reported as %v", op, pay.Status)
		}
		return
	}
	if pay == nil {
		t.Fatalf("%s: nil payment and nil error", op)
	}
	if !verified {
		t.Fatalf("%s: %v from an answer that does not verify", op, pay.Status)
	}
	code := res.ErrorCode.S
	switch pay.Status {
	case payment.StatusCaptured:
		reported, perr := payment.ParseMoney(res.Amount.S, "MNT")
		if code != CodeApproved || perr != nil || !reported.Equal(charged) || !pay.Captured.Equal(charged) {
			t.Fatalf("%s: captured with code %q amount %q (captured %v)", op, code, res.Amount.S, pay.Captured)
		}
	case payment.StatusFailed:
		if op != "inquire" || code == "" || code == CodeApproved || pay.GatewayCode != code {
			t.Fatalf("%s: failed with code %q, nil error", op, code)
		}
	case payment.StatusRequiresAction, payment.StatusExpired, payment.StatusPending, payment.StatusUnknown:
		if code != "" {
			t.Fatalf("%s: %v with code %q", op, pay.Status, code)
		}
	default:
		t.Fatalf("%s: status %v", op, pay.Status)
	}
}

// FuzzPayReply feeds /api/pay answers (and the /api/check that settles an
// ambiguous one) to PayWithToken: /api/pay is sent exactly once, whatever
// comes back; paid means a verified errorCode "000" for exactly the amount
// charged; anything unverifiable is StatusUnknown with ErrOutcomeUnknown
// or the verified /api/check answer.
func FuzzPayReply(f *testing.F) {
	f.Add(uint8(0), uint8(0), "000", "1500", uint8(0), uint8(3), []byte(nil))
	f.Add(uint8(0), uint8(0), "000", "1.00", uint8(0), uint8(3), []byte(nil))
	f.Add(uint8(0), uint8(0), "300", fzAmount, uint8(0), uint8(3), []byte(nil))
	f.Add(uint8(0), uint8(1), "000", fzAmount, uint8(0), uint8(0), []byte(nil))
	f.Add(uint8(5), uint8(2), "", "", uint8(0), uint8(0), []byte(`{"status":500,"message":"Internal"}`))
	f.Add(uint8(6), uint8(2), "", "", uint8(7), uint8(0), []byte(`<html>Bad Gateway</html>`))
	f.Add(uint8(0), uint8(2), "", "", uint8(0), uint8(1), []byte(`{"amount":"1.00","errorDesc":"Амжилттай","checksum":"9ffd1bb0544990197e4f26ab71b0feaae5f8ee3d824e70c8bcb52d14b5584652","errorCode":"000","cardNumber":"498738******3883","transactionId":"R749P918K873"}`))
	f.Add(uint8(0), uint8(0), "null", "null", uint8(0), uint8(2), []byte(nil))
	f.Fuzz(func(t *testing.T, status, mode uint8, code, amount string, checkStatus, checkMode uint8, raw []byte) {
		b := &fzBank{}
		p := fzProvider(t, b)
		body := raw
		switch mode % 3 {
		case 0:
			body = fzJSON("transactionId", fzTxn, "errorCode", code, "errorDesc", "x", "amount", amount,
				"cardNumber", "498738******3883", "checksum", p.sign.checksum(fzTxn, fzNull(code), fzNull(amount)))
		case 1:
			body = fzJSON("transactionId", fzTxn, "errorCode", code, "amount", amount, "checksum", strings.Repeat("f", 64))
		}
		// /api/check: paid, declined, not paid, not found, broken.
		checks := [...][]byte{
			fzJSON("transactionId", fzTxn, "errorCode", "000", "amount", fzAmount, "token", "", "checksum", p.sign.checksum(fzTxn, "000", fzAmount, "")),
			fzJSON("transactionId", fzTxn, "errorCode", "300", "errorDesc", "expired", "amount", fzAmount, "checksum", p.sign.checksum(fzTxn, "300", fzAmount, "")),
			fzJSON("transactionId", fzTxn, "errorCode", "null", "amount", "null", "checksum", p.sign.checksum(fzTxn, "", "", "")),
			[]byte(`{"status":400,"message":"Payment not found."}`),
		}
		cs := fzStatus(checkStatus)
		cb := checks[int(checkMode)%len(checks)]
		if int(checkMode)%len(checks) == 3 {
			cs = 400
		}
		b.replies = map[string]fzReply{"/api/pay": {status: fzStatus(status), body: body}, "/api/check": {status: cs, body: cb}}
		pay, err := p.PayWithToken(context.Background(), TokenPaymentRequest{OrderID: fzTxn,
			Amount: payment.MustParseMoney(fzAmount, "MNT"), Token: payment.NewSecret(fzToken)})
		if n := b.count("/api/pay"); n != 1 {
			t.Fatalf("/api/pay sent %d times", n)
		}
		if b.count("/api/check") > 1 || b.total() > 2 {
			t.Fatalf("calls %v", b.calls)
		}
		var res result
		verified := fzStatus(status) == http.StatusOK && decodeObject(body, &res) == nil && res.TransactionID.S == fzTxn &&
			p.sign.verify(res.Checksum.S, res.TransactionID.S, res.ErrorCode.S, res.Amount.S)
		if b.count("/api/check") == 1 {
			// Settled by the inquiry: judge against its answer.
			res = result{}
			verified = cs == http.StatusOK && decodeObject(cb, &res) == nil
		}
		if err != nil && pay != nil && pay.Status == payment.StatusUnknown &&
			!errors.Is(err, payment.ErrOutcomeUnknown) && !errors.Is(err, payment.ErrInvalidSignature) {
			t.Fatalf("unknown outcome reported as %v", err)
		}
		if err == nil && pay != nil && pay.Status != payment.StatusCaptured {
			t.Fatalf("%v without an error", pay.Status)
		}
		fzCheckResult(t, "pay", pay, err, verified, &res)
	})
}

// FuzzClassify: every answer that is not a usable result becomes exactly
// one typed error; only a 200 result with errorCode "000" or null is not a
// failure; an ambiguous answer to a money-moving call is
// ErrOutcomeUnknown and never RetrySafe; messages are bounded and valid
// UTF-8 whenever the bank's were.
func FuzzClassify(f *testing.F) {
	f.Add(uint16(200), "application/json", []byte(`{}`), true, "000", "Амжилттай", false)
	f.Add(uint16(200), "application/json", []byte(`{}`), true, "300", "Картын хугацаа дууссан", true)
	f.Add(uint16(400), "application/json", []byte(`{"timestamp":"2020-06-02T10:51:56.359+0000","status":400,"error":"Validation"}`), false, "", "", false)
	f.Add(uint16(400), "application/json", []byte(`{"status":"400","message":"Payment not found."}`), false, "", "", false)
	f.Add(uint16(400), "application/json", []byte(`{"status":400,"message":"Duplicate transactionId"}`), false, "", "", true)
	f.Add(uint16(400), "application/json", []byte(`{"status":400,"message":"Invalid checksum"}`), false, "", "", true)
	f.Add(uint16(500), "application/json", []byte(`{"status":500,"message":"`+strings.Repeat("ж", 300)+`"}`), false, "", "", true)
	f.Add(uint16(502), "text/html; charset=utf-8", []byte(`<html>Bad Gateway</html>`), false, "", "", true)
	f.Add(uint16(200), "text/plain", []byte("\ufeff<!DOCTYPE html>"), false, "", "", false)
	f.Add(uint16(403), "", []byte(nil), false, "", "", false)
	f.Add(uint16(99), "", []byte(nil), false, "", "", true)
	f.Fuzz(func(t *testing.T, status uint16, ct string, body []byte, isResult bool, code, desc string, moneyMoving bool) {
		a := answer{status: int(status) % 1000, contentType: ct, body: body, result: isResult, code: code, desc: desc}
		e := classify("op", a, moneyMoving)
		ok := a.status == http.StatusOK && isResult && (code == CodeApproved || code == "")
		if ok != (e == nil) {
			t.Fatalf("classify(%d, result %v, code %q) = %v", a.status, isResult, code, e)
		}
		if e == nil {
			return
		}
		if e.Kind == nil || e.Provider != Name || e.Op != "op" {
			t.Fatalf("error %+v", e)
		}
		if moneyMoving && (e.Kind == payment.ErrUnavailable || e.RetrySafe && e.Kind != payment.ErrRateLimited) {
			t.Fatalf("money-moving answer %d classified %v (retry safe %v)", a.status, e.Kind, e.RetrySafe)
		}
		if e.RetrySafe && e.Kind != payment.ErrUnavailable && e.Kind != payment.ErrRateLimited {
			t.Fatalf("retry safe %v", e.Kind)
		}
		if e.Kind == payment.ErrDeclined && (e.GatewayCode != code || !isResult) {
			t.Fatalf("decline %+v", e)
		}
		env, _ := decodeEnvelope(body)
		if utf8.ValidString(env.Message) && !isResult && !utf8.ValidString(e.Message) {
			t.Fatalf("message %q cut inside a character", e.Message)
		}
		if len(e.Message) > 600 {
			t.Fatalf("message of %d bytes", len(e.Message))
		}
		if ce := classifyOrUnreadable("op", a, moneyMoving); ce == nil {
			t.Fatal("classifyOrUnreadable returned nil")
		}
	})
}

// FuzzHandlePush feeds pushes (signed from fuzzed fields, wrongly signed,
// or raw) to HandleNotification, trusted or confirmed with /api/inquiry.
// Only a push whose checksum verifies is reported; it is confirmed with
// one inquiry unless trusted; the reported payment's ref parses back (the
// application calls Inquire with it); paid means errorCode "000" for
// exactly the amount reported.
func FuzzHandlePush(f *testing.F) {
	f.Add(false, uint8(0), "test000001", "000", "1", "", uint8(0), []byte(nil))
	f.Add(true, uint8(0), "test000001", "300", "1", "", uint8(1), []byte(nil))
	f.Add(false, uint8(0), "test000001", "null", "1500.00", "", uint8(2), []byte(nil))
	f.Add(true, uint8(0), "T1", "000", "-5", "", uint8(0), []byte(nil))
	f.Add(true, uint8(0), "T1", "000", "00000000000000001500", "", uint8(0), []byte(nil))
	f.Add(false, uint8(1), "test000001", "000", "1", "", uint8(0), []byte(nil))
	f.Add(false, uint8(2), "", "", "", "", uint8(0), []byte(`{"amount":"1","bank":"Голомт банк","errorDesc":"Картын хугацаа дууссан","checksum":"8e2538fac797d6828ca93c34a4487c54e75803a18978d425dfec3c6863f60aac","errorCode":"300","cardHolder":"9496250","transactionId":"test000001","cardNumber":"949625******0003"}`))
	f.Fuzz(func(t *testing.T, trust bool, mode uint8, txn, code, amount, token string, inq uint8, raw []byte) {
		b := &fzBank{}
		b.calls = map[string]int{}
		p, err := New(Config{BearerToken: payment.NewSecret(fzBearer), ChecksumKey: payment.NewSecret(fzKey), TrustPush: trust},
			provider.WithBaseURL("http://golomt.invalid"), provider.WithHTTPClient(&http.Client{Transport: b}),
			provider.WithMaxRetries(0), provider.WithClock(fixedClock{}))
		if err != nil {
			t.Fatal(err)
		}
		body := raw
		switch mode % 3 {
		case 0:
			body = fzJSON("transactionId", txn, "errorCode", code, "errorDesc", "x", "amount", amount, "token", token,
				"cardNumber", "949625******0003", "checksum", p.sign.checksum(txn, fzNull(code), fzNull(amount), fzNull(token)))
		case 1:
			body = fzJSON("transactionId", txn, "errorCode", code, "amount", amount, "checksum", strings.Repeat("1", 64))
		}
		inqCode := [...]string{"000", "300", "null"}[int(inq)%3]
		b.replies = map[string]fzReply{"/api/inquiry": {status: 200, body: fzJSON("transactionId", txn, "errorCode", inqCode,
			"amount", amount, "checksum", p.sign.checksum(txn, fzNull(inqCode), fzNull(amount), ""))}}
		req, _ := http.NewRequest(http.MethodPost, "https://shop.example/golomt/push", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		n, err := p.HandleNotification(context.Background(), req)
		res, perr := parsePush(body)
		signed := perr == nil && p.sign.verify(res.Checksum.S, res.TransactionID.S, res.ErrorCode.S, res.Amount.S, res.Token.S)
		if trust && b.total() != 0 || !trust && b.total() > 1 || (!signed && b.total() != 0) {
			t.Fatalf("calls %v (trusted %v, signed %v)", b.calls, trust, signed)
		}
		if err != nil {
			fzCheckError(t, err)
			if n != nil {
				t.Fatalf("notification next to %v", err)
			}
			return
		}
		if !signed || n == nil || n.Payment == nil {
			t.Fatalf("accepted push %q (signed %v)", body, signed)
		}
		pay := n.Payment
		fzNoSecrets(t, fmt.Sprintf("%+v", *pay), fmt.Sprintf("%+v", *n))
		if n.OrderID != res.TransactionID.S || pay.OrderID != n.OrderID || n.Status != pay.Status {
			t.Fatalf("notification %+v for %q", n, res.TransactionID.S)
		}
		r, rerr := parseRef("inquire", pay.Ref)
		if rerr != nil || r.txn != res.TransactionID.S {
			t.Fatalf("payment ref %q does not parse back: %v", pay.Ref, rerr)
		}
		seen := res.ErrorCode.S
		if !trust {
			seen = fzNull(inqCode)
			if n.Verified != (seen == res.ErrorCode.S) {
				t.Fatalf("verified %v: push %q, inquiry %q", n.Verified, res.ErrorCode.S, seen)
			}
		}
		if pay.Status == payment.StatusCaptured {
			reported, err := payment.ParseMoney(res.Amount.S, "MNT")
			if seen != CodeApproved || err != nil || !pay.Captured.Equal(reported) || !pay.Amount.Equal(reported) {
				t.Fatalf("captured %v of %v from code %q amount %q", pay.Captured, pay.Amount, seen, res.Amount.S)
			}
		}
	})
}

// FuzzSettlementReply feeds /api/getSettlementDetails answers (a row built
// from fuzzed fields, or a raw body) to SettlementDetails: every row's
// Amount is exactly its RawAmount, card numbers never keep more than the
// 6+4 digits a masked number shows, tokens stay secret, errors are typed.
func FuzzSettlementReply(f *testing.F) {
	f.Add(uint8(0), "515023******6617", "100", []byte(nil))
	f.Add(uint8(0), "5150231234566617", "100.5", []byte(nil))
	f.Add(uint8(0), "5150231234566617*", "-100", []byte(nil))
	f.Add(uint8(0), "", "1e2", []byte(nil))
	f.Add(uint8(1), "", "", []byte(`{"content":[{"id":2184720,"merchantId":"000000000087050","terminalId":"13161272","batchNumber":"000001","invoiceNumber":"000001","cardNumber":"515023******6617","token":"83adf6f7c027501e0f08a2b8646636e4f2663a8dc25cc60efa44aeee6418fe25","amount":"100","merchantInvoice":"6","respCode":"00","respDesc":"Амжилттай","tranTime":"170034","tranDate":"0729","sysReference":"221017684444","approvalCode":"255544","freeText1":null,"freeText2":"CHECKED","freeText3":null,"requestDate":"2022-07-29T09:00:34.000+0000","reversedDate":null,"checkedDate":"2022-07-29T15:01:12.847+0000","transferStatus":"NEW"}],"pageable":{"first":true,"last":true,"totalPages":1,"totalElements":1}}`))
	f.Add(uint8(1), "", "", []byte(`{"content":null}`))
	f.Fuzz(func(t *testing.T, mode uint8, card, amount string, raw []byte) {
		b := &fzBank{calls: map[string]int{}}
		p, err := New(Config{BearerToken: payment.NewSecret(fzBearer), ChecksumKey: payment.NewSecret(fzKey), MerchantID: "000000000087050"},
			provider.WithBaseURL("http://golomt.invalid"), provider.WithHTTPClient(&http.Client{Transport: b}), provider.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		body := raw
		if mode%2 == 0 {
			body = []byte(`{"content":[` + string(fzJSON("cardNumber", card, "amount", amount, "token", fzToken, "merchantInvoice", fzTxn)) +
				`],"pageable":{"first":true,"last":true,"totalPages":1,"totalElements":1}}`)
		}
		b.replies = map[string]fzReply{"/api/getSettlementDetails": {status: 200, body: body}}
		day := fixedClock{}.Now()
		page, err := p.SettlementDetails(context.Background(), SettlementRequest{Start: day, End: day})
		if err != nil {
			fzCheckError(t, err)
			return
		}
		for _, row := range page.Rows {
			want, err := payment.ParseMoney(row.RawAmount, "MNT")
			if err != nil || !row.Amount.Equal(want) {
				t.Fatalf("amount %v from %q", row.Amount, row.RawAmount)
			}
			digits := 0
			for i := 0; i < len(row.CardNumber); i++ {
				if row.CardNumber[i] >= '0' && row.CardNumber[i] <= '9' {
					digits++
				}
			}
			if digits > 10 {
				t.Fatalf("card number %q kept unmasked", row.CardNumber)
			}
			fzNoSecrets(t, fmt.Sprintf("%+v", row))
		}
	})
}
