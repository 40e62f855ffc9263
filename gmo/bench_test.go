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

// BenchmarkCharge measures a full card charge (EntryTran + ExecTran)
// against the simulator, through the adapter and through a raw net/http
// client that sends the same two requests with prebuilt bodies, in the same
// run. Compare the two ns/op (target: adapter ≤ 1.10 × raw):
//
//	go test -run XXX -bench Charge -benchmem ./gmo/
func BenchmarkCharge(b *testing.B) {
	sim := gmotest.NewServer(gmotest.WithTokenLifetime(24 * time.Hour))
	defer sim.Close()
	tokens := func(n int) []string {
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
	run := 0

	b.Run("adapter", func(b *testing.B) {
		p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: gmotest.DefaultShopPass},
			provider.WithBaseURL(sim.URL()))
		if err != nil {
			b.Fatal(err)
		}
		run++
		prefix := "ba" + strconv.Itoa(run) + "-"
		toks := tokens(b.N + 1)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{
				OrderID: prefix + strconv.Itoa(i), Amount: payment.MoneyFromMinor(1000, payment.JPY),
				ReturnURL: "https://shop.example/return",
			})
			if err != nil {
				b.Fatal(err)
			}
			got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.Secret(toks[i])}})
			if err != nil || got.Status != payment.StatusCaptured {
				b.Fatal(err)
			}
		}
	})

	b.Run("raw", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
		run++
		prefix := "br" + strconv.Itoa(run) + "-"
		toks := tokens(b.N + 1)
		entry := make([][]byte, b.N)
		for i := range entry {
			entry[i] = []byte("ShopID=" + gmotest.DefaultShopID + "&ShopPass=" + gmotest.DefaultShopPass +
				"&OrderID=" + prefix + strconv.Itoa(i) + "&JobCd=CAPTURE&Amount=1000&TdFlag=2")
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
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
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
			exec = append(exec, "&OrderID="+prefix+strconv.Itoa(i)+"&Method=1&Token="+toks[i]+"&RetUrl=https%3A%2F%2Fshop.example%2Freturn"...)
			if r := post("ExecTran", exec); !bytes.HasPrefix(r, []byte("ACS=0&")) {
				b.Fatalf("exectran: %s", r)
			}
		}
	})
}
