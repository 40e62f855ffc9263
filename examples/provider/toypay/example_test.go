package toypay_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kessai/payment"
	"github.com/kessai/payment/examples/provider/toypay"
	"github.com/kessai/payment/examples/provider/toypay/toypaytest"
	"github.com/kessai/payment/provider"
)

// A sale against the simulator, then a partial refund.
func Example() {
	sim := toypaytest.NewServer()
	defer sim.Close()
	p, err := toypay.New(toypay.Config{APIKey: payment.NewSecret(toypaytest.APIKey), WebhookSecret: payment.NewSecret(toypaytest.WebhookSecret)},
		provider.WithBaseURL(sim.URL()))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "order-1", Amount: payment.MustParseMoney("1000", "JPY")})
	if err != nil {
		panic(err)
	}
	pay, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(toypaytest.TokenApprove)}})
	if err != nil {
		panic(err)
	}
	fmt.Println(pay.Status, pay.Captured)
	part := payment.MustParseMoney("250", "JPY")
	pay, err = p.Refund(ctx, payment.RefundRequest{Ref: pay.Ref, Amount: &part})
	if err != nil {
		panic(err)
	}
	fmt.Println(pay.Status, pay.Refunded)
	// Output:
	// captured JPY 1000
	// partially_refunded JPY 250
}

// A declined card is an error matching payment.ErrDeclined that keeps the
// gateway's code.
func Example_declined() {
	sim := toypaytest.NewServer()
	defer sim.Close()
	p, _ := toypay.New(toypay.Config{APIKey: payment.NewSecret(toypaytest.APIKey), WebhookSecret: payment.NewSecret(toypaytest.WebhookSecret)},
		provider.WithBaseURL(sim.URL()))
	ctx := context.Background()
	pay, _ := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "order-2", Amount: payment.MustParseMoney("10.00", "USD")})
	_, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(toypaytest.TokenDecline)}})
	var pe *payment.Error
	if errors.Is(err, payment.ErrDeclined) && errors.As(err, &pe) {
		fmt.Println("declined:", pe.GatewayCode)
	}
	// Output: declined: insufficient_funds
}

// A webhook handler: verify, then answer what ToyPay expects.
func ExampleProvider_HandleNotification() {
	var p *toypay.Provider // from toypay.New
	http.HandleFunc("POST /toypay/webhook", func(w http.ResponseWriter, r *http.Request) {
		n, err := p.HandleNotification(r.Context(), r)
		if err != nil {
			http.Error(w, "bad webhook", http.StatusBadRequest)
			return
		}
		// … record n.Status for n.OrderID, de-duplicated on n.ID …
		n.Ack.Write(w)
	})
}

// Open by URL once the package is imported; secrets may come from
// TOYPAY_API_KEY and TOYPAY_WEBHOOK_SECRET instead.
func Example_open() {
	p, err := payment.Open(context.Background(), "toypay://"+toypaytest.APIKey+":"+toypaytest.WebhookSecret+"@?base_url=http://127.0.0.1:8089")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Name(), p.Capabilities().Refund)
	// Output: toypay true
}
