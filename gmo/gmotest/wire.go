package gmotest

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

// maxBody bounds a request body. Real GMO bodies are a few kilobytes.
const maxBody = 1 << 20

// contentType is the Content-Type of every API answer (2013 recordings; later
// ones say Shift_JIS, decoders treat both as cp932).
const contentType = "text/plain;charset=Windows-31J"

// params are request parameters as raw cp932 byte strings, percent-decoding
// undone. The first occurrence of a key wins.
type params map[string]string

func (p params) get(k string) string { return p[k] }

// parseForm decodes an application/x-www-form-urlencoded body without
// touching the bytes' charset: values stay cp932.
func parseForm(body []byte) params {
	p := params{}
	for _, pair := range bytes.Split(body, []byte("&")) {
		if len(pair) == 0 {
			continue
		}
		k, v, _ := bytes.Cut(pair, []byte("="))
		key, err := url.QueryUnescape(string(k))
		if err != nil {
			key = string(k)
		}
		val, err := url.QueryUnescape(string(v))
		if err != nil {
			val = string(v)
		}
		if _, dup := p[key]; !dup {
			p[key] = val
		}
	}
	return p
}

// isForm reports whether the request declares a form body. GMO parses no
// parameters otherwise.
func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// readParams reads the body of an API request. ok is false when the body is
// larger than maxBody.
func readParams(r *http.Request) (params, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return params{}, false
	}
	if !isForm(r) {
		return params{}, true
	}
	return parseForm(body), true
}

// kv is one key of an answer, in wire order.
type kv struct{ k, v string }

// reply is what an API handler answers: pairs on success, ErrInfo codes on
// failure.
type reply struct {
	pairs []kv
	errs  []string
}

func fail(codes ...string) reply { return reply{errs: codes} }

// errClass is the ErrCode for an ErrInfo: "E01" for E01xxxxxx, "G02" for
// 42G020000, "C01" for 42C010000.
func errClass(info string) string {
	if len(info) >= 5 && strings.HasPrefix(info, "42") {
		return info[2:5]
	}
	if len(info) >= 3 {
		return info[:3]
	}
	return info
}

// encode renders the answer body: Key=Value pairs joined with '&', values
// as raw bytes (not percent-encoded).
func (r reply) encode() []byte {
	var b bytes.Buffer
	if len(r.errs) > 0 {
		b.WriteString("ErrCode=")
		for i, e := range r.errs {
			if i > 0 {
				b.WriteByte('|')
			}
			b.WriteString(errClass(e))
		}
		b.WriteString("&ErrInfo=")
		b.WriteString(strings.Join(r.errs, "|"))
		return b.Bytes()
	}
	for i, p := range r.pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.Bytes()
}

func writeReply(w http.ResponseWriter, r reply) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(r.encode())
}

// encodeForm percent-encodes raw cp932 values in key order, the way GMO's
// notifier sends them.
func encodeForm(pairs []kv) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.v))
	}
	return b.String()
}

// toUTF8 decodes cp932 bytes for display. Invalid bytes become U+FFFD.
func toUTF8(raw string) string {
	if isASCII(raw) {
		return raw
	}
	s, err := japanese.ShiftJIS.NewDecoder().String(raw)
	if err != nil {
		return strings.ToValidUTF8(raw, "\uFFFD")
	}
	return s
}

// validCP932 reports whether raw decodes as cp932 without replacement.
func validCP932(raw string) bool {
	if isASCII(raw) {
		return true
	}
	s, err := japanese.ShiftJIS.NewDecoder().String(raw)
	return err == nil && utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// validOrderID reports GMO's OrderID character rule: a-z A-Z 0-9 and '-'.
func validOrderIDChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// luhn reports whether a digit string passes the check-digit test.
func luhn(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// maskPAN masks all but the last 4 digits (GMO SearchTrade style
// ************1111).
func maskPAN(pan string) string {
	if len(pan) <= 4 {
		return pan
	}
	return strings.Repeat("*", len(pan)-4) + pan[len(pan)-4:]
}
