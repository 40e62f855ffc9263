package payment

import (
	"fmt"
)

// Redacted is what a [Secret] prints.
const Redacted = "[REDACTED]"

// Secret is a string that never prints itself: every fmt verb, JSON, text
// marshalling and zap render it as [REDACTED]. Call Reveal to get the value
// at the point where it goes on the wire.
//
// Do not use a Secret as a map key: encoding/json writes string-kinded map
// keys verbatim.
type Secret string

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String returns [REDACTED] (or "" for an empty secret).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString returns a redacted Go representation.
func (s Secret) GoString() string { return `payment.Secret("` + Redacted + `")` }

// Format redacts the secret in every verb, including %v, %+v, %#v, %q, %x.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(Redacted))
}

// MarshalJSON encodes the secret as "[REDACTED]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText encodes the secret as [REDACTED].
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MaskPAN masks a card number so that at most the first 6 and the last 4
// digits remain; shorter numbers keep only the last 4 (or nothing when the
// number has fewer than 10 digits). Non-digits are dropped.
func MaskPAN(pan string) string {
	d := make([]byte, 0, len(pan))
	for i := 0; i < len(pan); i++ {
		if c := pan[i]; c >= '0' && c <= '9' {
			d = append(d, c)
		}
	}
	n := len(d)
	out := make([]byte, n)
	for i := range out {
		out[i] = '*'
	}
	switch {
	case n >= 16:
		copy(out, d[:6])
		copy(out[n-4:], d[n-4:])
	case n >= 10:
		copy(out[n-4:], d[n-4:])
	}
	return string(out)
}
