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
	"github.com/kessai/payment/bench"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
)

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

// cannedPay answers /api/pay in process with a signed approval, so
// BenchmarkPayOverhead measures the client side alone: the adapter (and
// the provider transport under it) against a bare http.Client doing the
// same round trip.
type cannedPay struct{ s *signer }

func (c cannedPay) RoundTrip(r *http.Request) (*http.Response, error) {
	var req struct {
		Amount        string `json:"amount"`
		TransactionID string `json:"transactionId"`
	}
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	_ = json.Unmarshal(body, &req)
	out := `{"amount":"` + req.Amount + `","errorDesc":"Approved","checksum":"` +
		c.s.checksum(req.TransactionID, "000", req.Amount) + `","errorCode":"000","cardNumber":"949625******0003","transactionId":"` +
		req.TransactionID + `"}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader([]byte(out))), ContentLength: int64(len(out)), Request: r}, nil
}

// BenchmarkPayOverhead: PayWithToken against a raw http.Client posting a
// prebuilt /api/pay body, both over the in-memory cannedPay transport (go
// test -run XXX -bench PayOverhead -benchmem ./golomt/).
func BenchmarkPayOverhead(b *testing.B) {
	key := payment.NewSecret("testSecret")
	rt := cannedPay{s: newSigner([]byte(key.Reveal()))}
	const tok = "0f2b9d1c3e4a5b6c7d8e9f0a1b2c3d4e"
	amount := payment.MustParseMoney("1500", "MNT")
	b.Run("adapter", func(b *testing.B) {
		p, err := New(Config{BearerToken: payment.NewSecret("bearer"), ChecksumKey: key},
			provider.WithBaseURL("http://golomt.invalid"), provider.WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		secret := payment.NewSecret(tok)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			got, err := p.PayWithToken(ctx, TokenPaymentRequest{OrderID: fmt.Sprintf("P%014d", i), Amount: amount, Token: secret})
			if err != nil || got.Status != payment.StatusCaptured {
				b.Fatal(got, err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		c := &http.Client{Transport: rt}
		hdr := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer bearer"}}
		// Prebuilt bodies, cycled: the canned answer does not care.
		bodies := make([][]byte, 1024)
		for i := range bodies {
			id := fmt.Sprintf("P%014d", i)
			bodies[i] = []byte(`{"amount":"1500.00","checksum":"` + Checksum(key, "1500.00", id, tok) +
				`","lang":"MN","token":"` + tok + `","transactionId":"` + id + `"}`)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://golomt.invalid/api/pay", bytes.NewReader(bodies[i%len(bodies)]))
			req.Header = hdr
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	})
}
