package gmotest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/kessai/payment/gmo/gmotest"
)

// issueVoucher registers and issues a konbini ("3") or Pay-easy ("4")
// voucher (3-day deadline) and returns AccessID, AccessPass.
func issueVoucher(t *testing.T, s *gmotest.Server, payType, order string) (string, string) {
	t.Helper()
	return issueVoucherAt(t, s, s.URL(), payType, order)
}

// issueVoucherAt is issueVoucher through the listener at base.
func issueVoucherAt(t *testing.T, s *gmotest.Server, base, payType, order string) (string, string) {
	t.Helper()
	api := func(name string, v url.Values) answer {
		return do(t, http.MethodPost, base+"/payment/"+name+".idPass", form, v.Encode())
	}
	name, _ := japanese.ShiftJIS.NewEncoder().String("山田太郎")
	entryAPI, execAPI := "EntryTranCvs", "ExecTranCvs"
	if payType == "4" {
		entryAPI, execAPI = "EntryTranPayEasy", "ExecTranPayEasy"
	}
	a := api(entryAPI, shop(s, "OrderID", order, "Amount", "1200"))
	require.Empty(t, a.get("ErrCode"), a.raw)
	v := cvsExec(a.get("AccessID"), a.get("AccessPass"), order, name)
	if payType == "4" {
		delete(v, "Convenience")
	}
	x := api(execAPI, v)
	require.Empty(t, x.get("ErrCode"), x.raw)
	return a.get("AccessID"), a.get("AccessPass")
}

// statuses drains the notifications of order and returns their Status.
func statuses(t *testing.T, s *gmotest.Server, order string) []string {
	t.Helper()
	var out []string
	for {
		req, err := s.NextNotification(order)
		if err != nil {
			return out
		}
		require.NoError(t, req.ParseForm())
		out = append(out, req.PostForm.Get("Status"))
	}
}

func TestExpireVoucher(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, s *gmotest.Server, order string) // builds order
		payType string                                              // SearchTradeMulti PayType when ok
		wantErr string                                              // substring; "" = expires
	}{
		{"konbini issued", func(t *testing.T, s *gmotest.Server, o string) { issueVoucher(t, s, "3", o) }, "3", ""},
		{"Pay-easy issued", func(t *testing.T, s *gmotest.Server, o string) { issueVoucher(t, s, "4", o) }, "4", ""},
		{"unknown order", func(*testing.T, *gmotest.Server, string) {}, "", "unknown order"},
		{"card order", func(t *testing.T, s *gmotest.Server, o string) {
			_, _, a := pay(t, s, o, "CAPTURE", "100", gmotest.CardApprove)
			require.Empty(t, a.get("ErrCode"), a.raw)
		}, "", "not a voucher payment"},
		{"voucher not issued", func(t *testing.T, s *gmotest.Server, o string) { cvsEntry(t, s, o, "500") }, "", "is UNPROCESSED"},
		{"paid", func(t *testing.T, s *gmotest.Server, o string) {
			issueVoucher(t, s, "3", o)
			require.NoError(t, s.PayVoucher(o))
		}, "", "is PAYSUCCESS"},
		{"cancelled", func(t *testing.T, s *gmotest.Server, o string) {
			id, pass := issueVoucher(t, s, "4", o)
			a := call(t, s, "PayEasyCancel", shop(s, "AccessID", id, "AccessPass", pass, "OrderID", o))
			require.Equal(t, "CANCEL", a.get("Status"), a.raw)
		}, "", "is CANCEL"},
		{"expired already", func(t *testing.T, s *gmotest.Server, o string) {
			issueVoucher(t, s, "3", o)
			require.NoError(t, s.ExpireVoucher(o))
		}, "", "is EXPIRED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := gmotest.NewServer(gmotest.WithClock(gmotest.NewManualClock(jan1)))
			defer s.Close()
			issueVoucher(t, s, "3", "bystander")
			tt.setup(t, s, "ex-1")
			before, _ := s.Ledger("ex-1")
			notesBefore := len(statuses(t, s, "ex-1"))

			err := s.ExpireVoucher("ex-1")

			assert.Equal(t, jan1, s.Now(), "the clock never moves")
			other, _ := s.Ledger("bystander")
			assert.Equal(t, "REQSUCCESS", other.Status, "other vouchers are untouched")
			assert.Equal(t, []string{"REQSUCCESS"}, statuses(t, s, "bystander"))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				after, _ := s.Ledger("ex-1")
				assert.Equal(t, before.Status, after.Status, "a refused expiry changes nothing")
				assert.Empty(t, statuses(t, s, "ex-1"), "and queues no notification")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, notesBefore, "REQSUCCESS was queued at issue")
			e, _ := s.Ledger("ex-1")
			assert.Equal(t, "EXPIRED", e.Status)
			assert.Zero(t, e.Paid)
			assert.Zero(t, e.Captured)
			assert.Equal(t, before.PaymentTerm, e.PaymentTerm, "the deadline is kept")
			assert.True(t, e.PaymentTerm.After(s.Now()))
			m := call(t, s, "SearchTradeMulti", shop(s, "OrderID", "ex-1", "PayType", tt.payType))
			assert.Equal(t, "EXPIRED", m.get("Status"), m.raw)
			assert.Error(t, s.PayVoucher("ex-1"), "an expired voucher cannot be paid")

			// Exactly one EXPIRED notification, and a later deadline sweep
			// does not expire it again.
			req, err := s.NextNotification("ex-1")
			require.NoError(t, err)
			require.NoError(t, req.ParseForm())
			assert.Equal(t, "EXPIRED", req.PostForm.Get("Status"))
			assert.Equal(t, tt.payType, req.PostForm.Get("PayType"))
			assert.Equal(t, "20300113235959", req.PostForm.Get("PaymentTerm"))
			s.Advance(10 * 24 * time.Hour)
			assert.Empty(t, statuses(t, s, "ex-1"))
			assert.Equal(t, []string{"EXPIRED"}, statuses(t, s, "bystander"), "the clock still expires the others")
		})
	}
}

