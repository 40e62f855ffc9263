package payment

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// Money is an exact amount in one currency. The zero value has no currency
// and is not a valid amount for a request.
//
// Money never rounds: constructors reject amounts with more decimals than
// the currency's ISO 4217 minor unit, and arithmetic across currencies
// fails. Compare with Equal or Cmp, never ==.
type Money struct {
	amt decimal.Decimal
	cur Currency
}

// maxAmountLen bounds ParseMoney input so hostile strings cost nothing.
const maxAmountLen = 40

var (
	maxMinor = decimal.NewFromInt(math.MaxInt64)
	minMinor = decimal.NewFromInt(math.MinInt64)
)

// ParseMoney parses a plain decimal amount ("1500", "1500.00", "-3.5") in
// the currency with ISO 4217 code. Exponents, thousands separators, spaces
// and signs other than a leading '-' are rejected, as are amounts with more
// significant decimals than the currency allows (ParseMoney("1.5", "JPY")
// fails; "1500.00" JPY is 1500).
func ParseMoney(amount, code string) (Money, error) {
	cur, err := LookupCurrency(code)
	if err != nil {
		return Money{}, err
	}
	if err := checkPlainDecimal(amount); err != nil {
		return Money{}, err
	}
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return Money{}, &Error{Op: "money", Kind: ErrInvalidRequest, Field: "Amount", Message: "not a decimal amount " + quoteShort(amount)}
	}
	return NewMoney(d, cur)
}

func checkPlainDecimal(s string) error {
	bad := func(why string) error {
		return &Error{Op: "money", Kind: ErrInvalidRequest, Field: "Amount", Message: why + " " + quoteShort(s)}
	}
	if s == "" {
		return bad("empty amount")
	}
	if len(s) > maxAmountLen {
		return bad("amount too long")
	}
	i := 0
	if s[0] == '-' {
		i = 1
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return bad("not a plain decimal amount")
		}
	}
	if digits == 0 || s[len(s)-1] == '.' || s[0] == '.' || (s[0] == '-' && len(s) > 1 && s[1] == '.') {
		return bad("not a plain decimal amount")
	}
	return nil
}

// MustParseMoney is like ParseMoney but panics on error. For tests and
// constants only.
func MustParseMoney(amount, code string) Money {
	m, err := ParseMoney(amount, code)
	if err != nil {
		panic(err)
	}
	return m
}

// NewMoney returns d in currency c, or ErrInvalidRequest when d has more
// significant decimals than c allows or does not fit in int64 minor units.
func NewMoney(d decimal.Decimal, c Currency) (Money, error) {
	if c.Code == "" {
		return Money{}, &Error{Op: "money", Kind: ErrInvalidRequest, Field: "Currency", Message: "no currency"}
	}
	if !d.Equal(d.Truncate(c.Exponent)) {
		return Money{}, &Error{Op: "money", Kind: ErrInvalidRequest, Field: "Amount",
			Message: fmt.Sprintf("%s allows %d decimal places, amount %s has more", c.Code, c.Exponent, d.String())}
	}
	minor := d.Shift(c.Exponent)
	if minor.GreaterThan(maxMinor) || minor.LessThan(minMinor) {
		return Money{}, &Error{Op: "money", Kind: ErrInvalidRequest, Field: "Amount", Message: "amount out of range"}
	}
	return Money{amt: d.Truncate(c.Exponent), cur: c}, nil
}

// MoneyFromMinor returns minor units of c (MoneyFromMinor(150000, MNT) is
// MNT 1500.00).
func MoneyFromMinor(minor int64, c Currency) Money {
	if minor == 0 {
		return Zero(c) // no big.Int to allocate
	}
	return Money{amt: decimal.New(minor, -c.Exponent), cur: c}
}

// Zero returns zero in currency c.
func Zero(c Currency) Money { return Money{amt: decimal.Zero, cur: c} }

// MinorUnits returns the amount in minor units (JPY 1500 → 1500, MNT
// 1500.00 → 150000).
func (m Money) MinorUnits() int64 { return m.amt.Shift(m.cur.Exponent).IntPart() }

// Amount returns the decimal amount.
func (m Money) Amount() decimal.Decimal { return m.amt }

// Currency returns the currency.
func (m Money) Currency() Currency { return m.cur }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.amt.IsZero() }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.amt.IsNegative() }

// IsPositive reports whether the amount is above zero.
func (m Money) IsPositive() bool { return m.amt.IsPositive() }

// Equal reports whether m and o have the same currency and amount.
func (m Money) Equal(o Money) bool { return m.cur.Code == o.cur.Code && m.amt.Equal(o.amt) }

// Cmp compares amounts of the same currency (-1, 0, +1). Different
// currencies fail with ErrInvalidRequest.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.same(o, "compare"); err != nil {
		return 0, err
	}
	return m.amt.Cmp(o.amt), nil
}

// Add returns m+o; different currencies fail.
func (m Money) Add(o Money) (Money, error) {
	if err := m.same(o, "add"); err != nil {
		return Money{}, err
	}
	return NewMoney(m.amt.Add(o.amt), m.cur)
}

// Sub returns m-o; different currencies fail.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.same(o, "subtract"); err != nil {
		return Money{}, err
	}
	return NewMoney(m.amt.Sub(o.amt), m.cur)
}

func (m Money) same(o Money, op string) error {
	if m.cur.Code != o.cur.Code || m.cur.Code == "" {
		return &Error{Op: "money", Kind: ErrInvalidRequest, Field: "Currency",
			Message: fmt.Sprintf("cannot %s %s and %s", op, m.cur.Code, o.cur.Code)}
	}
	return nil
}

// Decimal formats the amount with exactly the currency's decimals
// ("1500" for JPY, "1500.00" for MNT), without the code.
func (m Money) Decimal() string {
	if s, ok := m.fastDecimal(); ok {
		return s
	}
	return m.amt.StringFixed(m.cur.Exponent)
}

// fastDecimal is Decimal for amounts of at most 18 digits at the
// currency's exponent (every realistic one), formatted from an int64
// instead of through math/big as StringFixed does.
func (m Money) fastDecimal() (string, bool) {
	e, x := m.amt.Exponent(), m.cur.Exponent
	if x+e < 0 || x > 18 || m.amt.NumDigits()+int(x+e) > 18 {
		return "", false
	}
	c := m.amt.CoefficientInt64()
	for range x + e {
		c *= 10
	}
	var buf [24]byte
	u := uint64(c)
	if c < 0 {
		u = -u
	}
	// Digits right to left, at least x+1 of them, with the point after x.
	i := len(buf)
	for n := int32(0); u > 0 || n <= x; n++ {
		if n == x && x > 0 {
			i--
			buf[i] = '.'
		}
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	if c < 0 {
		i--
		buf[i] = '-'
	}
	return string(buf[i:]), true
}

// String formats as "JPY 1500" or "MNT 1500.00".
func (m Money) String() string {
	if m.cur.Code == "" {
		return m.amt.String()
	}
	return m.cur.Code + " " + m.Decimal()
}

type moneyJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// MarshalJSON encodes {"amount":"1500.00","currency":"MNT"} with the amount
// as a string.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(moneyJSON{Amount: m.Decimal(), Currency: m.cur.Code})
}

// UnmarshalJSON decodes what MarshalJSON writes, with ParseMoney's rules.
func (m *Money) UnmarshalJSON(b []byte) error {
	var j moneyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return &Error{Op: "money", Kind: ErrInvalidRequest, Message: "bad money JSON", Err: err}
	}
	v, err := ParseMoney(j.Amount, j.Currency)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
