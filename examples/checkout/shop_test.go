package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/middleware"
	"github.com/kessai/payment/paymenttest"
	"github.com/kessai/payment/provider"
)

// shopFixture is a shop on two in-memory providers behind a router, as the
// demo wires GMO and Golomt.
type shopFixture struct {
	shop   *shop
	card   *paymenttest.Provider // "gmo" route: JPY, card tokens, 3-D Secure style challenge
	hosted *paymenttest.Provider // "golomt" route: MNT, hosted page, no refunds
	events *eventLog
}

func newShopFixture(t *testing.T) *shopFixture {
	t.Helper()
	events := newEventLog(0)
	logger := newLogger(events, nil)
	card, err := paymenttest.New(paymenttest.Config{Name: "gmo", Currencies: []payment.Currency{payment.JPY}}, provider.WithLogger(logger))
	require.NoError(t, err)
	hosted, err := paymenttest.New(paymenttest.Config{
		Name: "golomt", HostedPage: true,
		Capabilities: &payment.Capabilities{Inquiry: true, Notifications: true, Currencies: []payment.Currency{payment.MNT}},
	}, provider.WithLogger(logger))
	require.NoError(t, err)
	router, err := payment.NewRouter(payment.RouterConfig{
		Providers: map[string]payment.Provider{"gmo": card, "golomt": hosted},
		Rules: []payment.Rule{
			{Provider: "gmo", Currencies: []payment.Currency{payment.JPY}},
			{Provider: "golomt", Currencies: []payment.Currency{payment.MNT}},
		},
	})
	require.NoError(t, err)
	s, err := newShop(shopConfig{
		Payments:     middleware.Log(router, logger.Named("payments")),
		Capabilities: router.ProviderCapabilities(),
		BaseURL:      "http://shop.test/",
		Card:         cardConfig{TokenURL: "http://sim.test/ext/api/credit/getToken", TestCards: []testCard{{Number: "4111111111111111", Note: "ok"}}},
		Products:     defaultProducts(),
		Events:       events,
		Logger:       logger,
		Mode:         "test",
	})
	require.NoError(t, err)
	return &shopFixture{shop: s, card: card, hosted: hosted, events: events}
}

type result struct {
	code     int
	location string
	body     string
}

func (f *shopFixture) do(t *testing.T, req *http.Request) result {
	t.Helper()
	rec := httptest.NewRecorder()
	f.shop.ServeHTTP(rec, req)
	b, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return result{code: rec.Code, location: rec.Header().Get("Location"), body: string(b)}
}

func (f *shopFixture) get(t *testing.T, path string) result {
	return f.do(t, httptest.NewRequest(http.MethodGet, path, nil))
}

func (f *shopFixture) post(t *testing.T, path string, form url.Values) result {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return f.do(t, req)
}

var orderPath = regexp.MustCompile(`^/orders/(KS[A-Z0-9]{12})$`)

// payCard posts the card form with token and returns the order id.
func (f *shopFixture) payCard(t *testing.T, token, capture string) (string, result) {
	t.Helper()
	before := len(f.shop.orders.list())
	res := f.post(t, "/pay/card", url.Values{"product": {"furoshiki"}, "token": {token}, "capture": {capture}})
	require.Equal(t, http.StatusSeeOther, res.code, res.body)
	orders := f.shop.orders.list()
	require.Len(t, orders, before+1)
	return orders[0].ID, res
}

func (f *shopFixture) order(t *testing.T, id string) order {
	t.Helper()
	o, ok := f.shop.orders.get(id)
	require.True(t, ok)
	return o
}

// innerRef strips the router's "<route>:" prefix.
func innerRef(t *testing.T, ref payment.PaymentRef) payment.PaymentRef {
	t.Helper()
	_, inner, ok := strings.Cut(string(ref), ":")
	require.True(t, ok, "router ref %q", ref)
	return payment.PaymentRef(inner)
}

func ops(o order) []string {
	var out []string
	for _, h := range o.History {
		out = append(out, h.Op+":"+h.Status)
	}
	return out
}

