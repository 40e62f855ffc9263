package golomttest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kessai/payment/golomt/golomttest"
)

func benchPost(b *testing.B, url, token string, body []byte) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkBaselineNetHTTP is a raw net/http JSON round trip over loopback,
// the floor for the simulator's numbers below.
func BenchmarkBaselineNetHTTP(b *testing.B) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		_ = json.NewDecoder(r.Body).Decode(&m)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(m)
	}))
	defer ts.Close()
	body := []byte(`{"transactionId":"x","checksum":"y"}`)
	for b.Loop() {
		benchPost(b, ts.URL, "t", body)
	}
}

func BenchmarkInvoice(b *testing.B) {
	srv := golomttest.NewServer()
	defer srv.Close()
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("B%d", i)
		body, _ := json.Marshal(map[string]string{"amount": "100", "callback": "https://shop.example/cb",
			"genToken": "N", "returnType": "GET", "transactionId": id,
			"checksum": srv.Sign(id, "100", "GET", "https://shop.example/cb")})
		benchPost(b, srv.URL()+"/api/invoice", srv.BearerToken(), body)
	}
}

func BenchmarkInquiry(b *testing.B) {
	srv := golomttest.NewServer()
	defer srv.Close()
	body, _ := json.Marshal(map[string]string{"amount": "100", "callback": "https://shop.example/cb",
		"genToken": "N", "returnType": "GET", "transactionId": "B1",
		"checksum": srv.Sign("B1", "100", "GET", "https://shop.example/cb")})
	benchPost(b, srv.URL()+"/api/invoice", srv.BearerToken(), body)
	q, _ := json.Marshal(map[string]string{"transactionId": "B1", "checksum": srv.Sign("B1", "B1")})
	for b.Loop() {
		benchPost(b, srv.URL()+"/api/inquiry", srv.BearerToken(), q)
	}
}
