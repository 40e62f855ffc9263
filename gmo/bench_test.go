package gmo_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
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
		got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(atoks[i])}})
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

// cannedRT answers EntryTran and ExecTran in process, so
// BenchmarkChargeOverhead measures the client side alone: the adapter (and
// the provider transport under it) against a bare http.Client doing the
// same two round trips.
type cannedRT struct{}

func (cannedRT) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	var out string
	switch {
	case strings.HasSuffix(r.URL.Path, "/EntryTran.idPass"):
		out = "AccessID=3618be802c7ac572414274731e50cb6c&AccessPass=4099664bd4b110800e09805539d1d7b5"
	default:
		v, _ := url.ParseQuery(string(body))
		order := v.Get("OrderID")
		cs := md5hex(order + "2a99662" + "1" + "" + "6416276" + "1303011202111111111111198895" + "20130301120312" + gmotest.DefaultShopPass)
		out = "ACS=0&OrderID=" + order + "&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString=" + cs
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain;charset=Windows-31J"}},
		Body: io.NopCloser(strings.NewReader(out)), ContentLength: int64(len(out)), Request: r}, nil
}

func BenchmarkChargeOverhead(b *testing.B) {
	b.Run("adapter", func(b *testing.B) {
		p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
			provider.WithBaseURL("http://gmo.invalid"), provider.WithHTTPClient(&http.Client{Transport: cannedRT{}}))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o-" + strconv.Itoa(i),
				Amount: payment.MoneyFromMinor(1000, payment.JPY), ReturnURL: "https://shop.example/return"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret("tok")}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		c := &http.Client{Transport: cannedRT{}}
		post := func(api, body string) []byte {
			req, _ := http.NewRequest(http.MethodPost, "http://gmo.invalid/payment/"+api+".idPass", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return out
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			r := post("EntryTran", "ShopID=tshop00000001&ShopPass=shoppass1&OrderID=o-"+strconv.Itoa(i)+"&JobCd=CAPTURE&Amount=1000&TdFlag=2")
			id, pass, _ := bytes.Cut(r, []byte("&AccessPass="))
			post("ExecTran", string(id)+"&AccessPass="+string(pass)+"&OrderID=o-"+strconv.Itoa(i)+"&Method=1&Token=tok&RetUrl=https%3A%2F%2Fshop.example%2Freturn")
		}
	})
}
