// Package paymenttest is an in-memory payment provider for tests, the way
// testing/fstest.MapFS is an in-memory file system. It implements
// payment.Provider, payment.Voider and payment.Inquirer with the real state
// machine (payment.Status.CanBecome), so application code can be unit-tested
// against it without a network, and the conformance suite
// (github.com/kessai/payment/conformance) is proven against it.
//
// # Payments
//
// Build a provider with [New]. The zero [Config] is a card provider with
// every capability (manual and partial capture, partial and multiple
// refunds, void, inquiry, 3-D Secure style challenges, notifications) that
// accepts JPY, MNT and USD. Config.Capabilities restricts it; calls beyond
// the capabilities fail with payment.ErrUnsupported (and
// errors.ErrUnsupported) before any simulated I/O. Config.HostedPage turns it
// into a hosted-page provider: CreatePayment returns StatusRequiresAction with
// a redirect to a simulated payment page.
//
// Order ids follow the strictest gateway rule: 1 to 27 characters of
// [A-Za-z0-9-]. Amounts must be positive, in an accepted currency, with no
// more decimals than ISO 4217 allows; nothing is rounded. A used order id
// fails with payment.ErrDuplicate.
//
// # Test payment methods
//
// Card tokens select the outcome: [Approve] ([TokenApprove]) is approved,
// [Decline] ([TokenDecline]) is declined with payment.ErrDeclined and gateway
// code [DeclineCode] (kept on *payment.Error and Payment.GatewayCode), and
// [Challenge] ([TokenChallenge]) returns StatusRequiresAction with a GET
// redirect to a simulated challenge. [Provider.CompleteAction] plays the
// customer on that page (or on the hosted page) and returns what the browser
// brings back, for ConfirmRequest.Return. [Provider.Expire] makes the
// gateway give up on an unpaid payment.
//
// The state machine is strict where gateways are: Confirm repeated after
// success returns the same payment without charging again, a full refund
// repeated is a no-op, a refund above what remains and a capture after a
// void fail with payment.ErrInvalidRequest.
//
// # Voucher payments
//
// With Capabilities.AsyncPayments (on in the zero Config, off for hosted
// pages and when Config.Capabilities leaves it out), CreatePayment takes
// MethodType konbini or payeasy (automatic capture only) and Confirm with
// Method.Konbini (Chain and CustomerName required) or Method.PayEasy
// (CustomerName required) issues a voucher: StatusPending with a voucher
// NextAction (random numbers; Deadline DeadlineDays, default
// [DefaultVoucherDays], after the provider's clock). Confirm repeated
// returns the same voucher; a card method on a voucher payment, or a
// voucher method on a card payment, fails with payment.ErrInvalidRequest
// before any simulated I/O. [Provider.PayVoucher] plays the customer
// paying (StatusCaptured, one charge on the ledger); [Provider.Expire] and
// Void end an unpaid voucher (StatusExpired, StatusCanceled), after which
// PayVoucher fails.
//
// # Ground truth and faults
//
// [Provider.Ledger] reports the money moved per order (authorized, charged,
// refunded, and how many times each moved) and [Provider.Requests] counts
// the calls that reached the simulated gateway, so tests can prove that
// money moved exactly once and that invalid calls were rejected before any
// I/O. [Provider.InjectFault] arms a fault for the next call of an
// operation, mirroring the gateway simulators: with [FaultDropAfterProcess]
// the gateway processes the call and the answer is lost, so the call fails
// with payment.ErrOutcomeUnknown and [Provider.Inquire] tells the truth.
//
// # Notifications
//
// [Provider.Notification] returns the notification the simulated gateway
// sends for an order's current state: a JSON POST signed with HMAC-SHA256
// in [SignatureHeader]. HandleNotification verifies the signature in
// constant time, refuses bodies above 1 MiB without reading them whole,
// and reports the payment as the gateway knows it now, so a replayed or
// out-of-order notification never moves a payment backwards. The Ack reply
// is HTTP 200 "OK".
//
// # Pages
//
// [Provider.Handler] serves the simulated challenge and payment pages for
// browser-driven tests: point Config.PageURL at an httptest.Server running
// it, and the NextAction URLs lead to pages whose links complete the action
// and redirect the browser to the payment's return URL.
//
// # Concurrency
//
// Configuration is immutable after New; state is guarded by a mutex. A
// Provider is safe for concurrent use. Logging goes to the zap logger given
// with provider.WithLogger, with allow-listed fields only; card tokens and
// the notification key never appear in logs or errors.
package paymenttest
