package gmo

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"github.com/kessai/payment"
)

// Customer text of konbini and Pay-easy payments (gmo-protocol.md §1.1,
// §4): CustomerName and CustomerKana allow only full-width JIS X 0208
// characters, sent as cp932, at most 40 bytes. Other receipt texts only
// need to be cp932.

// jisX0208Lead reports whether b is the lead byte of a JIS X 0208
// character in Shift_JIS: rows 1-8 (0x81-0x84) and the kanji rows 16-84
// (0x88-0x9F, 0xE0-0xEA). cp932's NEC row 13 (0x87: ①, ㈱ …), the
// NEC-selected IBM extensions (0xED, 0xEE: 髙 …), the IBM extensions
// (0xFA-0xFC) and the user-defined area (0xF0-0xF9) are not JIS X 0208.
func jisX0208Lead(b byte) bool {
	return b >= 0x81 && b <= 0x84 || b >= 0x88 && b <= 0x9F || b >= 0xE0 && b <= 0xEA
}

// fullWidthText converts s to full-width (ASCII and half-width katakana
// become their full-width forms, with voiced marks composed: "ﾀﾞ" → "ダ";
// the cp932 look-alikes of §1.1 are mapped) and checks that every
// character is a JIS X 0208 double-byte character. kana additionally turns
// hiragana into katakana and allows only katakana, 'ー' and the
// ideographic space. It returns the converted text and its cp932 length,
// or an ErrInvalidRequest naming field.
func fullWidthText(op, field, s string, maxBytes int, kana bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", payment.InvalidRequest(providerName, op, field, "required")
	}
	if !utf8.ValidString(s) {
		return "", payment.InvalidRequest(providerName, op, field, "not valid UTF-8")
	}
	// Widen turns "ﾀﾞ" into "タ" + U+3099 (combining voiced mark); NFC
	// composes them to "ダ".
	s = norm.NFC.String(width.Widen.String(s))
	var b strings.Builder
	b.Grow(len(s))
	enc := japanese.ShiftJIS.NewEncoder()
	n := 0
	for _, r := range s {
		if m, ok := cp932Map[r]; ok {
			r = m
		}
		if kana && r >= 'ぁ' && r <= 'ゖ' {
			r += 'ァ' - 'ぁ'
		}
		if kana && !(r >= 'ァ' && r <= 'ヶ' || r == 'ー' || r == '\u3000') {
			return "", payment.InvalidRequest(providerName, op, field,
				"only full-width katakana (or hiragana), 'ー' and spaces are allowed, not "+runeName(r))
		}
		out, err := enc.Bytes([]byte(string(r)))
		if err != nil || len(out) != 2 || !jisX0208Lead(out[0]) {
			return "", payment.InvalidRequest(providerName, op, field,
				"character "+runeName(r)+" is not a full-width JIS X 0208 character (GMO rejects it)")
		}
		n += 2
		b.WriteRune(r)
	}
	if n > maxBytes {
		return "", payment.InvalidRequest(providerName, op, field,
			"at most "+itoa(int64(maxBytes/2))+" full-width characters ("+itoa(int64(maxBytes))+" bytes in cp932)")
	}
	return b.String(), nil
}

// cp932Text checks that s can be sent as cp932 in at most maxBytes bytes.
// Empty text is allowed unless required.
func cp932Text(op, field, s string, maxBytes int, required bool) error {
	if s == "" {
		if required {
			return payment.InvalidRequest(providerName, op, field, "required")
		}
		return nil
	}
	raw, err := encodeCP932(field, s)
	if err != nil {
		return withOp(err, op)
	}
	if len(raw) > maxBytes {
		return payment.InvalidRequest(providerName, op, field, "at most "+itoa(int64(maxBytes))+" bytes in cp932")
	}
	return nil
}

// phoneNumber narrows full-width digits and hyphens and checks that the
// result is 1..maxLen characters of 0-9 and '-'.
func phoneNumber(op, field, s string, maxLen int, required bool) (string, error) {
	s = width.Narrow.String(strings.TrimSpace(s))
	if s == "" {
		if required {
			return "", payment.InvalidRequest(providerName, op, field, "required")
		}
		return "", nil
	}
	if len(s) > maxLen {
		return "", payment.InvalidRequest(providerName, op, field, "at most "+itoa(int64(maxLen))+" characters")
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] == '-') {
			return "", payment.InvalidRequest(providerName, op, field, "only digits and '-' are allowed")
		}
	}
	return s, nil
}

// contactHours checks GMO's HH:MM-HH:MM format with valid times.
func contactHours(op, field, s string) (string, error) {
	s = width.Narrow.String(strings.TrimSpace(s))
	if s == "" {
		return "", payment.InvalidRequest(providerName, op, field, "required")
	}
	ok := len(s) == 11 && s[2] == ':' && s[5] == '-' && s[8] == ':' &&
		isDigits(s[0:2]) && isDigits(s[3:5]) && isDigits(s[6:8]) && isDigits(s[9:11]) &&
		s[0:2] <= "23" && s[3:5] <= "59" && s[6:8] <= "23" && s[9:11] <= "59"
	if !ok {
		return "", payment.InvalidRequest(providerName, op, field, "must be HH:MM-HH:MM, e.g. 09:00-18:00")
	}
	return s, nil
}

// emailAddress checks an optional MailAddress: printable ASCII with an
// '@', at most 256 characters.
func emailAddress(op, field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > 256 || !printableASCII(s) || strings.Count(s, "@") != 1 || strings.HasPrefix(s, "@") || strings.HasSuffix(s, "@") {
		return "", payment.InvalidRequest(providerName, op, field, "must be an e-mail address of at most 256 ASCII characters")
	}
	return s, nil
}
