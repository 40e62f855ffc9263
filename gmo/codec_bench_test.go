package gmo

import (
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/bench"
)

// Codec benchmarks: targets are ≤ 2 µs and ≤ 10 allocations per
// operation (go test -bench Codec -benchmem ./gmo/).

var execReply = []byte("ACS=0&OrderID=1362106991&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString=2d8fa5d3a220a34161d18a87e9cbfd75&ClientField1=client_field1&ClientField2=&ClientField3=")

func BenchmarkCodecEncodeExecTran(b *testing.B) {
	pass := payment.NewSecret("a79882df473a228fd2a00051e72642be")
	tok := payment.NewSecret("0f2b9d1c3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c")
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		var f form
		f.buf = make([]byte, 0, 320)
		f.add("AccessID", "e65385d62b5e5e9be64d2c8cecdb24f2")
		f.addSecret("AccessPass", pass)
		f.add("OrderID", "order-2026-0001")
		f.add("Method", "1")
		f.add("PayTimes", "")
		f.addSecret("Token", tok)
		f.add("RetUrl", "https://shop.example/gmo/return?o=order-2026-0001")
		if f.err != nil {
			b.Fatal(f.err)
		}
	}
}

func BenchmarkCodecEncodeCP932(b *testing.B) {
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		var f form
		f.buf = make([]byte, 0, 128)
		f.add("ClientField1", "～－￠￡￢－∥①ほげほげhogehoge")
		if f.err != nil {
			b.Fatal(f.err)
		}
	}
}

func BenchmarkCodecParseExecTran(b *testing.B) {
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		r, err := parseResponse(execReply)
		if err != nil || r.get("TranID") == "" {
			b.Fatal(err)
		}
	}
}

func BenchmarkCodecParseACS2(b *testing.B) {
	body := []byte("ACS=2&RedirectUrl=https://pt01.mul-pay.jp/payment/Tds2StubCallback.idPass?transId=5b0c9a0e-3f1d-4a38-9e0c-1f4c2a7d9b11&t=9f86d081884c7d659a2feaa0c55ad015")
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		r, err := parseResponse(body)
		if err != nil || r.get("RedirectUrl") == "" {
			b.Fatal(err)
		}
	}
}

func BenchmarkCodecCheckString(b *testing.B) {
	r, err := parseResponse(execReply)
	if err != nil {
		b.Fatal(err)
	}
	pass := payment.NewSecret("shoppass1")
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		_ = verifyCheckString(r, pass)
	}
}

var searchReply = []byte("OrderID=order-2026-0001&Status=CAPTURE&ProcessDate=20261208101500&JobCd=CAPTURE&AccessID=e65385d62b5e5e9be64d2c8cecdb24f2&AccessPass=a79882df473a228fd2a00051e72642be&ItemCode=0000990&Amount=1000&Tax=0&SiteID=&MemberID=&CardNo=411111******1111&Expire=3012&Method=1&PayTimes=&Forward=2a99662&TranID=1303011202111111111111198895&Approve=6416276&ClientField1=&ClientField2=&ClientField3=&PayType=0")

// BenchmarkCodecSearchTrade parses a SearchTrade reply and reads the
// fields the adapter reads from it.
func BenchmarkCodecSearchTrade(b *testing.B) {
	keys := []string{"OrderID", "Status", "ProcessDate", "JobCd", "AccessID", "AccessPass", "CardNo",
		"Method", "PayTimes", "Forward", "Approve", "TranID", "Amount", "Tax", "ErrCode", "ErrInfo"}
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		r, err := parseResponse(searchReply)
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			_ = r.get(k)
		}
		if r.get("Status") != "CAPTURE" {
			b.Fatal("status")
		}
	}
}

func TestKeyIs(t *testing.T) {
	tests := []struct {
		k, key string
		want   bool
	}{
		{"OrderID", "OrderID", true},
		{"orderid", "OrderID", true},
		{"ORDERID", "OrderID", true},
		{"OrderI", "OrderID", false},
		{"OrderIDs", "OrderID", false},
		{"OrderIE", "OrderID", false},
		{"Order_D", "OrderID", false},
		{"\u212Aey", "Key", false}, // Kelvin sign: EqualFold would say yes
		{"", "", true},
	}
	for _, tt := range tests {
		if got := keyIs(tt.k, tt.key); got != tt.want {
			t.Errorf("keyIs(%q, %q) = %v, want %v", tt.k, tt.key, got, tt.want)
		}
	}
}

// BenchmarkCodecEncodeSearchTrade encodes SearchTrade from a zero form, as
// the adapter does (no preallocated buffer).
func BenchmarkCodecEncodeSearchTrade(b *testing.B) {
	pass := payment.NewSecret("shoppass1")
	b.ReportAllocs()
	defer bench.CPUPerOp(b)()
	for b.Loop() {
		var f form
		f.add("ShopID", "tshop00000001")
		f.addSecret("ShopPass", pass)
		f.add("OrderID", "order-2026-0001")
		if f.err != nil || len(f.buf) == 0 {
			b.Fatal(f.err)
		}
	}
}
