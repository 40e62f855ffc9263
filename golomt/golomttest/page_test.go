package golomttest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kessai/payment/golomt/golomttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostedPageLikeABrowser opens the page, fills the form, submits it and
// follows the bank to the merchant callback, for every test card and
// return type.
func TestHostedPageLikeABrowser(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	cards := []struct {
		name string
		card golomttest.Card
		code string
		desc string
	}{
		{"approved", golomttest.CardApproved, "000", "Амжилттай"},
		{"expired", golomttest.CardExpired, "300", "Картын хугацаа дууссан"},
		{"insufficient", golomttest.CardInsufficientFunds, "051", "Үлдэгдэл хүрэлцэхгүй"},
		{"declined", golomttest.CardDeclined, "005", "Гүйлгээ зөвшөөрөгдөөгүй"},
		{"unknown number", golomttest.Card{Number: "4111 1111 1111 1111", Expiry: "01/39", CVC: "999", Holder: "X"}, "014", "Картын дугаар буруу"},
	}
	n := 0
	for _, rt := range []string{"GET", "POST", "MOBILE"} {
		for _, lang := range []string{"mn", "en"} {
			for _, c := range cards {
				n++
				t.Run(rt+"/"+lang+"/"+c.name, func(t *testing.T) {
					id := "H" + strings.Repeat("x", n%5) + string(rune('A'+n%26)) + lang + rt
					cb := "https://shop.example/return?order=1"
					inv := invoice(t, srv, id, "2500", rt, cb, "Y")

					status, page := getPage(t, srv.URL()+"/payment/"+lang+"/"+inv)
					require.Equal(t, http.StatusOK, status)
					assert.Contains(t, page, "2500")
					action, vals := form(t, page, "card-form")
					assert.Equal(t, "/payment/"+lang+"/"+inv, action)
					assert.NotEmpty(t, vals.Get("pageToken"))

					resp, body := submit(t, srv.URL(), action, vals, c.card)
					var got url.Values
					switch rt {
					case "POST":
						require.Equal(t, http.StatusOK, resp.StatusCode)
						assert.Contains(t, body, "document.forms[0].submit()")
						retAction, retVals := form(t, body, "return-form")
						assert.Equal(t, cb, retAction)
						got = retVals
					default:
						require.Equal(t, http.StatusFound, resp.StatusCode, body)
						loc, err := url.Parse(resp.Header.Get("Location"))
						require.NoError(t, err)
						assert.Equal(t, "shop.example", loc.Host)
						assert.Equal(t, "/return", loc.Path)
						got = loc.Query()
						assert.Equal(t, "1", got.Get("order"), "merchant's own query kept")
					}
					assert.Equal(t, id, got.Get("invoice"), "invoice is the merchant transactionId")
					assert.Equal(t, c.code, got.Get("status_code"))
					assert.Equal(t, c.desc, got.Get("desc"))

					code, m, raw := inquiry(t, srv, id)
					require.Equal(t, http.StatusOK, code)
					assert.Equal(t, "SENT", m["status"])
					assert.Equal(t, c.code, m["errorCode"])
					assert.Equal(t, "2500", m["amount"])
					assert.Equal(t, golomttest.BankName, m["bank"])
					assert.Regexp(t, `^\d{6}\*{6}\d{4}$`, m["cardNumber"])
					e, _ := srv.Ledger(id)
					if c.code == "000" {
						assert.Len(t, str(m, "token"), 64)
						assert.Equal(t, srv.Sign(id, "000", "2500", str(m, "token")), m["checksum"])
						assert.Equal(t, 1, e.Charges)
						assert.Equal(t, golomttest.StatePaid, e.State)
					} else {
						assert.NotContains(t, string(raw), `"token"`)
						assert.Equal(t, srv.Sign(id, c.code, "2500"), m["checksum"])
						assert.Equal(t, 0, e.Charges)
						assert.Equal(t, golomttest.StateDeclined, e.State)
					}

					// the page is closed now; resubmitting does not charge again
					_, page = getPage(t, srv.URL()+"/payment/"+lang+"/"+inv)
					assert.NotContains(t, page, `id="card-form"`)
					resp, _ = submit(t, srv.URL(), action, vals, golomttest.CardApproved)
					assert.Equal(t, http.StatusOK, resp.StatusCode)
					e2, _ := srv.Ledger(id)
					assert.Equal(t, e.Charges, e2.Charges)
					assert.Equal(t, c.code, e2.ErrorCode)
				})
			}
		}
	}
}

