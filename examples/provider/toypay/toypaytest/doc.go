// Package toypaytest is an in-process simulator of ToyPay, the fictional
// gateway of the toypay example adapter. It speaks the ToyPay wire format
// (below) on a loopback httptest server, keeps a ledger of the money it
// moved, signs webhooks and injects faults, which is everything the
// conformance suite needs from a simulator. It shares no code with the
// adapter, so the two check each other.
//
// # Wire format (ToyPay API v1)
//
// Every request carries "Authorization: Bearer <APIKey>" (else 401). Bodies
// are JSON; amounts are decimal strings with exactly the currency's ISO 4217
// decimals ("1000" JPY, "10.00" USD). Errors are
// {"error":{"code":…,"message":…,"decline_code":…}} with these codes:
//
//	400 invalid_request   bad input, or an amount above what remains
//	401 unauthorized      wrong API key
//	402 card_declined     the card was declined; "payment" holds the failed payment
//	404 not_found         no such payment
//	409 duplicate_order   order_id used by another payment
//	409 invalid_state     the payment is not in a state that allows the call
//	500 outcome_unknown   the call may or may not have been applied
//	503 unavailable       nothing was applied; try again
//
// Endpoints:
//
//	POST /v1/payments              {"order_id","amount","currency","capture":"automatic"|"manual"}
//	POST /v1/payments/{id}/confirm {"request_id","card_token"}
//	POST /v1/payments/{id}/capture {"request_id","amount"?}   amount omitted: all
//	POST /v1/payments/{id}/refund  {"request_id","amount"?}   amount omitted: the rest
//	POST /v1/payments/{id}/void    {"request_id"}
//	GET  /v1/payments/{id}
//
// Each answers the payment: {"id","order_id","status","amount","currency",
// "captured","refunded","decline_code","request_ids","updated"}. status is
// pending, authorized, captured, partially_refunded, refunded, canceled or
// failed. request_ids lists the request_id of every money-moving call
// applied, so an inquiry tells whether one particular call landed; a
// request_id seen before is not applied again. Creating a payment is
// idempotent: the same order_id with the same amount, currency and capture
// mode answers the existing payment (200 instead of 201) while it is
// pending. A refund without amount of a refunded payment is a no-op.
//
// # Webhooks
//
// Every change of a payment is an event {"id":"evt_…","type":
// "payment.updated","payment":{…}} POSTed to the merchant with the header
// Toypay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"
// keyed with WebhookSecret>. Any 2xx answer acknowledges it.
// [Server.Notification] builds the request for an order's latest event.
//
// # Test cards
//
// [TokenApprove] is approved; [TokenDecline] is declined with decline_code
// [DeclineCode]. Any other token is a 400.
//
// # Faults
//
// [Server.InjectFault] arms a [Fault] for the next request to one endpoint
// ("create", "confirm", "capture", "refund", "void", "get").
package toypaytest