// TestExpireVoucherDelivery: the EXPIRED notification of ExpireVoucher is
// delivered and resent like the one of a deadline passing on the clock.
func TestExpireVoucherDelivery(t *testing.T) {
	tests := []struct {
		name   string
		expire func(s *gmotest.Server) error
	}{
		{"ExpireVoucher", func(s *gmotest.Server) error { return s.ExpireVoucher("dl-1") }},
		{"clock past the deadline", func(s *gmotest.Server) error { s.Advance(4 * 24 * time.Hour); return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// REQSUCCESS accepted, then EXPIRED refused twice, then accepted.
			m := &merchant{answers: []string{"0", "1", "1", "0"}}
			hs := httptest.NewServer(m)
			defer hs.Close()
			s := gmotest.NewServer(gmotest.WithClock(gmotest.NewManualClock(jan1)), gmotest.WithNotifyURL(hs.URL))
			defer s.Close()
			issueVoucher(t, s, "3", "dl-1")
			require.Eventually(t, func() bool { return m.count() == 1 }, 5*time.Second, 5*time.Millisecond)
			require.NoError(t, tt.expire(s))
			// settled waits until the simulator has recorded n attempts
			// (and so scheduled the next one), not only until the
			// merchant saw them.
			settled := func(n int) {
				require.Eventually(t, func() bool { return m.count() == n && len(s.Deliveries()) == n }, 5*time.Second, 5*time.Millisecond)
			}
			settled(2) // first attempt at once
			s.Advance(59 * time.Minute)
			time.Sleep(100 * time.Millisecond)
			assert.Equal(t, 2, m.count(), "no resend before 60 minutes")
			for want := 3; want <= 4; want++ {
				s.Advance(time.Hour)
				settled(want)
			}
			s.Advance(5 * time.Hour)
			time.Sleep(100 * time.Millisecond)
			assert.Equal(t, 4, m.count(), "answered 0: no more resends")
			var got []string
			for _, d := range s.Deliveries() {
				got = append(got, d.Status+"/"+strconv.Itoa(d.Attempt))
			}
			assert.Equal(t, []string{"REQSUCCESS/1", "EXPIRED/1", "EXPIRED/2", "EXPIRED/3"}, got)
			m.mu.Lock()
			assert.Equal(t, "EXPIRED", m.forms[3]["Status"])
			assert.Equal(t, "dl-1", m.forms[3]["OrderID"])
			m.mu.Unlock()
		})
	}
}

