package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt/golomttest"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c config)
		wantErr string
		secret  string // must not appear in the error
	}{
		{name: "defaults run both simulators", check: func(t *testing.T, c config) {
			assert.Equal(t, "127.0.0.1:8080", c.Addr)
			gmo, golomt := c.simulated()
			assert.True(t, gmo)
			assert.True(t, golomt)
			assert.Equal(t, DefaultGMOTokenJS, c.GMOTokenJS)
			assert.Equal(t, golomttest.DefaultInvoiceLifetime, c.GolomtInvoiceLifetime)
		}},
		{name: "flags", args: []string{"-addr", "127.0.0.1:0", "-public-url", "https://shop.example", "-quiet", "-golomt-invoice-lifetime", "1m"},
			check: func(t *testing.T, c config) {
				assert.Equal(t, "127.0.0.1:0", c.Addr)
				assert.Equal(t, "https://shop.example", c.PublicURL)
				assert.True(t, c.Quiet)
				assert.Equal(t, time.Minute, c.GolomtInvoiceLifetime)
			}},
		{name: "gateway URLs from the environment",
			env: map[string]string{envGMO: "gmo://tshop00000001:pw@pt01.mul-pay.jp", envGolomt: "golomt://tok:key@ecommerce.golomtbank.com", envAddr: ":9000"},
			check: func(t *testing.T, c config) {
				assert.Equal(t, "gmo://tshop00000001:pw@pt01.mul-pay.jp", c.GMOURL)
				assert.Equal(t, "golomt://tok:key@ecommerce.golomtbank.com", c.GolomtURL)
				assert.Equal(t, ":9000", c.Addr)
				gmo, golomt := c.simulated()
				assert.False(t, gmo)
				assert.False(t, golomt)
			}},
		{name: "flag beats environment", args: []string{"-addr", ":9001"}, env: map[string]string{envAddr: ":9000"},
			check: func(t *testing.T, c config) { assert.Equal(t, ":9001", c.Addr) }},
		{name: "wrong scheme for -gmo, without echoing the password", args: []string{"-gmo", "https://tshop:S3CRETPW@pt01.mul-pay.jp"},
			wantErr: "-gmo must be a gmo:// URL", secret: "S3CRETPW"},
		{name: "wrong scheme for -golomt", args: []string{"-golomt", "gmo://x:S3CRETKEY@h"}, wantErr: "-golomt must be a golomt:// URL", secret: "S3CRETKEY"},
		{name: "token.js must be https", args: []string{"-gmo", "gmo://a:b@pt01.mul-pay.jp", "-gmo-token-js", "http://evil.example/token.js"}, wantErr: "-gmo-token-js must be an https URL"},
		{name: "token.js over http on loopback (paysim)", args: []string{"-gmo", "gmo://a:b@?base_url=http://127.0.0.1:8081", "-gmo-token-js", "http://127.0.0.1:8081/ext/js/token.js"},
			check: func(t *testing.T, c config) { assert.Equal(t, "http://127.0.0.1:8081/ext/js/token.js", c.GMOTokenJS) }},
		{name: "relative public URL", args: []string{"-public-url", "shop.example"}, wantErr: "-public-url must be an absolute"},
		{name: "negative lifetime", args: []string{"-golomt-invoice-lifetime", "-1m"}, wantErr: "negative"},
		{name: "stray argument", args: []string{"serve"}, wantErr: `unexpected argument "serve"`},
		{name: "unknown flag", args: []string{"-port", "8080"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				if tt.secret != "" {
					assert.NotContains(t, err.Error(), tt.secret)
				}
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func testConfig() config {
	return config{Addr: "127.0.0.1:0", GMOSimAddr: "127.0.0.1:0", GolomtSimAddr: "127.0.0.1:0",
		GolomtInvoiceLifetime: golomttest.DefaultInvoiceLifetime, GMOTokenJS: DefaultGMOTokenJS, Quiet: true}
}

func TestStartPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	for _, tc := range []struct{ name, what string }{{"shop", "shop"}, {"gmo", "GMO simulator"}, {"golomt", "Golomt simulator"}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			switch tc.name {
			case "shop":
				cfg.Addr = ln.Addr().String()
			case "gmo":
				cfg.GMOSimAddr = ln.Addr().String()
			case "golomt":
				cfg.GolomtSimAddr = ln.Addr().String()
			}
			_, err := start(context.Background(), cfg, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "cannot start the "+tc.what)
			assert.Contains(t, err.Error(), ln.Addr().String()+" is already in use")
			assert.Contains(t, err.Error(), "127.0.0.1:0")
		})
	}
}

// TestRunPrintsURL runs the demo as main does and opens the URL it prints.
func TestRunPrintsURL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, testConfig(), pw, nil)
		pw.Close()
	}()
	var shopURL string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "open "); ok {
			shopURL = u
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // drain the rest
	require.True(t, strings.HasPrefix(shopURL, "http://127.0.0.1:"), "printed %q", shopURL)

	resp, err := http.Get(shopURL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "Pay ¥1,500 with GMO")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	_, err = http.Get(shopURL)
	assert.Error(t, err, "the shop is closed after run returns")
}

// TestStartWithGatewayURLs opens both providers by URL, as with real
// sandbox credentials, here pointed at simulators through base_url.
func TestStartWithGatewayURLs(t *testing.T) {
	gsim := gmotest.NewServer()
	defer gsim.Close()
	osim := golomttest.NewServer()
	defer osim.Close()

	cfg := testConfig()
	cr := gsim.Credentials()
	cfg.GMOURL = "gmo://" + cr.ShopID + ":" + cr.ShopPass + "@?base_url=" + url.QueryEscape(gsim.URL())
	cfg.GolomtURL = "golomt://" + osim.BearerToken() + ":" + osim.Secret() + "@?base_url=" + url.QueryEscape(osim.URL())
	a, err := start(context.Background(), cfg, nil)
	require.NoError(t, err)
	defer a.Close()
	assert.Nil(t, a.GMOSim, "no GMO simulator with -gmo")
	assert.Nil(t, a.GolomtSim, "no Golomt simulator with -golomt")
	assert.Equal(t, "real gateways", a.Shop.cfg.Mode)

	resp, err := http.Get(a.ShopURL + "/pay/card?product=furoshiki")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	assert.Contains(t, page, `<script src="`+DefaultGMOTokenJS+`"></script>`, "the card page loads GMO's token.js")
	assert.Contains(t, page, `"`+cr.ShopID+`"`, "for Multipayment.init")
	assert.NotContains(t, page, cr.ShopPass)

	// The hosted checkout reaches the "real" Golomt endpoint.
	form := url.Values{"product": {"furoshiki"}}
	req, _ := http.NewRequest(http.MethodPost, a.ShopURL+"/pay/hosted", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), osim.URL()+"/payment/"), resp.Header.Get("Location"))
}
