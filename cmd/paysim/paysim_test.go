package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
)

func noEnv(string) string { return "" }

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c config) {
			assert.Equal(t, "127.0.0.1:8081", c.GMOAddr)
			assert.Equal(t, "127.0.0.1:8082", c.GolomtAddr)
			assert.Zero(t, c.FaultRate)
			assert.Equal(t, defaultFaultKinds, c.FaultKinds)
			assert.Empty(t, c.GMONotifyURL)
		}},
		{name: "addresses, notify urls and faults",
			args: []string{"-gmo-addr", ":9001", "-golomt-addr", "off", "-gmo-notify-url", "http://127.0.0.1:3000/notify/gmo",
				"-fault-rate", "5%", "-faults", "drop-after, html", "-fault-apis", "ExecTran,AlterTran", "-seed", "7"},
			check: func(t *testing.T, c config) {
				assert.Equal(t, ":9001", c.GMOAddr)
				assert.Equal(t, off, c.GolomtAddr)
				assert.Equal(t, "http://127.0.0.1:3000/notify/gmo", c.GMONotifyURL)
				assert.Equal(t, 50_000, c.FaultRate)
				assert.Equal(t, []string{"drop-after", "html"}, c.FaultKinds)
				assert.Equal(t, []string{"ExecTran", "AlterTran"}, c.FaultAPIs)
				assert.Equal(t, int64(7), c.Seed)
			}},
		{name: "environment gives defaults",
			env: map[string]string{envGMOAddr: "127.0.0.1:7001", envGolomtNotify: "https://shop.example/notify/golomt", envFaultRate: "0.25"},
			check: func(t *testing.T, c config) {
				assert.Equal(t, "127.0.0.1:7001", c.GMOAddr)
				assert.Equal(t, "https://shop.example/notify/golomt", c.GolomtNotifyURL)
				assert.Equal(t, 250_000, c.FaultRate)
			}},
		{name: "flag beats environment", args: []string{"-gmo-addr", "127.0.0.1:7002"}, env: map[string]string{envGMOAddr: "127.0.0.1:7001"},
			check: func(t *testing.T, c config) { assert.Equal(t, "127.0.0.1:7002", c.GMOAddr) }},
		{name: "both off", args: []string{"-gmo-addr", "off", "-golomt-addr", "off"}, wantErr: "both simulators are off"},
		{name: "unknown fault kind", args: []string{"-faults", "meteor"}, wantErr: `unknown fault kind "meteor"`},
		{name: "rate above one", args: []string{"-fault-rate", "1.5"}, wantErr: "above 100%"},
		{name: "rate garbage", args: []string{"-fault-rate", "often"}, wantErr: "want a probability"},
		{name: "bad rate in environment", env: map[string]string{envFaultRate: "-1"}, wantErr: envFaultRate},
		{name: "relative notify url", args: []string{"-golomt-notify-url", "/notify"}, wantErr: "-golomt-notify-url must be an absolute"},
		{name: "stray argument", args: []string{"serve"}, wantErr: `unexpected argument "serve"`},
		{name: "unknown flag", args: []string{"-port", "1"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			c, err := parseFlags(tt.args, getenv, io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"1", 1_000_000, true}, {"0.05", 50_000, true}, {"5%", 50_000, true},
		{"0.5%", 5_000, true}, {"100%", 1_000_000, true}, {"1/20", 50_000, true}, {"0.000001", 1, true},
		{".5", 500_000, true}, {"1/0", 0, false}, {"3/2", 0, false}, {"0.0000001", 0, false},
		{"1e-3", 0, false}, {"-0.1", 0, false}, {"", 0, false}, {"%", 0, false}, {"101%", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseRate(tt.in)
			if !tt.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func startTest(t *testing.T, args ...string) *paysim {
	t.Helper()
	cfg, err := parseFlags(append([]string{"-gmo-addr", "127.0.0.1:0", "-golomt-addr", "127.0.0.1:0"}, args...), noEnv, io.Discard)
	require.NoError(t, err)
	p, err := start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	return p
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func postForm(t *testing.T, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func golomtInquiry(t *testing.T, p *paysim, txn string) (*http.Response, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"transactionId": txn, "checksum": p.Golomt.Sign(txn, txn)})
	req, err := http.NewRequest(http.MethodPost, p.GolomtURL+"/api/inquiry", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.Golomt.BearerToken())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMountsBothSimulators(t *testing.T) {
	p := startTest(t)

	t.Run("status page on both ports", func(t *testing.T) {
		for _, base := range []string{p.GMOURL, p.GolomtURL} {
			code, body := get(t, base+"/")
			assert.Equal(t, http.StatusOK, code)
			assert.Contains(t, body, "GMO ledger")
			assert.Contains(t, body, "Golomt ledger")
		}
	})
	t.Run("GMO API answers in its wire format", func(t *testing.T) {
		resp, body := postForm(t, p.GMOURL+"/payment/EntryTran.idPass", url.Values{
			"ShopID": {gmotest.DefaultShopID}, "ShopPass": {gmotest.DefaultShopPass},
			"OrderID": {"paysim-mount-1"}, "JobCd": {"CAPTURE"}, "Amount": {"1000"},
		})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, "AccessID=")
		assert.Contains(t, body, "AccessPass=")
		e, ok := p.GMO.Ledger("paysim-mount-1")
		require.True(t, ok, "the ledger has the order")
		assert.Equal(t, "UNPROCESSED", e.Status)
	})
	t.Run("GMO business error is HTTP 200 with ErrCode", func(t *testing.T) {
		resp, body := postForm(t, p.GMOURL+"/payment/EntryTran.idPass", url.Values{
			"ShopID": {gmotest.DefaultShopID}, "ShopPass": {"wrong"}, "OrderID": {"x1"}, "JobCd": {"CAPTURE"}, "Amount": {"1"},
		})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, "ErrCode=")
	})
	t.Run("Golomt API wants the bearer token", func(t *testing.T) {
		resp, err := http.Post(p.GolomtURL+"/api/inquiry", "application/json", strings.NewReader(`{}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})
	t.Run("Golomt inquiry of an unknown transaction is a 400 envelope", func(t *testing.T) {
		resp, body := golomtInquiry(t, p, "nosuchtxn1")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, body, `"status"`)
	})
	t.Run("ledger json", func(t *testing.T) {
		code, body := get(t, p.GMOURL+"/paysim/ledger.json")
		require.Equal(t, http.StatusOK, code)
		var l ledgers
		require.NoError(t, json.Unmarshal([]byte(body), &l))
		require.NotEmpty(t, l.GMO)
		assert.Equal(t, "paysim-mount-1", l.GMO[0].OrderID)
		assert.NotNil(t, l.Golomt)
	})
}

func TestRandomFaults(t *testing.T) {
	t.Run("rate 100% server errors hit every API call", func(t *testing.T) {
		p := startTest(t, "-fault-rate", "1", "-faults", "error", "-seed", "1")
		for i := 0; i < 3; i++ {
			resp, _ := postForm(t, p.GMOURL+"/payment/SearchTrade.idPass", url.Values{
				"ShopID": {gmotest.DefaultShopID}, "ShopPass": {gmotest.DefaultShopPass}, "OrderID": {"none"},
			})
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			resp, _ = golomtInquiry(t, p, "nosuchtxn1")
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
		}
		assert.Equal(t, int64(6), p.faults.injected.Load())
		code, _ := get(t, p.GMOURL+"/")
		assert.Equal(t, http.StatusOK, code, "paysim's own pages never fault")
	})
	t.Run("rate 0 never faults", func(t *testing.T) {
		p := startTest(t)
		resp, body := postForm(t, p.GMOURL+"/payment/SearchTrade.idPass", url.Values{
			"ShopID": {gmotest.DefaultShopID}, "ShopPass": {gmotest.DefaultShopPass}, "OrderID": {"none"},
		})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, "ErrCode=")
		assert.Zero(t, p.faults.injected.Load())
	})
	t.Run("fault-apis restricts the faults", func(t *testing.T) {
		p := startTest(t, "-fault-rate", "100%", "-faults", "error", "-fault-apis", "ExecTran")
		resp, _ := postForm(t, p.GMOURL+"/payment/SearchTrade.idPass", url.Values{
			"ShopID": {gmotest.DefaultShopID}, "ShopPass": {gmotest.DefaultShopPass}, "OrderID": {"none"},
		})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		resp, _ = golomtInquiry(t, p, "nosuchtxn1")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
	t.Run("the same seed gives the same sequence", func(t *testing.T) {
		seq := func() []bool {
			cfg, err := parseFlags([]string{"-fault-rate", "30%", "-seed", "42"}, noEnv, io.Discard)
			require.NoError(t, err)
			f := newFaultSource(cfg)
			var out []bool
			for i := 0; i < 50; i++ {
				_, hit := f.roll("ExecTran")
				out = append(out, hit)
			}
			return out
		}
		a, b := seq(), seq()
		assert.Equal(t, a, b)
		assert.Contains(t, a, true)
		assert.Contains(t, a, false)
	})
	t.Run("browser endpoints are spared by default", func(t *testing.T) {
		cfg, err := parseFlags([]string{"-fault-rate", "1"}, noEnv, io.Discard)
		require.NoError(t, err)
		f := newFaultSource(cfg)
		_, hit := f.roll("getToken")
		assert.False(t, hit)
		_, hit = f.roll(golomttest.APIPage)
		assert.False(t, hit)
		_, hit = f.roll(golomttest.APIInquiry)
		assert.True(t, hit)
	})
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	cfg, err := parseFlags([]string{"-gmo-addr", ln.Addr().String(), "-golomt-addr", "127.0.0.1:0"}, noEnv, io.Discard)
	require.NoError(t, err)
	_, err = start(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already in use")
	assert.Contains(t, err.Error(), ln.Addr().String())
}

func TestRunStopsOnCancel(t *testing.T) {
	cfg, err := parseFlags([]string{"-gmo-addr", "127.0.0.1:0", "-golomt-addr", "127.0.0.1:0"}, noEnv, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, &out) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	assert.Contains(t, out.String(), "GMO simulator")
	assert.Contains(t, out.String(), "Golomt simulator")
	assert.Contains(t, out.String(), "shutting down")
}

// recorder is a merchant notification endpoint.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []string
	code int
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, req.URL.Path+" "+string(b))
		r.mu.Unlock()
		if strings.HasPrefix(req.URL.Path, "/notify/gmo") {
			_, _ = io.WriteString(w, "0") // GMO: received
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) bodies() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// TestNotifyTargets pays through the adapters against paysim's ports and
// checks that both simulators deliver to the -notify-url targets.
func TestNotifyTargets(t *testing.T) {
	rec := newRecorder(t)
	p := startTest(t, "-gmo-notify-url", rec.srv.URL+"/notify/gmo", "-golomt-notify-url", rec.srv.URL+"/notify/golomt")
	ctx := context.Background()

	gp, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass), BaseURL: p.GMOURL})
	require.NoError(t, err)
	created, err := gp.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "paysim-n-1", Amount: payment.MustParseMoney("2000", "JPY")})
	require.NoError(t, err)
	tok, err := p.GMO.IssueToken(gmotest.CardApprove, "203012", "123", "TARO")
	require.NoError(t, err)
	paid, err := gp.Confirm(ctx, payment.ConfirmRequest{Ref: created.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}, ReturnURL: "https://shop.example/3ds"})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, paid.Status)

	op, err := golomt.New(golomt.Config{BearerToken: payment.NewSecret(p.Golomt.BearerToken()), ChecksumKey: payment.NewSecret(p.Golomt.Secret()), BaseURL: p.GolomtURL})
	require.NoError(t, err)
	inv, err := op.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "paysimn2", Amount: payment.MustParseMoney("5000", "MNT"), ReturnURL: "https://shop.example/back"})
	require.NoError(t, err)
	require.NotNil(t, inv.NextAction)
	assert.True(t, strings.HasPrefix(inv.NextAction.URL, p.GolomtURL+"/payment/"), "hosted page on paysim's public URL: %s", inv.NextAction.URL)
	_, err = p.Golomt.PayInvoice(ctx, inv.NextAction.URL, golomttest.CardApproved)
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		var gmoSeen, golomtSeen bool
		for _, b := range rec.bodies() {
			gmoSeen = gmoSeen || strings.HasPrefix(b, "/notify/gmo ") && strings.Contains(b, "paysim-n-1")
			golomtSeen = golomtSeen || strings.HasPrefix(b, "/notify/golomt ") && strings.Contains(b, "paysimn2")
		}
		return gmoSeen && golomtSeen
	}, 10*time.Second, 20*time.Millisecond, "notifications received: %q", rec.bodies())
}

// TestRandomFaultsNeverDoubleCharge drops every ExecTran connection after
// processing: the adapter must settle by inquiry, and the card is charged
// once.
func TestRandomFaultsNeverDoubleCharge(t *testing.T) {
	p := startTest(t, "-fault-rate", "100%", "-faults", "drop-after,unknown-after,error-after", "-fault-apis", "ExecTran", "-seed", "9")
	ctx := context.Background()
	gp, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass), BaseURL: p.GMOURL})
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		id := "paysim-f-" + strconv.Itoa(i)
		created, err := gp.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: id, Amount: payment.MustParseMoney("1000", "JPY")})
		require.NoError(t, err)
		tok, err := p.GMO.IssueToken(gmotest.CardApprove, "203012", "123", "")
		require.NoError(t, err)
		paid, err := gp.Confirm(ctx, payment.ConfirmRequest{Ref: created.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}, ReturnURL: "https://shop.example/3ds"})
		if err != nil {
			assert.ErrorIs(t, err, payment.ErrOutcomeUnknown, "a fault after processing is never reported as a plain failure")
		} else {
			assert.Equal(t, payment.StatusCaptured, paid.Status, "settled by inquiry")
		}
		e, ok := p.GMO.Ledger(id)
		require.True(t, ok)
		assert.Equal(t, 1, e.Charges, "%s charged exactly once", id)
		assert.Equal(t, i+1, p.GMO.Calls("ExecTran"), "ExecTran was never resent")
	}
	assert.Equal(t, int64(3), p.faults.injected.Load())
}

// issueGMOVoucher registers and issues a konbini (Lawson) or Pay-easy
// voucher through paysim's GMO API.
func issueGMOVoucher(t *testing.T, p *paysim, payEasy bool, order, amount string) {
	t.Helper()
	entryAPI, execAPI := "EntryTranCvs", "ExecTranCvs"
	if payEasy {
		entryAPI, execAPI = "EntryTranPayEasy", "ExecTranPayEasy"
	}
	_, body := postForm(t, p.GMOURL+"/payment/"+entryAPI+".idPass", url.Values{
		"ShopID": {gmotest.DefaultShopID}, "ShopPass": {gmotest.DefaultShopPass}, "OrderID": {order}, "Amount": {amount}})
	f := map[string]string{}
	for _, kv := range strings.Split(body, "&") {
		k, v, _ := strings.Cut(kv, "=")
		f[k] = v
	}
	require.NotEmpty(t, f["AccessID"], body)
	// cp932: 山田太郎, ヤマダ, 窓口
	v := url.Values{"AccessID": {f["AccessID"]}, "AccessPass": {f["AccessPass"]}, "OrderID": {order},
		"CustomerName": {"\x8eR\x93c\x91\xbe\x98Y"}, "CustomerKana": {"\x83\x84\x83}\x83_"}, "TelNo": {"0312345678"},
		"ReceiptsDisp11": {"\x91\x8b\x8c\xfb"}, "ReceiptsDisp12": {"0312345678"}, "ReceiptsDisp13": {"09:00-18:00"}, "PaymentTermDay": {"3"}}
	if !payEasy {
		v.Set("Convenience", "10001")
	}
	_, body = postForm(t, p.GMOURL+"/payment/"+execAPI+".idPass", v)
	require.NotContains(t, body, "ErrCode", body)
}

// voucherForm is a simulator button on paysim's root page.
type voucherForm struct{ action, order, ret, label string }

var voucherFormRE = regexp.MustCompile(`<form method="post" action="([^"]+)"><input type="hidden" name="order" value="([^"]+)"><input type="hidden" name="return" value="([^"]+)"><button type="submit">([^<]+)</button></form>`)

func voucherForms(page string) []voucherForm {
	var out []voucherForm
	for _, m := range voucherFormRE.FindAllStringSubmatch(page, -1) {
		out = append(out, voucherForm{m[1], m[2], m[3], m[4]})
	}
	return out
}

// row returns the GMO ledger row of order on the root page.
func row(t *testing.T, page, order string) string {
	t.Helper()
	i := strings.Index(page, `<tr id="gmo-`+order+`">`)
	require.GreaterOrEqual(t, i, 0, "no row for %s", order)
	j := strings.Index(page[i:], "</tr>")
	require.Greater(t, j, 0)
	return page[i : i+j]
}

func TestStatusPageVouchers(t *testing.T) {
	p := startTest(t)
	issueGMOVoucher(t, p, false, "ps-cvs-1", "1500")
	issueGMOVoucher(t, p, true, "ps-pe-1", "3000")
	issueGMOVoucher(t, p, false, "ps-cvs-2", "700")
	_, body := postForm(t, p.GMOURL+"/payment/EntryTran.idPass", url.Values{
		"ShopID": {gmotest.DefaultShopID}, "ShopPass": {gmotest.DefaultShopPass}, "OrderID": {"ps-card-1"}, "JobCd": {"CAPTURE"}, "Amount": {"100"}})
	require.Contains(t, body, "AccessID=")
	term, _ := p.GMO.Ledger("ps-cvs-1")
	deadline := term.PaymentTerm.In(time.FixedZone("JST", 9*3600)).Format("2006-01-02 15:04:05")

	tests := []struct {
		order    string
		payType  string
		state    string
		deadline bool
	}{
		{"ps-cvs-1", "konbini (Lawson)", "REQSUCCESS <span class=\"state\">(waiting for payment)</span>", true},
		{"ps-pe-1", "Pay-easy", "REQSUCCESS <span class=\"state\">(waiting for payment)</span>", true},
		{"ps-card-1", "card", "UNPROCESSED</td>", false},
	}
	for _, base := range []string{p.GMOURL, p.GolomtURL} {
		_, page := get(t, base+"/")
		for _, tt := range tests {
			r := row(t, page, tt.order)
			assert.Contains(t, r, "<td>"+tt.payType+"</td>", tt.order)
			assert.Contains(t, r, tt.state, tt.order)
			if tt.deadline {
				assert.Contains(t, r, deadline, tt.order)
			} else {
				assert.NotContains(t, r, "<form", "no simulator buttons for a card order")
			}
		}
		// Both ports' pages post to the GMO simulator's controls and come
		// back to the GMO port's page.
		var got []string
		for _, f := range voucherForms(page) {
			assert.Equal(t, p.GMOURL+"/", f.ret)
			got = append(got, strings.TrimPrefix(f.action, p.GMOURL)+" "+f.order+" "+f.label)
		}
		assert.Equal(t, []string{
			"/gmotest/pay ps-cvs-1 pay at the store", "/gmotest/expire ps-cvs-1 expire",
			"/gmotest/pay ps-pe-1 pay at the store", "/gmotest/expire ps-pe-1 expire",
			"/gmotest/pay ps-cvs-2 pay at the store", "/gmotest/expire ps-cvs-2 expire",
		}, got, base)
	}

	// Press the buttons as a browser does: POST, then follow the 303 back.
	_, page := get(t, p.GolomtURL+"/")
	forms := voucherForms(page)
	press := func(action, order string) string {
		for _, f := range forms {
			if strings.HasSuffix(f.action, action) && f.order == order {
				resp, body := postForm(t, f.action, url.Values{"order": {f.order}, "return": {f.ret}})
				require.Equal(t, http.StatusOK, resp.StatusCode, body)
				assert.Equal(t, p.GMOURL+"/", resp.Request.URL.String(), "back on the root page")
				return body
			}
		}
		t.Fatalf("no %s button for %s", action, order)
		return ""
	}
	before := p.GMO.Now()
	press("/gmotest/pay", "ps-cvs-1")
	page = press("/gmotest/expire", "ps-pe-1")
	assert.Contains(t, row(t, page, "ps-cvs-1"), "PAYSUCCESS <span class=\"state\">(paid)</span>")
	assert.Contains(t, row(t, page, "ps-pe-1"), "EXPIRED <span class=\"state\">(expired)</span>")
	assert.NotContains(t, row(t, page, "ps-cvs-1"), "<form")
	assert.NotContains(t, row(t, page, "ps-pe-1"), "<form")
	assert.Contains(t, row(t, page, "ps-cvs-2"), "(waiting for payment)", "the other voucher is untouched")
	assert.Contains(t, row(t, page, "ps-cvs-2"), `action="`+p.GMOURL+`/gmotest/expire"`)
	assert.WithinDuration(t, before, p.GMO.Now(), time.Minute, "expire does not move the clock")
	e, _ := p.GMO.Ledger("ps-cvs-1")
	assert.Equal(t, int64(1500), e.Captured)
	e, _ = p.GMO.Ledger("ps-pe-1")
	assert.Equal(t, "EXPIRED", e.Status)
	e, _ = p.GMO.Ledger("ps-cvs-2")
	assert.Equal(t, "REQSUCCESS", e.Status)

	// A return address off the simulator is refused and nothing happens.
	resp, body := postForm(t, p.GMOURL+"/gmotest/expire", url.Values{"order": {"ps-cvs-2"}, "return": {"https://evil.example/"}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	e, _ = p.GMO.Ledger("ps-cvs-2")
	assert.Equal(t, "REQSUCCESS", e.Status)
}
