// Command paysim serves the GMO Payment Gateway and Golomt Bank simulators
// over HTTP, for manual QA and for shops written in other languages — like
// stripe-mock, but stateful: a payment made, captured and refunded is
// remembered, 3-D Secure and hosted card pages are real HTML pages, and
// notifications are delivered to your endpoint.
//
//	go run ./cmd/paysim
//
// serves GMO on http://127.0.0.1:8081 (/payment/<Api>.idPass, the token
// endpoint /ext/api/credit/getToken, a token.js stand-in at
// /ext/js/token.js, 3-D Secure pages) and Golomt on http://127.0.0.1:8082
// (/api/* and the hosted pages /payment/{lang}/{invoice}). The root page of
// each port lists both ledgers; /paysim/ledger.json has them as JSON.
//
// # Konbini and Pay-easy vouchers
//
// The GMO ledger on the root page shows each order's pay type (card,
// konbini with its chain, Pay-easy), its GMO status with what it means for
// a voucher (waiting for payment, paid, expired, cancelled) and a
// voucher's deadline in JST. A voucher waiting for payment (REQSUCCESS)
// has two buttons posting to the GMO simulator's controls (not GMO APIs):
// "pay at the store" (/gmotest/pay, gmotest.Server.PayVoucher: PAYSUCCESS)
// and "expire" (/gmotest/expire, gmotest.Server.ExpireVoucher: this
// voucher's deadline passes, EXPIRED; the clock and other orders stay).
// GMO's result notification follows either. The buttons carry
// return=<GMO URL>/ so the browser comes back to the root page (on either
// port the page posts to the GMO port).
//
// A shop's own test pages can post to /gmotest/pay, /gmotest/expire and
// /gmotest/advance (d=<duration>, moves the clock for every order)
// directly, with return= a path, the GMO public URL or a loopback origin
// (any other address answers 400 and nothing happens; without it the
// browser lands on /gmotest/status).
//
// The handlers are those of the library's simulators (gmo/gmotest and
// golomt/golomttest), so paysim behaves exactly as the simulators the Go
// tests use.
//
// # Faults
//
// -fault-rate gives every API request a probability of a random fault
// chosen from -faults (timeouts, dropped connections after processing,
// GMO E91 outcome-unknown answers, HTML error pages …), to check that a
// client never double-charges. -seed makes the sequence repeatable.
//
// # Notifications
//
// -gmo-notify-url and -golomt-notify-url make the simulators deliver their
// result notifications and pushes, with retries, to the merchant.
//
// paysim stops gracefully on SIGINT or SIGTERM.
package main