func TestGenTokenN(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	inv := invoice(t, srv, "GT1", "10", "GET", "https://shop.example/cb", "N")
	_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), golomttest.CardApproved)
	require.NoError(t, err)
	_, m, _ := inquiry(t, srv, "GT1")
	assert.Equal(t, "000", m["errorCode"])
	assert.NotContains(t, m, "token")
	assert.Equal(t, srv.Sign("GT1", "000", "10"), m["checksum"])
}

func TestPageRejects(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	inv := invoice(t, srv, "PR1", "10", "GET", "https://shop.example/cb", "N")
	t.Run("unknown invoice", func(t *testing.T) {
		status, page := getPage(t, srv.URL()+"/payment/en/00000000-0000-4000-8000-000000000000")
		assert.Equal(t, http.StatusNotFound, status)
		assert.Contains(t, page, "Invoice not found")
	})
	t.Run("unknown language", func(t *testing.T) {
		status, _ := getPage(t, srv.URL()+"/payment/jp/"+inv)
		assert.Equal(t, http.StatusNotFound, status)
	})
	t.Run("uppercase language works", func(t *testing.T) {
		status, page := getPage(t, srv.URL()+"/payment/EN/"+inv)
		assert.Equal(t, http.StatusOK, status)
		assert.Contains(t, page, `id="card-form"`)
	})
	t.Run("socialpay page", func(t *testing.T) {
		status, page := getPage(t, srv.URL()+"/socialpay/mn/"+inv)
		assert.Equal(t, http.StatusOK, status)
		assert.Contains(t, page, `id="socialpay"`)
		assert.Contains(t, page, `action="/socialpay/mn/`+inv+`"`)
	})
	t.Run("forged page token", func(t *testing.T) {
		_, page := getPage(t, srv.URL()+"/payment/en/"+inv)
		action, vals := form(t, page, "card-form")
		vals.Set("pageToken", "forged")
		resp, _ := submit(t, srv.URL(), action, vals, golomttest.CardApproved)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
	t.Run("malformed card keeps the form", func(t *testing.T) {
		_, page := getPage(t, srv.URL()+"/payment/en/"+inv)
		action, vals := form(t, page, "card-form")
		for _, c := range []golomttest.Card{
			{Number: "1234", Expiry: "12/30", CVC: "123", Holder: "X"},
			{Number: "9496250000000003", Expiry: "13/30", CVC: "123", Holder: "X"},
			{Number: "9496250000000003", Expiry: "12/30", CVC: "12a", Holder: "X"},
			{Number: "9496250000000003", Expiry: "12/30", CVC: "123", Holder: " "},
		} {
			resp, body := submit(t, srv.URL(), action, url.Values{"pageToken": {vals.Get("pageToken")}}, c)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Contains(t, body, `id="card-form"`)
			assert.Contains(t, body, `class="err"`)
		}
		e, _ := srv.Ledger("PR1")
		assert.Equal(t, golomttest.StateCreated, e.State)
		_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), golomttest.Card{Number: "1", Expiry: "x"})
		assert.ErrorIs(t, err, golomttest.ErrNoCardForm)
	})
	t.Run("card past its expiry date", func(t *testing.T) {
		inv := invoice(t, srv, "PR2", "10", "GET", "https://shop.example/cb", "N")
		old := golomttest.CardApproved
		old.Expiry = "01/20"
		ret, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), old)
		require.NoError(t, err)
		assert.Equal(t, "300", ret.URL.Query().Get("status_code"))
	})
}

