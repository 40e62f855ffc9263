package payment

import "testing"

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
			for b.Loop() {
				if tt.m.Decimal() == "" {
					b.Fatal("empty")
				}
			}
		})
		b.Run(tt.name+"/String", func(b *testing.B) {
			b.ReportAllocs()
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
	for b.Loop() {
		if m.MinorUnits() != 150000 {
			b.Fatal("minor units")
		}
	}
}

func BenchmarkMoneyFromMinor(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		moneySink = MoneyFromMinor(150000, MNT)
	}
}
