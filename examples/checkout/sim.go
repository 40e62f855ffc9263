package main

import (
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
	"go.uber.org/zap"
)

// gmoTokenPath is the simulator's tokenizer endpoint (GMO's server-side
// token API; the simulator takes the card as JSON and allows CORS).
const gmoTokenPath = "/ext/api/credit/getToken"

// newSimGMO returns the GMO adapter configured for the simulator's default
// shop, with 3-D Secure 2.0 (GMO's default since 2025).
func newSimGMO(sim *gmotest.Server, logger *zap.Logger) (payment.Provider, error) {
	cr := sim.Credentials()
	return gmo.New(gmo.Config{
		ShopID:       cr.ShopID,
		ShopPass:     payment.NewSecret(cr.ShopPass),
		TdFlag:       gmo.TdFlag3DS2,
		TdTenantName: "kessai demo",
	}, provider.WithBaseURL(sim.URL()), provider.WithLogger(logger))
}

// newSimGolomt returns the Golomt adapter configured for the simulator,
// whose invoices live for lifetime. The simulator shares the adapter's
// clock, so a short grace is enough before an unpaid invoice counts as
// expired.
func newSimGolomt(sim *golomttest.Server, lifetime time.Duration, logger *zap.Logger) (payment.Provider, error) {
	return golomt.New(golomt.Config{
		BearerToken:     payment.NewSecret(sim.BearerToken()),
		ChecksumKey:     payment.NewSecret(sim.Secret()),
		Language:        "en",
		InvoiceLifetime: lifetime,
		ExpiryGrace:     5 * time.Second,
	}, provider.WithBaseURL(sim.URL()), provider.WithLogger(logger))
}

func gmoTestCards() []testCard {
	return []testCard{
		{Number: gmotest.CardApprove, Note: "approved (frictionless 3-D Secure)"},
		{Number: gmotest.CardChallenge, Note: "3-D Secure challenge page"},
		{Number: gmotest.CardChallengeFail, Note: "3-D Secure challenge that always fails"},
		{Number: gmotest.CardInsufficientFunds, Note: "declined: insufficient funds (42G020000)"},
		{Number: gmotest.CardExpired, Note: "declined: expired card (42G830000)"},
		{Number: gmotest.CardOutcomeUnknown, Note: "authorized, but the answer is E91 (outcome unknown): the shop settles it by inquiry"},
	}
}

func golomtTestCards() []testCard {
	return []testCard{
		{Number: golomttest.CardApproved.Number, Expiry: golomttest.CardApproved.Expiry, Note: "approved (000)"},
		{Number: golomttest.CardExpired.Number, Expiry: golomttest.CardExpired.Expiry, Note: "declined: card expired (300)"},
		{Number: golomttest.CardInsufficientFunds.Number, Expiry: golomttest.CardInsufficientFunds.Expiry, Note: "declined: insufficient funds"},
		{Number: golomttest.CardDeclined.Number, Expiry: golomttest.CardDeclined.Expiry, Note: "declined: do not honour"},
	}
}
