// Command checkout is a small merchant web shop on kessai: a product priced
// in JPY (paid by card through GMO Payment Gateway, with 3-D Secure, or
// later at a convenience store or by Pay-easy) and in MNT (paid on Golomt
// Bank's hosted card page), with capture, refund and void buttons, a
// status history and a redacted event log of every gateway call and
// notification.
//
// # Running it
//
//	go run ./examples/checkout
//
// starts, in one process on 127.0.0.1, the GMO and Golomt simulators and
// the shop, and prints the URL to open. It needs no credentials and no
// network. The card form never sends the card number to the shop: an
// inline script posts it to the (simulated) GMO tokenizer, as GMO's
// token.js would, and the form carries only the token.
//
// # Real sandbox credentials
//
// Point the same shop at real gateways with payment.Open URLs, as flags
// or environment variables:
//
//	KESSAI_GMO_URL='gmo://SHOPID:SHOPPASS@pt01.mul-pay.jp' \
//	KESSAI_GOLOMT_URL='golomt://…' \
//	go run ./examples/checkout -public-url https://your-tunnel.example
//
// Each gateway left unset keeps its simulator. See README.md beside this
// file for every flag.
//
// # Routes
//
// One payment.Router sends JPY to the "gmo" route and MNT to the "golomt"
// route; payment.NotificationHandler receives notifications at
// /notify/{provider}. The shop's handlers are in shop.go (konbini and
// Pay-easy in voucher.go); start builds the whole demo so tests can run it
// on 127.0.0.1:0.
//
// # Konbini and Pay-easy
//
// A voucher payment is created with MethodType konbini or payeasy and
// confirmed with the customer's details; a field error
// (*payment.Error.Field) re-renders the form with the message next to the
// field and the same order is confirmed on the next submit. The order
// stays pending with the voucher until GMO's result notification reports
// it paid, expired or canceled; the order page polls the shop and reloads
// when that happens. With the simulator, buttons marked as simulator
// controls call gmotest.Server.PayVoucher and ExpireVoucher (this order's
// deadline passes; the simulator's clock and other orders stay).
// "Reconcile pending" runs gmo.(*Provider).ReconcilePending over the
// pending voucher orders.
package main
