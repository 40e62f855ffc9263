package payment

import (
	"testing"

	"github.com/kessai/payment/bench"
	"github.com/shopspring/decimal"
)

// Money benchmarks: targets are ≤ 2 µs and ≤ 10 allocations per call
// (go test -run XXX -bench Money -benchmem .).

var moneySink Money

func BenchmarkMoneyParse(b *testing.B) {
	tests := []struct{ name, amount, code string }{
		{"JPY", "1500", "JPY"},
		{"MNT", "1500.00", "MNT"},
		{"large", "123456789012.34", "USD"},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			defer bench.CPUPerOp(b)()
			for b.Loop() {
				m, err := ParseMoney(tt.amount, tt.code)
				if err != nil {
					b.Fatal(err)
				}
				moneySink = m
			}
		})
	}
}

func BenchmarkMoneyFormat(b *testing.B) {
	tests := []struct {
		name string
		m    Money
	}{
		{"JPY", MoneyFromMinor(1500, JPY)},
		{"MNT", MoneyFromMinor(150000, MNT)},
		{"large", MustParseMoney("123456789012.34", "USD")},
	}
	for _, tt := range tests {
		b.Run(tt.name+"/Decimal", func(b *testing.B) {
			b.ReportAllocs()
			defer bench.CPUPerOp(b)()
			for b.Loop() {
				if tt.m.Decimal() == "" {
					b.Fatal("empty")
				}
			}
		})
		b.Run(tt.name+"/String", func(b *testing.B) {
			b.ReportAllocs()
			defer bench.CPUPerOp(b)()
			for b.Loop() {
				if tt.m.String() == "" {
					b.Fatal("empty")
				}
			}
		})
	}
}

func BenchmarkMoneyMinorUnits(b *testing.B) {
	m := MoneyFromMinor(150000, MNT)
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		if m.MinorUnits() != 150000 {
			b.Fatal("minor units")
		}
	}
}

func BenchmarkMoneyFromMinor(b *testing.B) {
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		moneySink = MoneyFromMinor(150000, MNT)
	}
}

// TestDecimalFastPath: the int64 formatting of Decimal agrees with
// shopspring's StringFixed, which it replaces for amounts up to 18 digits.
func TestDecimalFastPath(t *testing.T) {
	tests := []struct {
		amount, code string
		want         string
	}{
		{"0", "JPY", "0"},
		{"0", "MNT", "0.00"},
		{"1500", "JPY", "1500"},
		{"1500.00", "JPY", "1500"},
		{"1500", "MNT", "1500.00"},
		{"1500.5", "MNT", "1500.50"},
		{"0.05", "MNT", "0.05"},
		{"-0.05", "MNT", "-0.05"},
		{"-3.5", "USD", "-3.50"},
		{"0.001", "KWD", "0.001"},
		{"12.3", "KWD", "12.300"},
		{"999999999999999999", "JPY", "999999999999999999"},
		{"9999999999999999.99", "USD", "9999999999999999.99"},
		{"-9223372036854775808", "JPY", "-9223372036854775808"},
		{"92233720368547758.07", "USD", "92233720368547758.07"},
	}
	for _, tt := range tests {
		t.Run(tt.amount+" "+tt.code, func(t *testing.T) {
			m := MustParseMoney(tt.amount, tt.code)
			if got := m.Decimal(); got != tt.want {
				t.Errorf("Decimal() = %q, want %q", got, tt.want)
			}
			if slow := m.amt.StringFixed(m.cur.Exponent); slow != tt.want {
				t.Errorf("StringFixed = %q, want %q", slow, tt.want)
			}
		})
	}
	for _, d := range []decimal.Decimal{decimal.New(15, 2), decimal.New(-7, 1), decimal.Zero, decimal.New(0, 3)} {
		for _, c := range []Currency{JPY, MNT, {"KWD", 3}} {
			m := Money{amt: d, cur: c}
			if got, want := m.Decimal(), d.StringFixed(c.Exponent); got != want {
				t.Errorf("Decimal() of %s %s = %q, want %q", d, c.Code, got, want)
			}
		}
	}
	for _, minor := range []int64{0, 1, -1, 9, 10, 99, 100, 101, 150000, -150000, 1 << 40} {
		for _, c := range []Currency{JPY, MNT, {"KWD", 3}} {
			m := MoneyFromMinor(minor, c)
			if got, want := m.Decimal(), m.amt.StringFixed(c.Exponent); got != want {
				t.Errorf("MoneyFromMinor(%d, %s).Decimal() = %q, want %q", minor, c.Code, got, want)
			}
		}
	}
}
