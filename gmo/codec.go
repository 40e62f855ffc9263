package gmo

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"github.com/kessai/payment"
)

// This file is the wire codec: requests are application/x-www-form-urlencoded
// with every value encoded to Windows-31J (cp932) and then percent-encoded;
// responses are raw cp932 "Key=Value&Key=Value" bodies that are never
// URL-decoded.

// cp932Map lists the characters cp932 cannot carry that have an obvious
// cp932 look-alike (gmo-protocol.md §1.1). Everything else x/text's
// ShiftJIS (which behaves as cp932) rejects makes the request invalid.
var cp932Map = map[rune]rune{
	'\u301C': '\uFF5E', // 〜 WAVE DASH → ～ FULLWIDTH TILDE
	'\u2212': '\uFF0D', // − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
	'\u2016': '\u2225', // ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
	'\u00A2': '\uFFE0', // ¢ → ￠
	'\u00A3': '\uFFE1', // £ → ￡
	'\u00AC': '\uFFE2', // ¬ → ￢
}

const upperHex = "0123456789ABCDEF"

// formCap is the initial size of a form's buffer: GMO requests are 100 to
// 300 bytes.
const formCap = 256

// form builds a request body. The zero value is ready to use. The first
// value that cannot be encoded is remembered in err (naming its key) and
// later adds are ignored.
type form struct {
	buf []byte
	err error
}

// add appends key=value. Empty values are left out: for GMO an empty value
// means "not specified", and the literal text "null" is never sent.
func (f *form) add(key, val string) {
	if val == "" || f.err != nil {
		return
	}
	if f.buf == nil {
		// Room for a whole request: growing from empty would copy it
		// three or four times.
		f.buf = make([]byte, 0, formCap)
	}
	if len(f.buf) > 0 {
		f.buf = append(f.buf, '&')
	}
	f.buf = append(f.buf, key...)
	f.buf = append(f.buf, '=')
	var sc *cp932Scratch
	defer func() {
		if sc != nil {
			scratchPool.Put(sc)
		}
	}()
	for i := 0; i < len(val); {
		// Copy a run of unreserved ASCII in one go.
		j := i
		for j < len(val) && unreserved[val[j]] {
			j++
		}
		f.buf = append(f.buf, val[i:j]...)
		if i = j; i >= len(val) {
			break
		}
		c := val[i]
		if c < utf8.RuneSelf {
			f.buf = appendEscaped(f.buf, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(val[i:])
		if r == utf8.RuneError && size == 1 {
			f.err = payment.InvalidRequest(providerName, "encode", key, "value is not valid UTF-8")
			return
		}
		if m, ok := cp932Map[r]; ok {
			r = m
		}
		if sc == nil {
			sc = scratchPool.Get().(*cp932Scratch)
		}
		n := utf8.EncodeRune(sc.src[:], r)
		sc.enc.Reset()
		nDst, _, err := sc.enc.Transform(sc.dst[:], sc.src[:n], true)
		if err != nil || nDst == 0 {
			f.err = payment.InvalidRequest(providerName, "encode", key,
				"character "+runeName(r)+" cannot be sent in Windows-31J (cp932)")
			return
		}
		for _, b := range sc.dst[:nDst] {
			f.buf = appendEscaped(f.buf, b)
		}
		i += size
	}
}

// cp932Scratch is a reusable encoder with buffers, so encoding Japanese
// text allocates nothing in the steady state.
type cp932Scratch struct {
	enc *encoding.Encoder
	src [utf8.UTFMax]byte
	dst [8]byte
}

var scratchPool = sync.Pool{New: func() any { return &cp932Scratch{enc: japanese.ShiftJIS.NewEncoder()} }}

// unreserved marks the bytes sent as they are.
var unreserved = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['_'], t['.'], t['~'] = true, true, true, true
	return t
}()

func runeName(r rune) string { return fmt.Sprintf("U+%04X", r) }

// addSecret adds a secret's value; the secret is revealed only here, at the
// wire.
func (f *form) addSecret(key string, s payment.Secret) { f.add(key, s.Reveal()) }

func appendEscaped(dst []byte, c byte) []byte {
	switch {
	case unreserved[c]:
		return append(dst, c)
	case c == ' ':
		return append(dst, '+')
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&0xF])
}

// encodeCP932 returns s as cp932 bytes with the look-alike mapping, or an
// ErrInvalidRequest naming field.
func encodeCP932(field, s string) ([]byte, error) {
	var f form
	f.add(field, s)
	if f.err != nil {
		return nil, f.err
	}
	// Undo the percent-encoding: simpler than a second encoder path and
	// only used for short configuration values.
	raw := f.buf[len(field)+1:]
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '%':
			b, _ := hex.DecodeString(string(raw[i+1 : i+3]))
			out = append(out, b...)
			i += 2
		case '+':
			out = append(out, ' ')
		default:
			out = append(out, raw[i])
		}
	}
	return out, nil
}

