package golomttest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kessai/payment/golomt/golomttest"
	"github.com/stretchr/testify/require"
)

// call posts a raw JSON body to path with the simulator's bearer token.
func call(t *testing.T, srv *golomttest.Server, path string, body any) (int, []byte) {
	t.Helper()
	return callAuth(t, srv, path, body, "Bearer "+srv.BearerToken())
}

func callAuth(t *testing.T, srv *golomttest.Server, path string, body any, auth string) (int, []byte) {
	t.Helper()
	code, out, err := rawCall(srv, path, body, auth)
	require.NoError(t, err)
	return code, out
}

// rawCall is callAuth without t, for goroutines.
func rawCall(srv *golomttest.Server, path string, body any, auth string) (int, []byte, error) {
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			return 0, nil, err
		}
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL()+path, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return m
}

// str returns a JSON string field ("" for null/absent).
func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// invoice creates an invoice and returns its bank invoice id.
func invoice(t *testing.T, srv *golomttest.Server, id, amount, returnType, callback, genToken string) string {
	t.Helper()
	code, body := call(t, srv, "/api/invoice", map[string]string{
		"amount": amount, "callback": callback, "checksum": srv.Sign(id, amount, returnType, callback),
		"genToken": genToken, "returnType": returnType, "transactionId": id,
	})
	require.Equal(t, http.StatusOK, code, string(body))
	inv := str(decode(t, body), "invoice")
	require.NotEmpty(t, inv)
	return inv
}

func inquiry(t *testing.T, srv *golomttest.Server, id string) (int, map[string]any, []byte) {
	t.Helper()
	code, body := call(t, srv, "/api/inquiry", map[string]string{"transactionId": id, "checksum": srv.Sign(id, id)})
	return code, decode(t, body), body
}

var (
	formRE  = regexp.MustCompile(`(?s)<form[^>]*id="([^"]+)"[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)
	inputRE = regexp.MustCompile(`<input[^>]*name="([^"]+)"(?:[^>]*value="([^"]*)")?`)
)

// browserClient does not follow redirects.
func browserClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// getPage fetches a hosted page like a browser.
func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := browserClient().Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// form extracts a form's action and fields from HTML.
func form(t *testing.T, page, id string) (string, url.Values) {
	t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		if m[1] != id {
			continue
		}
		vals := url.Values{}
		for _, in := range inputRE.FindAllStringSubmatch(m[3], -1) {
			vals.Set(in[1], htmlUnescape(in[2]))
		}
		return htmlUnescape(m[2]), vals
	}
	t.Fatalf("no form %q in page:\n%s", id, page)
	return "", nil
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(s)
}

// submit posts the card form like a browser and returns the raw response.
func submit(t *testing.T, base, action string, vals url.Values, c golomttest.Card) (*http.Response, string) {
	t.Helper()
	resp, body, err := rawSubmit(base, action, vals, c)
	require.NoError(t, err)
	return resp, body
}

// rawSubmit is submit without t, for goroutines.
func rawSubmit(base, action string, vals url.Values, c golomttest.Card) (*http.Response, string, error) {
	vals.Set("cardNumber", c.Number)
	vals.Set("expiry", c.Expiry)
	vals.Set("cvv", c.CVC)
	vals.Set("cardHolder", c.Holder)
	resp, err := browserClient().PostForm(base+action, vals)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// createInvoice is invoice without t, for goroutines.
func createInvoice(srv *golomttest.Server, id, amount, callback, genToken string) (string, error) {
	code, body, err := rawCall(srv, "/api/invoice", map[string]string{
		"amount": amount, "callback": callback, "checksum": srv.Sign(id, amount, "GET", callback),
		"genToken": genToken, "returnType": "GET", "transactionId": id,
	}, "Bearer "+srv.BearerToken())
	if err != nil {
		return "", err
	}
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil || code != http.StatusOK {
		return "", fmt.Errorf("invoice %s: %d %s", id, code, body)
	}
	return m["invoice"], nil
}

func httptestServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }
