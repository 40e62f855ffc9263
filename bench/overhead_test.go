package bench_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/bench"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/provider"
)

// The overhead benchmarks run the client side alone: every exchange is
// answered in memory by a canned http.RoundTripper, so what is left is the
// cost of the adapter and of the provider transport above what a raw
// http.Client with prebuilt bodies spends. They run the two sides in
// alternating batches and report, per call, the wall and CPU time of each
// and their difference (extra-ns/op, extra-cpu-ns/op): the library's own
// cost in absolute terms, to set against the end-to-end ratios.

const overheadBatch = 64

// runOverhead alternates batches of adapter and raw calls.
func runOverhead(b *testing.B, adapter, raw func(i int) error) {
	var ta, tr, ca, cr time.Duration
	n := 0
	b.ResetTimer()
	for n < b.N {
		k := min(overheadBatch, b.N-n)
		for side := range 2 {
			f, t, c := adapter, &ta, &ca
			if side == 1 {
				f, t, c = raw, &tr, &cr
			}
			u0, _ := bench.CPUTime()
			start := time.Now()
			for i := n; i < n+k; i++ {
				if err := f(i); err != nil {
					b.Fatal(err)
				}
			}
			*t += time.Since(start)
			u1, _ := bench.CPUTime()
			*c += u1 - u0
		}
		n += k
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(ta), "adapter-ns/op")
	b.ReportMetric(per(tr), "raw-ns/op")
	b.ReportMetric(per(ta-tr), "extra-ns/op")
	if cr > 0 {
		b.ReportMetric(per(ca), "adapter-cpu-ns/op")
		b.ReportMetric(per(cr), "raw-cpu-ns/op")
		b.ReportMetric(per(ca-cr), "extra-cpu-ns/op")
	}
}

// ---- canned gateways ----

// cannedGMO answers EntryTran and ExecTran (ACS=0 with a valid
// CheckString) in memory.
type cannedGMO struct{}

func (cannedGMO) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	var out string
	switch {
	case strings.HasSuffix(r.URL.Path, "/EntryTran.idPass"):
		out = "AccessID=3618be802c7ac572414274731e50cb6c&AccessPass=4099664bd4b110800e09805539d1d7b5"
	default:
		v, _ := url.ParseQuery(string(body))
		order := v.Get("OrderID")
		sum := md5.Sum([]byte(order + "2a99662" + "1" + "" + "6416276" + "1303011202111111111111198895" + "20130301120312" + gmotest.DefaultShopPass))
		out = "ACS=0&OrderID=" + order + "&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString=" + hex.EncodeToString(sum[:])
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/plain;charset=Windows-31J"}},
		Body: io.NopCloser(strings.NewReader(out)), ContentLength: int64(len(out)), Request: r}, nil
}

// cannedGolomt answers /api/pay with a signed approval in memory.
type cannedGolomt struct{ key payment.Secret }

