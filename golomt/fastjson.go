package golomt

import (
	"unicode/utf8"
)

// This file is a fast path for the wire codec. Requests are written by
// hand (every value is a JSON string); responses that are flat objects of
// known keys with plain string or null values are scanned without
// reflection. Anything else (escapes, numbers, nested values, unknown or
// differently-cased keys) falls back to encoding/json, so both paths give
// the same result for every input the fast path accepts (FuzzFastDecode
// checks this).

// appendMember appends ,"key":"value" (no comma for the first member).
func appendMember(b []byte, key, val string) []byte {
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, val)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does (request values are validated to be ASCII before
// they get here, so this never changes a checksummed value).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func (r invoiceRequest) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendMember(b, "amount", r.Amount)
	b = appendMember(b, "callback", r.Callback)
	b = appendMember(b, "checksum", r.Checksum)
	b = appendMember(b, "genToken", r.GenToken)
	b = appendMember(b, "returnType", r.ReturnType)
	b = appendMember(b, "transactionId", r.TransactionID)
	if r.SocialDeeplink != "" {
		b = appendMember(b, "socialDeeplink", r.SocialDeeplink)
	}
	return append(b, '}')
}

// sizeHint is the length of txnRequest's encoding when nothing needs
// escaping (the usual case; appendJSON grows the buffer otherwise).
func (r txnRequest) sizeHint() int {
	return len(`{"transactionId":"","checksum":""}`) + len(r.TransactionID) + len(r.Checksum)
}

func (r txnRequest) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendMember(b, "transactionId", r.TransactionID)
	b = appendMember(b, "checksum", r.Checksum)
	return append(b, '}')
}

func (r payRequest) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendMember(b, "amount", r.Amount)
	b = appendMember(b, "checksum", r.Checksum)
	b = appendMember(b, "transactionId", r.TransactionID)
	b = appendMember(b, "lang", r.Lang)
	b = appendMember(b, "token", r.Token)
	return append(b, '}')
}

// resultField maps a key of a result body to its field.
func (r *result) field(key []byte) *jstr {
	switch string(key) {
	case "status":
		return &r.Status
	case "amount":
		return &r.Amount
	case "bank":
		return &r.Bank
	case "bankCode":
		return &r.BankCode
	case "errorDesc":
		return &r.ErrorDesc
	case "checksum":
		return &r.Checksum
	case "errorCode":
		return &r.ErrorCode
	case "cardHolder":
		return &r.CardHolder
	case "transactionId":
		return &r.TransactionID
	case "cardNumber":
		return &r.CardNumber
	case "token":
		return &r.Token
	}
	return nil
}

func (r *invoiceResponse) field(key []byte) *jstr {
	switch string(key) {
	case "checksum":
		return &r.Checksum
	case "transactionId":
		return &r.TransactionID
	case "invoice":
		return &r.Invoice
	case "socialDeeplink":
		return &r.SocialDeeplink
	}
	return nil
}

// scanFlat decodes a flat JSON object whose members are all known keys
// with plain string or null values. It reports false, leaving partial
// results, for anything else. The body is converted to a string once and
// every value is a substring of it: one allocation per body, not one per
// field.
func scanFlat(b []byte, field func(key []byte) *jstr) bool {
	var bs string // string(b), made at the first string value
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipWS(b, i+1) == len(b)
	}
	for {
		key, j, ok := scanPlainString(b, i)
		if !ok {
			return false
		}
		i = skipWS(b, j)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		dst := field(key)
		if dst == nil || i >= len(b) {
			return false
		}
		switch b[i] {
		case '"':
			_, j, ok := scanPlainString(b, i)
			if !ok {
				return false
			}
			if bs == "" {
				bs = string(b)
			}
			*dst = jstr{S: bs[i+1 : j-1], Set: true}
			i = j
		case 'n':
			if len(b)-i < 4 || string(b[i:i+4]) != "null" {
				return false
			}
			*dst = jstr{Set: true, Null: true}
			i += 4
		default:
			return false
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return skipWS(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// scanPlainString scans a JSON string at b[i] without escapes or control
// characters, in valid UTF-8, and returns its content and the index after
// the closing quote.
func scanPlainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		c := b[j]
		switch {
		case c == '"':
			s := b[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}
