// Package gmo is the kessai adapter for GMO Payment Gateway's "PG
// Multi-Payment Service", protocol type (/payment/<Api>.idPass), for card,
// konbini (convenience store) and Pay-easy payments in Japan.
//
// Build a provider with [New], or open it by URL:
//
//	import _ "github.com/kessai/payment/gmo"
//
//	p, err := payment.Open(ctx, "gmo://SHOPID:SHOPPASS@pt01.mul-pay.jp?site_id=SITEID&site_pass=SITEPASS")
//
// pt01.mul-pay.jp is the sandbox and p01.mul-pay.jp production; any other
// host is used as https://host. Query parameters: site_id, site_pass,
// base_url (e.g. ?base_url=http://127.0.0.1:8081 for paysim, a gmotest
// simulator or a proxy), td_flag, tds2_type, tenant_name,
// skip_notification_verification, cache_size.
//
// # Environment variables
//
// Secrets need not be in code or in the URL: values the URL leaves out are
// read from GMO_SHOP_ID, GMO_SHOP_PASS, GMO_SITE_ID, GMO_SITE_PASS and
// GMO_BASE_URL ([EnvShopID] …):
//
//	GMO_SHOP_PASS=… GMO_SITE_PASS=… ./shop   # payment.Open(ctx, "gmo://tshop00000001@pt01.mul-pay.jp?site_id=tsite00000001")
//
// # Capabilities
//
//	Capability        Supported  How
//	ManualCapture     yes        EntryTran JobCd=AUTH, then Capture (AlterTran SALES)
//	automatic capture yes        EntryTran JobCd=CAPTURE
//	PartialCapture    no         SALES must carry the authorized amount (E01060010)
//	Refund            yes        AlterTran VOID (same JST day) / RETURN (same month) / RETURNX (later)
//	PartialRefund     yes        ChangeTran JobCd=CAPTURE to the remaining amount
//	MultipleRefunds   yes        repeated ChangeTran, then a full refund of the rest
//	Void              yes        AlterTran VOID of an authorization (payment.Voider)
//	Inquiry           yes        SearchTrade (payment.Inquirer)
//	ThreeDSecure      yes        TdFlag=2 by default: ACS=2 GET redirect, SecureTran2;
//	                             TdFlag=1: ACS=1 POST form (PaReq, TermUrl, MD), SecureTran
//	HostedPage        no         (GMO's link type is not implemented)
//	StoredCards       yes*       PaymentMethod.StoredCard, and [CardStore] (SaveMember, SaveCard …);
//	                             *only with Config.SiteID/SitePass
//	card tokens       yes        PaymentMethod.CardToken from GMO's token.js
//	Notifications     yes        HandleNotification (result notification program)
//	AsyncPayments     yes        konbini (EntryTranCvs/ExecTranCvs) and Pay-easy
//	                             (EntryTranPayEasy/ExecTranPayEasy): see Konbini and Pay-easy
//	Currencies        JPY        whole yen, at most 7 digits (9,999,999)
//
// A [Provider] is immutable and safe for concurrent use. Its only state is
// a bounded in-memory AccessID → AccessPass cache (see Config.CacheSize).
//
// # Payments and references
//
// CreatePayment sends EntryTran and returns StatusPending with the
// PaymentRef "gmo:<OrderID>:<AccessID>" ([Ref], [ParseRef]). The ref never
// contains the AccessPass, which is a secret: Confirm, Capture, Refund and
// Void recover it from the cache or with SearchTrade (which returns it), so
// a ref stored in a database keeps working in another process.
//
// Order IDs are checked before any I/O: at most 27 characters of a-z, A-Z,
// 0-9 and '-'. Amounts must be JPY, positive, whole and at most 7 digits.
//
// Confirm with a payment method sends ExecTran: a card token, or a stored
// card (StoredCard.CustomerID is the MemberID, CardID the CardSeq; site
// credentials come from Config), with Method 1 lump, 2 installments, 3
// bonus lump, 4 bonus installments, 5 revolving (payment.InstallmentPlan
// uses GMO's numbers) and PayTimes for 2 and 4. ACS=0 gives
// StatusAuthorized or StatusCaptured; ACS=2 and ACS=1 give
// StatusRequiresAction with a NextAction redirect. After the browser comes
// back, Confirm with ConfirmRequest.Return sends SecureTran2 (or SecureTran
// when the browser brought PaRes); the browser's AccessID/MD must match the
// ref. Every CheckString is verified in constant time.
// [Provider.ConfirmWithOptions] also sends GMO's merchant free fields
// ClientField1..3 ([ExecOptions]).
//
// # Amounts
//
// Amounts are payment.Money in JPY (exponent 0) and go on the wire as
// integers. An amount GMO cannot carry (another currency, more than
// 9,999,999 yen) is rejected with payment.ErrInvalidRequest before any
// I/O; nothing is ever rounded.
//
// # Choices where the reference is uncertain
//
// GMO's specification is under NDA; the adapter follows the [R] facts of
// the protocol fact sheet exactly and makes these [U] choices:
//
//   - TdFlag defaults to 2 (3-D Secure 2.0 is mandatory for Japanese
//     e-commerce since March 2025); Config.TdFlag, Config.Tds2Type change it.
//   - The 3-D Secure RetUrl is ConfirmRequest.ReturnURL, else the
//     CreatePaymentRequest.ReturnURL remembered in this process's cache;
//     without either (and with 3-D Secure on) Confirm fails with
//     ErrInvalidRequest (field ReturnURL) before any I/O.
//   - E01040010 after EntryTran is treated as "our own first attempt
//     landed" only when this call really sent EntryTran more than once
//     (counted with net/http/httptrace) and SearchTrade shows an
//     UNPROCESSED transaction with the same JobCd and amount; otherwise it
//     is the application's duplicate: payment.ErrDuplicate.
//   - A full refund picks VOID on the sale's JST day, RETURN in the same
//     month and RETURNX after a month boundary (from SearchTrade's
//     ProcessDate). If GMO refuses RETURN (E01050004/E11010003) the adapter
//     tries RETURNX; nothing moved on the refused call.
//   - SearchTrade shows VOID for a voided authorization and for a voided
//     sale alike, and keeps only the current amount after ChangeTran. The
//     cache remembers which transactions were captured and their original
//     amounts, so Inquire reports StatusRefunded / StatusPartiallyRefunded;
//     in another process a voided sale reads StatusCanceled and a partially
//     refunded one StatusCaptured with the remaining amount.
//   - A CheckString mismatch returns payment.ErrInvalidSignature together
//     with the payment as SearchTrade reads it (money may have moved).
//   - Result notifications are authenticated by SearchTrade (AccessID must
//     match; Amount must match when the notification reports the current
//     status); Config.SkipNotificationVerification turns this off.
//   - SeqMode is always 0 (logical card numbering).
//   - A 3-D Secure redirect lost with the ExecTran reply is treated as
//     unrecoverable (ErrDeclined + [ErrRedirectLost]; see Reconciliation):
//     the fact sheet names no call that returns it again.
//
// # Reconciliation
//
// A money-moving request (ExecTran, SecureTran, SecureTran2, AlterTran,
// ChangeTran) is never resent once it may have reached GMO. After a
// timeout or cut connection, HTTP 5xx, an HTML page, an unparseable reply,
// or E82/E90/E91/42C, the adapter asks SearchTrade once and returns the
// gateway's truth when it shows the change (the new state, nil error).
// When it shows no change yet, that proves nothing: the request may still
// be queued at GMO and applied moments later, so the answer is
// StatusUnknown with payment.ErrOutcomeUnknown — never "nothing happened".
// The same answer, also matching ctx.Err() when the context ended, comes
// when SearchTrade fails as well. Resolve it later with Inquire; when
// Inquire shows the old state the application may call again: GMO executes
// an AccessID at most once, SALES, VOID and RETURN need the previous state,
// so a second Confirm, Capture, Void or full Refund cannot move money
// twice (a partial refund, ChangeTran, can: check the refunded amount
// first). payment.ErrUnavailable (RetrySafe) is returned only for requests
// that provably never left (dial errors, refused connections); E92 is
// payment.ErrRateLimited (RetrySafe).
//
// One ambiguous case has a definite answer: an ExecTran whose reply was
// lost (or unusable) while SearchTrade shows AUTHENTICATED. GMO started
// 3-D Secure and issued a redirect (RedirectUrl, or ACSUrl/PaReq) that
// never reached the adapter. SearchTrade does not return it (gmo-protocol
// §3.6 lists its fields), GMO refuses a second ExecTran for the AccessID
// (E11010001 [U]), and the Tds2Auth restart belongs to CallbackType=2
// only, so the order can never be paid; an AUTHENTICATED order holds no
// authorization, so no money moved. Confirm fails with
// payment.ErrDeclined, not retry-safe, a nil payment and an error matching
// [ErrRedirectLost] (GatewayCodes keeps the codes of the lost reply): as
// after a failed 3-D Secure, create the payment again with a new order id.
// Inquire keeps reading such an order as StatusPending (GMO's state); an
// application that records it as failed moves pending → failed, which
// Status.CanBecome allows. The exception is E82/E90 (GMO reports another
// request for the transaction in progress, which may hold the redirect):
// that stays ErrOutcomeUnknown.
//
// EntryTran and SearchTrade move no money and are sent as idempotent.
//
// # Wire format
//
// Requests are application/x-www-form-urlencoded with an explicit
// Content-Type; values are encoded to Windows-31J (cp932) and then
// percent-encoded. Characters cp932 lacks but has a look-alike for are
// mapped (〜→～, −→－, ‖→∥, ¢→￠, £→￡, ¬→￢); any other is rejected with
// ErrInvalidRequest naming the field, never dropped. Unset values are left
// out (the literal "null" is never sent). Replies are decoded as cp932
// whatever the charset label says, split on '&' and then on the first '='
// only, never URL-decoded (tokens keep '+', '/', '='); an ExecTran reply
// with ACS=1/ACS=2 is parsed by its known keys so URLs keep their own '&'
// and '='; keys are case-insensitive; trailing CR/LF is trimmed; several
// records come back as '|'-joined columns.
//
// # Errors
//
// GMO answers errors with HTTP 200 and ErrCode=E01|E01&ErrInfo=E01050002|E01060006.
// [Kind] maps each code to a payment error kind; the most consequential
// code of a reply decides the kind of the *payment.Error, GatewayCode is
// that code's ErrInfo, GatewayCodes keeps every pair as "ErrCode/ErrInfo",
// and Message/MessageJA carry GMO's English and Japanese text ([Message]).
//
//	GMO code                         Kind                         Notes
//	E01040010                        payment.ErrDuplicate         order id already used
//	E01390010                        payment.ErrDuplicate         member already exists
//	E01110002, E01240002, E01390002  payment.ErrNotFound          transaction / card / member
//	E01010001, E01020001, E01030002  payment.ErrAuthentication    shop id / password
//	E01190001, E01200001, E01210002  payment.ErrAuthentication    site id / password
//	other E01, E00, E11, E31         payment.ErrInvalidRequest    input or state errors
//	E61 (E61010002: declined)        payment.ErrInvalidRequest    contract settings
//	EX1                              payment.ErrInvalidRequest    card token errors: get a new token
//	M01, M11                         payment.ErrInvalidRequest    multi-payment input / state
//	E21                              payment.ErrDeclined          3-D Secure failed
//	E41                              payment.ErrDeclined          card number rejected
//	42G (ErrCode Gxx)                payment.ErrDeclined          issuer declines
//	E92                              payment.ErrRateLimited       RetrySafe
//	E82, E90, E91                    payment.ErrOutcomeUnknown    reconciled with SearchTrade
//	42C (ErrCode Cxx)                payment.ErrOutcomeUnknown    reconciled with SearchTrade
//	anything else                    payment.ErrOutcomeUnknown    never assume nothing happened
//
// HTTP 5xx, HTML pages and unparseable replies are payment.ErrUnavailable
// for calls that move no money and ErrOutcomeUnknown (then reconciled) for
// those that do; the message of an HTML answer says to check the base URL,
// proxy or firewall.
//
// # Notifications
//
// HandleNotification reads GMO's result notification (a cp932 form POST
// with masked passwords and no signature; at most [MaxNotificationBody]
// bytes are read). ErrInfo=E00000000 is a connectivity check
// (payment.NotificationPing). Answer Notification.Ack (body "0") when
// processed, Notification.Retry (body "1") to have GMO resend. The
// reported Status is the verified current state, so duplicates and
// out-of-order deliveries never move a payment backwards; Notification.ID
// (OrderID:Status:TranID:ErrInfo) is stable across resends. Konbini and
// Pay-easy notifications (PayType 3, 4) are verified with SearchTradeMulti
// (see Konbini and Pay-easy). Notifications of other multi-payment types
// fail with payment.ErrUnsupported; acknowledge them if you handle those
// elsewhere.
//
// # Konbini and Pay-easy
//
// Convenience-store (konbini) and Pay-easy payments are asynchronous: the
// customer gets payment numbers now and pays later at the counter, an ATM
// or in net banking, or never. They use the same calls as cards:
//
//	p, _ := prov.CreatePayment(ctx, payment.CreatePaymentRequest{
//		OrderID: "order-1", Amount: payment.MustParseMoney("1500", "JPY"),
//		MethodType: payment.MethodKonbini, // or payment.MethodPayEasy
//	})
//	p, _ = prov.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: &payment.PaymentMethod{
//		Konbini: &payment.Konbini{Chain: gmo.ChainLawson, CustomerName: "山田 太郎", CustomerKana: "ヤマダ タロウ",
//			Phone: "090-1234-5678", DeadlineDays: 3,
//			ContactName: "けっさい商店", ContactPhone: "03-1234-5678", ContactHours: "09:00-18:00"},
//	}})
//	// p.Status == payment.StatusPending; show p.NextAction.Voucher to the customer.
//
// CreatePayment sends EntryTranCvs / EntryTranPayEasy and returns the ref
// "gmo:<OrderID>:<AccessID>:konbini" (":payeasy"): the method is part of
// the ref because SearchTrade does not see these orders, so Confirm,
// Inquire and Void know without I/O to use SearchTradeMulti (PayType 3 or
// 4), CvsCancel or PayEasyCancel. [ParseRef] refuses these refs with
// payment.ErrUnsupported, and so do Capture and Refund: the customer's
// payment is the capture, and GMO has no refund for them. Manual capture
// is refused (ErrInvalidRequest, field Capture). Amounts: konbini at most
// [MaxKonbiniAmount] (299,999 JPY, the stores' limit [U]), Pay-easy at
// most [MaxPayEasyAmount] (6 digits [L]).
//
// Confirm with Method.Konbini (Method.PayEasy) sends ExecTranCvs
// (ExecTranPayEasy) once, after validating every field without I/O;
// errors are ErrInvalidRequest with Field naming the field
// ("Method.Konbini.CustomerKana"):
//
//   - Chain: GMO's Convenience code ([ChainLawson], [ChainFamilyMart],
//     [ChainMinistop], [ChainSevenEleven], [ChainSeicomart] and the old
//     0000x codes); others are refused.
//   - CustomerName, CustomerKana: required; only full-width JIS X 0208
//     characters in cp932, at most 40 bytes (20 characters) [U: bytes or
//     characters; bytes is the stricter]. ASCII and half-width katakana are
//     widened ("ﾀﾞ" → "ダ", "A" → "Ａ", space → U+3000) and the §1.1
//     look-alikes mapped (〜 → ～); characters outside JIS X 0208 — cp932's
//     NEC row 13 (①, ㈱), the IBM extensions (髙, 﨑), emoji — are refused,
//     not dropped. Kana allows katakana, 'ー' and spaces; hiragana is turned
//     into katakana.
//   - Phone (TelNo): required, digits and '-', at most 13 (full-width digits
//     are narrowed). Email (MailAddress): optional, at most 256 ASCII.
//   - DeadlineDays (PaymentTermDay): 0 leaves GMO's default, else 1..60.
//   - ReceiptLines (ReceiptsDisp1..10, konbini only): at most 10 lines of at
//     most 60 cp932 bytes. ContactName, ContactPhone, ContactHours
//     (ReceiptsDisp11..13): required (§4 marks them so); 42 cp932 bytes;
//     digits and '-', at most 12; "HH:MM-HH:MM".
//   - ExecOptions.ClientFields (ConfirmWithOptions) are sent as
//     ClientField1..3 with ClientFieldFlag=1.
//   - Not sent: RegisterDisp1..8 (the store register's display; no field
//     in payment.Konbini), Tax, and Pay-easy's PaymentType [U].
//
// The answer is StatusPending with NextAction{Type: voucher} and a
// payment.Voucher: Chain, ConfirmationNumber (ConfNo), ReceiptNumber
// (ReceiptNo), ReceiptURL (ReceiptUrl, given for some chains) and Deadline
// (PaymentTerm, a time.Time in JST) for konbini; CustomerCode (CustID),
// BankCode (BkCode), ConfirmationNumber (ConfNo) and Deadline for
// Pay-easy, whose ReceiptNumber carries EncryptReceiptNo (the value GMO's
// net-banking link needs). The reply's CheckString is verified in constant
// time: MD5 of OrderID+Convenience+ConfNo+ReceiptNo+PaymentTerm+TranDate+
// ShopPass for konbini [L: §3.4], of OrderID+CustID+BkCode+ConfNo+
// EncryptReceiptNo+PaymentTerm+TranDate+ShopPass for Pay-easy [U]. A
// mismatch is ErrInvalidSignature with the SearchTradeMulti state next to
// it. A reply without the payment numbers, a timeout, cut connection, 5xx
// or E90/E91 is resolved with SearchTradeMulti, never by resending:
// REQSUCCESS gives the voucher (without ReceiptURL, which only
// ExecTranCvs returns); an order still UNPROCESSED is StatusUnknown with
// ErrOutcomeUnknown (the request may still be applied: Inquire later). A
// repeated Confirm of an issued voucher reports its state and issues
// nothing new (GMO answers E11010001).
//
// States (SearchTradeMulti / notification Status → payment.Status):
// UNPROCESSED and REQSUCCESS → Pending (REQSUCCESS with the voucher),
// PAYSUCCESS → Captured (Captured = Amount), EXPIRED → Expired, CANCEL →
// Canceled, PAYFAIL → Failed. Inquire, Confirm without a method and
// HandleNotification report the gateway's current state, so a replayed
// REQSUCCESS notification after PAYSUCCESS still reports Captured; with
// Config.SkipNotificationVerification the notification's own status is
// reported and the application must keep the order (payment.Status.CanBecome).
//
// Void (payment.Voider) cancels an unpaid voucher (REQSUCCESS) with
// CvsCancel / PayEasyCancel; the reply must be Status=CANCEL for the
// order. Void of a canceled voucher reports it; of a paid, expired or
// not-yet-issued one fails with ErrInvalidRequest. An ambiguous cancel is
// resolved with SearchTradeMulti like ExecTranCvs.
//
// GMO gives up on a notification after 5 resends, and shops lose expiry
// notifications: run [Provider.ReconcilePending] periodically over the
// refs still pending in your database. It inquires each (moving no money)
// and returns a [PendingResult] per ref: Settled when the gateway moved on
// (apply Payment.Status as if the notification had come), Overdue when the
// voucher is still pending past its deadline on your clock.
//
// # Logging
//
// With provider.WithLogger the adapter logs, under the name "gmo", order
// ids, access ids, amounts, statuses and GMO codes only. Shop and site
// passwords, AccessPass and card tokens are payment.Secret and never
// logged; bodies and headers are never logged.
//
// # Testing
//
// Package github.com/kessai/payment/gmo/gmotest is an offline, stateful
// GMO simulator with fault injection and a ledger. Point the adapter at it
// with provider.WithBaseURL(sim.URL()) (or ?base_url= in the URL). The
// adapter passes conformance.Run against it (conformance_test.go), and
// `go test -bench . -benchmem ./gmo/` compares a full charge through the
// adapter with a raw net/http client.
package gmo