func TestShopPages(t *testing.T) {
	f := newShopFixture(t)
	tests := []struct {
		name, path string
		code       int
		contains   []string
		absent     []string
	}{
		{name: "index lists both prices", path: "/", code: 200,
			contains: []string{"¥1,500", "₮35,000.00", `id="pay-gmo"`, `id="pay-golomt"`, "No orders yet."}},
		{name: "card form names no card field", path: "/pay/card?product=furoshiki", code: 200,
			contains: []string{`id="card-number"`, `name="token"`, `"http://sim.test/ext/api/credit/getToken"`, "Authorize only", "4111111111111111"},
			absent:   []string{`name="card`, `name="number"`, `name="cvc"`, `name="expiry"`}},
		{name: "card form for an unknown product", path: "/pay/card?product=nope", code: 404},
		{name: "unknown order", path: "/orders/KSNOSUCHORDER1", code: 404},
		{name: "unknown page", path: "/admin", code: 404},
		{name: "event log", path: "/events", code: 200, contains: []string{"Event log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.get(t, tt.path)
			assert.Equal(t, tt.code, res.code)
			for _, s := range tt.contains {
				assert.Contains(t, res.body, s)
			}
			for _, s := range tt.absent {
				assert.NotContains(t, res.body, s)
			}
		})
	}
}

func TestPayCardRefusesBadTokens(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
		code int
	}{
		{name: "no token", form: url.Values{"product": {"furoshiki"}}, code: 400},
		{name: "markup in token", form: url.Values{"product": {"furoshiki"}, "token": {"<script>"}}, code: 400},
		{name: "card number instead of token fields", form: url.Values{"product": {"furoshiki"}, "token": {"4111 1111 1111 1111"}}, code: 400},
		{name: "huge token", form: url.Values{"product": {"furoshiki"}, "token": {strings.Repeat("a", 600)}}, code: 400},
		{name: "unknown product", form: url.Values{"product": {"nope"}, "token": {paymenttest.TokenApprove}}, code: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newShopFixture(t)
			res := f.post(t, "/pay/card", tt.form)
			assert.Equal(t, tt.code, res.code)
			assert.Zero(t, f.card.Requests(), "nothing reached the gateway")
			assert.Empty(t, f.shop.orders.list())
		})
	}
}

func TestPayCard(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		capture    string
		wantStatus payment.Status
		wantOps    []string
		charges    int
	}{
		{name: "approved, automatic capture", token: paymenttest.TokenApprove, capture: "auto",
			wantStatus: payment.StatusCaptured, wantOps: []string{"create:pending", "confirm:captured"}, charges: 1},
		{name: "approved, manual capture", token: paymenttest.TokenApprove, capture: "manual",
			wantStatus: payment.StatusAuthorized, wantOps: []string{"create:pending", "confirm:authorized"}},
		{name: "declined", token: paymenttest.TokenDecline, capture: "auto",
			wantStatus: payment.StatusFailed, wantOps: []string{"create:pending", "confirm:", "declined:failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newShopFixture(t)
			id, res := f.payCard(t, tt.token, tt.capture)
			assert.Equal(t, "/orders/"+id, res.location)
			o := f.order(t, id)
			require.NotNil(t, o.Payment)
			assert.Equal(t, tt.wantStatus, o.Payment.Status)
			assert.Equal(t, tt.wantOps, ops(o))
			assert.Equal(t, "gmo", o.Route)
			assert.Equal(t, tt.charges, f.card.Ledger(id).Charges)

			page := f.get(t, "/orders/"+id)
			assert.Equal(t, 200, page.code)
			assert.Contains(t, page.body, `data-status="`+tt.wantStatus.String()+`"`)
			assert.NotContains(t, page.body, tt.token, "the token never reaches a page")
		})
	}
}

func TestPayCardOutcomeUnknownIsSettledByInquiry(t *testing.T) {
	for _, fault := range []paymenttest.Fault{paymenttest.FaultDropAfterProcess, paymenttest.FaultGatewayUnknown} {
		t.Run(fault.String(), func(t *testing.T) {
			f := newShopFixture(t)
			require.True(t, f.card.InjectFault(paymenttest.OpConfirm, fault))
			id, _ := f.payCard(t, paymenttest.TokenApprove, "auto")
			o := f.order(t, id)
			assert.Equal(t, payment.StatusCaptured, o.Payment.Status, "the inquiry found the charge")
			assert.Equal(t, []string{"create:pending", "confirm:", "inquire:captured"}, ops(o))
			assert.Equal(t, 1, f.card.Ledger(id).Charges, "charged once, never resent")
		})
	}
}

