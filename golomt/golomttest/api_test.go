package golomttest_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kessai/payment/golomt/golomttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var apiPaths = []string{"/api/invoice", "/api/inquiry", "/api/pay", "/api/check", "/api/confirmation",
	"/api/get/token", "/api/getSettlementDetails", "/api/unknown"}

func TestForbiddenHasEmptyBody(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	auths := []struct{ name, header string }{
		{"missing", ""},
		{"wrong token", "Bearer nope"},
		{"empty token", "Bearer "},
		{"lowercase scheme", "bearer " + srv.BearerToken()},
		{"basic", "Basic " + srv.BearerToken()},
		{"token with suffix", "Bearer " + srv.BearerToken() + "x"},
	}
	for _, p := range apiPaths {
		for _, a := range auths {
			t.Run(p+"/"+a.name, func(t *testing.T) {
				code, body := callAuth(t, srv, p, `{"transactionId":"a","checksum":"b"}`, a.header)
				assert.Equal(t, http.StatusForbidden, code)
				assert.Empty(t, body)
			})
		}
	}
	assert.Empty(t, srv.Ledgers(), "nothing processed")
}

func TestPostOnly(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		t.Run(m, func(t *testing.T) {
			req, _ := http.NewRequest(m, srv.URL()+"/api/inquiry", nil)
			req.Header.Set("Authorization", "Bearer "+srv.BearerToken())
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
			assert.Equal(t, float64(405), decode(t, b)["status"])
		})
	}
}

var timestampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`)

func TestInvoiceValidation(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	good := func() map[string]any {
		return map[string]any{"amount": "1000", "callback": "https://shop.example/cb", "genToken": "N",
			"returnType": "GET", "transactionId": "V1"}
	}
	sign := func(m map[string]any) map[string]any {
		s := func(k string) string { v, _ := m[k].(string); return v }
		if _, ok := m["checksum"]; !ok {
			m["checksum"] = srv.Sign(s("transactionId"), s("amount"), s("returnType"), s("callback"))
		}
		return m
	}
	tests := []struct {
		name    string
		mutate  func(m map[string]any)
		raw     string
		message string
	}{
		{name: "malformed json", raw: `{"amount":`, message: "Malformed JSON request"},
		{name: "array body", raw: `[1,2]`, message: "Malformed JSON request"},
		{name: "null body", raw: `null`, message: "Malformed JSON request"},
		{name: "object amount", raw: `{"amount":{"v":1}}`, message: "Malformed JSON request"},
		{name: "missing amount", mutate: func(m map[string]any) { delete(m, "amount") }, message: "amount: must not be blank"},
		{name: "missing callback", mutate: func(m map[string]any) { delete(m, "callback") }, message: "callback: must not be blank"},
		{name: "missing checksum", mutate: func(m map[string]any) { m["checksum"] = "" }, message: "checksum: must not be blank"},
		{name: "null genToken", mutate: func(m map[string]any) { m["genToken"] = nil }, message: "genToken: must not be blank"},
		{name: "bad returnType", mutate: func(m map[string]any) { m["returnType"] = "get" }, message: "returnType: must be GET, POST or MOBILE"},
		{name: "bad genToken", mutate: func(m map[string]any) { m["genToken"] = "yes" }, message: "genToken: must be Y or N"},
		{name: "bad socialDeeplink", mutate: func(m map[string]any) { m["socialDeeplink"] = "1" }, message: "socialDeeplink: must be Y or N"},
		{name: "thousands separator", mutate: func(m map[string]any) { m["amount"] = "1,000" }, message: "amount: invalid format"},
		{name: "exponent", mutate: func(m map[string]any) { m["amount"] = "1e3" }, message: "amount: invalid format"},
		{name: "negative", mutate: func(m map[string]any) { m["amount"] = "-1" }, message: "amount: invalid format"},
		{name: "zero", mutate: func(m map[string]any) { m["amount"] = "0.00" }, message: "amount: invalid format"},
		{name: "three decimals", mutate: func(m map[string]any) { m["amount"] = "1.001" }, message: "amount: invalid format"},
		{name: "space in id", mutate: func(m map[string]any) { m["transactionId"] = "a b" }, message: "transactionId: invalid format"},
		{name: "id too long", mutate: func(m map[string]any) { m["transactionId"] = strings.Repeat("a", 257) }, message: "transactionId: size must be between 0 and 256"},
		{name: "relative callback", mutate: func(m map[string]any) { m["callback"] = "/cb" }, message: "callback: invalid URL"},
		{name: "wrong checksum", mutate: func(m map[string]any) { m["checksum"] = strings.Repeat("0", 64) }, message: "Invalid checksum."},
		{name: "uppercase checksum", mutate: func(m map[string]any) {
			m["checksum"] = strings.ToUpper(srv.Sign("V1", "1000", "GET", "https://shop.example/cb"))
		}, message: "Invalid checksum."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any = tt.raw
			if tt.raw == "" {
				m := good()
				tt.mutate(m)
				body = sign(m)
			}
			code, resp := call(t, srv, "/api/invoice", body)
			require.Equal(t, http.StatusBadRequest, code, string(resp))
			env := decode(t, resp)
			assert.Equal(t, tt.message, env["message"])
			assert.Equal(t, "Validation", env["error"])
			assert.Equal(t, float64(400), env["status"])
			assert.Equal(t, "/api/invoice", env["path"])
			assert.Regexp(t, timestampRE, env["timestamp"])
		})
	}
	assert.Empty(t, srv.Ledgers(), "no invoice created by an invalid request")
}

func TestInvoiceResponse(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tests := []struct {
		name, social string
		wantDeeplink bool
	}{
		{"no deeplink field", "", false},
		{"deeplink N", "N", false},
		{"deeplink Y", "Y", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "R" + string(rune('A'+i))
			body := map[string]string{"amount": "18000", "callback": "https://google.com", "returnType": "GET",
				"transactionId": id, "genToken": "N", "checksum": srv.Sign(id, "18000", "GET", "https://google.com"),
				"email": "test@gmail.com"}
			if tt.social != "" {
				body["socialDeeplink"] = tt.social
			}
			code, resp := call(t, srv, "/api/invoice", body)
			require.Equal(t, http.StatusOK, code, string(resp))
			m := decode(t, resp)
			assert.Equal(t, id, m["transactionId"])
			assert.Regexp(t, uuidRE, m["invoice"])
			assert.Equal(t, srv.Sign(str(m, "invoice"), id), m["checksum"])
			assert.NotContains(t, m, "errorCode")
			if tt.wantDeeplink {
				assert.True(t, strings.HasPrefix(str(m, "socialDeeplink"), "socialpay-payment://key="))
			} else {
				assert.NotContains(t, m, "socialDeeplink")
			}
			e, ok := srv.Ledger(id)
			require.True(t, ok)
			assert.Equal(t, golomttest.StateCreated, e.State)
			assert.Equal(t, "18000", e.Amount)
			assert.Equal(t, 0, e.Charges)
		})
	}
}

func TestInvoiceJSONNumberAmountKeptAsText(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	raw := `{"amount":2000,"callback":"https://shop.example/cb","genToken":"N","returnType":"GET","transactionId":"N1","checksum":"` +
		srv.Sign("N1", "2000", "GET", "https://shop.example/cb") + `"}`
	code, resp := call(t, srv, "/api/invoice", raw)
	require.Equal(t, http.StatusOK, code, string(resp))
	_, m, _ := inquiry(t, srv, "N1")
	assert.Equal(t, "2000", m["amount"])
}

func TestInvoiceDuplicate(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	invoice(t, srv, "DUP1", "100", "GET", "https://shop.example/cb", "N")
	code, resp := call(t, srv, "/api/invoice", map[string]string{
		"amount": "200", "callback": "https://shop.example/cb", "genToken": "N", "returnType": "GET",
		"transactionId": "DUP1", "checksum": srv.Sign("DUP1", "200", "GET", "https://shop.example/cb"),
	})
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, str(decode(t, resp), "message"), "duplicated")
	e, _ := srv.Ledger("DUP1")
	assert.Equal(t, "100", e.Amount, "the first invoice is untouched")
	assert.Len(t, srv.Ledgers(), 1)
}

