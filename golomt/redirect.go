package golomt

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/kessai/payment"
)

// MaxRedirectBody bounds the form body ParseRedirect reads. The bank posts
// three short fields.
const MaxRedirectBody = 16 << 10

// Redirect is what the bank sends back with the customer's browser to the
// callback (query parameters for returnType GET, a form post for POST).
// It is unsigned: anyone can forge it. Use it only to find the payment and
// then call Confirm, which asks the bank.
type Redirect struct {
	// TransactionID is the "invoice" parameter, which (despite its name)
	// is the merchant's transactionId, i.e. the OrderID.
	TransactionID string
	// StatusCode is "status_code" (the errorCode space: "000" success).
	// A hint only; never decide on it.
	StatusCode string
	// Description is "desc", the bank's text for StatusCode.
	Description string
}

// ParseRedirect reads the bank's redirect parameters from r: the query
// string, and for a POST also an application/x-www-form-urlencoded body of
// at most MaxRedirectBody bytes (a larger one is refused without being read
// whole). It consumes r.Body. Malformed input fails with ErrInvalidRequest.
func ParseRedirect(r *http.Request) (Redirect, error) {
	const op = "redirect"
	bad := func(field, msg string) (Redirect, error) {
		return Redirect{}, payment.InvalidRequest(Name, op, field, msg)
	}
	if r == nil || r.URL == nil {
		return bad("Request", "no request")
	}
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return bad("Query", "malformed query string")
	}
	if r.Method == http.MethodPost && r.Body != nil {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || mt != "application/x-www-form-urlencoded" {
				return bad("Body", "redirect body is not a URL-encoded form")
			}
		}
		if r.ContentLength > MaxRedirectBody {
			return bad("Body", "redirect body too large")
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxRedirectBody+1))
		if err != nil {
			return bad("Body", "unreadable redirect body")
		}
		if len(body) > MaxRedirectBody {
			return bad("Body", "redirect body too large")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return bad("Body", "malformed redirect form")
		}
		for k, vs := range form {
			vals[k] = append(vals[k], vs...)
		}
	}
	rd, err := parseRedirectValues(op, vals)
	if err != nil {
		return Redirect{}, err
	}
	if rd.TransactionID == "" {
		return bad("invoice", "no invoice (transaction id) parameter: not a golomt redirect")
	}
	return rd, nil
}

// parseRedirectValues validates the redirect parameters. A parameter given
// several times must have one value throughout (a callback that carried
// its own ?invoice= gets the bank's appended as well). Absent parameters
// are "".
func parseRedirectValues(op string, vals url.Values) (Redirect, error) {
	one := func(name string, max int) (string, error) {
		vs := vals[name]
		if len(vs) == 0 {
			return "", nil
		}
		v := vs[0]
		for _, w := range vs[1:] {
			if w != v {
				return "", payment.InvalidRequest(Name, op, name, "parameter given with different values")
			}
		}
		if len(v) > max {
			return "", payment.InvalidRequest(Name, op, name, "parameter too long")
		}
		if !utf8.ValidString(v) {
			return "", payment.InvalidRequest(Name, op, name, "parameter is not valid UTF-8")
		}
		for _, c := range v {
			if c < ' ' || c == 0x7f {
				return "", payment.InvalidRequest(Name, op, name, "parameter contains control characters")
			}
		}
		return v, nil
	}
	var rd Redirect
	var err error
	if rd.TransactionID, err = one("invoice", 256); err != nil {
		return Redirect{}, err
	}
	if rd.TransactionID != "" && !validWireID(rd.TransactionID, 256) {
		return Redirect{}, payment.InvalidRequest(Name, op, "invoice", "invoice parameter has unexpected characters")
	}
	if rd.StatusCode, err = one("status_code", 16); err != nil {
		return Redirect{}, err
	}
	for i := 0; i < len(rd.StatusCode); i++ {
		if !isAlnum(rd.StatusCode[i]) {
			return Redirect{}, payment.InvalidRequest(Name, op, "status_code", "status_code has unexpected characters")
		}
	}
	if rd.Description, err = one("desc", 1024); err != nil {
		return Redirect{}, err
	}
	return rd, nil
}
