package golomttest_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/payment/golomt/golomttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaultsOnPay injects each fault into the money-moving /api/pay and
// checks both what the client sees and whether money moved.
func TestFaultsOnPay(t *testing.T) {
	tests := []struct {
		name        string
		fault       golomttest.Fault
		wantErr     bool // transport error (connection dropped)
		wantStatus  int
		wantCT      string
		wantBody    string // substring; "" with wantEmpty
		wantEmpty   bool
		wantCharged bool
	}{
		{name: "drop before", fault: golomttest.Fault{Kind: golomttest.FaultDropBeforeProcess}, wantErr: true},
		{name: "drop after", fault: golomttest.Fault{Kind: golomttest.FaultDropAfterProcess}, wantErr: true, wantCharged: true},
		{name: "500", fault: golomttest.Fault{Kind: golomttest.FaultServerError}, wantStatus: 500,
			wantCT: "application/json", wantBody: `"error":"Internal"`},
		{name: "503", fault: golomttest.Fault{Kind: golomttest.FaultServerError, Code: "503"}, wantStatus: 503,
			wantCT: "application/json", wantBody: `"status":503`},
		{name: "500 after process", fault: golomttest.Fault{Kind: golomttest.FaultServerErrorAfterProcess}, wantStatus: 500,
			wantCT: "application/json", wantBody: `"path":"/api/pay"`, wantCharged: true},
		{name: "gateway unknown", fault: golomttest.Fault{Kind: golomttest.FaultGatewayUnknown}, wantStatus: 500,
			wantCT: "application/json", wantBody: `"error":"Internal"`, wantCharged: true},
		{name: "html 200", fault: golomttest.Fault{Kind: golomttest.FaultHTML}, wantStatus: 200,
			wantCT: "text/html;charset=UTF-8", wantBody: "<html>"},
		{name: "html 403", fault: golomttest.Fault{Kind: golomttest.FaultHTML, Code: "403"}, wantStatus: 403,
			wantCT: "text/html;charset=UTF-8", wantBody: "403 Forbidden"},
		{name: "forbidden", fault: golomttest.Fault{Kind: golomttest.FaultForbidden}, wantStatus: 403, wantEmpty: true},
		{name: "delay", fault: golomttest.Fault{Kind: golomttest.FaultDelay, Delay: 30 * time.Millisecond}, wantStatus: 200,
			wantCT: "application/json", wantBody: `"errorCode":"000"`, wantCharged: true},
	}
	srv := golomttest.NewServer()
	defer srv.Close()
	tok := srv.SaveCard(golomttest.CardApproved)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "F" + string(rune('A'+i))
			srv.InjectFault(golomttest.APIPay, tt.fault)
			before := srv.Requests()
			body := `{"amount":"10","transactionId":"` + id + `","token":"` + tok + `","lang":"EN","checksum":"` + srv.Sign("10", id, tok) + `"}`
			req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/api/pay", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+srv.BearerToken())
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Type", "application/json")
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if tt.wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
				b, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				assert.Equal(t, tt.wantStatus, resp.StatusCode)
				if tt.wantEmpty {
					assert.Empty(t, b)
				} else {
					assert.Equal(t, tt.wantCT, resp.Header.Get("Content-Type"))
					assert.Contains(t, string(b), tt.wantBody)
				}
			}
			if tt.fault.Kind == golomttest.FaultDelay {
				assert.GreaterOrEqual(t, time.Since(start), tt.fault.Delay)
			}
			assert.Equal(t, before+1, srv.Requests())
			e, found := srv.Ledger(id)
			if tt.wantCharged {
				require.True(t, found)
				assert.Equal(t, 1, e.Charges)
				// the merchant resolves the unknown outcome with /api/check
				code, resp := call(t, srv, "/api/check", map[string]string{"transactionId": id, "checksum": srv.Sign(id, id)})
				require.Equal(t, http.StatusOK, code)
				assert.Equal(t, "000", str(decode(t, resp), "errorCode"))
			} else {
				assert.False(t, found, "nothing processed")
			}
			// the fault was used up
			code, _ := pay(t, srv, id+"x", "10", tok)
			assert.Equal(t, http.StatusOK, code)
		})
	}
}

