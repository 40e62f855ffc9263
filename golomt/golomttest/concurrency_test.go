package golomttest_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/kessai/payment/golomt/golomttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConcurrentCustomers(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("CC%02d", i)
			card := golomttest.CardApproved
			if i%3 == 0 {
				card = golomttest.CardDeclined
			}
			inv, err := createInvoice(srv, id, "100", "https://shop.example/cb", "Y")
			if err != nil {
				errs <- err
				return
			}
			r, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "en"), card)
			if err != nil {
				errs <- err
				return
			}
			if r.URL.Query().Get("invoice") != id {
				errs <- fmt.Errorf("callback for %s carried %q", id, r.URL.Query().Get("invoice"))
			}
			code, body, err := rawCall(srv, "/api/inquiry", map[string]string{"transactionId": id, "checksum": srv.Sign(id, id)},
				"Bearer "+srv.BearerToken())
			if err != nil || code != http.StatusOK {
				errs <- fmt.Errorf("inquiry %s: %d %s %v", id, code, body, err)
			}
			_ = srv.Ledgers()
			srv.InjectFault(golomttest.APISettlement, golomttest.Fault{Kind: golomttest.FaultDelay})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	charged := 0
	for _, e := range srv.Ledgers() {
		charged += e.Charges
		assert.LessOrEqual(t, e.Charges, 1)
	}
	assert.Equal(t, n-n/3, charged)
}

// TestConcurrentDoubleSubmit: a customer who clicks Pay many times at once
// is charged once, and exactly one submission is sent to the callback.
func TestConcurrentDoubleSubmit(t *testing.T) {
	shop := &merchant{}
	srvNotify := newMerchantServer(t, shop)
	srv := golomttest.NewServer(golomttest.WithNotifyURL(srvNotify))
	defer srv.Close()
	inv := invoice(t, srv, "DS1", "100", "GET", "https://shop.example/cb", "Y")
	_, page := getPage(t, srv.PageURL(inv, "en"))
	action, vals := form(t, page, "card-form")
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	redirects := 0
	for range n {
		wg.Go(func() {
			v := make(map[string][]string, len(vals))
			for k, x := range vals {
				v[k] = append([]string(nil), x...)
			}
			resp, _, err := rawSubmit(srv.URL(), action, v, golomttest.CardApproved)
			if !assert.NoError(t, err) {
				return
			}
			if resp.StatusCode == http.StatusFound {
				mu.Lock()
				redirects++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	waitPushes(t, srv)
	assert.Equal(t, 1, redirects)
	e, _ := srv.Ledger("DS1")
	assert.Equal(t, 1, e.Charges)
	assert.Len(t, shop.received(), 1, "one push")
}

func TestConcurrentPaySameID(t *testing.T) {
	srv := golomttest.NewServer()
	defer srv.Close()
	tok := srv.SaveCard(golomttest.CardApproved)
	const n = 16
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for range n {
		wg.Go(func() {
			code, body, err := rawCall(srv, "/api/pay", map[string]string{"amount": "100", "transactionId": "SAME",
				"token": tok, "lang": "MN", "checksum": srv.Sign("100", "SAME", tok)}, "Bearer "+srv.BearerToken())
			assert.NoError(t, err, string(body))
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	ok := 0
	for c := range codes {
		if c == http.StatusOK {
			ok++
		} else {
			assert.Equal(t, http.StatusBadRequest, c)
		}
	}
	assert.Equal(t, 1, ok)
	e, _ := srv.Ledger("SAME")
	assert.Equal(t, 1, e.Charges)
}

func newMerchantServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ms := httptestServer(h)
	t.Cleanup(ms.Close)
	require.NotEmpty(t, ms.URL)
	return ms.URL
}
