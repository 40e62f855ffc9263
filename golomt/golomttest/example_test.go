package golomttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kessai/payment/golomt/golomttest"
)

// post sends a signed JSON call the way a merchant (the adapter) does.
func post(srv *golomttest.Server, path string, body map[string]string) (int, map[string]any) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+srv.BearerToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func Example() {
	srv := golomttest.NewServer()
	defer srv.Close()

	// The merchant creates an invoice.
	id, amount, cb := "ORDER1", "15000.00", "https://shop.example/return"
	_, inv := post(srv, "/api/invoice", map[string]string{
		"amount": amount, "callback": cb, "genToken": "Y", "returnType": "GET", "transactionId": id,
		"checksum": golomttest.Checksum(srv.Secret(), id, amount, "GET", cb),
	})

	// The customer pays on the hosted page and comes back to the shop.
	page := srv.PageURL(inv["invoice"].(string), "en")
	back, err := srv.PayInvoice(context.Background(), page, golomttest.CardApproved)
	if err != nil {
		fmt.Println(err)
		return
	}
	q := back.URL.Query()
	fmt.Println(back.Method, back.URL.Path, q.Get("invoice"), q.Get("status_code"))

	// The redirect is only a hint: the merchant asks the bank.
	_, m := post(srv, "/api/inquiry", map[string]string{"transactionId": id, "checksum": srv.Sign(id, id)})
	fmt.Println(m["status"], m["errorCode"], m["amount"], m["cardNumber"])

	e, _ := srv.Ledger(id)
	fmt.Println(e.State, e.Charges)
	// Output:
	// GET /return ORDER1 000
	// SENT 000 15000.00 949625******0003
	// PAID 1
}

func ExampleServer_InjectFault() {
	srv := golomttest.NewServer()
	defer srv.Close()
	tok := srv.SaveCard(golomttest.CardApproved)

	// The bank charges the card, then the answer is lost.
	srv.InjectFault(golomttest.APIPay, golomttest.Fault{Kind: golomttest.FaultDropAfterProcess})
	code, _ := post(srv, "/api/pay", map[string]string{
		"amount": "500", "transactionId": "T1", "token": tok, "lang": "MN",
		"checksum": srv.Sign("500", "T1", tok),
	})
	fmt.Println("pay answered:", code != 0)

	// The merchant must not pay again: /api/check tells what happened.
	_, m := post(srv, "/api/check", map[string]string{"transactionId": "T1", "checksum": srv.Sign("T1", "T1")})
	e, _ := srv.Ledger("T1")
	fmt.Println(m["errorCode"], m["amount"], e.Charges)
	// Output:
	// pay answered: false
	// 000 500.00 1
}

func ExampleClock() {
	clk := golomttest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := golomttest.NewServer(golomttest.WithClock(clk))
	defer srv.Close()

	_, _ = post(srv, "/api/invoice", map[string]string{
		"amount": "100", "callback": "https://shop.example/cb", "genToken": "N", "returnType": "GET",
		"transactionId": "EXP1", "checksum": srv.Sign("EXP1", "100", "GET", "https://shop.example/cb"),
	})
	clk.Advance(golomttest.DefaultInvoiceLifetime)

	_, m := post(srv, "/api/inquiry", map[string]string{"transactionId": "EXP1", "checksum": srv.Sign("EXP1", "EXP1")})
	e, _ := srv.Ledger("EXP1")
	fmt.Println(m["status"], m["errorCode"], e.State)
	// Output:
	// SENT 101 EXPIRED
}
