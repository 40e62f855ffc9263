package golomttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
)

// fields is a decoded request body: every value as the exact text the
// merchant sent (JSON strings unquoted, JSON numbers as their literal
// text). Absent and null values are "" (present tells them apart).
type fields struct {
	vals    map[string]string
	present map[string]bool
}

var errNotObject = errors.New("request body is not a JSON object")

func decodeFields(body []byte) (fields, error) {
	f := fields{vals: map[string]string{}, present: map[string]bool{}}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return f, err
	}
	if raw == nil {
		return f, errNotObject
	}
	if dec.More() {
		return f, errors.New("trailing data after JSON object")
	}
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		switch {
		case bytes.Equal(v, []byte("null")):
			f.present[k] = true
		case len(v) > 0 && v[0] == '"':
			var str string
			if err := json.Unmarshal(v, &str); err != nil {
				return f, err
			}
			f.vals[k], f.present[k] = str, true
		case len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')):
			// Jackson coerces a JSON number into a String field as its text.
			f.vals[k], f.present[k] = string(v), true
		default:
			return f, errors.New("field " + k + " is not a string")
		}
	}
	return f, nil
}

func (f fields) get(name string) string { return f.vals[name] }

// required returns the validation message for the first blank required
// field, or "".
func (f fields) required(names ...string) string {
	for _, n := range names {
		if strings.TrimSpace(f.vals[n]) == "" {
			return n + ": must not be blank"
		}
	}
	return ""
}

// tooLong returns the validation message for the first field over 256
// characters (the documented field size), or "".
func (f fields) tooLong() string {
	for k, v := range f.vals {
		if len([]rune(v)) > 256 {
			return k + ": size must be between 0 and 256"
		}
	}
	return ""
}

// amountRE is what the simulator accepts as an amount: plain decimal text,
// at most two decimals (MNT has 2 minor units), no sign, no separators, no
// exponent.
var amountRE = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,2})?$`)

func validAmount(a string) bool {
	if !amountRE.MatchString(a) {
		return false
	}
	return strings.Trim(a, "0.") != ""
}

// transactionIDRE accepts the ids seen working in the wild (letters,
// digits, '-', '_'), up to 256 characters; the doc's "< 16 alphanumeric"
// is not enforced (UNCERTAIN).
var transactionIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// formatAmount2 re-formats a valid amount with exactly two decimals, the
// way /api/pay echoes it ("1" → "1.00").
func formatAmount2(a string) string {
	intPart, frac, _ := strings.Cut(a, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	return intPart + "." + frac
}

// nullable returns nil for "" (JSON null) or a pointer to v.
func nullable(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
