package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt/golomttest"
)

// TestFlowsOverHTTP runs the demo with both simulators and plays the
// browser with plain HTTP requests (the simulators' customer helpers for
// their pages), so the whole wiring is tested where Chromium is missing.
func TestFlowsOverHTTP(t *testing.T) {
	a, err := start(context.Background(), testConfig(), nil)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	ctx := context.Background()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	post := func(t *testing.T, path string, form url.Values) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, a.ShopURL+path, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := noFollow.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	send := func(t *testing.T, req *http.Request) *http.Response {
		t.Helper()
		req.RequestURI = "" // built for handlers; we send it over the wire
		resp, err := noFollow.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	latest := func(t *testing.T) order {
		t.Helper()
		orders := a.Shop.orders.list()
		require.NotEmpty(t, orders)
		return orders[0]
	}
	payCard := func(t *testing.T, pan, capture string) *http.Response {
		t.Helper()
		tok, err := a.GMOSim.IssueToken(pan, "203012", "123", "TARO YAMADA")
		require.NoError(t, err)
		return post(t, "/pay/card", url.Values{"product": {"furoshiki"}, "token": {tok}, "capture": {capture}})
	}

	t.Run("GMO frictionless", func(t *testing.T) {
		resp := payCard(t, gmotest.CardApprove, "auto")
		o := latest(t)
		assert.Equal(t, "/orders/"+o.ID, resp.Header.Get("Location"))
		assert.Equal(t, payment.StatusCaptured, o.Payment.Status)
		e, _ := a.GMOSim.Ledger(o.ID)
		assert.Equal(t, 1, e.Charges)
	})
	t.Run("GMO decline", func(t *testing.T) {
		payCard(t, gmotest.CardInsufficientFunds, "auto")
		o := latest(t)
		assert.Equal(t, payment.StatusFailed, o.Payment.Status)
		e, _ := a.GMOSim.Ledger(o.ID)
		assert.Zero(t, e.Charges)
	})
	for _, tc := range []struct {
		name string
		pan  string
		pass bool
		want payment.Status
	}{
		{"GMO challenge passed", gmotest.CardChallenge, true, payment.StatusCaptured},
		{"GMO challenge failed by the customer", gmotest.CardChallenge, false, payment.StatusFailed},
		{"GMO challenge that always fails", gmotest.CardChallengeFail, true, payment.StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := payCard(t, tc.pan, "auto")
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			redirect := resp.Header.Get("Location")
			require.True(t, strings.HasPrefix(redirect, a.GMOSim.URL()), "to the challenge page: %s", redirect)
			back, err := a.GMOSim.ChallengeReturn(ctx, redirect, tc.pass)
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(back.URL.String(), a.ShopURL+"/return/"), back.URL.String())
			send(t, back)
			o := latest(t)
			assert.Equal(t, tc.want, o.Payment.Status)
			e, _ := a.GMOSim.Ledger(o.ID)
			if tc.want == payment.StatusCaptured {
				assert.Equal(t, 1, e.Charges)
			} else {
				assert.Zero(t, e.Charges)
			}
		})
	}
	t.Run("GMO outcome unknown is settled by inquiry, never resent", func(t *testing.T) {
		payCard(t, gmotest.CardOutcomeUnknown, "auto")
		o := latest(t)
		assert.Equal(t, payment.StatusCaptured, o.Payment.Status)
		e, _ := a.GMOSim.Ledger(o.ID)
		assert.Equal(t, 1, e.Charges)
	})
	for _, tc := range []struct {
		name string
		card golomttest.Card
		want payment.Status
	}{
		{"Golomt paid", golomttest.CardApproved, payment.StatusCaptured},
		{"Golomt expired card", golomttest.CardExpired, payment.StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := post(t, "/pay/hosted", url.Values{"product": {"furoshiki"}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			back, err := a.GolomtSim.PayInvoice(ctx, resp.Header.Get("Location"), tc.card)
			require.NoError(t, err)
			send(t, back)
			o := latest(t)
			assert.Equal(t, tc.want, o.Payment.Status)
			require.Eventually(t, func() bool {
				o, _ := a.Shop.orders.get(o.ID)
				return o.Notifications >= 1
			}, 10*time.Second, 10*time.Millisecond, "the push reached /notify/golomt")
		})
	}
}
