package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
)

// shopClient plays the browser against a running demo with plain HTTP.
type shopClient struct {
	t *testing.T
	a *app
	c *http.Client
}

func newShopClient(t *testing.T, a *app) *shopClient {
	return &shopClient{t: t, a: a, c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns the status, the Location and the body.
func (c *shopClient) do(method, path string, form url.Values) (int, string, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.a.ShopURL+path, body)
	require.NoError(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.c.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (c *shopClient) get(path string) string {
	c.t.Helper()
	code, _, body := c.do(http.MethodGet, path, nil)
	require.Equal(c.t, http.StatusOK, code, "GET %s", path)
	return body
}

// post expects a redirect to an order page and returns the order id.
func (c *shopClient) postToOrder(path string, form url.Values) string {
	c.t.Helper()
	code, loc, body := c.do(http.MethodPost, path, form)
	require.Equal(c.t, http.StatusSeeOther, code, "POST %s: %s", path, body)
	require.True(c.t, strings.HasPrefix(loc, "/orders/"), "POST %s went to %q", path, loc)
	return strings.TrimPrefix(loc, "/orders/")
}

// with returns the client for a subtest.
func (c *shopClient) with(t *testing.T) *shopClient { return &shopClient{t: t, a: c.a, c: c.c} }

func (c *shopClient) order(id string) order {
	c.t.Helper()
	o, ok := c.a.Shop.orders.get(id)
	require.True(c.t, ok, "order %s", id)
	return o
}

// waitStatus waits for the order to reach want by itself (a notification).
func (c *shopClient) waitStatus(id string, want payment.Status) order {
	c.t.Helper()
	var o order
	require.Eventually(c.t, func() bool {
		o = c.order(id)
		return o.Payment != nil && o.Payment.Status == want
	}, 10*time.Second, 10*time.Millisecond, "order %s never became %v", id, want)
	return o
}

// voucherForm returns a valid voucher form for method.
func validVoucherForm(method payment.MethodType) url.Values {
	f := url.Values{
		"product": {"furoshiki"}, "method": {string(method)},
		"CustomerName": {"山田 太郎"}, "CustomerKana": {"やまだ たろう"}, // hiragana is turned into katakana
		"Phone": {"090-1234-5678"}, "Email": {"taro@example.jp"}, "DeadlineDays": {"3"},
	}
	if method == payment.MethodKonbini {
		f.Set("Chain", gmo.ChainLawson)
	}
	return f
}

// history returns the order's steps as "op status" strings.
func history(o order) []string {
	var out []string
	for _, h := range o.History {
		out = append(out, strings.TrimSpace(h.Op+" "+h.Status))
	}
	return out
}

func TestVoucherFlows(t *testing.T) {
	a, err := start(context.Background(), testConfig(), nil)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	c := newShopClient(t, a)

	t.Run("the shop offers konbini and Pay-easy next to the card", func(t *testing.T) {
		c := c.with(t)
		body := c.get("/")
		assert.Contains(t, body, `id="pay-gmo"`)
		assert.Contains(t, body, `href="/pay/voucher?product=furoshiki&amp;method=konbini"`)
		assert.Contains(t, body, `href="/pay/voucher?product=furoshiki&amp;method=payeasy"`)
		assert.Contains(t, body, `id="reconcile"`)
		form := c.get("/pay/voucher?product=furoshiki&method=konbini")
		for _, name := range []string{"Chain", "CustomerName", "CustomerKana", "Phone", "Email", "DeadlineDays"} {
			assert.Contains(t, form, `name="`+name+`"`)
		}
		assert.Contains(t, form, "Seven-Eleven")
		payEasy := c.get("/pay/voucher?product=furoshiki&method=payeasy")
		assert.NotContains(t, payEasy, `name="Chain"`, "Pay-easy has no store chain")
		code, _, _ := c.do(http.MethodGet, "/pay/voucher?product=furoshiki&method=cash", nil)
		assert.Equal(t, http.StatusNotFound, code)
	})

	t.Run("konbini paid at the store", func(t *testing.T) {
		c := c.with(t)
		id := c.postToOrder("/pay/voucher", validVoucherForm(payment.MethodKonbini))
		o := c.order(id)
		require.NotNil(t, o.Payment)
		assert.Equal(t, payment.StatusPending, o.Payment.Status)
		assert.Equal(t, payment.MethodKonbini, o.Method)
		require.NotNil(t, o.Voucher, "the voucher is kept on the order")
		v := o.Voucher
		assert.Equal(t, gmo.ChainLawson, v.Chain)
		assert.NotEmpty(t, v.ConfirmationNumber)
		assert.NotEmpty(t, v.ReceiptNumber)
		// Three days from the simulator's today, 23:59:59 JST.
		dl := v.Deadline.In(jst)
		assert.Equal(t, "23:59:59 JST", dl.Format("15:04:05 MST"))
		simDay := a.GMOSim.Now().In(jst)
		assert.Equal(t, time.Date(simDay.Year(), simDay.Month(), simDay.Day()+3, 23, 59, 59, 0, jst), dl)

		page := c.get("/orders/" + id)
		assert.Contains(t, page, "Lawson")
		assert.Contains(t, page, v.ConfirmationNumber)
		assert.Contains(t, page, v.ReceiptNumber)
		assert.Contains(t, page, jstTime(v.Deadline))
		assert.Contains(t, page, `id="cancel-voucher"`)
		assert.Contains(t, page, `id="sim-pay"`)
		assert.Contains(t, page, "GMO simulator controls")
		assert.Contains(t, page, `id="inquire"`)
		assert.NotContains(t, page, `id="refund-full"`, "GMO has no refund for vouchers")
		assert.Contains(t, page, "location.reload", "a pending voucher's page follows the notification")

		// Ask the gateway: still pending.
		c.postToOrder("/orders/"+id+"/inquire", url.Values{})
		assert.Equal(t, payment.StatusPending, c.order(id).Payment.Status)

		c.postToOrder("/orders/"+id+"/sim/pay", url.Values{})
		o = c.waitStatus(id, payment.StatusCaptured)
		assert.Contains(t, history(o), "notification captured", "GMO's PAYSUCCESS notification moved the order")
		assert.Equal(t, "JPY 1500", o.Payment.Captured.String())
		e, ok := a.GMOSim.Ledger(id)
		require.True(t, ok)
		assert.Equal(t, "PAYSUCCESS", e.Status)
		assert.Equal(t, 1, e.Paid)

		page = c.get("/orders/" + id)
		assert.Contains(t, page, `data-status="captured"`)
		assert.Contains(t, page, "Voucher as issued")
		assert.NotContains(t, page, `id="sim-pay"`)
		assert.NotContains(t, page, `id="cancel-voucher"`)
		assert.NotContains(t, page, "location.reload")

		c.postToOrder("/orders/"+id+"/inquire", url.Values{})
		assert.Equal(t, payment.StatusCaptured, c.order(id).Payment.Status)
		// The state endpoint the page polls.
		assert.Contains(t, c.get("/orders/"+id+"/state"), `"status":"captured"`)
	})

	t.Run("voucher canceled", func(t *testing.T) {
		c := c.with(t)
		id := c.postToOrder("/pay/voucher", validVoucherForm(payment.MethodKonbini))
		require.NotNil(t, c.order(id).Voucher)
		c.postToOrder("/orders/"+id+"/void", url.Values{})
		o := c.order(id)
		assert.Equal(t, payment.StatusCanceled, o.Payment.Status, "the Void answer")
		assert.Empty(t, o.Err)
		e, _ := a.GMOSim.Ledger(id)
		assert.Equal(t, "CANCEL", e.Status)
		assert.Zero(t, e.Paid)
		// GMO's CANCEL notification follows and keeps it canceled.
		require.Eventually(t, func() bool {
			for _, h := range c.order(id).History {
				if h.Op == "notification" && h.Status == "canceled" {
					return true
				}
			}
			return false
		}, 10*time.Second, 10*time.Millisecond)
		page := c.get("/orders/" + id)
		assert.Contains(t, page, `data-status="canceled"`)
		assert.NotContains(t, page, `id="sim-pay"`)
		// Paying a canceled voucher is refused by the simulator and shown.
		code, _, _ := c.do(http.MethodPost, "/orders/"+id+"/sim/pay", url.Values{})
		assert.Equal(t, http.StatusSeeOther, code)
		o = c.order(id)
		assert.Equal(t, payment.StatusCanceled, o.Payment.Status)
		assert.True(t, o.History[len(o.History)-1].Failed)
	})

	// Letting a deadline pass expires that one voucher: the simulator's
	// clock stays and another open voucher is still payable.
	t.Run("Pay-easy expired", func(t *testing.T) {
		c := c.with(t)
		other := c.postToOrder("/pay/voucher", validVoucherForm(payment.MethodKonbini))
		id := c.postToOrder("/pay/voucher", validVoucherForm(payment.MethodPayEasy))
		o := c.order(id)
		require.NotNil(t, o.Voucher)
		v := o.Voucher
		assert.Equal(t, payment.MethodPayEasy, v.Method)
		assert.NotEmpty(t, v.CustomerCode)
		assert.NotEmpty(t, v.BankCode)
		assert.NotEmpty(t, v.ConfirmationNumber)
		page := c.get("/orders/" + id)
		assert.Contains(t, page, "with Pay-easy")
		for _, s := range []string{v.CustomerCode, v.BankCode, v.ConfirmationNumber, jstTime(v.Deadline)} {
			assert.Contains(t, page, s)
		}
		assert.Contains(t, page, `id="sim-expire"`)

		c.postToOrder("/orders/"+id+"/sim/expire", url.Values{})
		o = c.waitStatus(id, payment.StatusExpired)
		assert.Contains(t, history(o), "notification expired", "GMO's EXPIRED notification moved the order")
		e, _ := a.GMOSim.Ledger(id)
		assert.Equal(t, "EXPIRED", e.Status)
		assert.Zero(t, e.Paid)
		assert.True(t, a.GMOSim.Now().Before(v.Deadline), "the simulator's clock did not move")
		page = c.get("/orders/" + id)
		assert.Contains(t, page, `data-status="expired"`)
		assert.NotContains(t, page, `id="cancel-voucher"`)
		assert.NotContains(t, page, `id="sim-expire"`)
		var simDetail string
		for _, h := range o.History {
			if h.Op == "simulator" {
				simDetail = h.Detail
			}
		}
		assert.Contains(t, simDetail, "for this order only")

		// The other voucher is untouched and can still be paid.
		e, _ = a.GMOSim.Ledger(other)
		assert.Equal(t, "REQSUCCESS", e.Status)
		assert.Equal(t, payment.StatusPending, c.order(other).Payment.Status)
		c.postToOrder("/orders/"+other+"/sim/pay", url.Values{})
		c.waitStatus(other, payment.StatusCaptured)

		// Expiring it again is refused by the simulator and shown.
		code, _, _ := c.do(http.MethodPost, "/orders/"+id+"/sim/expire", url.Values{})
		assert.Equal(t, http.StatusSeeOther, code)
		o = c.order(id)
		assert.Equal(t, payment.StatusExpired, o.Payment.Status)
		last := o.History[len(o.History)-1]
		assert.True(t, last.Failed)
		assert.Contains(t, last.Detail, "is EXPIRED, not REQSUCCESS")
	})
}

// fieldError finds the message shown under the named input.
func fieldError(body, name string) (string, bool) {
	re := regexp.MustCompile(`name="` + name + `"[^>]*class="invalid"[^>]*>(?:\s*<option[^>]*>[^<]*</option>)*\s*(?:</select>)?\s*<div class="field-error">([^<]*)</div>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

func TestVoucherFieldErrors(t *testing.T) {
	a, err := start(context.Background(), testConfig(), nil)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	c := newShopClient(t, a)

	tests := []struct {
		name   string
		method payment.MethodType
		field  string
		value  string
		want   string // part of the message under the field
	}{
		{"kana in Latin letters", payment.MethodKonbini, "CustomerKana", "Yamada Taro", "only full-width katakana"},
		{"no name", payment.MethodKonbini, "CustomerName", "", "required"},
		{"emoji in the name", payment.MethodPayEasy, "CustomerName", "山田 🙂", "not a full-width JIS X 0208 character"},
		{"phone with letters", payment.MethodPayEasy, "Phone", "090-CALL-ME", "only digits and"},
		{"no phone", payment.MethodKonbini, "Phone", "", "required"},
		{"unknown store chain", payment.MethodKonbini, "Chain", "99999", "unknown convenience store code"},
		{"deadline too far", payment.MethodKonbini, "DeadlineDays", "61", "1 to 60 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := c.with(t)
			creates := a.GMOSim.Calls("EntryTranCvs") + a.GMOSim.Calls("EntryTranPayEasy")
			form := validVoucherForm(tt.method)
			form.Set(tt.field, tt.value)
			code, _, body := c.do(http.MethodPost, "/pay/voucher", form)
			require.Equal(t, http.StatusUnprocessableEntity, code, "the form again, not a 500: %s", body)
			msg, ok := fieldError(body, tt.field)
			require.True(t, ok, "no error shown under %s in:\n%s", tt.field, body)
			assert.Contains(t, msg, tt.want)
			for _, other := range []string{"Chain", "CustomerName", "CustomerKana", "Phone", "Email", "DeadlineDays"} {
				if other != tt.field {
					_, bad := fieldError(body, other)
					assert.False(t, bad, "an error under %s too", other)
				}
			}
			assert.Contains(t, body, "Please check the highlighted field.")
			// What the customer typed is kept.
			if tt.field != "CustomerName" {
				assert.Contains(t, body, `value="山田 太郎"`)
			}
			m := regexp.MustCompile(`name="order" value="([A-Z0-9]+)"`).FindStringSubmatch(body)
			require.NotNil(t, m, "the order is kept for the next submit")
			id := m[1]
			o := c.order(id)
			assert.Nil(t, o.Voucher)
			assert.Equal(t, payment.StatusPending, o.Payment.Status)

			// Fixed and sent again: the same order gets its voucher; the
			// payment was created once.
			fixed := validVoucherForm(tt.method)
			fixed.Set("order", id)
			assert.Equal(t, id, c.postToOrder("/pay/voucher", fixed))
			o = c.order(id)
			require.NotNil(t, o.Voucher)
			assert.Equal(t, payment.StatusPending, o.Payment.Status)
			assert.Empty(t, o.Err)
			assert.Equal(t, creates+1, a.GMOSim.Calls("EntryTranCvs")+a.GMOSim.Calls("EntryTranPayEasy"))
			e, _ := a.GMOSim.Ledger(id)
			assert.Equal(t, "REQSUCCESS", e.Status)

			// A form submitted twice does not issue a second voucher.
			execs := a.GMOSim.Calls("ExecTranCvs") + a.GMOSim.Calls("ExecTranPayEasy")
			assert.Equal(t, id, c.postToOrder("/pay/voucher", fixed))
			assert.Equal(t, execs, a.GMOSim.Calls("ExecTranCvs")+a.GMOSim.Calls("ExecTranPayEasy"))
		})
	}

	t.Run("an order abandoned after a field error can be continued from its page", func(t *testing.T) {
		c := c.with(t)
		form := validVoucherForm(payment.MethodKonbini)
		form.Set("CustomerKana", "")
		_, _, body := c.do(http.MethodPost, "/pay/voucher", form)
		id := regexp.MustCompile(`name="order" value="([A-Z0-9]+)"`).FindStringSubmatch(body)[1]
		page := c.get("/orders/" + id)
		assert.Contains(t, page, `id="enter-details"`)
		assert.NotContains(t, page, `id="sim-pay"`)
		again := c.get("/pay/voucher?product=furoshiki&method=konbini&order=" + id)
		assert.Contains(t, again, `name="order" value="`+id+`"`)
	})
}

// TestVoucherReconcile loses GMO's notifications (the shop's endpoint
// answers 503) and lets the reconcile button find the payment.
func TestVoucherReconcile(t *testing.T) {
	cfg := testConfig()
	cfg.wrapShop = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/notify/gmo" {
				http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	a, err := start(context.Background(), cfg, nil)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	c := newShopClient(t, a)

	paid := c.postToOrder("/pay/voucher", validVoucherForm(payment.MethodKonbini))
	waiting := c.postToOrder("/pay/voucher", validVoucherForm(payment.MethodPayEasy))
	require.NoError(t, a.GMOSim.PayVoucher(paid))
	require.Eventually(t, func() bool {
		for _, d := range a.GMOSim.Deliveries() {
			if d.OrderID == paid && d.Status == "PAYSUCCESS" {
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "GMO tried to notify")
	assert.Equal(t, payment.StatusPending, c.order(paid).Payment.Status, "the notification was lost")

	code, loc, _ := c.do(http.MethodPost, "/reconcile", url.Values{})
	require.Equal(t, http.StatusSeeOther, code)
	assert.Equal(t, "/#orders", loc)
	o := c.order(paid)
	assert.Equal(t, payment.StatusCaptured, o.Payment.Status)
	assert.Contains(t, history(o), "reconcile captured")
	w := c.order(waiting)
	assert.Equal(t, payment.StatusPending, w.Payment.Status)
	assert.Contains(t, history(w), "reconcile pending")
	assert.NotNil(t, w.Voucher, "a reconciled pending order keeps its voucher")
}

// TestVoucherRealGatewayWiring runs the shop as with -gmo (payment.Open
// against a simulator standing in for GMO's sandbox, which sends no
// notifications): konbini works, the simulator buttons are absent, and
// reconciliation finds the payment.
func TestVoucherRealGatewayWiring(t *testing.T) {
	sim := gmotest.NewServer()
	t.Cleanup(sim.Close)
	cr := sim.Credentials()
	cfg := testConfig()
	cfg.GMOURL = "gmo://" + cr.ShopID + ":" + cr.ShopPass + "@?base_url=" + url.QueryEscape(sim.URL())
	cfg.GMOTokenJS = sim.URL() + "/ext/js/token.js"
	require.NoError(t, cfg.validate())
	a, err := start(context.Background(), cfg, nil)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	require.Nil(t, a.GMOSim)
	c := newShopClient(t, a)

	assert.Contains(t, c.get("/"), `id="pay-konbini"`)
	id := c.postToOrder("/pay/voucher", validVoucherForm(payment.MethodKonbini))
	o := c.order(id)
	require.NotNil(t, o.Voucher)
	page := c.get("/orders/" + id)
	assert.Contains(t, page, `id="cancel-voucher"`)
	assert.NotContains(t, page, `id="sim-pay"`, "no simulator controls against a real gateway")
	assert.NotContains(t, page, "GMO simulator controls")
	code, _, _ := c.do(http.MethodPost, "/orders/"+id+"/sim/pay", url.Values{})
	assert.Equal(t, http.StatusConflict, code)

	require.NoError(t, sim.PayVoucher(id)) // the customer pays; no notification URL is configured
	c.do(http.MethodPost, "/reconcile", url.Values{})
	o = c.order(id)
	assert.Equal(t, payment.StatusCaptured, o.Payment.Status)
	assert.Contains(t, history(o), "reconcile captured")
}
