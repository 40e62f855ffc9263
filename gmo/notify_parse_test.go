package gmo

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kessai/payment"
)

// TestParseNotification covers the field decoding of a result
// notification: form unescaping, cp932 to UTF-8 (ASCII kept as is), the
// struct fields and Fields, masked passwords dropped, first occurrence
// wins, and malformed input rejected as ErrInvalidRequest.
func TestParseNotification(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		check   func(t *testing.T, n *ResultNotification)
		wantErr bool
	}{
		{
			name: "card capture",
			body: "ShopID=tshop00000001&ShopPass=**********&AccessID=0123456789abcdef0123456789abcdef&AccessPass=********************************&OrderID=order-1&Status=CAPTURE&JobCd=CAPTURE&Amount=1000&Tax=0&Currency=JPN&TranID=2512080000000000000000000001&Approve=1234567&TranDate=20261208031500&ErrCode=&ErrInfo=&PayType=0\r\n",
			check: func(t *testing.T, n *ResultNotification) {
				if n.ShopID != "tshop00000001" || n.AccessID != "0123456789abcdef0123456789abcdef" || n.OrderID != "order-1" ||
					n.Status != "CAPTURE" || n.JobCd != "CAPTURE" || n.Amount != "1000" || n.Tax != "0" || n.Currency != "JPN" ||
					n.TranID != "2512080000000000000000000001" || n.Approve != "1234567" || n.TranDate != "20261208031500" ||
					n.ErrCode != "" || n.ErrInfo != "" || n.PayType != "0" {
					t.Errorf("fields: %+v", n)
				}
				if _, ok := n.Fields["ShopPass"]; ok {
					t.Error("ShopPass kept")
				}
				if _, ok := n.Fields["AccessPass"]; ok {
					t.Error("AccessPass kept")
				}
				if v, ok := n.Fields["ErrCode"]; !ok || v != "" {
					t.Errorf("empty ErrCode: %q, %v", v, ok)
				}
				if len(n.Fields) != 14 {
					t.Errorf("%d fields, want 14", len(n.Fields))
				}
			},
		},
		{
			name: "cp932 value, escapes, plus, unknown field",
			// テスト in cp932 (83 65 83 58 83 67); "a b" as a+b; ErrInfo with '|'.
			body: "OrderID=o%2D2&CvsConfNo=%83e%83X%83g&Note=a+b&ErrInfo=E01%7CE02",
			check: func(t *testing.T, n *ResultNotification) {
				if n.OrderID != "o-2" || n.CvsConfNo != "テスト" || n.Fields["Note"] != "a b" || n.ErrInfo != "E01|E02" {
					t.Errorf("fields: %+v", n)
				}
			},
		},
		{
			name: "konbini fields",
			body: "OrderID=o3&PayType=3&CvsCode=10001&CvsReceiptNo=1234&PaymentTerm=20261210235959&FinishDate=20261209&ReceiptDate=20261209&CustID=c&BkCode=b&ConfNo=k&EncryptReceiptNo=e",
			check: func(t *testing.T, n *ResultNotification) {
				if n.CvsCode != "10001" || n.CvsReceiptNo != "1234" || n.PaymentTerm != "20261210235959" || n.FinishDate != "20261209" ||
					n.ReceiptDate != "20261209" || n.CustID != "c" || n.BkCode != "b" || n.ConfNo != "k" || n.EncryptReceiptNo != "e" {
					t.Errorf("fields: %+v", n)
				}
			},
		},
		{
			name: "first occurrence wins",
			body: "OrderID=first&OrderID=second&&Status=AUTH",
			check: func(t *testing.T, n *ResultNotification) {
				if n.OrderID != "first" || n.Fields["OrderID"] != "first" || n.Status != "AUTH" {
					t.Errorf("fields: %+v", n)
				}
			},
		},
		{
			name: "field names are case-sensitive",
			body: "orderid=x&OrderID=y",
			check: func(t *testing.T, n *ResultNotification) {
				if n.OrderID != "y" || n.Fields["orderid"] != "x" {
					t.Errorf("fields: %+v", n)
				}
			},
		},
		{name: "invalid cp932 value", body: "OrderID=o&Status=%FF", wantErr: true},
		{name: "invalid cp932 key", body: "%FF=1", wantErr: true},
		{name: "truncated double-byte", body: "OrderID=%83", wantErr: true},
		{name: "bad escape", body: "OrderID=%G1", wantErr: true},
		{name: "no equals sign", body: "OrderID", wantErr: true},
		{name: "empty key", body: "=x", wantErr: true},
		{name: "empty", body: "\r\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/notify", bytes.NewReader([]byte(tt.body)))
			n, err := ParseNotification(r)
			if tt.wantErr {
				if !errors.Is(err, payment.ErrInvalidRequest) {
					t.Fatalf("ParseNotification = %+v, %v; want ErrInvalidRequest", n, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNotification: %v", err)
			}
			tt.check(t, n)
		})
	}
}

// TestDecodeCP932String: ASCII comes back as the same string, cp932 is
// decoded like decodeCP932, invalid input is reported.
func TestDecodeCP932String(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"", "", true},
		{"ASCII only, longer than eight bytes", "ASCII only, longer than eight bytes", true},
		{"\x83e\x83X\x83g", "テスト", true},
		{"abcdefgh\x83e", "abcdefghテ", true},
		{"\xff", "", false},
		{"abc\x83", "", false},
	}
	for _, tt := range tests {
		got, ok := decodeCP932String(tt.in)
		if ok != tt.wantOK || (ok && got != tt.want) {
			t.Errorf("decodeCP932String(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
		if ok && got != decodeCP932([]byte(tt.in)) {
			t.Errorf("decodeCP932String(%q) = %q, decodeCP932 = %q", tt.in, got, decodeCP932([]byte(tt.in)))
		}
	}
}
