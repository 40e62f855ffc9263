// Package conformance is the test suite every kessai provider must pass,
// in the style of testing/slogtest and go-cloud's drivertest. It is
// imported only from _test.go files:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, newHarness) // func(*testing.T) *conformance.Harness
//	}
//
// [Run] runs each scenario as a named subtest (Capture/Manual,
// Refund/TwoPartial, Faults/Refund/drop_after_process,
// Notifications/Forged/amount …) and calls newHarness once per subtest, so
// every scenario starts from a fresh provider and simulator. Scenarios
// assert error kinds with errors.Is against the payment sentinels, never
// message strings. A scenario is skipped only when the provider's
// Capabilities say the feature is absent, or when the harness lacks a hook
// the scenario needs; the skip message names the capability or hook, so
// `go test -v` shows exactly what was not covered.
//
// # What the suite checks
//
//   - Happy paths for each capability: automatic capture, manual capture
//     then capture, partial capture, void, full / partial / two partial
//     refunds; a refund above what remains and a capture after a void fail
//     with payment.ErrInvalidRequest.
//   - Redirect round trips through [Harness.Customer]: 3-D Secure passed,
//     failed and abandoned; hosted page paid, declined and abandoned (then
//     expired with [Harness.Expire]); a redirect return copied from another
//     payment never pays this one (browser values are hints).
//   - Declines: payment.ErrDeclined, with the gateway code kept on
//     *payment.Error or Payment.GatewayCode, and no money moved.
//   - Every status the provider reports, from any call, inquiry or
//     notification, is a legal transition (payment.Status.CanBecome) from the
//     previous one, and every result carries Provider, OrderID, Ref, Amount,
//     Captured / Refunded in the payment's currency and UpdatedAt.
//   - Unsupported calls fail with payment.ErrUnsupported and
//     errors.ErrUnsupported with zero requests; invalid requests (empty,
//     too long or badly spelled order ids, zero / negative amounts, no or a
//     foreign currency, more decimals than the currency allows, the
//     harness's UncarriableAmounts) fail with payment.ErrInvalidRequest
//     with zero requests.
//   - Idempotency: the same order id twice gives payment.ErrDuplicate or the
//     original payment; Confirm, Capture and a full Refund repeated never
//     move money again.
//   - Faults ([Fault]) on Confirm, Capture, Refund, partial Refund and Void:
//     the answer matches the simulator's ledger, or admits it does not know
//     (StatusUnknown, payment.ErrOutcomeUnknown); payment.ErrUnavailable is
//     only accepted when nothing happened; Inquire afterwards tells the
//     truth; money never moves twice.
//   - Notifications: a genuine one is accepted, verified and acknowledged
//     the way the gateway expects ([Harness.Ack]); duplicates keep their ID;
//     an older one delivered after a newer one never moves the payment
//     backwards; forged, tampered and malformed ones fail with
//     payment.ErrInvalidSignature or payment.ErrInvalidRequest, or are
//     reported as the gateway's truth after an inquiry; garbage bodies get a
//     typed error; an 8 MiB body is refused after reading at most about
//     1 MiB.
//   - Context: a canceled context fails promptly with an error matching
//     context.Canceled; a deadline that expires after the gateway processed
//     the call gives an error matching both ctx.Err() and
//     payment.ErrOutcomeUnknown.
//   - Async (Capabilities.AsyncPayments, with [Harness.AsyncMethod]): a
//     konbini or Pay-easy payment confirmed with AsyncMethod is
//     StatusPending with a voucher NextAction (a payment number and a
//     deadline after the payment's time) and no money moved; after
//     [Harness.PayVoucher] the notification, Inquire and the ledger say
//     captured once, and the older "pending" notification replayed does not
//     move it back; after [Harness.ExpireVoucher] it is StatusExpired and
//     cannot be paid or voided into another state; Void while pending
//     cancels it and the voucher can no longer take money; a payment whose
//     notification was lost is found by Inquire and by Confirm without a
//     method; Confirm repeated issues no other payment numbers; Void of a
//     paid voucher is refused; a card method on a voucher payment is
//     payment.ErrInvalidRequest before any I/O.
//   - Concurrency: 200 payments in parallel through one provider each end
//     captured, exactly once.
//   - Redaction: no entry of [Harness.Secrets] appears in logs, error
//     strings, or fmt %+v / %#v of results and notifications, in any
//     scenario.
//
// # Exact expectations
//
// Questions provider authors ask, answered by what the scenarios assert:
//
//   - A full refund repeated (Idempotency/FullRefundRepeated, with
//     Capabilities.Refund): after a successful Refund with a nil Amount,
//     the same request again must return a nil error and the payment with
//     StatusRefunded and Refunded equal to Harness.Amount; the ledger must
//     show exactly one refund and Refunded equal to Harness.Amount. An
//     error, even payment.ErrInvalidRequest or payment.ErrDuplicate, fails
//     the scenario (payment.RefundRequest documents the no-op). Capture
//     and Confirm repeated are looser: a nil error with StatusCaptured, or
//     an error matching payment.ErrInvalidRequest or payment.ErrDuplicate
//     (Confirm: ErrDuplicate or ErrInvalidRequest), with one charge on the
//     ledger either way.
//   - An unknown ref (Invalid/UnknownRef): Confirm, Inquire (when the
//     provider is a payment.Inquirer) and Refund (with
//     Capabilities.Refund) of the string "conformance-no-such-ref" must
//     fail with an error matching payment.ErrNotFound or
//     payment.ErrInvalidRequest; requests are not counted here, so asking
//     the gateway is allowed. An empty ref (Invalid/EmptyRef) must fail
//     with payment.ErrInvalidRequest and zero requests, for Confirm,
//     Capture (with ManualCapture) and Refund (with Refund).
//   - An error next to a non-nil *payment.Payment is allowed. With an
//     error the suite checks only that the payment's %+v and %#v (and its
//     Card and NextAction) hold no secret; it does not check its fields or
//     record its status as a transition. Scenarios that care look at the
//     error: a decline must match payment.ErrDeclined, and its gateway
//     code may sit on the *payment.Error or on Payment.GatewayCode; after
//     a fault, payment.ErrOutcomeUnknown is accepted with any payment,
//     payment.ErrUnavailable only when the ledger did not change. Every
//     error must match one of the payment sentinels (or be a context
//     error) and hold no secret. With a nil error the payment is required
//     and fully checked.
//   - Error.RetrySafe is not asserted by any scenario of Run. It means
//     "resending the identical request cannot move money twice", and the
//     chaos run (conformance/chaos) acts on it the way an application
//     would: an error matching payment.ErrUnavailable with RetrySafe set is
//     retried once, and any double charge that follows is reported. So on
//     calls that move no money (Inquire, and CreatePayment where
//     registering moves no money) set RetrySafe on ErrUnavailable and
//     ErrRateLimited; provider.Client does this by itself for requests
//     marked provider.Request.Idempotent, and retries them. On a
//     money-moving call set it only when the gateway proved it applied
//     nothing (a refusal before processing, or an inquiry that shows the
//     call did not land); never next to payment.ErrOutcomeUnknown. Note
//     that the router fails CreatePayment over to another gateway only on
//     proof the request never left the process, not on RetrySafe alone.
//
// # Wiring a new provider
//
// Write an offline simulator of the gateway (an httptest.Server speaking its
// wire format) and a newHarness function that starts one, builds the
// provider against it and fills in a [Harness]. Only Harness.Provider is
// required, but each hook left out skips the scenarios that need it:
//
//   - Amount / Currency: an amount the simulator approves, divisible by 4 in
//     minor units. Give the provider a short per-request timeout
//     (provider.WithTimeout(500*time.Millisecond)): the Timeout faults wait
//     for it.
//   - ApproveMethod, DeclineMethod, ChallengeMethod: payment methods
//     (test card tokens) the simulator approves, declines with DeclineCode,
//     or challenges. Leave them nil for hosted-page providers.
//   - Customer: follow NextAction like a browser — fetch the challenge or
//     hosted page from the simulator, pass, fail or abandon it, and return
//     the values the browser brings back to the return URL (nil for
//     Abandon). Expire: make the simulator time the payment out.
//   - AsyncMethod, PayVoucher, ExpireVoucher (providers with
//     AsyncPayments): a konbini or Pay-easy method the simulator accepts;
//     play the customer paying the voucher; let its deadline pass
//     (ExpireVoucher defaults to Expire; set it when Expire cannot apply
//     to card payments).
//   - Requests: count every HTTP request the simulator receives.
//   - InjectFault: arm a fault for the next request of an operation. For
//     DropAfterProcess, Timeout and GatewayUnknown the simulator must
//     process the request (update its ledger) before failing; for HTML and
//     Refused it must not; for ServerError either, as long as the ledger
//     says which. Timeout must stop waiting when the client disconnects.
//     Return false for a combination the simulator cannot produce.
//   - Ledger: the simulator's record of money moved per order. This is the
//     ground truth every money check compares against.
//   - Notify: the simulator's notification for an order's current state, as
//     the *http.Request the gateway would send. ForgeNotification: the same,
//     corrupted as the [Forgery] says; return (nil, nil) for a forgery that
//     does not apply (a gateway that signs nothing has no signature to
//     break).
//   - Secrets: every credential, key, card token and card number the
//     provider and simulator use. Logs: wire the provider's logger with
//     [NewLogger] and pass its function here.
//
// In short, the checklist (examples/provider/toypay is a complete small
// provider that follows it and passes Run):
//
//  1. A simulator with a ledger of money moved per order, a request
//     counter, fault injection for the next request of an operation and
//     the gateway's notifications as *http.Request values.
//  2. Capabilities that tell the truth; payment.Voider and
//     payment.Inquirer implemented exactly when Void and Inquiry are
//     declared; everything else payment.ErrUnsupported before any I/O.
//  3. Validation before any I/O (order id, currency, decimals, maximum
//     amount) with payment.ErrInvalidRequest naming the field.
//  4. Money-moving requests never resent; ambiguous answers resolved by
//     one inquiry or reported as payment.ErrOutcomeUnknown.
//  5. Notifications verified, then reported as the state an inquiry
//     returns; bodies read with a bound.
//  6. A newHarness that fills every hook the simulator can support, with
//     Secrets listing every credential, token and card number, and Logs
//     wired through [NewLogger]; then conformance.Run in the provider's
//     conformance_test.go, and `go test -v -run Conformance` to read which
//     scenarios were skipped and why.
//
// Hooks are called from one goroutine per subtest, except in the
// Concurrency scenario, where ApproveMethod, Customer, Ledger and the
// provider are called from many goroutines at once.
//
// # Proving the suite
//
// The suite tests itself against github.com/kessai/payment/paymenttest (an
// in-memory provider with the real state machine) in several
// configurations, and against deliberately broken wrappers of it (a decline
// reported as captured, a refund resent after an ambiguous failure, a new
// payment for a duplicate order id, a card token in an error or a log, a
// notification trusted without verification, a body read whole, validation
// after I/O, a stale inquiry cache): each must make the intended scenarios
// fail.
package conformance
