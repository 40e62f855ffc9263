package golomttest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kessai/payment/golomt/golomttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// merchant records pushes and answers the scripted statuses (then 200).
type merchant struct {
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	methods []string
	script  []int
}

func (m *merchant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	m.bodies = append(m.bodies, b)
	m.headers = append(m.headers, r.Header.Clone())
	m.methods = append(m.methods, r.Method)
	code := http.StatusOK
	if len(m.script) > 0 {
		code, m.script = m.script[0], m.script[1:]
	}
	m.mu.Unlock()
	w.WriteHeader(code)
}

func (m *merchant) received() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]byte(nil), m.bodies...)
}

func waitPushes(t *testing.T, srv *golomttest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitPushes(ctx))
}

func TestPushDelivered(t *testing.T) {
	tests := []struct {
		name      string
		card      golomttest.Card
		genToken  string
		code      string
		wantToken bool
	}{
		{"approved with token", golomttest.CardApproved, "Y", "000", true},
		{"approved without token", golomttest.CardApproved, "N", "000", false},
		{"expired card", golomttest.CardExpired, "Y", "300", false},
		{"declined", golomttest.CardDeclined, "Y", "005", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := &merchant{}
			ms := httptest.NewServer(shop)
			defer ms.Close()
			srv := golomttest.NewServer(golomttest.WithNotifyURL(ms.URL + "/golomt/notify"))
			defer srv.Close()
			inv := invoice(t, srv, "PU1", "1", "GET", "https://shop.example/cb", tt.genToken)
			_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), tt.card)
			require.NoError(t, err)
			waitPushes(t, srv)

			got := shop.received()
			require.Len(t, got, 1)
			assert.Equal(t, http.MethodPost, shop.methods[0])
			assert.Equal(t, "application/json", shop.headers[0].Get("Content-Type"))
			var m map[string]any
			require.NoError(t, json.Unmarshal(got[0], &m))
			assert.NotContains(t, m, "status")
			assert.Equal(t, "1", m["amount"])
			assert.Equal(t, golomttest.BankName, m["bank"])
			assert.Equal(t, tt.code, m["errorCode"])
			assert.Equal(t, "PU1", m["transactionId"])
			assert.Equal(t, "949625******"+tt.card.Number[12:], m["cardNumber"])
			assert.Equal(t, tt.card.Holder, m["cardHolder"])
			tok := str(m, "token")
			if tt.wantToken {
				assert.Len(t, tok, 64)
			} else {
				assert.NotContains(t, m, "token")
			}
			assert.Equal(t, srv.Sign("PU1", tt.code, "1", tok), m["checksum"])

			// NextNotification carries the same bytes, every time.
			for range 2 {
				r, err := srv.NextNotification("PU1")
				require.NoError(t, err)
				assert.Equal(t, ms.URL+"/golomt/notify", r.URL.String())
				assert.Equal(t, http.MethodPost, r.Method)
				b, _ := io.ReadAll(r.Body)
				assert.Equal(t, got[0], b)
			}
			d := srv.Deliveries("PU1")
			require.Len(t, d, 1)
			assert.Equal(t, http.StatusOK, d[0].StatusCode)
		})
	}
}

func TestPushRetries(t *testing.T) {
	tests := []struct {
		name     string
		script   []int
		attempts int
		want     []int
	}{
		{"ok first time", nil, 3, []int{200}},
		{"two failures then ok", []int{500, 404}, 3, []int{500, 404, 200}},
		{"201 is not 200", []int{201, 503, 500}, 3, []int{201, 503, 500}},
		{"gives up after attempts", []int{500, 500, 500, 500, 500}, 2, []int{500, 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := &merchant{script: tt.script}
			ms := httptest.NewServer(shop)
			defer ms.Close()
			srv := golomttest.NewServer(golomttest.WithNotifyURL(ms.URL),
				golomttest.WithNotifyRetry(5*time.Millisecond, tt.attempts))
			defer srv.Close()
			inv := invoice(t, srv, "RT1", "1", "GET", "https://shop.example/cb", "N")
			_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), golomttest.CardApproved)
			require.NoError(t, err)
			waitPushes(t, srv)
			var codes []int
			for i, d := range srv.Deliveries("RT1") {
				assert.Equal(t, i+1, d.Attempt)
				codes = append(codes, d.StatusCode)
			}
			assert.Equal(t, tt.want, codes)
			got := shop.received()
			require.Len(t, got, len(tt.want))
			for _, b := range got[1:] {
				assert.Equal(t, got[0], b, "a retry resends the same bytes")
			}
		})
	}
	t.Run("unreachable merchant", func(t *testing.T) {
		ms := httptest.NewServer(http.NotFoundHandler())
		u := ms.URL
		ms.Close()
		srv := golomttest.NewServer(golomttest.WithNotifyURL(u), golomttest.WithNotifyRetry(time.Millisecond, 2))
		defer srv.Close()
		inv := invoice(t, srv, "RT2", "1", "GET", "https://shop.example/cb", "N")
		_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), golomttest.CardApproved)
		require.NoError(t, err)
		waitPushes(t, srv)
		d := srv.Deliveries("RT2")
		require.Len(t, d, 2)
		assert.Zero(t, d[0].StatusCode)
		assert.NotEmpty(t, d[0].Err)
	})
}

func TestCloseStopsPushRetries(t *testing.T) {
	shop := &merchant{script: []int{500, 500, 500}}
	ms := httptest.NewServer(shop)
	defer ms.Close()
	srv := golomttest.NewServer(golomttest.WithNotifyURL(ms.URL), golomttest.WithNotifyRetry(time.Hour, 3))
	inv := invoice(t, srv, "CL1", "1", "GET", "https://shop.example/cb", "N")
	_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), golomttest.CardApproved)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(srv.Deliveries("CL1")) == 1 }, 5*time.Second, time.Millisecond)
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the retry loop")
	}
	assert.Len(t, shop.received(), 1)
}

func TestNextNotificationWithoutResult(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	_, err := srv.NextNotification("none")
	assert.ErrorIs(t, err, golomttest.ErrNoNotification)
	inv := invoice(t, srv, "NN1", "7", "GET", "https://shop.example/cb", "N")
	_, err = srv.NextNotification("NN1")
	assert.ErrorIs(t, err, golomttest.ErrNoNotification)
	_, err = srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), golomttest.CardApproved)
	require.NoError(t, err)
	r, err := srv.NextNotification("NN1")
	require.NoError(t, err)
	assert.Equal(t, golomttest.DefaultNotifyURLForTests, r.URL.String())
	assert.Empty(t, srv.Deliveries("NN1"), "no notify URL, nothing delivered")
}
