package paymenttest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/kessai/payment"
	"github.com/kessai/payment/paymenttest"
)

func Example() {
	ctx := context.Background()
	p, err := paymenttest.New(paymenttest.Config{})
	if err != nil {
		panic(err)
	}
	pay, _ := p.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID: "order-1001", Amount: payment.MustParseMoney("1500", "JPY")})
	pay, _ = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Approve()})
	fmt.Println(pay.Status, pay.Captured, pay.Card.Last4)

	pay, _ = p.Refund(ctx, payment.RefundRequest{Ref: pay.Ref})
	fmt.Println(pay.Status, pay.Refunded)

	l := p.Ledger("order-1001")
	fmt.Printf("charged %v in %d charge, refunded %v in %d refund\n", l.Charged, l.Charges, l.Refunded, l.Refunds)
	// Output:
	// captured JPY 1500 4242
	// refunded JPY 1500
	// charged JPY 1500 in 1 charge, refunded JPY 1500 in 1 refund
}

func Example_decline() {
	ctx := context.Background()
	p, _ := paymenttest.New(paymenttest.Config{})
	pay, _ := p.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID: "order-1002", Amount: payment.MustParseMoney("1500.00", "MNT")})
	_, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Decline()})

	var pe *payment.Error
	if errors.Is(err, payment.ErrDeclined) && errors.As(err, &pe) {
		fmt.Println("declined:", pe.GatewayCode)
	}
	fmt.Println(err)
	// Output:
	// declined: declined_insufficient_funds
	// payment: paymenttest: confirm: declined (declined_insufficient_funds): insufficient funds
}

func Example_challenge() {
	ctx := context.Background()
	p, _ := paymenttest.New(paymenttest.Config{})
	pay, _ := p.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID: "order-1003", Amount: payment.MustParseMoney("980", "JPY"),
		ReturnURL: "https://shop.example/return"})
	pay, _ = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Challenge()})
	fmt.Println(pay.Status, pay.NextAction.Method)

	// The customer passes the challenge; the browser comes back.
	ret, _ := p.CompleteAction(pay.Ref, true)
	pay, _ = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Return: ret})
	fmt.Println(pay.Status)
	// Output:
	// requires_action GET
	// captured
}

func ExampleProvider_InjectFault() {
	ctx := context.Background()
	p, _ := paymenttest.New(paymenttest.Config{})
	pay, _ := p.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID: "order-1004", Amount: payment.MustParseMoney("1500", "JPY")})

	// The gateway charges the card, but the answer is lost.
	p.InjectFault(paymenttest.OpConfirm, paymenttest.FaultDropAfterProcess)
	_, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Approve()})
	fmt.Println(errors.Is(err, payment.ErrOutcomeUnknown))

	// Never resend: ask the gateway.
	pay, _ = p.Inquire(ctx, pay.Ref)
	fmt.Println(pay.Status, p.Ledger("order-1004").Charges)
	// Output:
	// true
	// captured 1
}
