package golomt

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
)

func envelope(status int, kind, msg, path string) []byte {
	return []byte(`{"timestamp":"2020-06-02T10:51:56.359+0000","status":` + itoa(status) +
		`,"error":"` + kind + `","message":"` + msg + `","path":"` + path + `"}`)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestClassify is the code → kind table of the package documentation.
func TestClassify(t *testing.T) {
	html := []byte("<!DOCTYPE html><html><body><h1>403 Forbidden</h1></body></html>")
	tests := []struct {
		name        string
		a           answer
		moneyMoving bool
		kind        error // nil: not a failure
		code        string
		retrySafe   bool
	}{
		{"000 approved", answer{status: 200, result: true, code: "000"}, false, nil, "", false},
		{"null errorCode: not paid yet", answer{status: 200, result: true, code: ""}, false, nil, "", false},
		{"300 card expired", answer{status: 200, result: true, code: "300", desc: "Картын хугацаа дууссан"}, false, payment.ErrDeclined, "300", false},
		{"other code declined", answer{status: 200, result: true, code: "051"}, true, payment.ErrDeclined, "051", false},
		{"400 Validation", answer{status: 400, body: envelope(400, "Validation", "amount: invalid format", "/api/invoice")}, false, payment.ErrInvalidRequest, "Validation", false},
		{"400 duplicated", answer{status: 400, body: envelope(400, "Validation", "Transaction id is duplicated.", "/api/invoice")}, false, payment.ErrDuplicate, "Validation", false},
		{"400 Payment not found.", answer{status: 400, body: envelope(400, "Validation", "Payment not found.", "/api/check")}, false, payment.ErrNotFound, "Validation", false},
		{"400 NotFound", answer{status: 400, body: envelope(400, "NotFound", "", "/api/inquiry")}, false, payment.ErrNotFound, "NotFound", false},
		{"400 checksum refused: wrong key", answer{status: 400, body: envelope(400, "Validation", "Invalid checksum.", "/api/inquiry")}, false, payment.ErrAuthentication, "Validation", false},
		{"400 Forbidden", answer{status: 400, body: envelope(400, "Forbidden", "no", "/api/inquiry")}, false, payment.ErrAuthentication, "Forbidden", false},
		{"400 recorded excerpt without message", answer{status: 400, body: []byte(`{ "timestamp": "2020-06-02T10:51:56.359+0000", "status": 400, "error": "Validation" }`)}, false, payment.ErrInvalidRequest, "Validation", false},
		{"400 not JSON", answer{status: 400, body: []byte("bad")}, false, payment.ErrInvalidRequest, "", false},
		{"403 empty body", answer{status: 403}, false, payment.ErrAuthentication, "", false},
		{"401", answer{status: 401}, false, payment.ErrAuthentication, "", false},
		{"403 HTML allow-list", answer{status: 403, contentType: "text/html", body: html}, true, payment.ErrAuthentication, "", false},
		{"200 HTML proxy page", answer{status: 200, contentType: "text/html;charset=UTF-8", body: html}, false, payment.ErrUnavailable, "", true},
		{"200 HTML without content type, pay", answer{status: 200, body: []byte("\n  <html>")}, true, payment.ErrOutcomeUnknown, "", false},
		{"502 HTML proxy page", answer{status: 502, contentType: "text/html", body: html}, false, payment.ErrUnavailable, "", true},
		{"404 HTML page", answer{status: 404, contentType: "text/html", body: html}, false, payment.ErrAuthentication, "", false},
		{"302 HTML login redirect", answer{status: 302, contentType: "text/html", body: html}, true, payment.ErrAuthentication, "", false},
		{"404 wrong path", answer{status: 404, body: envelope(404, "NotFound", "No handler", "/api/x")}, false, payment.ErrAuthentication, "", false},
		{"302 login page", answer{status: 302}, false, payment.ErrAuthentication, "", false},
		{"429", answer{status: 429}, true, payment.ErrRateLimited, "", true},
		{"500 inquiry", answer{status: 500, body: envelope(500, "Internal", "Internal server error", "/api/inquiry")}, false, payment.ErrUnavailable, "", true},
		{"503 inquiry", answer{status: 503}, false, payment.ErrUnavailable, "", true},
		{"500 pay: outcome unknown", answer{status: 500, body: envelope(500, "Internal", "Internal server error", "/api/pay")}, true, payment.ErrOutcomeUnknown, "", false},
		{"200 unreadable pay", answer{status: 200, body: []byte(`{"amount":`)}, true, payment.ErrOutcomeUnknown, "", false},
		{"200 unreadable inquiry", answer{status: 200, body: []byte(`[]`)}, false, payment.ErrUnavailable, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := classify("op", tt.a, tt.moneyMoving)
			if tt.kind == nil {
				assert.Nil(t, e)
				return
			}
			require.NotNil(t, e)
			assert.ErrorIs(t, e, tt.kind)
			assert.Equal(t, tt.kind, payment.KindOf(e))
			assert.Equal(t, tt.code, e.GatewayCode)
			assert.Equal(t, tt.retrySafe, e.RetrySafe)
			assert.Equal(t, Name, e.Provider)
			assert.Contains(t, e.Error(), "payment: golomt: op: ")
		})
	}
}

func TestClassifyHTMLMessageIsActionable(t *testing.T) {
	e := classify("create", answer{status: 200, contentType: "text/html", body: []byte("<html></html>")}, false)
	require.NotNil(t, e)
	for _, w := range []string{"bearer token", "base URL", "allow-list"} {
		assert.Contains(t, e.Error(), w)
	}
}

func TestClassifyErrorsMatchOneKind(t *testing.T) {
	e := classify("pay", answer{status: 500}, true)
	var pe *payment.Error
	require.True(t, errors.As(e, &pe))
	assert.NotErrorIs(t, e, payment.ErrUnavailable)
	assert.ErrorIs(t, e, payment.ErrOutcomeUnknown)
}
