// Package golomttest is a stateful, offline simulator of Golomt Bank's card
// e-commerce gateway: invoice → hosted card page → push + browser redirect
// → inquiry, token payments, card registration and the settlement report.
//
// It speaks the bank's JSON and checksums (HMAC-SHA256 with the merchant
// key, lowercase hex, field values concatenated without separators) and
// is written from golomt-protocol.md independently of package golomt, so
// the adapter and the simulator cross-check each other. Use [NewServer] in
// tests (a loopback httptest server) or [NewHandler] to mount it on a real
// listener (paysim).
//
//	srv := golomttest.NewServer(golomttest.WithNotifyURL(shop.URL + "/notify"))
//	defer srv.Close()
//	// point the adapter at srv.URL() with srv.BearerToken() / srv.Secret()
//
// # Credentials
//
// The API accepts "Authorization: Bearer " + [DefaultBearerToken]; the HMAC
// key is [DefaultSecret]; the settlement report's merchant id is
// [DefaultMerchantID]. Change them with [WithCredentials] and
// [WithMerchantID]. A missing or wrong bearer token gets HTTP 403 with an
// empty body, on every /api path, before anything else is looked at.
//
// # Endpoints
//
// All API calls are POST with a JSON body (other methods: 405 with the
// error envelope; a Content-Type other than application/json: 415, as a
// Spring service answers — UNCERTAIN). Fields are read as strings; a JSON
// number is taken as its literal text, as the bank's Java stack does.
// Bodies over 64 KiB are a 400.
//
//   - /api/invoice: transactionId, amount, returnType (GET|POST|MOBILE),
//     callback, genToken (Y|N), optional socialDeeplink (Y|N). Answers
//     checksum (invoice+transactionId), transactionId, invoice (a UUID) and
//     socialDeeplink when asked. A reused transactionId is a 400 whose
//     message contains "duplicated"; transactionIds share one namespace
//     across invoices, token payments and card registrations.
//   - GET /payment/{lang}/{invoice}, /socialpay/{lang}/{invoice}: the hosted
//     page, HTML with a card form (lang mn or en, any case). The form posts
//     back to the same path. The submission is processed at most once per
//     invoice; the browser is then sent to the callback with invoice (the
//     merchant transactionId), status_code and desc: a 302 with the query
//     appended for returnType GET and MOBILE, an auto-submitting HTML form
//     for POST.
//   - /api/inquiry: checksum transactionId+transactionId. Answers status,
//     amount (the merchant's string), bank, errorDesc, checksum
//     (transactionId+errorCode+amount+token), errorCode, cardHolder,
//     transactionId, cardNumber (6 digits, 6 stars, 4 digits) and token
//     when one was issued. Before payment errorCode, errorDesc, bank,
//     cardHolder and cardNumber are JSON null and status is PENDING;
//     null hashes as "". Unknown id: 400 "Payment not found.".
//   - /api/pay: amount, checksum (amount+transactionId+token), a new
//     transactionId, lang (MN|EN), token. Answers amount, errorDesc,
//     checksum (transactionId+errorCode+amount), errorCode, cardNumber,
//     transactionId.
//   - /api/check: like inquiry, for token payments.
//   - /api/confirmation, GET /confirmation/{lang}/{invoice}, /api/get/token:
//     card registration without a purchase.
//   - /api/getSettlementDetails?page=&size=&start=&end=: checksum
//     merchantId+token; the approved charges whose time falls in
//     [start, end] (dates in Ulaanbaatar time), paged.
//   - GET /_sim/status: an HTML page listing the ledger (not a bank path).
//
// Validation failures answer HTTP 400 with the bank's envelope
// {"timestamp":"2020-06-02T10:51:56.359+0000","status":400,
// "error":"Validation","message":…,"path":…}.
//
// # Amounts
//
// An amount is plain decimal text with at most two decimals and no sign,
// separators or exponent ("2000", "1500.00"); anything else is a 400. The
// string the merchant sent is kept byte for byte and used in every
// checksum and response, except /api/pay and /api/check, which echo it
// re-formatted with exactly two decimals ("1" → "1.00"), as the bank's
// pay example shows; their checksums use the re-formatted string.
//
// # Test cards
//
// Type these into the hosted page (any CVV of 3–4 digits, any holder name)
// or pass them to [Server.PayInvoice] and [Server.SaveCard]:
//
//	number            result
//	9496250000000003  000 Амжилттай (approved)         CardApproved
//	9496250000000011  300 Картын хугацаа дууссан        CardExpired
//	9496250000000029  051 Үлдэгдэл хүрэлцэхгүй          CardInsufficientFunds (invented code)
//	9496250000000037  005 Гүйлгээ зөвшөөрөгдөөгүй       CardDeclined (invented code)
//	any other number  014 Картын дугаар буруу           (invented code)
//
// An approved card whose typed expiry (MM/YY) is before the simulator's
// current month is answered 300 as well. Only 000 and 300 are documented by
// the bank; 005, 014 and 051 are invented (ISO-8583-like) because the
// bank's error-code table is not public. A malformed card (not 12–19
// digits, bad MM/YY, bad CVV, empty holder) is refused by the form itself
// and changes nothing.
//
// # Invoice lifetime
//
// An unpaid invoice expires [DefaultInvoiceLifetime] after creation
// ([WithInvoiceLifetime]; time comes from [WithClock], e.g. a *[Clock]
// moved with Advance, or from [Server.Expire]). Its page then says so and
// takes no card. UNCERTAIN: the bank's behaviour after the page timer is
// not documented; the simulator answers inquiry with status SENT and
// errorCode [DefaultExpiredCode] ("101", invented) / [DefaultExpiredDesc],
// so that "call inquiry once the timer has expired" gets a final answer.
// [WithExpiredResult]("", "") keeps errorCode null / PENDING instead. No
// push is sent for an expiry.
//
// # Push notifications
//
// After each card result of an invoice the simulator POSTs the push
// (amount, bank, errorDesc, checksum, errorCode, cardHolder, transactionId,
// cardNumber, token only on success with genToken=Y; no status field) as
// JSON to the one notify URL set with [WithNotifyURL], from a background
// goroutine. UNCERTAIN (undocumented at the bank): any answer but HTTP 200
// is retried, [DefaultNotifyAttempts] tries in total [DefaultNotifyInterval]
// apart ([WithNotifyRetry]); token payments and card registrations push
// nothing (their result is synchronous / fetched by get/token). Close stops
// deliveries in flight. [Server.Deliveries] lists attempts,
// [Server.WaitPushes] waits for them, and [Server.NextNotification] builds
// the exact request for a test to feed to a handler directly.
//
// # Faults
//
// [Server.InjectFault] makes the next request(s) to one API (APIInvoice,
// APIInquiry, APIPay, APICheck, APIConfirmation, APIGetToken,
// APISettlement, APIPage for the card form submission) fail:
//
//	FaultDelay                    sleep Fault.Delay, then answer normally (a client that
//	                              gives up first does not stop the processing)
//	FaultDropBeforeProcess        close the connection, nothing processed
//	FaultDropAfterProcess         process (money may move), close without answer
//	FaultServerError              500 {"error":"Internal",…} (Code "503": 503), nothing processed
//	FaultServerErrorAfterProcess  process, then 500
//	FaultGatewayUnknown           same as FaultServerErrorAfterProcess
//	FaultHTML                     an nginx-style HTML page, HTTP 200 (Code "403": 403)
//	FaultForbidden                403 with an empty body
//
// Faults queue per API and are used up in order; [WithFaultFunc] decides
// a fault for every other request (random chaos for paysim). After-process
// faults on APIPage still push the result to the merchant.
//
// The ledger ([Server.Ledger], [Server.Ledgers]) records per transactionId
// how often money moved (Charges) and moved back (Refunds), so a test can
// prove a payment was charged exactly once.
//
// # Uncertain choices
//
// Besides the ones above (every one is a documented guess):
//   - A wrong request checksum is a 400 Validation "Invalid checksum.".
//   - Unknown ids are 400 with error "NotFound" and message
//     "Payment not found." (the sandbox's status and message). Inquiry finds
//     invoices and card registrations only, check finds token payments
//     only.
//   - transactionId may be 1–256 letters, digits, '-' or '_' (the doc's
//     "< 16 alphanumerics" is not enforced; longer ids work in the wild).
//   - /api/pay with an unknown token is a 400 "Token not found.".
//   - Checksum formulas of card registration are configurable with
//     [WithFormula]: MsgConfirmationRequest defaults to
//     transactionId+returnType+callback (a Go SDK; the doc table's
//     transactionId+amount+returnType+callback is the same string when no
//     amount is sent), MsgGetTokenRequest to transactionId+transactionId,
//     MsgGetTokenResponse to transactionId+token. Every other message can
//     be changed the same way.
//   - Card registration charges a random 10–99 MNT and refunds it 90 s
//     later (the bank says 1–2 minutes); /api/get/token answers bankCode
//     [BankCode] (invented).
//   - The settlement report accepts any non-empty token (the doc says card
//     token, an SDK sends the bearer token) but requires the configured
//     merchantId; its rows are the approved charges.
//   - The redirect for returnType MOBILE is the same 302 as GET.
package golomttest
