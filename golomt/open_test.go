package golomt_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
)

func TestOpen(t *testing.T) {
	sim := golomttest.NewServer()
	defer sim.Close()
	ctx := context.Background()
	q := url.Values{"base_url": {sim.URL()}, "lang": {"en"}, "return_type": {"POST"}}

	t.Run("secrets in the URL", func(t *testing.T) {
		u := url.URL{Scheme: "golomt", User: url.UserPassword(sim.BearerToken(), sim.Secret()), RawQuery: q.Encode()}
		p, err := payment.Open(ctx, u.String())
		require.NoError(t, err)
		assert.Equal(t, "golomt", p.Name())
		created, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "OPEN1", Amount: payment.MustParseMoney("1", "MNT"), ReturnURL: "https://shop.example/r"})
		require.NoError(t, err)
		assert.Contains(t, created.NextAction.URL, sim.URL()+"/payment/en/")
		e, _ := sim.Ledger("OPEN1")
		assert.Equal(t, "POST", e.ReturnType)
	})
	t.Run("secrets from the environment", func(t *testing.T) {
		t.Setenv(golomt.EnvBearerToken, sim.BearerToken())
		t.Setenv(golomt.EnvChecksumKey, sim.Secret())
		p, err := payment.Open(ctx, "golomt://?"+q.Encode())
		require.NoError(t, err)
		_, err = p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "OPEN2", Amount: payment.MustParseMoney("1", "MNT"), ReturnURL: "https://shop.example/r"})
		require.NoError(t, err)
	})
	t.Run("errors", func(t *testing.T) {
		t.Setenv(golomt.EnvBearerToken, "")
		t.Setenv(golomt.EnvChecksumKey, "")
		for _, raw := range []string{
			"golomt://",                              // no secrets
			"golomt://tok@?lang=en",                  // no key
			"golomt://tok:key@?lang=fr",              // bad language
			"golomt://tok:key@?color=red",            // unknown parameter
			"golomt://tok:key@?base_url=ftp://x",     // bad base URL
			"golomt://tok:key@?gen_token=maybe",      // bad bool
			"golomt://tok:key@?invoice_lifetime=-1m", // bad duration
		} {
			_, err := payment.Open(ctx, raw)
			assert.ErrorIs(t, err, payment.ErrInvalidRequest, raw)
			if err != nil {
				assert.NotContains(t, err.Error(), "key@", raw)
			}
		}
	})
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name  string
		cfg   golomt.Config
		field string
	}{
		{"no token", golomt.Config{ChecksumKey: payment.NewSecret("k")}, "BearerToken"},
		{"no key", golomt.Config{BearerToken: payment.NewSecret("t")}, "ChecksumKey"},
		{"language", golomt.Config{BearerToken: payment.NewSecret("t"), ChecksumKey: payment.NewSecret("k"), Language: "ja"}, "Language"},
		{"return type", golomt.Config{BearerToken: payment.NewSecret("t"), ChecksumKey: payment.NewSecret("k"), ReturnType: "MOBILE"}, "ReturnType"},
		{"base URL with credentials", golomt.Config{BearerToken: payment.NewSecret("t"), ChecksumKey: payment.NewSecret("k"), BaseURL: "https://u:secretpw@x"}, "BaseURL"},
		{"relative base URL", golomt.Config{BearerToken: payment.NewSecret("t"), ChecksumKey: payment.NewSecret("k"), BaseURL: "/api"}, "BaseURL"},
		{"negative lifetime", golomt.Config{BearerToken: payment.NewSecret("t"), ChecksumKey: payment.NewSecret("k"), InvoiceLifetime: -1}, "InvoiceLifetime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := golomt.New(tt.cfg)
			require.Error(t, err)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.NotContains(t, err.Error(), "secretpw")
		})
	}
	p, err := golomt.New(golomt.Config{BearerToken: payment.NewSecret("bearer-secret-value"), ChecksumKey: payment.NewSecret("hmac-secret-value")})
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		s := fmt.Sprintf(verb, p)
		assert.NotContains(t, s, "bearer-secret-value", verb)
		assert.NotContains(t, s, "hmac-secret-value", verb)
	}
}

// TestSecretsNeverPrinted: the config prints its secrets redacted.
func TestSecretsNeverPrinted(t *testing.T) {
	c := golomt.Config{BearerToken: payment.NewSecret("bearer-secret-value"), ChecksumKey: payment.NewSecret("hmac-secret-value")}
	for _, s := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		assert.NotContains(t, s, "bearer-secret-value")
		assert.NotContains(t, s, "hmac-secret-value")
	}
}
