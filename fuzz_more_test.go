package payment

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
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

// FuzzReturnFromRequest: a browser's return (GET query, or POST with a
// form body) yields exactly the query's well-formed pairs followed by the
// form's, or an ErrInvalidRequest; a form body over MaxRedirectBody is
// refused. Seeds: testdata/fuzz/FuzzReturnFromRequest.
func FuzzReturnFromRequest(f *testing.F) {
	f.Add(true, uint8(0), "invoice=ORDER1&status_code=000", "desc=%D0%90")
	f.Add(false, uint8(0), "AccessID=3618be802c7ac572414274731e50cb6c&t=1", "")
	f.Add(true, uint8(0), "", "PaRes=eJzVWNmu4zYS%2FRXD&MD=3618be802c7ac572414274731e50cb6c")
	f.Add(true, uint8(1), "a=1", "b=2")
	f.Add(true, uint8(0), "a=1;b=2", "c=%zz")
	f.Add(false, uint8(0), "a=%zz&b=2", "")
	f.Fuzz(func(t *testing.T, post bool, ct uint8, query, body string) {
		if strings.ContainsAny(query, "# \t\r\n") {
			return // not a request line a browser sends
		}
		types := [...]string{"application/x-www-form-urlencoded", "", "text/plain", "multipart/form-data; boundary=x",
			"application/x-www-form-urlencoded; charset=Shift_JIS"}
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		r := httptest.NewRequest(method, "https://shop.example/return", strings.NewReader(body))
		r.URL.RawQuery = query
		if c := types[int(ct)%len(types)]; c != "" {
			r.Header.Set("Content-Type", c)
		}
		ret, err := ReturnFromRequest(r)
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) || ret != nil {
				t.Fatalf("error %v with %v", err, ret)
			}
			if !post {
				t.Fatalf("a GET return failed: %v", err)
			}
			return
		}
		want := url.Values{}
		q, _ := url.ParseQuery(query)
		for k, vs := range q {
			want[k] = append(want[k], vs...)
		}
		form := post && strings.HasPrefix(types[int(ct)%len(types)], "application/x-www-form-urlencoded")
		if form {
			if len(body) > MaxRedirectBody {
				t.Fatalf("accepted a %d-byte form", len(body))
			}
			fv, ferr := url.ParseQuery(body)
			if ferr != nil {
				t.Fatalf("accepted a malformed form %q", body)
			}
			for k, vs := range fv {
				want[k] = append(want[k], vs...)
			}
		}
		if len(want) == 0 && len(ret.Values) == 0 {
			return
		}
		if !reflect.DeepEqual(ret.Values, want) {
			t.Fatalf("values %q, want %q", ret.Values, want)
		}
	})
}
