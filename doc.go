// Package payment is one payment API over very different gateways: GMO
// Payment Gateway (Japan) and Golomt Bank e-commerce (Mongolia), with room
// for more. Applications hold a [Provider] and call CreatePayment, Confirm,
// Capture, Refund and HandleNotification; adapters translate to each
// gateway's wire format.
//
// # Providers
//
// Adapters live in their own packages (github.com/kessai/payment/gmo,
// github.com/kessai/payment/golomt) and register a URL scheme from init, the
// way database/sql drivers do. Build one with its New function, or open it
// by URL:
//
//	import _ "github.com/kessai/payment/gmo"
//	p, err := payment.Open(ctx, "gmo://SHOPID:SHOPPASS@pt01.mul-pay.jp")
//
// What a provider can do is in [Capabilities]. Calls it cannot do fail with
// [ErrUnsupported] (which also matches [errors.ErrUnsupported]) before any
// network I/O. Abilities beyond the five calls are small interfaces found by
// type assertion: [Voider] (cancel an authorization) and [Inquirer] (read
// the gateway's truth, the basis of reconciliation).
//
// A payment moves through the statuses in [Status]; [Status.CanBecome]
// encodes the legal transitions. Outcomes that are not final yet
// (a 3-D Secure redirect, a hosted card page, a konbini voucher) are a
// status plus a [NextAction], not errors.
//
// # Routing and notifications
//
// A shop selling in several markets holds one [Router]: a Provider over
// named providers that picks one per CreatePayment by declared [Rule]s
// (currency, country, amount range, or an explicit provider name in the
// request) and sends every later call to the provider that created the
// payment, whose name it puts in front of the [PaymentRef]. A ref of no
// route is [ErrInvalidRequest], never a call to the wrong gateway. Failover
// to the next eligible provider happens only when CreatePayment failed with
// proof that the request never left (a dial or DNS error), never after a
// money-moving call.
//
// [NotificationHandler] turns any Provider (a Router too) into an
// http.Handler for gateway notifications: it reads the body with a size
// limit, lets the provider verify it, calls the application's [NotifyFunc]
// and writes exactly the reply the gateway expects — the acknowledgement
// on success, the gateway's "send again" reply when the application's
// function fails, so a storage error never loses an event:
//
//	mux.Handle("POST /notify/{provider}", payment.NotificationHandler(router, record))
//
// Package middleware adds structured logging and a metrics/tracing hook
// around any Provider.
//
// # Errors
//
// Every failure is a non-nil error that matches one sentinel through
// [errors.Is]: [ErrDeclined], [ErrInvalidRequest], [ErrAuthentication],
// [ErrDuplicate], [ErrNotFound], [ErrRateLimited], [ErrUnavailable],
// [ErrOutcomeUnknown], [ErrInvalidSignature], [ErrUnsupported],
// [ErrUnknownProvider]. Details (the gateway's raw codes and messages,
// whether a retry is safe) are on [*Error], found with [errors.As].
//
// [ErrOutcomeUnknown] is the important one: the request may have reached the
// gateway. Never resend a money-moving call after it; ask the gateway with
// [Inquirer.Inquire]. Adapters do this themselves where they can and return
// [StatusUnknown] or ErrOutcomeUnknown only when even the inquiry failed.
// When a context ends after a request may have been sent, the error matches
// both ctx.Err() and ErrOutcomeUnknown.
//
// # Money
//
// [Money] is an exact decimal (shopspring/decimal) in one ISO 4217
// [Currency], with minor units from our own table (JPY 0, MNT 2, KWD 3).
// Constructors reject amounts with more decimals than the currency allows
// instead of rounding, arithmetic across currencies fails, and JSON carries
// amounts as strings. There is no float64 anywhere in the API.
//
// # Logging and redaction
//
// Nothing is logged unless the application passes a *zap.Logger
// (provider.WithLogger). Adapters log allow-listed fields only: ids, amount,
// status, gateway codes, the last four card digits. Credentials, card tokens
// and GMO's AccessPass are [Secret] values that print [REDACTED] in every
// fmt verb, JSON and zap. Error strings never contain secrets.
//
// # Writing a provider
//
// Implement [Provider] in a package of your own, build HTTP calls on
// github.com/kessai/payment/provider (its client never resends a
// money-moving request), register a scheme from init, and prove the adapter
// with github.com/kessai/payment/conformance against an offline simulator of
// your gateway. See the conformance package documentation.
package payment