func TestFaultTimesAndScope(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	invoice(t, srv, "FT1", "10", "GET", "https://shop.example/cb", "N")
	srv.InjectFault(golomttest.APIInquiry, golomttest.Fault{Kind: golomttest.FaultServerError, Times: 2})
	code, _ := call(t, srv, "/api/invoice", map[string]string{"amount": "1", "callback": "https://a.example", "genToken": "N",
		"returnType": "GET", "transactionId": "FT2", "checksum": srv.Sign("FT2", "1", "GET", "https://a.example")})
	assert.Equal(t, http.StatusOK, code, "other APIs unaffected")
	for _, want := range []int{500, 500, 200} {
		code, _, _ := inquiry(t, srv, "FT1")
		assert.Equal(t, want, code)
	}
}

func TestDelayedRequestStillProcessedAfterClientTimeout(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	tok := srv.SaveCard(golomttest.CardApproved)
	srv.InjectFault(golomttest.APIPay, golomttest.Fault{Kind: golomttest.FaultDelay, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	body := `{"amount":"10","transactionId":"DL1","token":"` + tok + `","lang":"EN","checksum":"` + srv.Sign("10", "DL1", tok) + `"}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/api/pay", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+srv.BearerToken())
	req.Header.Set("Content-Type", "application/json")
	_, err := http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Eventually(t, func() bool {
		e, ok := srv.Ledger("DL1")
		return ok && e.Charges == 1
	}, 5*time.Second, time.Millisecond, "the bank processed what it received")
}

func TestPageFaultDropAfterProcess(t *testing.T) {
	shop := &merchant{}
	ms := httptest.NewServer(shop)
	defer ms.Close()
	srv := golomttest.NewServer(golomttest.WithNotifyURL(ms.URL))
	defer srv.Close()
	inv := invoice(t, srv, "PF1", "10", "GET", "https://shop.example/cb", "N")
	srv.InjectFault(golomttest.APIPage, golomttest.Fault{Kind: golomttest.FaultDropAfterProcess})
	_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), golomttest.CardApproved)
	require.Error(t, err, "the browser never reaches the callback")
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout())
	waitPushes(t, srv)
	assert.Len(t, shop.received(), 1, "but the push tells the merchant")
	_, m, _ := inquiry(t, srv, "PF1")
	assert.Equal(t, "000", m["errorCode"])
}

func TestHandlerModeDropFault(t *testing.T) {
	sim := golomttest.NewHandler()
	defer sim.Close()
	sim.SetBaseURL("http://sim.invalid")
	rec := httptest.NewRecorder()
	// invoice through the handler directly
	body := `{"amount":"10","callback":"https://shop.example/cb","genToken":"N","returnType":"GET","transactionId":"HM1","checksum":"` +
		sim.Sign("HM1", "10", "GET", "https://shop.example/cb") + `"}`
	req := httptest.NewRequest(http.MethodPost, "/api/invoice", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+sim.BearerToken())
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	sim.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	inv, ok := sim.InvoiceOf("HM1")
	require.True(t, ok)
	sim.InjectFault(golomttest.APIPage, golomttest.Fault{Kind: golomttest.FaultDropAfterProcess})
	_, err := sim.PayInvoice(context.Background(), sim.PageURL(inv, "en"), golomttest.CardApproved)
	require.Error(t, err)
	e, _ := sim.Ledger("HM1")
	assert.Equal(t, 1, e.Charges)
}

func TestFaultFunc(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := golomttest.NewServer(golomttest.WithFaultFunc(func(api string) golomttest.Fault {
		mu.Lock()
		defer mu.Unlock()
		seen[api]++
		if api == golomttest.APIInquiry && seen[api]%2 == 1 {
			return golomttest.Fault{Kind: golomttest.FaultServerError}
		}
		return golomttest.Fault{}
	}))
	defer srv.Close()
	invoice(t, srv, "FF1", "10", "GET", "https://shop.example/cb", "N")
	for _, want := range []int{500, 200, 500, 200} {
		code, _, _ := inquiry(t, srv, "FF1")
		assert.Equal(t, want, code)
	}
	// a queued fault wins over the func
	srv.InjectFault(golomttest.APIInquiry, golomttest.Fault{Kind: golomttest.FaultForbidden})
	code, body := call(t, srv, "/api/inquiry", map[string]string{"transactionId": "FF1", "checksum": srv.Sign("FF1", "FF1")})
	assert.Equal(t, http.StatusForbidden, code)
	assert.Empty(t, body)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]int{golomttest.APIInvoice: 1, golomttest.APIInquiry: 4}, seen)
}
