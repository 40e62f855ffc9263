// Package chaos is a randomized fault-injection run of the real gateway
// adapters (gmo, golomt) against their simulators (gmotest, golomttest). It
// has no API: it is a command that happens to be a go test target.
//
//	go test ./conformance/chaos -run Chaos -v                      # 200 payments per gateway
//	go test ./conformance/chaos -run Chaos -v -chaos.n=10000 -timeout=60m
//	go test ./conformance/chaos -run Chaos/gmo -v -chaos.seed=7 -chaos.workers=1
//
// # What it does
//
// For each gateway it builds the adapter with gmo.New / golomt.New, pointed
// at a simulator with provider.WithBaseURL and given a short
// provider.WithTimeout, so that an injected delay becomes a client timeout.
// It then runs -chaos.n payments on -chaos.workers goroutines. Each payment
// picks a flow (GMO: automatic capture, manual capture then capture, void,
// full refund, one or two partial refunds, 3-D Secure challenge passed or
// failed, a declined card; Golomt: hosted page paid, declined or abandoned,
// with the push handled by HandleNotification while Confirm runs) and, for
// about -chaos.faults per mille of its calls, a simulator fault on the
// request that matters (the money-moving one, the inquiry the adapter makes
// to reconcile, or a later Inquire): a delay beyond the client timeout
// (before or after processing), a connection dropped before or after
// processing, HTTP 5xx before or after processing, the gateway's
// outcome-unknown answers (GMO E90/E91/42C, Golomt's 500 envelope), HTML
// pages (HTTP 200 and 403), and one fault the simulators lack, played by the
// gate in front of them: "late", a request the gateway applies only after
// the client gave up and the adapter's own inquiry saw nothing. A call that
// fails with a retry-safe ErrUnavailable is retried once, as an application
// would.
//
// Faults are bound to one payment: the call's context carries the plan, a
// RoundTripper marks the targeted request with a header, and a gate in
// front of the simulator hands the fault to the simulator's fault function
// for exactly that request. Each payment draws its flow and faults from its
// own generator seeded with (-chaos.seed, payment index), so a failure
// names its seed and index and reproduces, exactly with -chaos.workers=1.
//
// # What it checks
//
// After every call it compares the answer with the simulator's ledger:
// money held and money taken (captured minus refunded) must equal what a
// definite answer says, and an error other than payment.ErrOutcomeUnknown
// (or a StatusUnknown result) must mean nothing happened: neither the money
// nor the order's gateway state (GMO status, Golomt invoice state, their
// counters) changed — except payment.ErrDeclined, which promises only that
// no money moved (a declined or failed 3-D Secure attempt is recorded by
// the gateway and may leave the order unusable). Then every
// payment is reconciled with Inquire (bounded, faults included) and the
// final answer is compared with the ledger. The run fails on any
//
//   - double charge: more than one charge or sale per order, or more
//     refunded (in amount or in refund operations) than the flow asked for;
//   - wrong answer: a definite answer to a call that the ledger contradicts;
//   - lost outcome: the reconciled answer differs from the ledger;
//   - unresolved: still StatusUnknown or failing after reconciliation.
//
// and prints a table of payments, faults injected, those four counts and
// the wall time. TestChaosCatchesBrokenAdapters proves the checks bite:
// deliberately broken wrappers of the gmo adapter must be caught.
//
// # Known bugs
//
// No fault combination is excluded. The run once listed confirmed, open
// adapter bugs in known_bugs_test.go and left their fault combinations out
// unless -chaos.known-bugs was given (a GMO 3-D Secure redirect lost with
// the ExecTran reply reported as retry-safe; an unchanged SearchTrade after
// a possibly-sent request reported as "did not execute"; Golomt invoices
// resent after a lost answer); all three are fixed and every combination
// is injected. The flag is still accepted and has no effect. Should a new
// adapter bug need to be excluded while it is being fixed, bring the
// mechanism back (git history) with one entry naming the bug, and delete
// it with the fix.
package chaos
