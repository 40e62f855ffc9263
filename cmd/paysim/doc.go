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
