package payment_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/kessai/payment"
)

func ExampleParseMoney() {
	yen, _ := payment.ParseMoney("1500", "JPY")
	tugrik, _ := payment.ParseMoney("1500", "MNT")
	fmt.Println(yen, yen.MinorUnits())
	fmt.Println(tugrik, tugrik.MinorUnits())

	_, err := payment.ParseMoney("1.5", "JPY")
	fmt.Println(errors.Is(err, payment.ErrInvalidRequest))
	// Output:
	// JPY 1500 1500
	// MNT 1500.00 150000
	// true
}

func ExampleMoney_Sub() {
	paid := payment.MustParseMoney("1500.00", "MNT")
	refunded := payment.MoneyFromMinor(25050, payment.MNT)
	left, _ := paid.Sub(refunded)
	fmt.Println(left)

	_, err := paid.Sub(payment.MustParseMoney("100", "JPY"))
	fmt.Println(err)
	// Output:
	// MNT 1249.50
	// payment: money: invalid request: Currency: cannot subtract MNT and JPY
}

func ExampleRegistry() {
	var reg payment.Registry
	reg.Register("fake", func(ctx context.Context, u *url.URL) (payment.Provider, error) {
		return nil, errors.New("fake: not configured")
	})
	fmt.Println(reg.Providers())

	_, err := reg.Open(context.Background(), "stripe://key@api")
	fmt.Println(errors.Is(err, payment.ErrUnknownProvider))
	// Output:
	// [fake]
	// true
}

func ExampleStatus_CanBecome() {
	fmt.Println(payment.StatusAuthorized.CanBecome(payment.StatusCaptured))
	fmt.Println(payment.StatusFailed.CanBecome(payment.StatusCaptured))
	fmt.Println(payment.StatusRefunded.CanBecome(payment.StatusAuthorized))
	// Output:
	// true
	// false
	// false
}

func ExampleSecret() {
	pass := payment.NewSecret("hunter2")
	fmt.Printf("%v %s %+v %q\n", pass, pass, pass, pass)
	fmt.Println(pass.Reveal())
	// Output:
	// [REDACTED] [REDACTED] [REDACTED] [REDACTED]
	// hunter2
}
