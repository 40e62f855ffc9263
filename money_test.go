package payment

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		name, amount, code string
		want               string // String() or "" for error
		minor              int64
	}{
		{"jpy integer", "1500", "JPY", "JPY 1500", 1500},
		{"jpy lowercase code", "1500", "jpy", "JPY 1500", 1500},
		{"jpy zero decimals accepted", "1500.00", "JPY", "JPY 1500", 1500},
		{"jpy fraction rejected", "1.5", "JPY", "", 0},
		{"mnt integer", "1500", "MNT", "MNT 1500.00", 150000},
		{"mnt two decimals", "1500.25", "MNT", "MNT 1500.25", 150025},
		{"mnt three decimals rejected", "1500.255", "MNT", "", 0},
		{"mnt trailing zero third decimal ok", "1500.250", "MNT", "MNT 1500.25", 150025},
		{"kwd three decimals", "1.234", "KWD", "KWD 1.234", 1234},
		{"negative", "-5", "USD", "USD -5.00", -500},
		{"exponent rejected", "1e3", "JPY", "", 0},
		{"plus rejected", "+5", "JPY", "", 0},
		{"space rejected", " 5", "JPY", "", 0},
		{"comma rejected", "1,000", "JPY", "", 0},
		{"empty rejected", "", "JPY", "", 0},
		{"dot only rejected", ".", "JPY", "", 0},
		{"leading dot rejected", ".5", "USD", "", 0},
		{"trailing dot rejected", "5.", "USD", "", 0},
		{"double dot rejected", "5.0.0", "USD", "", 0},
		{"minus only rejected", "-", "USD", "", 0},
		{"unknown currency", "5", "XXX", "", 0},
		{"gold has no minor unit", "5", "XAU", "", 0},
		{"overflow rejected", "92233720368547758.08", "USD", "", 0},
		{"max int64 minor", "92233720368547758.07", "USD", "USD 92233720368547758.07", math.MaxInt64},
		{"too long rejected", "1111111111111111111111111111111111111111111111", "JPY", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMoney(tt.amount, tt.code)
			if tt.want == "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrInvalidRequest)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.String())
			assert.Equal(t, tt.minor, m.MinorUnits())
		})
	}
}

func TestMoneyArithmetic(t *testing.T) {
	a := MustParseMoney("10.50", "USD")
	b := MustParseMoney("0.25", "USD")
	sum, err := a.Add(b)
	require.NoError(t, err)
	assert.Equal(t, "USD 10.75", sum.String())
	diff, err := a.Sub(b)
	require.NoError(t, err)
	assert.Equal(t, "USD 10.25", diff.String())
	c, err := a.Cmp(b)
	require.NoError(t, err)
	assert.Equal(t, 1, c)
	assert.True(t, a.Equal(MustParseMoney("10.5", "USD")))
	assert.False(t, a.Equal(MustParseMoney("10.50", "EUR")))

	_, err = a.Add(MustParseMoney("1", "JPY"))
	assert.ErrorIs(t, err, ErrInvalidRequest)
	_, err = a.Cmp(MustParseMoney("1", "JPY"))
	assert.ErrorIs(t, err, ErrInvalidRequest)
	_, err = Money{}.Add(Money{})
	assert.ErrorIs(t, err, ErrInvalidRequest, "zero Money has no currency")

	neg, err := b.Sub(a)
	require.NoError(t, err)
	assert.True(t, neg.IsNegative())
	assert.True(t, Zero(JPY).IsZero())
	assert.Equal(t, "MNT 1500.00", MoneyFromMinor(150000, MNT).String())
	assert.Equal(t, "1500.00", MoneyFromMinor(150000, MNT).Decimal())
}

func TestNewMoney(t *testing.T) {
	_, err := NewMoney(decimal.RequireFromString("0.001"), USD)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	_, err = NewMoney(decimal.NewFromInt(1), Currency{})
	assert.ErrorIs(t, err, ErrInvalidRequest)
	m, err := NewMoney(decimal.RequireFromString("100.000"), JPY)
	require.NoError(t, err)
	assert.Equal(t, "JPY 100", m.String())
}

func TestMoneyJSON(t *testing.T) {
	m := MustParseMoney("1500", "MNT")
	b, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"amount":"1500.00","currency":"MNT"}`, string(b))
	var back Money
	require.NoError(t, json.Unmarshal(b, &back))
	assert.True(t, back.Equal(m))

	for _, bad := range []string{`{"amount":1500,"currency":"MNT"}`, `{"amount":"1.5","currency":"JPY"}`, `{"amount":"1","currency":"ZZZ"}`, `{"amount":"x","currency":"JPY"}`} {
		err := json.Unmarshal([]byte(bad), &back)
		assert.ErrorIs(t, err, ErrInvalidRequest, bad)
	}
}

func TestLookupCurrency(t *testing.T) {
	for code, exp := range map[string]int32{"JPY": 0, "MNT": 2, "KWD": 3, "CLF": 4, "usd": 2} {
		c, err := LookupCurrency(code)
		require.NoError(t, err, code)
		assert.Equal(t, exp, c.Exponent, code)
	}
	_, err := LookupCurrency("ABC")
	assert.True(t, errors.Is(err, ErrInvalidRequest))
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1500", "1500.00", "-1", "0.001", "1e9", "", ".", "99999999999999999999", "1.2.3"} {
		f.Add(s, "JPY")
		f.Add(s, "MNT")
	}
	f.Fuzz(func(t *testing.T, amount, code string) {
		m, err := ParseMoney(amount, code)
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("error of wrong kind: %v", err)
			}
			return
		}
		// Round trip: the formatted amount parses back to the same value,
		// and minor units rebuild it exactly (no rounding anywhere).
		back, err := ParseMoney(m.Decimal(), m.Currency().Code)
		if err != nil || !back.Equal(m) {
			t.Fatalf("round trip %q %s: %v %v", amount, code, back, err)
		}
		if !MoneyFromMinor(m.MinorUnits(), m.Currency()).Equal(m) {
			t.Fatalf("minor units lose value: %q %s", amount, code)
		}
		orig, _ := decimal.NewFromString(amount)
		if !orig.Equal(m.Amount()) {
			t.Fatalf("value changed: %q → %s", amount, m.Amount())
		}
	})
}
