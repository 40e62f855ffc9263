package golomt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

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
	key := payment.NewSecret(sim.Secret())
	amount := payment.MustParseMoney("1500", "MNT")
	const callback = "https://shop.example/golomt/return"
	var seq int
	nextID := func() string { seq++; return fmt.Sprintf("B%014d", seq) }

	b.Run("adapter", func(b *testing.B) {
		p, err := New(Config{BearerToken: payment.NewSecret(sim.BearerToken()), ChecksumKey: key}, provider.WithBaseURL(sim.URL()))
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
		raw := newRawClient(b, sim, key, callback, nextID)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			raw.pair(b, i)
		}
	})

	// interleaved alternates the two in one loop, so that load from other
	// processes hits both alike, and reports their ratio.
	b.Run("interleaved", func(b *testing.B) {
		p, err := New(Config{BearerToken: payment.NewSecret(sim.BearerToken()), ChecksumKey: key}, provider.WithBaseURL(sim.URL()))
		if err != nil {
			b.Fatal(err)
		}
		raw := newRawClient(b, sim, key, callback, nextID)
		ids := make([]string, 0, b.N)
		for range b.N {
			ids = append(ids, nextID())
		}
		ctx := context.Background()
		var tAdapter, tRaw time.Duration
		b.ResetTimer()
		for i := range b.N {
			t0 := time.Now()
			created, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: ids[i], Amount: amount, ReturnURL: callback})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Inquire(ctx, created.Ref); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			raw.pair(b, i)
			t2 := time.Now()
			tAdapter += t1.Sub(t0)
			tRaw += t2.Sub(t1)
		}
		b.ReportMetric(float64(tAdapter.Nanoseconds())/float64(b.N), "adapter-ns/op")
		b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "raw-ns/op")
		b.ReportMetric(float64(tAdapter)/float64(tRaw), "adapter/raw")
	})
}

// rawClient sends prebuilt invoice and inquiry bodies with net/http and
// only reads the answers.
type rawClient struct {
	url    string
	client *http.Client
	header http.Header
	reqs   [][2][]byte
}

func newRawClient(b *testing.B, sim *golomttest.Server, key payment.Secret, callback string, nextID func() string) *rawClient {
	r := &rawClient{url: sim.URL(), client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}},
		header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + sim.BearerToken()}}}
	for range b.N {
		id := nextID()
		inv, _ := json.Marshal(map[string]string{"amount": "1500.00", "callback": callback, "genToken": "N", "returnType": "GET",
			"transactionId": id, "checksum": Checksum(key, id, "1500.00", "GET", callback)})
		inq, _ := json.Marshal(map[string]string{"transactionId": id, "checksum": Checksum(key, id, id)})
		r.reqs = append(r.reqs, [2][]byte{inv, inq})
	}
	return r
}

func (r *rawClient) post(b *testing.B, url string, body []byte) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header = r.header
	resp, err := r.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("HTTP %d", resp.StatusCode)
	}
}

func (r *rawClient) pair(b *testing.B, i int) {
	r.post(b, r.url+"/api/invoice", r.reqs[i][0])
	r.post(b, r.url+"/api/inquiry", r.reqs[i][1])
}
