package golomt_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/kessai/payment"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
)

// Example is the whole hosted-page flow against the simulator: create an
// invoice, let the customer pay on the bank's page, confirm server-side.
func Example() {
	ctx := context.Background()
	sim := golomttest.NewServer()
	defer sim.Close()

	p, err := golomt.New(golomt.Config{
		BearerToken: payment.NewSecret(sim.BearerToken()),
		ChecksumKey: payment.NewSecret(sim.Secret()),
		Language:    "en",
	}, provider.WithBaseURL(sim.URL()))
	if err != nil {
		log.Fatal(err)
	}
	pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID:   "ORDER1234",
		Amount:    payment.MustParseMoney("15000", "MNT"),
		ReturnURL: "https://shop.example/golomt/return",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pay.Status, pay.NextAction.Method)

	// The customer pays on the bank's page; the browser comes back.
	back, err := sim.PayInvoice(ctx, pay.NextAction.URL, golomttest.CardApproved)
	if err != nil {
		log.Fatal(err)
	}
	hint, err := golomt.ParseRedirect(back) // unsigned: which order, nothing more
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hint.TransactionID)

	pay, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pay.Status, pay.Captured, pay.Card.Masked)
	// Output:
	// requires_action GET
	// ORDER1234
	// captured MNT 15000.00 949625******0003
}

// ExampleParseRedirect reads the bank's return in the callback handler and
// asks the bank for the truth.
func ExampleParseRedirect() {
	var p *golomt.Provider // from golomt.New
	refs := map[string]payment.PaymentRef{}
	http.HandleFunc("/golomt/return", func(w http.ResponseWriter, r *http.Request) {
		hint, err := golomt.ParseRedirect(r)
		if err != nil {
			http.Error(w, "bad return", http.StatusBadRequest)
			return
		}
		pay, err := p.Confirm(r.Context(), payment.ConfirmRequest{Ref: refs[hint.TransactionID]})
		switch {
		case errors.Is(err, payment.ErrDeclined):
			fmt.Fprintln(w, "card declined:", pay.GatewayMessage)
		case err != nil:
			http.Error(w, "try again later", http.StatusServiceUnavailable)
		case pay.Status == payment.StatusCaptured:
			fmt.Fprintln(w, "paid")
		default:
			http.Redirect(w, r, pay.NextAction.URL, http.StatusSeeOther)
		}
	})
}

// ExampleProvider_HandleNotification mounts the push endpoint registered
// with the bank.
func ExampleProvider_HandleNotification() {
	var p *golomt.Provider // from golomt.New
	http.Handle("/golomt/notify", payment.NotificationHandler(p, func(ctx context.Context, n *payment.Notification) error {
		// Verified by checksum and inquiry; idempotent on n.ID.
		log.Printf("order %s is %v", n.OrderID, n.Status)
		return nil
	}))
}

// ExampleProvider_PayWithToken charges a stored card token. An ambiguous
// outcome is never resent.
func ExampleProvider_PayWithToken() {
	ctx := context.Background()
	var p *golomt.Provider   // from golomt.New
	var token payment.Secret // Payment.CardToken of an earlier payment made with SaveCard
	pay, err := p.PayWithToken(ctx, golomt.TokenPaymentRequest{
		OrderID: "SUB202611",
		Amount:  payment.MustParseMoney("9900", "MNT"),
		Token:   token,
	})
	switch {
	case errors.Is(err, payment.ErrOutcomeUnknown):
		// Do not charge again: ask later.
		pay, err = p.Inquire(ctx, pay.Ref)
	case errors.Is(err, payment.ErrDeclined):
		log.Printf("declined (%s)", pay.GatewayCode)
	}
	_ = err
}

// Example_open opens the provider by URL, with the secrets in the
// environment (GOLOMT_BEARER_TOKEN, GOLOMT_CHECKSUM_KEY).
func Example_open() {
	sim := golomttest.NewServer()
	defer sim.Close()
	os.Setenv(golomt.EnvBearerToken, sim.BearerToken())
	os.Setenv(golomt.EnvChecksumKey, sim.Secret())
	defer os.Unsetenv(golomt.EnvBearerToken)
	defer os.Unsetenv(golomt.EnvChecksumKey)

	p, err := payment.Open(context.Background(), "golomt://?lang=en&base_url="+sim.URL())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name(), p.Capabilities().Currencies)
	// Output: golomt [MNT]
}