func (c cannedGolomt) RoundTrip(r *http.Request) (*http.Response, error) {
	var req struct {
		Amount        string `json:"amount"`
		TransactionID string `json:"transactionId"`
	}
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	_ = json.Unmarshal(body, &req)
	out := `{"amount":"` + req.Amount + `","errorDesc":"Approved","checksum":"` +
		golomt.Checksum(c.key, req.TransactionID, "000", req.Amount) + `","errorCode":"000","cardNumber":"949625******0003","transactionId":"` +
		req.TransactionID + `"}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(out)), ContentLength: int64(len(out)), Request: r}, nil
}

// cannedPlain answers anything with a short body.
type cannedPlain struct{}

func (cannedPlain) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	const out = "AccessID=3618be802c7ac572414274731e50cb6c&AccessPass=4099664bd4b110800e09805539d1d7b5"
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{},
		Body: io.NopCloser(strings.NewReader(out)), ContentLength: int64(len(out)), Request: r}, nil
}

// rawCanned posts a prebuilt body with a plain http.Client over rt (the
// end-to-end baseline, rawClient, on a canned transport).
func rawCanned(rt http.RoundTripper, header http.Header) func(url string, body []byte) ([]byte, error) {
	return (&rawClient{hc: &http.Client{Transport: rt}, header: header}).post
}

// BenchmarkOverhead: the client-side cost per operation, in memory:
//
//   - transport: provider.Client.Do against http.Client.Do, one exchange;
//   - gmo-charge: CreatePayment + Confirm against EntryTran + ExecTran;
//   - golomt-pay: PayWithToken against /api/pay.
func BenchmarkOverhead(b *testing.B) {
	ctx := context.Background()
	b.Run("transport", func(b *testing.B) {
		const u = "http://gateway.invalid/payment/EntryTran.idPass"
		body := entryBody("order-1", "CAPTURE")
		c := provider.NewHTTPClient("bench", provider.Apply(provider.WithHTTPClient(&http.Client{Transport: cannedPlain{}})))
		post := rawCanned(cannedPlain{}, gmoForm)
		runOverhead(b, func(int) error {
			_, err := c.Do(ctx, &provider.Request{Op: "create", URL: u, Header: gmoForm, Body: body, Idempotent: true})
			return err
		}, func(int) error {
			_, err := post(u, body)
			return err
		})
	})
	b.Run("gmo-charge", func(b *testing.B) {
		p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
			provider.WithBaseURL("http://gmo.invalid"), provider.WithHTTPClient(&http.Client{Transport: cannedGMO{}}))
		if err != nil {
			b.Fatal(err)
		}
		post := rawCanned(cannedGMO{}, gmoForm)
		const tok = "tok"
		orders := make([]string, b.N)
		entries := make([][]byte, b.N)
		for i := range orders {
			orders[i] = "o-" + strconv.Itoa(i)
			entries[i] = entryBody(orders[i], "CAPTURE")
		}
		runOverhead(b, func(i int) error {
			pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: orders[i],
				Amount: payment.MoneyFromMinor(1000, payment.JPY), ReturnURL: "https://shop.example/return"})
			if err != nil {
				return err
			}
			got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}})
			if err == nil && got.Status != payment.StatusCaptured {
				err = fmt.Errorf("status %v", got.Status)
			}
			return err
		}, func(i int) error {
			r, err := post("http://gmo.invalid/payment/EntryTran.idPass", entries[i])
			if err != nil {
				return err
			}
			exec, err := execBody(r, orders[i], tok)
			if err != nil {
				return err
			}
			_, err = post("http://gmo.invalid/payment/ExecTran.idPass", exec)
			return err
		})
	})
	b.Run("golomt-pay", func(b *testing.B) {
		key := payment.NewSecret("testSecret")
		rt := cannedGolomt{key: key}
		p, err := golomt.New(golomt.Config{BearerToken: payment.NewSecret("bearer"), ChecksumKey: key},
			provider.WithBaseURL("http://golomt.invalid"), provider.WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			b.Fatal(err)
		}
		const tok = "0f2b9d1c3e4a5b6c7d8e9f0a1b2c3d4e"
		secret := payment.NewSecret(tok)
		post := rawCanned(rt, http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer bearer"}})
		ids := make([]string, b.N)
		bodies := make([][]byte, b.N)
		for i := range ids {
			ids[i] = fmt.Sprintf("P%014d", i)
			bodies[i] = []byte(`{"amount":"1500.00","checksum":"` + golomt.Checksum(key, "1500.00", ids[i], tok) +
				`","lang":"MN","token":"` + tok + `","transactionId":"` + ids[i] + `"}`)
		}
		runOverhead(b, func(i int) error {
			got, err := p.PayWithToken(ctx, golomt.TokenPaymentRequest{OrderID: ids[i], Amount: mnt1500, Token: secret})
			if err == nil && got.Status != payment.StatusCaptured {
				err = fmt.Errorf("status %v", got.Status)
			}
			return err
		}, func(i int) error {
			_, err := post("http://golomt.invalid/api/pay", bodies[i])
			return err
		})
	})
}