func TestInquiryBeforePayment(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	invoice(t, srv, "P1", "1500.00", "GET", "https://shop.example/cb", "Y")
	code, m, raw := inquiry(t, srv, "P1")
	require.Equal(t, http.StatusOK, code, string(raw))
	assert.Contains(t, string(raw), `"errorCode":null`, "JSON null, not an empty string")
	assert.Equal(t, "PENDING", m["status"])
	assert.Equal(t, "1500.00", m["amount"])
	assert.Nil(t, m["errorCode"])
	assert.Nil(t, m["cardNumber"])
	assert.NotContains(t, m, "token")
	assert.Equal(t, srv.Sign("P1", "", "1500.00"), m["checksum"], "null hashes as empty string, token omitted")
}

func TestNotFound(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	for _, p := range []string{"/api/inquiry", "/api/check", "/api/get/token"} {
		t.Run(p, func(t *testing.T) {
			code, resp := call(t, srv, p, map[string]string{"transactionId": "nope", "checksum": srv.Sign("nope", "nope")})
			assert.Equal(t, http.StatusBadRequest, code)
			env := decode(t, resp)
			assert.Equal(t, "Payment not found.", env["message"])
			assert.Equal(t, float64(400), env["status"])
			assert.Equal(t, p, env["path"])
		})
	}
}

func TestInquiryChecksumRequired(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	invoice(t, srv, "C1", "10", "GET", "https://shop.example/cb", "N")
	code, resp := call(t, srv, "/api/inquiry", map[string]string{"transactionId": "C1", "checksum": srv.Sign("C1")})
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "Invalid checksum.", str(decode(t, resp), "message"))
}

func pay(t *testing.T, srv *golomttest.Server, id, amount, token string) (int, map[string]any) {
	t.Helper()
	code, body := call(t, srv, "/api/pay", map[string]string{
		"amount": amount, "transactionId": id, "token": token, "lang": "MN",
		"checksum": srv.Sign(amount, id, token), "invoice": "",
	})
	return code, decode(t, body)
}

func TestPayWithToken(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	tests := []struct {
		name, amount, wantAmount string
		card                     golomttest.Card
		code                     string
		charges                  int
	}{
		{"approved integer amount", "1", "1.00", golomttest.CardApproved, "000", 1},
		{"approved two decimals", "1500.00", "1500.00", golomttest.CardApproved, "000", 1},
		{"approved one decimal", "20.5", "20.50", golomttest.CardApproved, "000", 1},
		{"insufficient funds", "100", "100.00", golomttest.CardInsufficientFunds, "051", 0},
		{"expired card", "100", "100.00", golomttest.CardExpired, "300", 0},
		{"declined", "100", "100.00", golomttest.CardDeclined, "005", 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := srv.SaveCard(tt.card)
			id := "T" + string(rune('A'+i))
			code, m := pay(t, srv, id, tt.amount, tok)
			require.Equal(t, http.StatusOK, code, m)
			assert.Equal(t, tt.wantAmount, m["amount"])
			assert.Equal(t, tt.code, m["errorCode"])
			assert.Equal(t, "949625******"+tt.card.Number[12:], m["cardNumber"])
			assert.Equal(t, srv.Sign(id, tt.code, tt.wantAmount), m["checksum"])
			assert.NotContains(t, m, "token")
			e, ok := srv.Ledger(id)
			require.True(t, ok)
			assert.Equal(t, tt.charges, e.Charges)
			assert.Equal(t, tt.amount, e.Amount)

			code, resp := call(t, srv, "/api/check", map[string]string{"transactionId": id, "checksum": srv.Sign(id, id)})
			require.Equal(t, http.StatusOK, code)
			c := decode(t, resp)
			assert.Equal(t, tt.code, c["errorCode"])
			assert.Equal(t, tok, c["token"])
			assert.Equal(t, srv.Sign(id, tt.code, tt.wantAmount, tok), c["checksum"])

			// a token payment is not an invoice: inquiry does not find it
			code, _, _ = inquiry(t, srv, id)
			assert.Equal(t, http.StatusBadRequest, code)
		})
	}
	t.Run("duplicate id does not charge again", func(t *testing.T) {
		tok := srv.SaveCard(golomttest.CardApproved)
		code, _ := pay(t, srv, "TDUP", "5", tok)
		require.Equal(t, http.StatusOK, code)
		code, m := pay(t, srv, "TDUP", "5", tok)
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Contains(t, m["message"], "duplicated")
		e, _ := srv.Ledger("TDUP")
		assert.Equal(t, 1, e.Charges)
	})
	t.Run("bad lang", func(t *testing.T) {
		code, body := call(t, srv, "/api/pay", map[string]string{"amount": "1", "transactionId": "TL", "token": "x",
			"lang": "JP", "checksum": srv.Sign("1", "TL", "x")})
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Equal(t, "lang: must be MN or EN", str(decode(t, body), "message"))
	})
}