func TestPayInvoiceReturnsCallbackRequest(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	t.Run("GET", func(t *testing.T) {
		inv := invoice(t, srv, "PI1", "100", "GET", "https://shop.example/cb", "N")
		r, err := srv.PayInvoice(ctx, srv.PageURL(inv, "mn"), golomttest.CardApproved)
		require.NoError(t, err)
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, "shop.example", r.Host)
		assert.Equal(t, url.Values{"invoice": {"PI1"}, "status_code": {"000"}, "desc": {"Амжилттай"}}, r.URL.Query())
	})
	t.Run("POST", func(t *testing.T) {
		inv := invoice(t, srv, "PI2", "100", "POST", "https://shop.example/cb", "N")
		r, err := srv.PayInvoice(ctx, srv.PageURL(inv, "en"), golomttest.CardExpired)
		require.NoError(t, err)
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/cb", r.URL.Path)
		require.NoError(t, r.ParseForm())
		assert.Equal(t, url.Values{"invoice": {"PI2"}, "status_code": {"300"}, "desc": {"Картын хугацаа дууссан"}}, r.PostForm)
	})
	t.Run("paid twice", func(t *testing.T) {
		inv := invoice(t, srv, "PI3", "100", "GET", "https://shop.example/cb", "N")
		_, err := srv.PayInvoice(ctx, srv.PageURL(inv, "en"), golomttest.CardApproved)
		require.NoError(t, err)
		_, err = srv.PayInvoice(ctx, srv.PageURL(inv, "en"), golomttest.CardApproved)
		assert.ErrorIs(t, err, golomttest.ErrNoCardForm)
		e, _ := srv.Ledger("PI3")
		assert.Equal(t, 1, e.Charges)
	})
}

func TestInvoiceExpiry(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		opts       []golomttest.Option
		advance    time.Duration
		expire     bool
		wantCode   any
		wantStatus string
	}{
		{"default lifetime passed", nil, 10 * time.Minute, false, "101", "SENT"},
		{"just before lifetime", nil, 10*time.Minute - time.Second, false, nil, "PENDING"},
		{"short lifetime", []golomttest.Option{golomttest.WithInvoiceLifetime(2 * time.Minute)}, 2 * time.Minute, false, "101", "SENT"},
		{"Expire call", nil, 0, true, "101", "SENT"},
		{"null variant", []golomttest.Option{golomttest.WithExpiredResult("", "")}, time.Hour, false, nil, "PENDING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := golomttest.NewClock(start)
			srv := golomttest.NewServer(append(tt.opts, golomttest.WithClock(clk))...)
			defer srv.Close()
			inv := invoice(t, srv, "E1", "10", "GET", "https://shop.example/cb", "N")
			clk.Advance(tt.advance)
			if tt.expire {
				require.True(t, srv.Expire("E1"))
			}
			_, m, raw := inquiry(t, srv, "E1")
			assert.Equal(t, tt.wantCode, m["errorCode"], string(raw))
			assert.Equal(t, tt.wantStatus, m["status"])
			e, _ := srv.Ledger("E1")
			_, page := getPage(t, srv.PageURL(inv, "en"))
			_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), golomttest.CardApproved)
			if tt.wantStatus == "PENDING" && tt.wantCode == nil && e.State == golomttest.StateCreated {
				assert.Contains(t, page, `id="card-form"`)
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, golomttest.StateExpired, e.State)
			assert.Contains(t, page, "This invoice has expired")
			assert.NotContains(t, page, `id="card-form"`)
			assert.ErrorIs(t, err, golomttest.ErrNoCardForm)
			e, _ = srv.Ledger("E1")
			assert.Equal(t, 0, e.Charges)
			_, err = srv.NextNotification("E1")
			assert.ErrorIs(t, err, golomttest.ErrNoNotification, "no push for an expiry")
		})
	}
	t.Run("paid invoice does not expire", func(t *testing.T) {
		clk := golomttest.NewClock(start)
		srv := golomttest.NewServer(golomttest.WithClock(clk))
		defer srv.Close()
		inv := invoice(t, srv, "E2", "10", "GET", "https://shop.example/cb", "N")
		_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), golomttest.CardApproved)
		require.NoError(t, err)
		clk.Advance(time.Hour)
		assert.False(t, srv.Expire("E2"))
		_, m, _ := inquiry(t, srv, "E2")
		assert.Equal(t, "000", m["errorCode"])
	})
}

func TestNewHandlerMounted(t *testing.T) {
	sim := golomttest.NewHandler()
	defer sim.Close()
	ts := httptest.NewServer(sim.Handler())
	defer ts.Close()
	sim.SetBaseURL(ts.URL)
	assert.Equal(t, ts.URL, sim.URL())
	inv := invoice(t, sim, "NH1", "10", "GET", "https://shop.example/cb", "N")
	r, err := sim.PayInvoice(context.Background(), "/payment/en/"+inv, golomttest.CardApproved)
	require.NoError(t, err)
	assert.Equal(t, "000", r.URL.Query().Get("status_code"))
	status, page := getPage(t, ts.URL+"/_sim/status")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "NH1")
	assert.Contains(t, page, "949625******0003")
	assert.GreaterOrEqual(t, sim.Requests(), 4)
}
