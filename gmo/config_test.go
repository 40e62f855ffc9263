package gmo

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
)

func TestOpenHosts(t *testing.T) {
	t.Setenv(EnvShopPass, "")
	t.Setenv(EnvBaseURL, "")
	tests := []struct {
		raw, base string
		td        string
	}{
		{"gmo://tshop00000001:pw@pt01.mul-pay.jp", "https://pt01.mul-pay.jp", "2"},
		{"gmo://tshop00000001:pw@p01.mul-pay.jp?td_flag=0", "https://p01.mul-pay.jp", "0"},
		{"gmo://tshop00000001:pw@kt01.mul-pay.jp", "https://kt01.mul-pay.jp", "2"},
		{"gmo://tshop00000001:pw@pt01.mul-pay.jp?base_url=http://127.0.0.1:8081/", "http://127.0.0.1:8081", "2"},
		{"gmo://tshop00000001:pw@?base_url=http://127.0.0.1:8081", "http://127.0.0.1:8081", "2"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := url.Parse(tt.raw)
			require.NoError(t, err)
			pr, err := open(context.Background(), u)
			require.NoError(t, err)
			p := pr.(*Provider)
			assert.Equal(t, tt.base, p.base)
			assert.Equal(t, tt.td, p.tdFlag)
			assert.Equal(t, tt.base+"/payment/ExecTran.idPass", p.url("ExecTran"))
		})
	}
	t.Run("GMO_BASE_URL", func(t *testing.T) {
		t.Setenv(EnvBaseURL, "http://127.0.0.1:9999")
		u, _ := url.Parse("gmo://tshop00000001:pw@")
		pr, err := open(context.Background(), u)
		require.NoError(t, err)
		assert.Equal(t, "http://127.0.0.1:9999", pr.(*Provider).base)
	})
	t.Run("bad options", func(t *testing.T) {
		for _, raw := range []string{
			"gmo://tshop00000001:pw@pt01.mul-pay.jp?cache_size=x",
			"gmo://tshop00000001:pw@pt01.mul-pay.jp?skip_notification_verification=maybe",
			"gmo://tshop00000001:pw@pt01.mul-pay.jp?td_flag=7",
			"gmo://tshop00000001:pw@pt01.mul-pay.jp?base_url=ftp://x",
		} {
			u, _ := url.Parse(raw)
			_, err := open(context.Background(), u)
			assert.ErrorIs(t, err, payment.ErrInvalidRequest, raw)
			assert.NotContains(t, err.Error(), ":pw@")
		}
	})
	t.Run("option beats config", func(t *testing.T) {
		p, err := New(Config{ShopID: "tshop00000001", ShopPass: payment.NewSecret("pw"), BaseURL: "http://a.example"}, provider.WithBaseURL("http://b.example"))
		require.NoError(t, err)
		assert.Equal(t, "http://b.example", p.base)
	})
}