// decodeCP932 decodes raw cp932 bytes to UTF-8. ASCII bodies (the common
// case) are converted without the decoder. Undecodable bytes become U+FFFD.
func decodeCP932(b []byte) string {
	if isASCII(b) {
		return string(b)
	}
	out, _, err := transform.Bytes(japanese.ShiftJIS.NewDecoder(), b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// decodeCP932String is decodeCP932 for a string: ASCII (the common case)
// comes back as is, without a copy. ok is false when the text is not valid
// cp932 (the decoded text would hold U+FFFD).
func decodeCP932String(s string) (string, bool) {
	if isASCIIString(s) {
		return s, true
	}
	out := decodeCP932([]byte(s))
	return out, !strings.ContainsRune(out, '\uFFFD')
}

// isASCIIString is isASCII for a string.
func isASCIIString(s string) bool {
	for len(s) >= 8 {
		if uint64(s[0])|uint64(s[1])|uint64(s[2])|uint64(s[3])|uint64(s[4])|uint64(s[5])|uint64(s[6])|uint64(s[7]) >= utf8.RuneSelf {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isASCII reports whether b has no byte ≥ 0x80, eight bytes at a time.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// kv is one response field. Keys keep the gateway's spelling; lookups are
// case-insensitive.
type kv struct{ k, v string }

// response is a parsed GMO reply.
type response struct {
	pairs []kv
}

// acsKeys are the only keys of an ExecTran reply that carries a 3-D Secure
// redirect (ACS=1 or ACS=2). Their values are URLs and Base64 that contain
// '&' and '=', so anything that does not start with one of these keys
// belongs to the previous value (GMO's own module does the same).
var acsKeys = [...]string{"ACS", "ACSUrl", "PaReq", "MD", "RedirectUrl", "ErrCode", "ErrInfo"}

// maxPairs bounds the number of fields parsed from one body.
const maxPairs = 512

// parseResponse parses a GMO reply body: raw cp932 decoded regardless of
// the charset label, trailing CR/LF trimmed, split on '&' and then on the
// first '=' only, never URL-decoded. It fails only on a body that has no
// Key=Value pair at all.
//
// Replies carrying a 3-D Secure redirect (ACS=1 or ACS=2) have '&' inside
// values; they are rare, so the body is first split plainly in one pass,
// which also notices the ACS field, and parsed again with gluing only then.
func parseResponse(body []byte) (response, error) {
	body = bytes.TrimRight(body, "\r\n")
	s := decodeCP932(body)
	if s == "" {
		return response{}, errMalformed
	}
	r, acs, err := parsePairs(s, false)
	if acs || err != nil && isACSBody(s) {
		r, _, err = parsePairs(s, true)
	}
	return r, err
}

// parsePairs splits s into pairs. With glue, a segment that does not start
// with an ACS key continues the previous URL/Base64 value. It reports
// whether it saw an ACS=1 or ACS=2 field.
func parsePairs(s string, glue bool) (r response, acs bool, err error) {
	n := strings.Count(s, "&") + 1
	if n > maxPairs {
		n = maxPairs
	}
	r.pairs = make([]kv, 0, n)
	for s != "" {
		var seg string
		if i := strings.IndexByte(s, '&'); i >= 0 {
			seg, s = s[:i], s[i+1:]
		} else {
			seg, s = s, ""
		}
		if len(seg) == 5 && (seg[4] == '1' || seg[4] == '2') && strings.EqualFold(seg[:4], "ACS=") {
			acs = true
		}
		eq := strings.IndexByte(seg, '=')
		if glue && len(r.pairs) > 0 && isURLKey(r.pairs[len(r.pairs)-1].k) && (eq < 0 || !isACSKey(seg[:eq])) {
			// A '&' inside a URL or Base64 value: glue it back.
			last := &r.pairs[len(r.pairs)-1]
			last.v = joinSeg(last.v, seg)
			continue
		}
		if eq < 0 {
			if seg == "" {
				continue
			}
			return response{}, acs, errMalformed
		}
		k, v := strings.TrimSpace(seg[:eq]), seg[eq+1:]
		if k == "" {
			return response{}, acs, errMalformed
		}
		if len(r.pairs) == maxPairs {
			return response{}, acs, errMalformed
		}
		r.pairs = append(r.pairs, kv{k, v})
	}
	if len(r.pairs) == 0 {
		return response{}, acs, errMalformed
	}
	return r, acs, nil
}

func joinSeg(v, seg string) string { return v + "&" + seg }

// isURLKey reports whether k's value may contain '&' (a URL or Base64).
func isURLKey(k string) bool {
	return strings.EqualFold(k, "RedirectUrl") || strings.EqualFold(k, "ACSUrl") ||
		strings.EqualFold(k, "PaReq") || strings.EqualFold(k, "MD")
}

func isACSKey(k string) bool {
	for _, a := range acsKeys {
		if strings.EqualFold(k, a) {
			return true
		}
	}
	return false
}

// isACSBody reports whether s is an ExecTran reply with ACS=1 or ACS=2
// (the field may be anywhere; keys are case-insensitive).
func isACSBody(s string) bool {
	for len(s) >= 5 {
		if strings.EqualFold(s[:4], "ACS=") && (s[4] == '1' || s[4] == '2') && (len(s) == 5 || s[5] == '&') {
			return true
		}
		i := strings.IndexByte(s, '&')
		if i < 0 {
			return false
		}
		s = s[i+1:]
	}
	return false
}

// get returns the value of key (case-insensitive), or "".
func (r response) get(key string) string {
	v, _ := r.lookup(key)
	return v
}

func (r response) lookup(key string) (string, bool) {
	for _, p := range r.pairs {
		if keyIs(p.k, key) {
			return p.v, true
		}
	}
	return "", false
}

// keyIs compares a reply key with an (ASCII) API key, ignoring ASCII case.
// Unlike strings.EqualFold it rejects a different length at once, which
// makes the linear lookups of a 20-field SearchTrade reply cheap, and it
// never lets a non-ASCII look-alike (the Kelvin sign for 'K') match.
func keyIs(k, key string) bool {
	if len(k) != len(key) {
		return false
	}
	for i := 0; i < len(k); i++ {
		a, b := k[i], key[i]
		if a == b {
			continue
		}
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// column returns a multi-record reply's column: the value split on '|'.
func (r response) column(key string) []string {
	v, ok := r.lookup(key)
	if !ok {
		return nil
	}
	return strings.Split(v, "|")
}

// errorCodes returns the ErrCode/ErrInfo pairs, or nil on success. Lists of
// different lengths are padded with "unknown" (GMO's module does the same).
func (r response) errorCodes() []codePair {
	codes, okc := r.lookup("ErrCode")
	infos, oki := r.lookup("ErrInfo")
	if !okc && !oki {
		return nil
	}
	if strings.TrimSpace(codes) == "" && strings.TrimSpace(infos) == "" {
		return nil
	}
	cs := strings.Split(codes, "|")
	is := strings.Split(infos, "|")
	n := max(len(cs), len(is))
	out := make([]codePair, n)
	for i := range out {
		c, in := "unknown", "unknown"
		if i < len(cs) && strings.TrimSpace(cs[i]) != "" {
			c = strings.TrimSpace(cs[i])
		}
		if i < len(is) && strings.TrimSpace(is[i]) != "" {
			in = strings.TrimSpace(is[i])
		}
		out[i] = codePair{Code: c, Info: in}
	}
	return out
}

// checkString computes GMO's CheckString: lowercase hex MD5 of
// OrderID+Forward+Method+PayTimes+Approve+TranID+TranDate+ShopPass, using
// the raw strings from the wire.
func checkString(dst *[32]byte, shopPass string, fields ...string) {
	var stack [256]byte
	buf := stack[:0]
	for _, f := range fields {
		buf = append(buf, f...)
	}
	buf = append(buf, shopPass...)
	sum := md5.Sum(buf)
	hex.Encode(dst[:], sum[:])
}

// verifyCheckString compares the CheckString of an execution reply in
// constant time.
func verifyCheckString(r response, shopPass payment.Secret) bool {
	var want [32]byte
	checkString(&want, shopPass.Reveal(),
		r.get("OrderID"), r.get("Forward"), r.get("Method"), r.get("PayTimes"),
		r.get("Approve"), r.get("TranID"), r.get("TranDate"))
	return checkStringMatches(r, &want)
}

// checkStringMatches compares a reply's CheckString (hex in either case)
// with want in constant time.
func checkStringMatches(r response, want *[32]byte) bool {
	got := r.get("CheckString")
	if len(got) != len(want) {
		return false
	}
	var g [32]byte
	for i := 0; i < len(got); i++ {
		c := got[i]
		if 'A' <= c && c <= 'F' {
			c += 'a' - 'A'
		}
		g[i] = c
	}
	return subtle.ConstantTimeCompare(g[:], want[:]) == 1
}
