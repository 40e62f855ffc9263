// Package golomt is the Golomt Bank (Mongolia) card e-commerce adapter for
// github.com/kessai/payment: invoice → the bank's hosted card page → push
// notification and browser redirect → inquiry, plus payments with a stored
// card token, card registration and the settlement report.
//
//	p, err := golomt.New(golomt.Config{
//		BearerToken: payment.NewSecret(os.Getenv("GOLOMT_BEARER_TOKEN")),
//		ChecksumKey: payment.NewSecret(os.Getenv("GOLOMT_CHECKSUM_KEY")),
//		Language:    "en",
//	})
//	pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{
//		OrderID: "ORDER1234", Amount: payment.MustParseMoney("15000", "MNT"),
//		ReturnURL: "https://shop.example/golomt/return",
//	})
//	// redirect the browser to pay.NextAction.URL; when it comes back:
//	ret, _ := payment.ReturnFromRequest(r)
//	pay, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Return: ret})
//
// Wire facts come from golomt-protocol.md (tags DOC, IMPL, UNCERTAIN); every
// choice made where the bank's documentation is silent or contradictory is
// listed under "Choices" below.
//
// # Capabilities
//
//	Capability        Golomt  How
//	Currencies        MNT     no currency field on the wire; MNT only
//	Hosted page       yes     CreatePayment → NextAction redirect (GET) to /payment/{lang}/{invoice}
//	Manual capture    no      sale only: Capture is ErrUnsupported (no I/O)
//	Refund, void      no      not in the public API: ErrUnsupported (no I/O)
//	Inquiry           yes     Inquire / Confirm: /api/inquiry (/api/check for token payments)
//	Notifications     yes     HandleNotification: HMAC-checked push, confirmed by inquiry
//	Stored cards      yes     PayWithToken (/api/pay), RegisterCard + CardToken
//	3-D Secure        —       done by the bank on its page; invisible to the merchant
//	Settlement report yes     SettlementDetails / SettlementReport
//
// Refunds are made through the bank's merchant support today. The design
// keeps room for them: a Refund would post to the bank and report through
// the same classify/interpret path as PayWithToken.
//
// # Flows
//
// CreatePayment posts /api/invoice with transactionId = OrderID, amount,
// returnType (Config.ReturnType), callback = ReturnURL (required),
// genToken (Y with Config.GenerateToken or CreatePaymentRequest.SaveCard),
// socialDeeplink (Y with Config.SocialDeeplink) and the checksum. It
// verifies the response checksum before trusting the invoice id and
// returns StatusRequiresAction with a GET redirect to
// {base}/payment/{lang}/{invoice} (lower-case lang: CreatePaymentRequest.Language
// when it is "mn" or "en", else Config.Language); AltURL is the SocialPay
// page /socialpay/{lang}/{invoice} and Deeplink the SocialPay deeplink when
// one was asked for.
//
// The browser comes back to the callback with invoice (our transactionId,
// despite the name), status_code and desc, as a query (GET) or a form
// (POST). That data is unsigned: [ParseRedirect] reads it (size-limited)
// to find the order, and Confirm treats ConfirmRequest.Return the same way
// (its invoice must be the ref's transactionId, or ErrInvalidRequest); the
// outcome always comes from /api/inquiry.
//
// A payment is paid (StatusCaptured: Golomt is sale-only) only when the
// inquiry's checksum verifies over the raw response strings, errorCode is
// "000", and the amount the bank reports, parsed as money, equals the
// amount charged (the bank may write "1" for "1.00"). The status field
// ("SENT") is ignored: the bank sends it for failures too. A null
// errorCode means not paid yet: StatusRequiresAction with the page again,
// or StatusExpired once Config.InvoiceLifetime + Config.ExpiryGrace have
// passed since CreatePayment by the provider's clock (provider.WithClock).
// Any other code is StatusFailed with Payment.GatewayCode set. Confirm
// returns a failed payment together with an ErrDeclined *payment.Error
// carrying the code (a failure is never a nil error); Inquire reports it
// as a status with a nil error. Expiry is a status, not an error. A "000"
// with a different amount is never reported paid: StatusUnknown and an
// ErrInvalidSignature error (check it with the bank).
//
// HandleNotification reads the bank's push (JSON POST, at most
// [MaxNotificationBody] bytes, strings or null only), verifies its checksum
// in constant time (ErrInvalidSignature for forged or altered pushes),
// then confirms it with /api/inquiry (unless Config.TrustPush) and reports
// the inquiry's verified state. A repeated push has the same
// Notification.ID and is harmless. Ack is HTTP 200 "OK"; Retry HTTP 500.
// Notification.Ref is empty (a push has neither the invoice id nor the
// creation time); Payment.Ref is a reduced ref that Inquire accepts.
//
// [Provider.PayWithToken] charges a card token (/api/pay). It is never
// resent: on a timeout, dropped connection, HTTP 5xx or unverifiable
// answer it asks /api/check once; if that cannot tell, it returns
// StatusUnknown with an ErrOutcomeUnknown error. Inquire the ref later.
//
// # Checksums
//
// Every checksum is HMAC-SHA256 keyed with Config.ChecksumKey over the
// listed values concatenated without separators (UTF-8), as 64 lowercase
// hex digits. Null and absent values count as "". Responses are verified
// over the exact strings received, in constant time; upper-case hex is
// accepted on input (it decodes to the same MAC).
//
//	Message                              Direction  Concatenation
//	/api/invoice request                 to bank    transactionId + amount + returnType + callback
//	/api/invoice response                from bank  invoice + transactionId
//	/api/inquiry request                 to bank    transactionId + transactionId
//	/api/inquiry response                from bank  transactionId + errorCode + amount + token
//	push notification                    from bank  transactionId + errorCode + amount + token
//	/api/check request                   to bank    transactionId + transactionId
//	/api/check response                  from bank  transactionId + errorCode + amount + token
//	/api/pay request                     to bank    amount + transactionId + token
//	/api/pay response                    from bank  transactionId + errorCode + amount
//	/api/confirmation request (UNCERTAIN) to bank   Config.RegistrationFormula, default transactionId + returnType + callback
//	/api/confirmation response           from bank  invoice + transactionId
//	/api/get/token request (UNCERTAIN)   to bank    Config.GetTokenRequestFormula, default transactionId + transactionId
//	/api/get/token response (UNCERTAIN)  from bank  Config.GetTokenResponseFormula, default transactionId + token
//	/api/getSettlementDetails request    to bank    merchantId + token
//	browser redirect                     —          none: unsigned, a hint only
//
// [Checksum] computes one for tools and tests.
//
// # Amounts
//
// The amount is formatted once and the identical string goes into the
// body and the checksum. By default it is MNT with exactly two decimals
// ("1500.00", ISO 4217's minor unit, Money.Decimal form); with
// Config.AmountFormat = AmountInteger it is whole tögrög ("1500") and an
// amount with a fraction is rejected. Both forms are seen working because
// the bank hashes the text it receives (UNCERTAIN which it prefers). Never
// thousands separators or exponents. Only MNT is accepted; decimals are
// checked against our own ISO 4217 table, never rounded.
//
// # Identifiers
//
// OrderID is sent as the transactionId. The bank documents "fewer than 16
// characters, letters and digits", so by default an OrderID must be 1–15
// ASCII letters or digits ([MaxTransactionIDLen]); Config.LongTransactionIDs
// allows up to 64 characters of letters, digits and '-' (seen working in
// the wild, undocumented). Both are checked before any I/O. A
// transactionId can be used once: a second invoice with it fails with
// ErrDuplicate.
//
// A PaymentRef is "golomt:<kind>:<transactionId>:<invoice>:<amount>:<created>"
// (kind "invoice" or "pay", the bank's invoice UUID, the exact amount sent,
// the Unix time of CreatePayment). It holds no secret.
//
// # Errors
//
// One function (classify) maps every bank answer to an error kind:
//
//	Answer                                             Kind                 Notes
//	200, errorCode "000"                               —                    paid (checksum and amount permitting)
//	200, errorCode null                                —                    not paid yet (status, not error)
//	200, any other errorCode ("300" card expired …)   ErrDeclined          GatewayCode = errorCode, Message = errorDesc
//	400 message contains "duplicate(d)"                ErrDuplicate         transactionId reused
//	400 message contains "not found" / error NotFound  ErrNotFound          e.g. "Payment not found."
//	400 message mentions "checksum"                    ErrAuthentication    the bank refused our checksum: wrong key
//	400 error "Forbidden"                              ErrAuthentication
//	400 other (error "Validation" …)                   ErrInvalidRequest    GatewayCode = error
//	401, 403 (empty body, or an HTML page)             ErrAuthentication    bearer token, or IP allow-list
//	404, 405, 3xx                                      ErrAuthentication    wrong base URL / path
//	429                                                ErrRateLimited       RetrySafe
//	500, 5xx, other HTML page, unreadable 2xx body     ErrUnavailable       RetrySafe; calls that move no money
//	  ... on /api/invoice                              ErrOutcomeUnknown    the invoice may exist; never resent
//	  ... on /api/pay                                  ErrOutcomeUnknown    resolved by /api/check, never resent
//	response checksum does not verify                  ErrInvalidSignature  (/api/pay: resolved by /api/check)
//	transport: not sent / may have been sent           from provider.Client ErrUnavailable / ErrOutcomeUnknown
//
// HTML instead of JSON means a proxy, a login page or the bank's IP
// allow-list: the error message says to check the bearer token, the base
// URL and this server's IP. An invoice whose answer was lost or unusable
// (timeout, dropped connection, 5xx, an HTML page other than 401/403/404/
// 405/3xx, an unreadable body) is never resent: the invoice may exist, or
// be created moments later by a request still in flight at the bank, so an
// /api/inquiry "Payment not found." proves nothing, and a resend of a
// created invoice fails as a duplicate. /api/inquiry does not return the
// invoice id, so nobody can reach that invoice's page and no money can
// move on it: CreatePayment fails with ErrOutcomeUnknown and a nil payment
// (create the payment again with a new order id). /api/inquiry,
// /api/check, /api/get/token and the settlement report move nothing and
// are retried by the HTTP client; /api/invoice and /api/confirmation are
// not resent by it once they may have left; /api/pay is never resent at
// all.
//
// # Choices
//
// Where the bank's documentation is silent (IMPL) or unsure (UNCERTAIN):
//
//   - Amount format: two decimals by default, configurable (see Amounts).
//   - transactionId: ≤15 alphanumerics by default, LongTransactionIDs to
//     relax (see Identifiers).
//   - Page language: lower-case mn/en in page URLs; upper-case MN/EN in
//     /api/pay's lang, as documented.
//   - null errorCode hashes as "" (one production integrator).
//   - Expiry: the bank cancels unfinished pages after 2–10 minutes (10 by
//     default, per merchant); whether an expired invoice's inquiry keeps a
//     null errorCode is not documented. We report StatusExpired once
//     InvoiceLifetime (default 10 min) + ExpiryGrace (default 2 min) have
//     passed by the provider clock; a non-null code the bank sends wins.
//   - Push: reply HTTP 200 "OK" (undocumented; implementations answer 200);
//     confirmed by inquiry unless TrustPush. A push the inquiry contradicts
//     is reported with Verified false (payment.NotificationHandler answers
//     Retry).
//   - genToken: N unless asked; one integrator reports the SocialPay QR
//     step failing with N — set GenerateToken if you see that.
//   - Card registration formulas (/api/confirmation, /api/get/token):
//     configurable Formula values; the defaults follow the one SDK that
//     implements them.
//   - Settlement token: the doc says a card token, one SDK sends the
//     bearer token; SettlementRequest.Token, empty means the bearer token.
//   - Refund: not in the public API; ErrUnsupported.
//
// # Configuration and environment
//
// The package registers the "golomt" scheme with payment.Open:
//
//	golomt://BEARER_TOKEN:CHECKSUM_KEY@ecommerce.golomtbank.com?lang=en&return_type=POST
//	golomt://?base_url=http://127.0.0.1:8080   (a simulator, paysim or a proxy)
//
// Secrets missing from the URL are read from the environment:
//
//	GOLOMT_BEARER_TOKEN  bearer token (Config.BearerToken)
//	GOLOMT_CHECKSUM_KEY  HMAC key (Config.ChecksumKey)
//	GOLOMT_BASE_URL      base URL when the URL has no host
//	GOLOMT_MERCHANT_ID   merchant id for the settlement report
//
// Query parameters: base_url, lang, return_type, gen_token, social_deeplink,
// long_ids, trust_push, merchant_id, amount_format (decimal|integer),
// invoice_lifetime (a Go duration), timeout. Unknown parameters are
// refused. Errors never repeat the URL.
//
// # Logging and secrets
//
// The bearer token, the checksum key and card tokens are payment.Secret
// values; a Provider prints only its base URL in every fmt verb. Logs
// (provider.WithLogger) carry the operation, order id, status, amount,
// gateway code and the card's last four digits, never bodies or headers.
//
// # Testing
//
// github.com/kessai/payment/golomt/golomttest is an offline simulator of the
// bank written independently of this package; the adapter passes
// conformance.Run against it. Benchmarks compare invoice+inquiry through the
// adapter with a raw net/http client sending prebuilt bodies:
//
//	go test -bench . -benchmem ./golomt/
package golomt