func TestCardRegistration(t *testing.T) {
	clk := golomttest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	tests := []struct {
		name   string
		opts   []golomttest.Option
		fields map[string]string
		sum    func(srv *golomttest.Server) string
	}{
		{"sdk variant (default)", nil, map[string]string{},
			func(srv *golomttest.Server) string { return srv.Sign("REG1", "GET", "https://shop.example/cb") }},
		{"doc table variant with amount",
			[]golomttest.Option{golomttest.WithFormula(golomttest.MsgConfirmationRequest, "transactionId", "amount", "returnType", "callback")},
			map[string]string{"amount": "0"},
			func(srv *golomttest.Server) string { return srv.Sign("REG1", "0", "GET", "https://shop.example/cb") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := golomttest.NewServer(append(tt.opts, golomttest.WithClock(clk))...)
			defer srv.Close()
			body := map[string]string{"callback": "https://shop.example/cb", "returnType": "GET", "transactionId": "REG1"}
			for k, v := range tt.fields {
				body[k] = v
			}
			body["checksum"] = srv.Sign("wrong")
			code, _ := call(t, srv, "/api/confirmation", body)
			require.Equal(t, http.StatusBadRequest, code)
			body["checksum"] = tt.sum(srv)
			code, resp := call(t, srv, "/api/confirmation", body)
			require.Equal(t, http.StatusOK, code, string(resp))
			m := decode(t, resp)
			inv := str(m, "invoice")
			assert.Equal(t, srv.Sign(inv, "REG1"), m["checksum"])

			gt := map[string]string{"transactionId": "REG1", "checksum": srv.Sign("REG1", "REG1")}
			code, resp = call(t, srv, "/api/get/token", gt)
			require.Equal(t, http.StatusOK, code)
			assert.Contains(t, string(resp), `"errorCode":null`)

			// the invoice page is not the registration page
			_, err := srv.PayInvoice(context.Background(), "/payment/en/"+inv, golomttest.CardApproved)
			require.ErrorIs(t, err, golomttest.ErrNoCardForm)

			ret, err := srv.PayInvoice(context.Background(), "/confirmation/mn/"+inv, golomttest.CardApproved)
			require.NoError(t, err)
			assert.Equal(t, "REG1", ret.URL.Query().Get("invoice"))
			assert.Equal(t, "000", ret.URL.Query().Get("status_code"))

			code, resp = call(t, srv, "/api/get/token", gt)
			require.Equal(t, http.StatusOK, code)
			g := decode(t, resp)
			tok := str(g, "token")
			assert.Len(t, tok, 64)
			assert.Equal(t, "000", g["errorCode"])
			assert.Equal(t, golomttest.BankCode, g["bankCode"])
			assert.Equal(t, srv.Sign("REG1", tok), g["checksum"])

			e, _ := srv.Ledger("REG1")
			assert.Equal(t, 1, e.Charges, "verification charge")
			assert.Equal(t, 0, e.Refunds)
			clk.Advance(2 * time.Minute)
			e, _ = srv.Ledger("REG1")
			assert.Equal(t, 1, e.Refunds, "refunded after 1-2 minutes")

			// the registered token pays
			code, p := pay(t, srv, "REG1-PAY", "3000", tok)
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, "000", p["errorCode"])
		})
	}
}

