// Package toypay is a complete, deliberately small kessai adapter for
// ToyPay, a fictional card gateway: a JSON API with sale, manual capture,
// void, refunds, an "outcome unknown" answer and HMAC-signed webhooks. It is
// teaching material: copy its shape when you write a provider for a real
// gateway. Its simulator is
// github.com/kessai/payment/examples/provider/toypay/toypaytest, whose
// package doc is ToyPay's wire specification.
//
//	p, err := toypay.New(toypay.Config{APIKey: key, WebhookSecret: whsec})
//	pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "order-1", Amount: payment.MustParseMoney("1000", "JPY")})
//	pay, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: token}})
//
// # Writing a provider, step by step
//
//  1. Write the simulator first (toypaytest), from the gateway's
//     documentation and without importing the adapter, so the two check
//     each other. It needs a ledger of the money it moved, fault injection
//     for the next request of an endpoint (processed-then-dropped,
//     processed-then-held, a 5xx that applied nothing, the gateway's
//     "outcome unknown" answer, an HTML page) and the gateway's
//     notifications as *http.Request values.
//  2. Config holds the required settings, secrets as payment.Secret; New
//     validates it, applies the provider.Option values and builds one
//     provider.Client with provider.NewHTTPClient. The provider is
//     immutable after New. Register an opener for the scheme in init.
//  3. Declare Capabilities truthfully and implement payment.Voider /
//     payment.Inquirer for what it declares. Anything else fails with
//     payment.Unsupported before any I/O.
//  4. Validate before any I/O: req.Validate(), then the gateway's own rules
//     (order id characters and length, currency, decimals checked against
//     payment.LookupCurrency, never against the Money's own Currency
//     value; a maximum amount). Fail with payment.InvalidRequest naming
//     the field. Never round.
//  5. Mark a request provider.Request.Idempotent only when it moves no
//     money (inquiries, and here CreatePayment, which ToyPay answers with
//     the existing payment when repeated). Everything else is sent once.
//  6. Map the gateway's answers in one place (classify and the kinds
//     table) to the payment sentinels, keeping the gateway's code on
//     *payment.Error. A failure is always a non-nil error; a decline also
//     returns the failed payment.
//  7. When a money-moving call's outcome is unknown (timeout after sending,
//     dropped connection, 5xx other than "nothing applied", HTML, an
//     unreadable answer, the gateway's own unknown code), never resend.
//     Ask the gateway: ToyPay lists the request_id of every applied call,
//     so one inquiry proves whether this call landed. Return the new state
//     if it did, and otherwise an error matching payment.ErrOutcomeUnknown
//     (and ctx.Err() when the context ended) for the application to
//     resolve with Inquire later.
//  8. Verify notifications before trusting a byte: bounded read, signature
//     over the raw body with hmac.Equal, a timestamp tolerance; then report
//     the state an inquiry returns, so late and repeated deliveries never
//     move a payment backwards.
//  9. Log typed allow-listed fields only (zap.Object of the payment, ids,
//     codes), under provider.Logger(o, Name); never bodies or headers.
//  10. Pass conformance.Run with a harness over the simulator
//     (conformance_test.go), and add an example_test.go.
//
// # Capabilities
//
//	Capability       ToyPay  How
//	ManualCapture    yes     capture "manual", then Capture
//	PartialCapture   yes     Capture with an amount; the rest is released
//	Refund           yes     Refund, nil Amount = the rest; repeated: a no-op
//	PartialRefund    yes     Refund with an amount
//	MultipleRefunds  yes
//	Void             yes     Void of an authorization
//	Inquiry          yes     GET /v1/payments/{id}
//	Notifications    yes     signed webhooks (Toypay-Signature)
//	ThreeDSecure     no      (ConfirmRequest.Return is ErrUnsupported)
//	HostedPage       no
//	StoredCards      no
//	AsyncPayments    no
//	Currencies       JPY, USD
//
// # Amounts
//
// Amounts go on the wire as decimal strings with exactly the currency's
// ISO 4217 decimals ("1000" JPY, "10.00" USD), at most MaxAmountMinor minor
// units. Anything else is payment.ErrInvalidRequest before any I/O.
//
// # Errors
//
//	ToyPay answer              Kind                         Notes
//	400 invalid_request        payment.ErrInvalidRequest
//	401 unauthorized           payment.ErrAuthentication
//	402 card_declined          payment.ErrDeclined          GatewayCode = decline_code; the failed payment is returned too
//	404 not_found              payment.ErrNotFound
//	409 duplicate_order        payment.ErrDuplicate
//	409 invalid_state          payment.ErrInvalidRequest    e.g. capture after void
//	429 rate_limited           payment.ErrRateLimited       RetrySafe
//	500 outcome_unknown        payment.ErrOutcomeUnknown    reconciled by inquiry
//	503 unavailable            payment.ErrUnavailable       RetrySafe: nothing applied
//	other / unreadable answer  payment.ErrOutcomeUnknown    for money-moving calls (reconciled); ErrUnavailable otherwise
//
// # Testing
//
// toypaytest is the offline simulator; conformance_test.go wires it into
// conformance.Run, which passes except for the redirect scenarios ToyPay
// has no capability for.
package toypay