func TestPayCardChallenge(t *testing.T) {
	f := newShopFixture(t)
	id, res := f.payCard(t, paymenttest.TokenChallenge, "auto")
	o := f.order(t, id)
	require.Equal(t, payment.StatusRequiresAction, o.Payment.Status)
	require.NotNil(t, o.Payment.NextAction)
	assert.Equal(t, o.Payment.NextAction.URL, res.location, "the browser goes to the challenge page")

	page := f.get(t, "/orders/"+id)
	assert.Contains(t, page.body, `id="continue"`, "the order page offers to continue")

	ret, err := f.card.CompleteAction(innerRef(t, o.Ref), true)
	require.NoError(t, err)
	back := f.do(t, httptest.NewRequest(http.MethodGet, "/return/"+id+"?"+ret.Values.Encode(), nil))
	assert.Equal(t, http.StatusSeeOther, back.code)
	assert.Equal(t, "/orders/"+id, back.location)
	o = f.order(t, id)
	assert.Equal(t, payment.StatusCaptured, o.Payment.Status)
	assert.Equal(t, 1, f.card.Ledger(id).Charges)

	t.Run("a second return does not charge again", func(t *testing.T) {
		f.do(t, httptest.NewRequest(http.MethodGet, "/return/"+id+"?"+ret.Values.Encode(), nil))
		assert.Equal(t, 1, f.card.Ledger(id).Charges)
	})
}

func TestOrderActions(t *testing.T) {
	t.Run("capture, partial refund, full refund", func(t *testing.T) {
		f := newShopFixture(t)
		id, _ := f.payCard(t, paymenttest.TokenApprove, "manual")
		page := f.get(t, "/orders/"+id)
		assert.Contains(t, page.body, `id="capture"`)
		assert.Contains(t, page.body, `id="void"`)
		assert.NotContains(t, page.body, `id="refund-full"`)

		res := f.post(t, "/orders/"+id+"/capture", nil)
		assert.Equal(t, http.StatusSeeOther, res.code)
		assert.Equal(t, payment.StatusCaptured, f.order(t, id).Payment.Status)

		f.post(t, "/orders/"+id+"/refund", url.Values{"amount": {"500"}})
		o := f.order(t, id)
		assert.Equal(t, payment.StatusPartiallyRefunded, o.Payment.Status)
		assert.True(t, o.Payment.Refunded.Equal(payment.MustParseMoney("500", "JPY")))

		f.post(t, "/orders/"+id+"/refund", nil)
		o = f.order(t, id)
		assert.Equal(t, payment.StatusRefunded, o.Payment.Status)
		assert.Equal(t, []string{"create:pending", "confirm:authorized", "capture:captured", "refund:partially_refunded", "refund:refunded"}, ops(o))
		assert.Equal(t, 2, f.card.Ledger(id).Refunds)

		page = f.get(t, "/orders/"+id)
		assert.Contains(t, page.body, "¥500")
		assert.NotContains(t, page.body, `id="refund-full"`, "nothing left to refund")
	})
	t.Run("void an authorization", func(t *testing.T) {
		f := newShopFixture(t)
		id, _ := f.payCard(t, paymenttest.TokenApprove, "manual")
		f.post(t, "/orders/"+id+"/void", nil)
		assert.Equal(t, payment.StatusCanceled, f.order(t, id).Payment.Status)
	})
	t.Run("inquire", func(t *testing.T) {
		f := newShopFixture(t)
		id, _ := f.payCard(t, paymenttest.TokenApprove, "auto")
		f.post(t, "/orders/"+id+"/inquire", nil)
		o := f.order(t, id)
		assert.Equal(t, "inquire:captured", ops(o)[len(o.History)-1])
	})
	t.Run("an amount the currency cannot carry is refused before any call", func(t *testing.T) {
		f := newShopFixture(t)
		id, _ := f.payCard(t, paymenttest.TokenApprove, "auto")
		calls := f.card.Requests()
		f.post(t, "/orders/"+id+"/refund", url.Values{"amount": {"1.5"}})
		o := f.order(t, id)
		assert.Equal(t, payment.StatusCaptured, o.Payment.Status)
		assert.Equal(t, calls, f.card.Requests())
		assert.Contains(t, o.Err, "invalid request")
		page := f.get(t, "/orders/"+id)
		assert.Contains(t, page.body, `id="error"`)
	})
	t.Run("unknown action", func(t *testing.T) {
		f := newShopFixture(t)
		id, _ := f.payCard(t, paymenttest.TokenApprove, "auto")
		assert.Equal(t, 404, f.post(t, "/orders/"+id+"/explode", nil).code)
	})
	t.Run("hosted-page orders show no refund button", func(t *testing.T) {
		f := newShopFixture(t)
		id := f.payHosted(t, true)
		page := f.get(t, "/orders/"+id)
		assert.NotContains(t, page.body, `id="refund-full"`)
		assert.NotContains(t, page.body, `id="capture"`)
	})
}

// payHosted pays on the hosted page (pass or decline) and returns the order id.
func (f *shopFixture) payHosted(t *testing.T, pass bool) string {
	t.Helper()
	res := f.post(t, "/pay/hosted", url.Values{"product": {"furoshiki"}})
	require.Equal(t, http.StatusSeeOther, res.code, res.body)
	id := f.shop.orders.list()[0].ID
	o := f.order(t, id)
	require.Equal(t, o.Payment.NextAction.URL, res.location)
	ret, err := f.hosted.CompleteAction(innerRef(t, o.Ref), pass)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/return/"+id, strings.NewReader(ret.Values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site") // the bank's page posts the browser back
	back := f.do(t, req)
	require.Equal(t, http.StatusSeeOther, back.code, back.body)
	return id
}

func TestPayHosted(t *testing.T) {
	t.Run("paid", func(t *testing.T) {
		f := newShopFixture(t)
		id := f.payHosted(t, true)
		o := f.order(t, id)
		assert.Equal(t, "golomt", o.Route)
		assert.Equal(t, payment.StatusCaptured, o.Payment.Status)
		assert.Equal(t, []string{"create:requires_action", "return:captured"}, ops(o))
		assert.Equal(t, 1, f.hosted.Ledger(id).Charges)
	})
	t.Run("declined", func(t *testing.T) {
		f := newShopFixture(t)
		id := f.payHosted(t, false)
		o := f.order(t, id)
		assert.Equal(t, payment.StatusFailed, o.Payment.Status)
		assert.Zero(t, f.hosted.Ledger(id).Charges)
		assert.Equal(t, paymenttest.DeclineCode, o.Payment.GatewayCode)
	})
}

func notifyRequest(t *testing.T, signed *http.Request, route string) *http.Request {
	t.Helper()
	body, err := io.ReadAll(signed.Body)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/notify/"+route, strings.NewReader(string(body)))
	req.Header = signed.Header.Clone()
	return req
}

func TestNotifications(t *testing.T) {
	f := newShopFixture(t)
	id := f.payHosted(t, true)
	signed, err := f.hosted.Notification(id)
	require.NoError(t, err)

	t.Run("verified notification is recorded and acknowledged", func(t *testing.T) {
		res := f.do(t, notifyRequest(t, signed, "golomt"))
		assert.Equal(t, http.StatusOK, res.code)
		o := f.order(t, id)
		assert.Equal(t, 1, o.Notifications)
		assert.Equal(t, "notification:captured", ops(o)[len(o.History)-1])
		assert.NotEmpty(t, f.events.matching("notification received"))
	})
	t.Run("forged notification is refused and logged", func(t *testing.T) {
		req := f.hosted.SignedRequest([]byte(`{"order_id":"` + id + `","status":"refunded"}`))
		req.Header.Set(paymenttest.SignatureHeader, strings.Repeat("0", 64))
		res := f.do(t, notifyRequest(t, req, "golomt"))
		assert.Equal(t, http.StatusForbidden, res.code)
		assert.Equal(t, 1, f.order(t, id).Notifications)
		assert.NotEmpty(t, f.events.matching("notification refused"))
	})
	t.Run("unknown route", func(t *testing.T) {
		res := f.do(t, notifyRequest(t, signed, "paypal"))
		assert.Equal(t, http.StatusBadRequest, res.code)
	})
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	f := newShopFixture(t)
	req := httptest.NewRequest(http.MethodPost, "/pay/card", strings.NewReader("product=furoshiki&token="+paymenttest.TokenApprove))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res := f.do(t, req)
	assert.Equal(t, http.StatusForbidden, res.code)
	assert.Zero(t, f.card.Requests())
}

