package golomt

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kessai/payment"
)

// CodeApproved is the bank's only success code ("Амжилттай"). Every other
// errorCode means the payment did not go through.
const CodeApproved = "000"

// answer is what came back for one call, as far as classify needs it.
type answer struct {
	// status is the HTTP status code.
	status      int
	contentType string
	body        []byte
	// result is set when a 200 body decoded as the call's JSON result;
	// code and desc are then its errorCode ("" for null) and errorDesc.
	result bool
	code   string
	desc   string
}

// classify is the one place where the bank's answers become error kinds
// (see the table in the package documentation). It returns nil when the
// answer is not a failure: a 200 result whose errorCode is "000" or null
// (not paid yet). moneyMoving marks /api/pay, whose ambiguous failures are
// ErrOutcomeUnknown rather than ErrUnavailable.
func classify(op string, a answer, moneyMoving bool) *payment.Error {
	e := &payment.Error{Provider: Name, Op: op}
	unknown := func(msg string) *payment.Error {
		e.Message = msg
		if moneyMoving {
			e.Kind = payment.ErrOutcomeUnknown
			e.Message += "; the payment may have been made: resolve it with an inquiry, never resend"
		} else {
			e.Kind, e.RetrySafe = payment.ErrUnavailable, true
		}
		return e
	}
	html := looksHTML(a.contentType, a.body)
	switch {
	case a.status == http.StatusOK && a.result:
		switch a.code {
		case CodeApproved, "":
			return nil
		}
		e.Kind, e.GatewayCode, e.Message = payment.ErrDeclined, a.code, a.desc
		return e
	case html:
		// Proxies, login pages and the bank's IP allow-list answer HTML.
		// A 401/403/404/405 or redirect page is configuration. Any other HTML page
		// (a proxy's 200 or 502 page) may stand for a transient failure
		// upstream, and for /api/pay it may hide a processed payment.
		msg := "the endpoint answered an HTML page instead of JSON (HTTP " + strconv.Itoa(a.status) +
			"): check the bearer token, the base URL and that this server's IP address is on the bank's allow-list"
		if a.status == http.StatusUnauthorized || a.status == http.StatusForbidden || a.status == http.StatusNotFound ||
			a.status == http.StatusMethodNotAllowed || (a.status >= 300 && a.status < 400) {
			e.Kind, e.Message = payment.ErrAuthentication, msg
			return e
		}
		return unknown(msg)
	case a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
		e.Kind = payment.ErrAuthentication
		e.Message = "bearer token refused (HTTP " + strconv.Itoa(a.status) + ")"
		return e
	case a.status == http.StatusTooManyRequests:
		e.Kind, e.RetrySafe, e.Message = payment.ErrRateLimited, true, "rate limited (HTTP 429)"
		return e
	case a.status >= 500:
		env, _ := decodeEnvelope(a.body)
		msg := "bank system error (HTTP " + strconv.Itoa(a.status) + ")"
		if env.Message != "" {
			msg += ": " + clip(env.Message)
		}
		return unknown(msg)
	case a.status >= 300 && a.status < 400:
		e.Kind = payment.ErrAuthentication
		e.Message = "the endpoint redirected (HTTP " + strconv.Itoa(a.status) + "): check the base URL"
		return e
	case a.status == http.StatusNotFound || a.status == http.StatusMethodNotAllowed:
		// The bank reports unknown payments inside a 400; a 404/405 is a
		// wrong path or host.
		e.Kind = payment.ErrAuthentication
		e.Message = "no such API endpoint (HTTP " + strconv.Itoa(a.status) + "): check the base URL"
		return e
	case a.status >= 400:
		env, ok := decodeEnvelope(a.body)
		msg := strings.ToLower(env.Message)
		e.Kind = payment.ErrInvalidRequest
		e.GatewayCode = env.Error
		e.Message = clip(env.Message)
		if !ok {
			e.Message = "request refused (HTTP " + strconv.Itoa(a.status) + ")"
		}
		switch {
		case strings.Contains(msg, "duplicate"):
			e.Kind = payment.ErrDuplicate
		case strings.Contains(msg, "not found") || strings.EqualFold(env.Error, "NotFound"):
			e.Kind = payment.ErrNotFound
		case strings.Contains(msg, "checksum"):
			// Our checksum did not match the bank's: the key is wrong.
			e.Kind = payment.ErrAuthentication
			e.Message += " (check the checksum key)"
		case strings.EqualFold(env.Error, "Forbidden"):
			e.Kind = payment.ErrAuthentication
		}
		return e
	case a.status >= 200 && a.status < 300:
		return unknown("unreadable response (HTTP " + strconv.Itoa(a.status) + ")")
	default:
		return unknown("unexpected HTTP status " + strconv.Itoa(a.status))
	}
}

// clip bounds a bank message kept in an error.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