// TestControlReturn: /gmotest/pay, /gmotest/expire and /gmotest/advance
// send the browser to a safe "return" address, never to another host.
func TestControlReturn(t *testing.T) {
	// The simulator behind its own listener with a public URL, as paysim.
	var s *gmotest.Server
	ln := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.Handler().ServeHTTP(w, r) }))
	defer ln.Close()
	s = gmotest.NewHandler(gmotest.WithPublicURL("https://sim.example.com/"), gmotest.WithClock(gmotest.NewManualClock(jan1)))
	defer s.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	tests := []struct {
		ret  string // "return" form value; "-" = field absent
		want string // Location; "" = refused with 400 before acting
	}{
		{"-", "/gmotest/status"},
		{"", "/gmotest/status"},
		{"/orders/o-1?from=sim#voucher", "/orders/o-1?from=sim#voucher"},
		{"/", "/"},
		{"http://127.0.0.1:9999/orders/o-1", "http://127.0.0.1:9999/orders/o-1"},
		{"https://127.0.0.2/x", "https://127.0.0.2/x"},
		{"http://localhost:8080/", "http://localhost:8080/"},
		{"http://[::1]:8081/", "http://[::1]:8081/"},
		{"https://sim.example.com/gmotest/status", "https://sim.example.com/gmotest/status"},
		{"https://SIM.example.com/", "https://SIM.example.com/"},
		{"http://sim.example.com/", ""}, // other scheme: another origin
		{"https://sim.example.com:8443/", ""},
		{"https://sim.example.com.evil.example/", ""},
		{"http://127.0.0.1.evil.example/", ""},
		{"https://evil.example/orders", ""},
		{"//evil.example/", ""},
		{"///evil.example/", ""},
		{`/\evil.example/`, ""},
		{"/\t/evil.example/", ""},
		{"/ok\n", ""},
		{"orders/o-1", ""}, // relative to the control's path
		{"javascript:alert(1)", ""},
		{"http:evil.example", ""},
		{"ftp://127.0.0.1/", ""},
		{"http://user@127.0.0.1/", ""},
		{"http://evil.example@127.0.0.1/", ""},
		{"http://127.0.0.1:9999" + strings.Repeat("/a", 1100), ""},
	}
	n := 0
	for _, ep := range []string{"pay", "expire", "advance"} {
		for i, tt := range tests {
			t.Run(ep+"/"+strconv.Itoa(i), func(t *testing.T) {
				n++
				order := "rt-" + strconv.Itoa(n)
				f := url.Values{}
				if ep == "advance" {
					f.Set("d", "1m")
				} else {
					issueVoucherAt(t, s, ln.URL, "3", order)
					f.Set("order", order)
				}
				if tt.ret != "-" {
					f.Set("return", tt.ret)
				}
				before := s.Now()
				resp, err := noRedirect.PostForm(ln.URL+"/gmotest/"+ep, f)
				require.NoError(t, err)
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				e, _ := s.Ledger(order)
				if tt.want == "" {
					assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%q: %s", tt.ret, b)
					assert.Empty(t, resp.Header.Get("Location"))
					assert.Contains(t, string(b), "return must be")
					assert.Equal(t, before, s.Now(), "nothing done")
					if ep != "advance" {
						assert.Equal(t, "REQSUCCESS", e.Status, "nothing done")
					}
					return
				}
				require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%q: %s", tt.ret, b)
				assert.Equal(t, tt.want, resp.Header.Get("Location"))
				switch ep {
				case "pay":
					assert.Equal(t, "PAYSUCCESS", e.Status)
				case "expire":
					assert.Equal(t, "EXPIRED", e.Status)
					assert.Equal(t, before, s.Now())
				case "advance":
					assert.Equal(t, before.Add(time.Minute), s.Now())
				}
			})
		}
	}
}

func TestExpireControl(t *testing.T) {
	s := gmotest.NewServer(gmotest.WithClock(gmotest.NewManualClock(jan1)))
	defer s.Close()
	issueVoucher(t, s, "4", "ec-1")
	page := func() string {
		resp, err := http.Get(s.URL() + "/gmotest/status")
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	p := page()
	assert.Contains(t, p, `action="/gmotest/expire"`)
	assert.Contains(t, p, "pay by 2030-01-13 23:59:59 JST")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		method string
		order  string
		status int
	}{
		{http.MethodGet, "ec-1", http.StatusMethodNotAllowed},
		{http.MethodPost, "nope", http.StatusConflict},
		{http.MethodPost, "ec-1", http.StatusSeeOther},
		{http.MethodPost, "ec-1", http.StatusConflict}, // expired already
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, s.URL()+"/gmotest/expire", strings.NewReader(url.Values{"order": {tt.order}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := noRedirect.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tt.status, resp.StatusCode, "%s %s", tt.method, tt.order)
	}
	e, _ := s.Ledger("ec-1")
	assert.Equal(t, "EXPIRED", e.Status)
	assert.NotContains(t, page(), `action="/gmotest/expire"`, "no button once expired")
}
