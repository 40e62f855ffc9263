package golomt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
)

// BenchmarkChecksum is the cost of one request checksum (formula #1).
func BenchmarkChecksum(b *testing.B) {
	s := newSigner([]byte("testSecret"))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.checksum("ORDER1234567890", "1500.00", "GET", "https://shop.example/golomt/return")
	}
}

// BenchmarkVerify is the cost of verifying one result checksum (#4).
func BenchmarkVerify(b *testing.B) {
	s := newSigner([]byte("testSecret"))
	sum := s.checksum("ORDER1234567890", "000", "1500.00", "9ffd1bb0544990197e4f26ab71b0feaae5f8ee3d824e70c8bcb52d14b5584652")
	b.ReportAllocs()
	for b.Loop() {
		if !s.verify(sum, "ORDER1234567890", "000", "1500.00", "9ffd1bb0544990197e4f26ab71b0feaae5f8ee3d824e70c8bcb52d14b5584652") {
			b.Fatal("verify")
		}
	}
}

// BenchmarkInvoiceInquiry creates an invoice and inquires it against the
// simulator, through the adapter and through a raw net/http client that
// sends prebuilt bodies and only reads the answers: the difference is the
// adapter's own cost (encoding, checksums, verification, error mapping,
// the retry-safe client).
func BenchmarkInvoiceInquiry(b *testing.B) {
	sim := golomttest.NewServer()
	defer sim.Close()
	key := payment.Secret(sim.Secret())
	amount := payment.MustParseMoney("1500", "MNT")
	const callback = "https://shop.example/golomt/return"
	var seq int
	nextID := func() string { seq++; return fmt.Sprintf("B%014d", seq) }

	b.Run("adapter", func(b *testing.B) {
		p, err := New(Config{BearerToken: payment.Secret(sim.BearerToken()), ChecksumKey: key}, provider.WithBaseURL(sim.URL()))
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]string, 0, b.N)
		for range b.N {
			ids = append(ids, nextID())
		}
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			created, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: ids[i], Amount: amount, ReturnURL: callback})
			if err != nil {
				b.Fatal(err)
			}
			got, err := p.Inquire(ctx, created.Ref)
			if err != nil || got.Status != payment.StatusRequiresAction {
				b.Fatal(err)
			}
		}
	})

	b.Run("raw_net_http", func(b *testing.B) {
		type pair struct{ invoice, inquiry []byte }
		reqs := make([]pair, 0, b.N)
		for range b.N {
			id := nextID()
			inv, _ := json.Marshal(map[string]string{"amount": "1500.00", "callback": callback, "genToken": "N", "returnType": "GET",
				"transactionId": id, "checksum": Checksum(key, id, "1500.00", "GET", callback)})
			inq, _ := json.Marshal(map[string]string{"transactionId": id, "checksum": Checksum(key, id, id)})
			reqs = append(reqs, pair{inv, inq})
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
		header := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + sim.BearerToken()}}
		post := func(url string, body []byte) {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header = header
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("HTTP %d", resp.StatusCode)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			post(sim.URL()+"/api/invoice", reqs[i].invoice)
			post(sim.URL()+"/api/inquiry", reqs[i].inquiry)
		}
	})
}