func TestSettlementDetails(t *testing.T) {
	clk := golomttest.NewClock(time.Date(2022, 7, 29, 9, 0, 34, 0, time.UTC))
	srv := golomttest.NewServer(golomttest.WithClock(clk))
	defer srv.Close()
	tok := srv.SaveCard(golomttest.CardApproved)
	for _, id := range []string{"S1", "S2", "S3"} {
		code, _ := pay(t, srv, id, "100", tok)
		require.Equal(t, http.StatusOK, code)
	}
	bad := srv.SaveCard(golomttest.CardDeclined)
	code, _ := pay(t, srv, "S4", "100", bad)
	require.Equal(t, http.StatusOK, code)

	settle := func(query, merchant, token string) (int, map[string]any) {
		code, body := call(t, srv, "/api/getSettlementDetails"+query, map[string]string{
			"merchantId": merchant, "token": token, "checksum": srv.Sign(merchant, token)})
		return code, decode(t, body)
	}
	t.Run("all rows", func(t *testing.T) {
		code, m := settle("?page=0&size=50&start=2022-07-29&end=2022-07-29", srv.MerchantID(), tok)
		require.Equal(t, http.StatusOK, code, m)
		rows := m["content"].([]any)
		require.Len(t, rows, 3, "declined payments are not settled")
		row := rows[0].(map[string]any)
		assert.Equal(t, "S1", row["merchantInvoice"])
		assert.Equal(t, "100", row["amount"])
		assert.Equal(t, "00", row["respCode"])
		assert.Equal(t, "170034", row["tranTime"], "Ulaanbaatar time")
		assert.Equal(t, "0729", row["tranDate"])
		assert.Equal(t, "2022-07-29T09:00:34.000+0000", row["requestDate"])
		assert.Equal(t, "CHECKED", row["freeText2"])
		assert.Nil(t, row["freeText1"])
		assert.Nil(t, row["reversedDate"])
		assert.Equal(t, "NEW", row["transferStatus"])
		assert.Equal(t, "949625******0003", row["cardNumber"])
		assert.Equal(t, map[string]any{"first": true, "last": true, "totalPages": float64(1), "totalElements": float64(3)}, m["pageable"])
	})
	t.Run("second page of one", func(t *testing.T) {
		code, m := settle("?page=1&size=1&start=2022-07-01&end=2022-07-31", srv.MerchantID(), "bearer-as-token")
		require.Equal(t, http.StatusOK, code)
		rows := m["content"].([]any)
		require.Len(t, rows, 1)
		assert.Equal(t, "S2", rows[0].(map[string]any)["merchantInvoice"])
		assert.Equal(t, map[string]any{"first": false, "last": false, "totalPages": float64(3), "totalElements": float64(3)}, m["pageable"])
	})
	t.Run("outside the dates", func(t *testing.T) {
		code, m := settle("?page=0&size=10&start=2022-07-30&end=2022-08-31", srv.MerchantID(), tok)
		require.Equal(t, http.StatusOK, code)
		assert.Empty(t, m["content"])
	})
	t.Run("wrong merchant", func(t *testing.T) {
		code, _ := settle("?page=0&size=10&start=2022-07-01&end=2022-07-31", "123", tok)
		assert.Equal(t, http.StatusBadRequest, code)
	})
	t.Run("bad dates", func(t *testing.T) {
		code, _ := settle("?page=0&size=10&start=2022/07/01&end=2022-07-31", srv.MerchantID(), tok)
		assert.Equal(t, http.StatusBadRequest, code)
	})
}

func TestBodyLimitsAndMediaType(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	t.Run("huge body", func(t *testing.T) {
		huge := `{"transactionId":"` + strings.Repeat("a", 1<<20) + `"}`
		code, resp := call(t, srv, "/api/inquiry", huge)
		assert.Equal(t, http.StatusBadRequest, code)
		assert.Equal(t, "Validation", str(decode(t, resp), "error"))
	})
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
		t.Run("content type "+ct, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/api/inquiry", strings.NewReader(`{}`))
			req.Header.Set("Authorization", "Bearer "+srv.BearerToken())
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
			assert.Equal(t, float64(415), decode(t, b)["status"])
		})
	}
	t.Run("close twice", func(t *testing.T) {
		s := golomttest.NewServer()
		s.Close()
		s.Close()
	})
}
