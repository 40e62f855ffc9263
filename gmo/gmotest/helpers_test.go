package gmotest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kessai/payment/gmo/gmotest"
	"github.com/stretchr/testify/require"
)

// answer is a parsed GMO answer. Keys keep their wire order.
type answer struct {
	status int
	ctype  string
	raw    string
	keys   []string
	vals   map[string]string
}

func (a answer) get(k string) string { return a.vals[k] }

// parseAnswer splits on '&' and the first '=' without decoding. ExecTran
// answers with ACS=1/2 are split on the known keys only, like GMO's module.
func parseAnswer(raw string) (keys []string, vals map[string]string) {
	vals = map[string]string{}
	if strings.HasPrefix(raw, "ACS=2&RedirectUrl=") {
		return []string{"ACS", "RedirectUrl"}, map[string]string{"ACS": "2", "RedirectUrl": strings.TrimPrefix(raw, "ACS=2&RedirectUrl=")}
	}
	for _, pair := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(pair, "=")
		keys = append(keys, k)
		vals[k] = v
	}
	return keys, vals
}

// do sends a raw API request.
func do(t *testing.T, method, target, ctype, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), raw: string(b)}
	a.keys, a.vals = parseAnswer(a.raw)
	return a
}

const form = "application/x-www-form-urlencoded"

// call posts form values (ASCII or already cp932) to an API.
func call(t *testing.T, s *gmotest.Server, api string, v url.Values) answer {
	t.Helper()
	return do(t, http.MethodPost, s.URL()+"/payment/"+api+".idPass", form, v.Encode())
}

func shop(s *gmotest.Server, kv ...string) url.Values {
	c := s.Credentials()
	v := url.Values{"ShopID": {c.ShopID}, "ShopPass": {c.ShopPass}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func site(s *gmotest.Server, kv ...string) url.Values {
	c := s.Credentials()
	v := url.Values{"SiteID": {c.SiteID}, "SitePass": {c.SitePass}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// entry registers an order and returns AccessID, AccessPass.
func entry(t *testing.T, s *gmotest.Server, orderID, jobCd, amount string, kv ...string) (string, string) {
	t.Helper()
	v := shop(s, append([]string{"OrderID", orderID, "JobCd", jobCd, "Amount", amount}, kv...)...)
	a := call(t, s, "EntryTran", v)
	require.Empty(t, a.get("ErrCode"), a.raw)
	return a.get("AccessID"), a.get("AccessPass")
}

// token issues a token for pan with a far expiry.
func token(t *testing.T, s *gmotest.Server, pan string) string {
	t.Helper()
	tok, err := s.IssueToken(pan, "203012", "123", "TARO YAMADA")
	require.NoError(t, err)
	return tok
}

// pay registers and executes an order with a token.
func pay(t *testing.T, s *gmotest.Server, orderID, jobCd, amount, pan string) (string, string, answer) {
	t.Helper()
	id, pass := entry(t, s, orderID, jobCd, amount)
	a := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", orderID, "Method", "1", "Token", token(t, s, pan)))
	return id, pass, a
}

// jan1 is a fixed simulator time: 2030-01-10 12:00:00 JST.
var jan1 = time.Date(2030, 1, 10, 12, 0, 0, 0, time.FixedZone("JST", 9*3600))
