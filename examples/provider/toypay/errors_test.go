package toypay

import (
	"errors"
	"net/http"
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClassify covers the whole error mapping (the kinds table and the
// answers that are not ToyPay JSON).
func TestClassify(t *testing.T) {
	p, err := New(Config{APIKey: payment.NewSecret("k"), WebhookSecret: payment.NewSecret("s")})
	require.NoError(t, err)
	const pay = `"id":"pay_ab","order_id":"o","status":"failed","amount":"1000","currency":"JPY","captured":"0","refunded":"0"`
	tests := []struct {
		name      string
		moves     bool
		code      int
		body      string
		kind      error
		retrySafe bool // a call that moves no money is always safe to resend
		gateway   string
		payment   bool
	}{
		{"invalid request", true, 400, `{"error":{"code":"invalid_request"}}`, payment.ErrInvalidRequest, false, "invalid_request", false},
		{"unauthorized", false, 401, `{"error":{"code":"unauthorized"}}`, payment.ErrAuthentication, true, "unauthorized", false},
		{"declined keeps code and payment", true, 402, `{"error":{"code":"card_declined","decline_code":"insufficient_funds"},"payment":{` + pay + `}}`, payment.ErrDeclined, false, "insufficient_funds", true},
		{"not found", false, 404, `{"error":{"code":"not_found"}}`, payment.ErrNotFound, true, "not_found", false},
		{"duplicate order", false, 409, `{"error":{"code":"duplicate_order"}}`, payment.ErrDuplicate, true, "duplicate_order", false},
		{"invalid state", true, 409, `{"error":{"code":"invalid_state"}}`, payment.ErrInvalidRequest, false, "invalid_state", false},
		{"rate limited", true, 429, `{"error":{"code":"rate_limited"}}`, payment.ErrRateLimited, true, "rate_limited", false},
		{"outcome unknown", true, 500, `{"error":{"code":"outcome_unknown"}}`, payment.ErrOutcomeUnknown, false, "outcome_unknown", false},
		{"unavailable applied nothing", true, 503, `{"error":{"code":"unavailable"}}`, payment.ErrUnavailable, true, "unavailable", false},
		{"unknown code moving money", true, 418, `{"error":{"code":"teapot"}}`, payment.ErrOutcomeUnknown, false, "teapot", false},
		{"html moving money", true, 200, `<html>502</html>`, payment.ErrOutcomeUnknown, false, "", false},
		{"html not moving money", false, 200, `<html>502</html>`, payment.ErrUnavailable, true, "", false},
		{"bare 502 moving money", true, 502, `{}`, payment.ErrOutcomeUnknown, false, "", false},
		{"unreadable payment moving money", true, 200, `{"id":"pay_ab","status":"teleported"}`, payment.ErrOutcomeUnknown, false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.classify("op", tt.moves, &provider.Response{StatusCode: tt.code, Header: http.Header{}, Body: []byte(tt.body)})
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.kind)
			var pe *payment.Error
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tt.retrySafe, pe.RetrySafe, "RetrySafe")
			assert.Equal(t, tt.gateway, pe.GatewayCode, "GatewayCode")
			assert.Equal(t, tt.payment, got != nil, "payment returned")
		})
	}
}

func TestClassifySuccess(t *testing.T) {
	p, err := New(Config{APIKey: payment.NewSecret("k"), WebhookSecret: payment.NewSecret("s")})
	require.NoError(t, err)
	got, err := p.classify("op", true, &provider.Response{StatusCode: 200, Body: []byte(
		`{"id":"pay_ab","order_id":"o","status":"partially_refunded","amount":"10.00","currency":"USD","captured":"10.00","refunded":"2.50"}`)})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusPartiallyRefunded, got.Status)
	assert.True(t, got.Refunded.Equal(payment.MustParseMoney("2.50", "USD")))
	assert.Equal(t, payment.PaymentRef("toypay:pay_ab"), got.Ref)
}
