package payment

import (
	"fmt"
)

// Redacted is what a [Secret] prints.
const Redacted = "[REDACTED]"

// Secret is a string that never prints itself: every fmt verb, JSON, text
// marshalling, gob and zap render it as [REDACTED]. Make one with [NewSecret];
// call Reveal to get the value at the point where it goes on the wire.
//
// Secret is a struct holding a pointer, not a string type, so that the value
// cannot leak where fmt cannot call its methods: a Secret in an unexported
// struct field (fmt prints such fields by reflection) shows only a pointer,
// and a Secret used as a map key cannot be written out verbatim by
// encoding/json. The zero value is the empty secret. Copies share the value,
// which is never modified.
type Secret struct {
	p *string
}

// NewSecret wraps s. An empty s gives the zero (empty) Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the secret value.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.p == nil || *s.p == "" }

// String returns [REDACTED], also for an empty secret, so that the empty
// and non-empty cases cannot be told apart in logs.
func (s Secret) String() string { return Redacted }

// GoString returns a redacted Go representation.
func (s Secret) GoString() string { return `payment.NewSecret("` + Redacted + `")` }

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

// GobEncode encodes the secret as [REDACTED], so a gob-encoded config or
// request never carries it.
func (s Secret) GobEncode() ([]byte, error) { return []byte(Redacted), nil }

// GobDecode refuses to decode: a Secret is never serialised.
func (s *Secret) GobDecode([]byte) error {
	return fmt.Errorf("payment: a Secret cannot be decoded from gob")
}

// UnmarshalText sets the secret from text, so that configuration loaders
// (flag.TextVar, envconfig, encoding/json) can fill a Secret field.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = NewSecret(string(b))
	return nil
}

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
