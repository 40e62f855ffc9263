package golomt

import (
	"errors"
	"testing"

	"github.com/kessai/payment"
)

// TestFormatAmount pins the wire text of amounts: the int64 fast path
// (Money.Decimal) and the math/big path (a hand-built currency value, or
// an exponent beyond two places) must write the same text, and the
// decimal-place checks must hold on both.
func TestFormatAmount(t *testing.T) {
	mnt := func(s string) payment.Money {
		m, err := payment.ParseMoney(s, "MNT")
		if err != nil {
			t.Fatalf("ParseMoney(%q): %v", s, err)
		}
		return m
	}
	// handBuilt is MNT with a wrong exponent, as a caller could make it.
	handBuilt := payment.Currency{Code: "MNT", Exponent: 0}
	tests := []struct {
		name    string
		amount  payment.Money
		format  AmountFormat
		want    string
		wantErr bool
	}{
		{"minor units", payment.MoneyFromMinor(150000, payment.MNT), AmountTwoDecimals, "1500.00", false},
		{"one decimal", mnt("1500.5"), AmountTwoDecimals, "1500.50", false},
		{"two decimals", mnt("0.05"), AmountTwoDecimals, "0.05", false},
		{"trailing zero beyond two places", payment.MoneyFromMinor(15000000, payment.Currency{Code: "MNT", Exponent: 4}), AmountTwoDecimals, "1500.00", false},
		{"three places", payment.MoneyFromMinor(1500505, payment.Currency{Code: "MNT", Exponent: 3}), AmountTwoDecimals, "", true},
		{"hand-built exponent", payment.MoneyFromMinor(1500, handBuilt), AmountTwoDecimals, "1500.00", false},
		{"integer", payment.MoneyFromMinor(150000, payment.MNT), AmountInteger, "1500", false},
		{"integer, hand-built exponent", payment.MoneyFromMinor(1500, handBuilt), AmountInteger, "1500", false},
		{"integer with a fraction", mnt("1500.50"), AmountInteger, "", true},
		{"integer with a cent", mnt("0.01"), AmountInteger, "", true},
		{"large", payment.MoneyFromMinor(123456789012345678, payment.MNT), AmountTwoDecimals, "1234567890123456.78", false},
		{"zero", payment.MoneyFromMinor(0, payment.MNT), AmountTwoDecimals, "", true},
		{"negative", payment.MoneyFromMinor(-100, payment.MNT), AmountTwoDecimals, "", true},
		{"other currency", payment.MoneyFromMinor(1500, payment.JPY), AmountTwoDecimals, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Provider{cfg: Config{AmountFormat: tt.format}}
			got, err := p.formatAmount("create", tt.amount)
			if tt.wantErr {
				if !errors.Is(err, payment.ErrInvalidRequest) {
					t.Fatalf("formatAmount = %q, %v; want ErrInvalidRequest", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("formatAmount = %q, %v; want %q", got, err, tt.want)
			}
			// The math/big path writes the same text.
			places := int32(2)
			if tt.format == AmountInteger {
				places = 0
			}
			if ref := tt.amount.Amount().StringFixed(places); ref != got {
				t.Fatalf("formatAmount = %q, decimal.StringFixed = %q", got, ref)
			}
		})
	}
}
