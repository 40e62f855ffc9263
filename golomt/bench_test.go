package golomt

import (
	"testing"

	"github.com/kessai/payment/bench"
)

// The end-to-end and in-memory adapter benchmarks are in package bench
// (bench/README.md); these are the checksum micro-benchmarks (targets ≤ 2 µs
// and ≤ 10 allocations).

// BenchmarkChecksum is the cost of one request checksum (formula #1).
func BenchmarkChecksum(b *testing.B) {
	s := newSigner([]byte("testSecret"))
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		_ = s.checksum("ORDER1234567890", "1500.00", "GET", "https://shop.example/golomt/return")
	}
}

// BenchmarkVerify is the cost of verifying one result checksum (#4).
func BenchmarkVerify(b *testing.B) {
	s := newSigner([]byte("testSecret"))
	sum := s.checksum("ORDER1234567890", "000", "1500.00", "9ffd1bb0544990197e4f26ab71b0feaae5f8ee3d824e70c8bcb52d14b5584652")
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		if !s.verify(sum, "ORDER1234567890", "000", "1500.00", "9ffd1bb0544990197e4f26ab71b0feaae5f8ee3d824e70c8bcb52d14b5584652") {
			b.Fatal("verify")
		}
	}
}
