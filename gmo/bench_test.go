package gmo_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/provider"
)

// chargers builds the two clients of the comparison against one simulator:
// the adapter (CreatePayment + Confirm with a card token) and a raw
// net/http client posting the same EntryTran and ExecTran requests with
// prebuilt bodies. Each returns a function that runs charge i.
func chargers(b *testing.B, sim *gmotest.Server, n int, tag string) (adapter, raw func(i int)) {
	b.Helper()
	tokens := func() []string {
		out := make([]string, n)
		for i := range out {
			t, err := sim.IssueToken(gmotest.CardApprove, "203012", "", "")
			if err != nil {
				b.Fatal(err)
			}
			out[i] = t
		}
		return out
	}
	p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: gmotest.DefaultShopPass},
		provider.WithBaseURL(sim.URL()))
	if err != nil {
		b.Fatal(err)
	}
	atoks := tokens()
	ctx := context.Background()
	adapter = func(i int) {
		pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{
			OrderID: tag + "a-" + strconv.Itoa(i), Amount: payment.MoneyFromMinor(1000, payment.JPY),
			ReturnURL: "https://shop.example/return",
		})
		if err != nil {
			b.Fatal(err)
		}
		got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.Secret(atoks[i])}})
		if err != nil || got.Status != payment.StatusCaptured {
			b.Fatal(err)
		}
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	rtoks := tokens()
	entry := make([][]byte, n)
	for i := range entry {
		entry[i] = []byte("ShopID=" + gmotest.DefaultShopID + "&ShopPass=" + gmotest.DefaultShopPass +
			"&OrderID=" + tag + "r-" + strconv.Itoa(i) + "&JobCd=CAPTURE&Amount=1000&TdFlag=2")
	}
	post := func(api string, body []byte) []byte {
		req, _ := http.NewRequest(http.MethodPost, sim.URL()+"/payment/"+api+".idPass", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return out
	}
	raw = func(i int) {
		r := post("EntryTran", entry[i])
		id, pass, ok := bytes.Cut(r, []byte("&AccessPass="))
		if !ok {
			b.Fatalf("entrytran: %s", r)
		}
		exec := make([]byte, 0, 256)
		exec = append(exec, "AccessID="...)
		exec = append(exec, bytes.TrimPrefix(id, []byte("AccessID="))...)
		exec = append(exec, "&AccessPass="...)
		exec = append(exec, pass...)
		exec = append(exec, "&OrderID="+tag+"r-"+strconv.Itoa(i)+"&Method=1&Token="+rtoks[i]+"&RetUrl=https%3A%2F%2Fshop.example%2Freturn"...)
		if r := post("ExecTran", exec); !bytes.HasPrefix(r, []byte("ACS=0&")) {
			b.Fatalf("exectran: %s", r)
		}
	}
	return adapter, raw
}

var benchRun int

func benchTag() string {
	benchRun++
	return "b" + strconv.Itoa(benchRun) + "-"
}

// BenchmarkCharge measures a full card charge (EntryTran + ExecTran)
// against the simulator, through the adapter and through a raw net/http
// client that sends the same two requests with prebuilt bodies, in the same
// run. "interleaved" alternates the two in one loop, so load from other
// processes hits both alike, and reports ns per charge of each and their
// ratio (target: adapter ≤ 1.10 × raw):
//
//	go test -run XXX -bench Charge -benchmem ./gmo/
func BenchmarkCharge(b *testing.B) {
	sim := gmotest.NewServer(gmotest.WithTokenLifetime(24 * time.Hour))
	defer sim.Close()

	b.Run("adapter", func(b *testing.B) {
		adapter, _ := chargers(b, sim, b.N, benchTag())
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			adapter(i)
		}
	})
	b.Run("raw", func(b *testing.B) {
		_, raw := chargers(b, sim, b.N, benchTag())
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			raw(i)
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		adapter, raw := chargers(b, sim, b.N, benchTag())
		var ta, tr time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			adapter(i)
			t1 := time.Now()
			raw(i)
			tr += time.Since(t1)
			ta += t1.Sub(t0)
		}
		b.ReportMetric(float64(ta.Nanoseconds())/float64(b.N), "adapter-ns/charge")
		b.ReportMetric(float64(tr.Nanoseconds())/float64(b.N), "raw-ns/charge")
		b.ReportMetric(float64(ta)/float64(tr), "adapter/raw")
	})
}
