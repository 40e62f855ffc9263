package payment

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzMoneyJSON: Money read from JSON (an API body, a stored order) is
// either an ErrInvalidRequest or a value that writes back canonically and
// reads back equal, in exact minor units. Seeds:
// testdata/fuzz/FuzzMoneyJSON.
func FuzzMoneyJSON(f *testing.F) {
	for _, s := range []string{`{"amount":"1500.00","currency":"MNT"}`, `{"amount":"1500","currency":"JPY"}`,
		`{"amount":1500,"currency":"MNT"}`, `{"amount":"1.5","currency":"JPY"}`, `{"amount":"-0.000","currency":"KWD"}`,
		`{"amount":"1e3","currency":"USD"}`, `{"currency":"usd","amount":"9223372036854775.807"}`, `null`, `[]`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Money
		if err := json.Unmarshal(b, &m); err != nil {
			if !errors.Is(err, ErrInvalidRequest) {
				var se *json.SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("error of wrong kind: %v", err)
				}
			}
			return
		}
		if m.Currency().Code == "" {
			// JSON null leaves the zero Money untouched.
			if !bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
				t.Fatalf("%q decoded without a currency", b)
			}
			return
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back Money
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(m) {
			t.Fatalf("%q → %s → %v (%v)", b, out, back, err)
		}
		again, _ := json.Marshal(back)
		if !bytes.Equal(again, out) {
			t.Fatalf("not canonical: %s then %s", out, again)
		}
		if !MoneyFromMinor(m.MinorUnits(), m.Currency()).Equal(m) {
			t.Fatalf("%v loses value in minor units", m)
		}
	})
}

// FuzzMoneyFromMinor: every int64 of minor units formats to a decimal that
// ParseMoney reads back to the same value, for every currency exponent.
func FuzzMoneyFromMinor(f *testing.F) {
	for _, c := range []string{"JPY", "MNT", "KWD", "CLF"} {
		f.Add(int64(0), c)
		f.Add(int64(-1), c)
		f.Add(int64(9223372036854775807), c)
		f.Add(int64(-9223372036854775808), c)
	}
	f.Fuzz(func(t *testing.T, minor int64, code string) {
		cur, err := LookupCurrency(code)
		if err != nil {
			return
		}
		m := MoneyFromMinor(minor, cur)
		if m.MinorUnits() != minor {
			t.Fatalf("%d %s → %d minor units", minor, code, m.MinorUnits())
		}
		back, err := ParseMoney(m.Decimal(), code)
		if err != nil || !back.Equal(m) || back.MinorUnits() != minor {
			t.Fatalf("%d %s → %q → %v (%v)", minor, code, m.Decimal(), back, err)
		}
	})
}