func TestEventLogIsRedacted(t *testing.T) {
	f := newShopFixture(t)
	f.payCard(t, paymenttest.TokenApprove, "auto")
	f.payCard(t, paymenttest.TokenDecline, "manual")
	id := f.payHosted(t, true)
	signed, err := f.hosted.Notification(id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, f.do(t, notifyRequest(t, signed, "golomt")).code)
	all := f.get(t, "/events").body
	require.Contains(t, all, "payments")
	require.Contains(t, all, "notification received")
	for _, secret := range []string{paymenttest.TokenApprove, paymenttest.TokenDecline, "4242424242424242"} {
		assert.NotContains(t, all, secret)
	}
}

func TestFormatMoney(t *testing.T) {
	tests := []struct{ amount, cur, want string }{
		{"1500", "JPY", "¥1,500"},
		{"0", "JPY", "¥0"},
		{"999", "JPY", "¥999"},
		{"1000000", "JPY", "¥1,000,000"},
		{"35000", "MNT", "₮35,000.00"},
		{"1234.5", "MNT", "₮1,234.50"},
		{"-500", "JPY", "-¥500"},
		{"12.34", "EUR", "EUR 12.34"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, formatMoney(payment.MustParseMoney(tt.amount, tt.cur)))
		})
	}
	assert.Equal(t, "—", formatMoney(payment.Money{}))
}

func TestNewOrderID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		id := newOrderID()
		require.Regexp(t, `^KS[A-Z0-9]{12}$`, id, "valid for GMO (27 of [A-Za-z0-9-]) and Golomt (<16 alphanumerics)")
		require.False(t, seen[id])
		seen[id] = true
	}
}

func TestOrderOnlyMovesForward(t *testing.T) {
	now := time.Now()
	jpy := payment.MustParseMoney("1500", "JPY")
	pay := func(st payment.Status) *payment.Payment {
		return &payment.Payment{Status: st, Ref: "gmo:x", Amount: jpy, Captured: payment.Zero(payment.JPY), Refunded: payment.Zero(payment.JPY)}
	}
	tests := []struct {
		name       string
		from, to   payment.Status
		wantStatus payment.Status
	}{
		{"pending to captured", payment.StatusPending, payment.StatusCaptured, payment.StatusCaptured},
		{"captured to refunded", payment.StatusCaptured, payment.StatusRefunded, payment.StatusRefunded},
		{"a late authorized answer after capture is kept out", payment.StatusCaptured, payment.StatusAuthorized, payment.StatusCaptured},
		{"failed stays failed", payment.StatusFailed, payment.StatusCaptured, payment.StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &order{}
			o.apply(now, "create", "", pay(tt.from), nil)
			o.apply(now, "confirm", "", pay(tt.to), nil)
			assert.Equal(t, tt.wantStatus, o.Payment.Status)
			assert.Equal(t, tt.to.String(), o.History[1].Status, "the history shows what the call answered")
		})
	}
}

func TestCardText(t *testing.T) {
	tests := []struct {
		card payment.CardSummary
		want string
	}{
		{payment.CardSummary{Masked: "949625******0003", Last4: "0003", Holder: "GOLOMT TEST"}, "949625******0003 · GOLOMT TEST"},
		{payment.CardSummary{Masked: "****", Last4: "1111"}, "•••• 1111"},
		{payment.CardSummary{Brand: "VISA", Masked: "************1111", Last4: "1111"}, "VISA ************1111"},
		{payment.CardSummary{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) { assert.Equal(t, tt.want, cardText(&tt.card)) })
	}
}
