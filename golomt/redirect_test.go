package golomt_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/golomt"
)

func TestParseRedirect(t *testing.T) {
	form := func(body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "https://shop.example/return", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	get := func(q string) *http.Request {
		return httptest.NewRequest(http.MethodGet, "https://shop.example/return?"+q, nil)
	}
	tests := []struct {
		name    string
		req     *http.Request
		want    golomt.Redirect
		wantErr bool
	}{
		{"GET", get("invoice=test000001&status_code=000&desc=%D0%90%D0%BC%D0%B6%D0%B8%D0%BB%D1%82%D1%82%D0%B0%D0%B9"),
			golomt.Redirect{TransactionID: "test000001", StatusCode: "000", Description: "Амжилттай"}, false},
		{"POST form", form("invoice=GB123456&status_code=300&desc=expired"),
			golomt.Redirect{TransactionID: "GB123456", StatusCode: "300", Description: "expired"}, false},
		{"callback with its own query", get("order=7&invoice=A1&status_code=000&desc=ok"),
			golomt.Redirect{TransactionID: "A1", StatusCode: "000", Description: "ok"}, false},
		{"same invoice twice", get("invoice=A1&invoice=A1&status_code=000"),
			golomt.Redirect{TransactionID: "A1", StatusCode: "000"}, false},
		{"POST with query and form agreeing", func() *http.Request {
			r := form("invoice=A1&status_code=000")
			r.URL.RawQuery = "invoice=A1"
			return r
		}(), golomt.Redirect{TransactionID: "A1", StatusCode: "000"}, false},
		{"no invoice", get("status_code=000"), golomt.Redirect{}, true},
		{"conflicting invoice", get("invoice=A1&invoice=B2"), golomt.Redirect{}, true},
		{"bad invoice characters", get("invoice=A1%3Cscript%3E"), golomt.Redirect{}, true},
		{"invoice too long", get("invoice=" + strings.Repeat("a", 257)), golomt.Redirect{}, true},
		{"status_code with symbols", get("invoice=A1&status_code=0;0"), golomt.Redirect{}, true},
		{"desc with control characters", get("invoice=A1&desc=a%0Ab"), golomt.Redirect{}, true},
		{"desc not UTF-8", get("invoice=A1&desc=%FF"), golomt.Redirect{}, true},
		{"malformed query", get("invoice=%zz"), golomt.Redirect{}, true},
		{"JSON body", func() *http.Request {
			r := form(`{"invoice":"A1"}`)
			r.Header.Set("Content-Type", "application/json")
			return r
		}(), golomt.Redirect{}, true},
		{"body too large", form("invoice=A1&desc=" + strings.Repeat("a", golomt.MaxRedirectBody)), golomt.Redirect{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := golomt.ParseRedirect(tt.req)
			if tt.wantErr {
				assert.ErrorIs(t, err, payment.ErrInvalidRequest)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseRedirectDeclaredTooLargeIsNotRead(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/return", &failingReader{})
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.ContentLength = golomt.MaxRedirectBody + 1
	_, err := golomt.ParseRedirect(r)
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)
}
