// Package gmotest is a stateful, offline simulator of the GMO Payment
// Gateway "protocol type" API (/payment/<Api>.idPass), for the gmo
// adapter's tests, the conformance suite, users' own tests and paysim.
//
// It implements the wire format on its own (it shares no code with the
// adapter), so the two cross-check each other. Facts come from
// gmo-protocol.md and the recorded messages; where the real behaviour is
// unknown the simulator makes a documented choice, marked [U] below.
//
//	s := gmotest.NewServer()
//	defer s.Close()
//	p, _ := gmo.New(gmo.Config{ShopID: s.Credentials().ShopID, ...}, provider.WithBaseURL(s.URL()))
//
// [NewServer] starts a loopback httptest server; [NewHandler] returns an
// unstarted simulator whose [Server.Handler] can be mounted on a real
// listener (pass [WithPublicURL] so the links it hands out point at it).
// Mount it at the root of the listener: its paths are absolute, as GMO's.
// Every method is safe for concurrent use.
//
// # Wire format
//
//   - POST only: any other method answers ErrCode=E31&ErrInfo=E31500014.
//   - Requests are application/x-www-form-urlencoded with values as
//     percent-encoded Windows-31J (cp932) bytes. Values are stored as the
//     raw bytes and given back byte for byte (ClientField1..3, MemberName,
//     HolderName), so the literal text "null" is stored as given. Without
//     the form Content-Type the body is ignored and the answer is the
//     "not specified" errors (E01010001, E01190001, ...). Bodies over 1 MiB
//     answer E00000010. The first occurrence of a key wins; unknown keys
//     are ignored.
//   - Answers are HTTP 200, Content-Type text/plain;charset=Windows-31J,
//     Key=Value pairs joined with '&', values raw cp932 bytes (not
//     percent-encoded), keys in the recorded order.
//   - Business errors are HTTP 200 too: ErrCode=E01|E01&ErrInfo=E01050002|E01060006.
//     Like GMO, the simulator reports every bad input at once, in field
//     order, including a failed AccessID lookup next to format errors
//     (E01090008|E01100008|E01110002). The ErrCode of an issuer code
//     42G020000 is G02, of 42C010000 C01.
//   - Unknown APIs answer E91099997. The .json variant is not simulated.
//
// # Endpoints
//
// EntryTran, ExecTran, SecureTran2, SecureTran (legacy 3-D Secure 1),
// AlterTran, ChangeTran, SearchTrade, SearchTradeMulti, SaveMember,
// UpdateMember, SearchMember, DeleteMember, SaveCard, SearchCard,
// DeleteCard, TradedCard, EntryTranCvs, ExecTranCvs, CvsCancel, EntryTranPayEasy,
// ExecTranPayEasy, PayEasyCancel. Besides the APIs it serves the 3-D
// Secure pages (/payment/Tds2StubCallback.idPass, /payment/Tds1StubAcs.idPass),
// the tokenizer (/ext/api/credit/getToken, /ext/js/token.js), a konbini
// slip (/gmotest/receipt) and the ledger page (/gmotest/status).
//
// # Credentials
//
// Defaults: ShopID [DefaultShopID], ShopPass [DefaultShopPass], SiteID
// [DefaultSiteID], SitePass [DefaultSitePass]; [WithCredentials] changes
// them. A wrong shop answers E01030002, a wrong site E01210002 (compared
// in constant time). IDs longer than 13 characters or with non-alphanumeric
// characters answer E01010008/E01190008, passwords longer than 10
// E01020008/E01200008.
//
// # Orders and card payments
//
//   - OrderID: at most 27 characters of a-z A-Z 0-9 '-' (E01040003,
//     E01040013). An OrderID is single-use per shop across every payment
//     method, even after a decline (E01040010). [U] GMO may allow one per
//     payment method; the simulator allows one in total.
//   - EntryTran: JobCd CHECK|CAPTURE|AUTH|SAUTH; Amount required except
//     for CHECK, digits (E01060006), at most 7 digits (E01060005), zero
//     answers E01060011 [U]; Tax likewise (E01070006, E01070005);
//     Amount+Tax over 9,999,999 E01490005. ItemCode defaults to 0000990.
//     TdFlag 0|1|2 (E01080007); TdTenantName must be Base64 of EUC-JP of
//     at most 25 bytes (E01370008 format, E01370012 too long); Tds2Type
//     1|2|3 (E01950008). With [WithThreeDSRequired], TdFlag other than 1/2
//     answers E01080101.
//   - ExecTran: exactly one card source: Token, stored card (SiteID,
//     SitePass, MemberID, SeqMode, CardSeq; CardSeq omitted = the default
//     card), or raw CardNo/Expire/SecurityCode, which answers E61040001
//     unless [WithRawCardNumbers]. No source answers E01170001, two
//     E01840010 [U]. Method 1..5 (E01260001 missing, E01260002 unknown);
//     PayTimes required for 2 and 4 (E01270001) and must be one of 2, 3, 5,
//     6, 10, 12, 15, 18, 20, 24 (E01270010) [U]; PayTimes comes back empty
//     for methods 1, 3 and 5. ClientField1..3 (at most 100 bytes:
//     E01320012/E01330012/E01340012) are stored and echoed when
//     ClientFieldFlag=1. An OrderID that does not match the AccessID
//     answers E01110002 [U]. Re-executing an order that is not UNPROCESSED
//     (executed, or waiting for 3-D Secure) answers E11010001 and never
//     charges twice; a declined execution leaves it UNPROCESSED and may be
//     retried with another card [U].
//   - Success: ACS=0&OrderID&Forward=2a99662&Method&PayTimes&Approve&TranID
//     (28 digits)&TranDate (yyyyMMddHHmmss JST)&CheckString, where
//     CheckString is the lowercase hex MD5 of OrderID+Forward+Method+
//     PayTimes+Approve+TranID+TranDate+ShopPass ([Server.CheckString]).
//   - AlterTran: SALES on AUTH/SAUTH with Amount equal to the authorized
//     amount (else E01060010), within 60 days of the authorization
//     (E01420010) [U]; VOID on AUTH/SAUTH/CAPTURE/SALES; RETURN and RETURNX
//     on CAPTURE/SALES (no same-day or month-boundary rule) [U];
//     CAPTURE/AUTH/SAUTH re-authorize a VOID/RETURN/RETURNX transaction
//     with Amount and Method [U]. Any other JobCd for the status answers
//     E01050004, so a repeated SALES or VOID is refused; an UNPROCESSED
//     or AUTHENTICATED transaction answers E11010002; older than 180 days
//     E11010010. Answer: AccessID, AccessPass, Forward, Approve (kept),
//     TranID and TranDate (new).
//   - ChangeTran: JobCd CAPTURE|AUTH|SAUTH, Amount required. On AUTH/SAUTH
//     it re-authorizes the new amount (JobCd CAPTURE captures it). On
//     CAPTURE/SALES only JobCd CAPTURE is accepted and the status stays; a
//     lower amount is a partial refund, a higher one an extra charge [U].
//   - SearchTrade: the recorded field order (OrderID, Status, ProcessDate,
//     JobCd, AccessID, AccessPass, ItemCode, Amount, Tax, SiteID, MemberID,
//     CardNo masked ************1111, Expire, Method, PayTimes, Forward,
//     TranID, Approve, ClientField1..3). Unknown orders and voucher orders
//     answer E01110002. SearchTradeMulti adds PayType (0, 3, 4), the
//     voucher fields and Currency=JPN [U: order of the extra fields];
//     PayType errors are M01051005 (too long) and M01051011 (unknown), an
//     unknown order M01004002, as recorded.
//
// # Test cards
//
// Every Luhn-valid number of 10 to 16 digits with a future expiry is
// approved (E41170099 when the check digit is wrong, 42G830000 when the
// expiry has passed on the simulator clock). Magic numbers:
//
//	4111111111111111  CardApprove            approved, frictionless
//	5555555555554444  CardApproveMaster      approved
//	4000000000000028  CardInsufficientFunds  42G020000 (G02)
//	4000000000000838  CardExpired            42G830000 (G83)
//	4000000000000440  CardWrongCVC           42G440000 (G44)
//	4000000000000127  CardDeclined           42G120000 (G12)
//	4000000000000556  CardLimitExceeded      42G550000 (G55)
//	4000000000003022  CardChallenge          3-D Secure challenge when TdFlag=1/2
//	4000000000003030  CardChallengeFail      challenge that always fails (E21030007)
//	4000000000000911  CardOutcomeUnknown     authorized, but answers E91020001
//	4000000000000929  CardUnknownNoCharge    answers E91020001, nothing applied
//
// Declines leave the order UNPROCESSED, count in LedgerEntry.Declines and
// consume the token.
//
// # Tokens
//
// [Server.IssueToken] stands in for token.js (expire as YYYYMM). The HTTP
// tokenizer at POST /ext/api/credit/getToken answers
// {"resultCode":["000"],"tokenObject":{"token":["..."],...}}; /ext/js/token.js
// provides Multipayment.init and Multipayment.getToken for demo pages.
// Deviation: the card travels as plain JSON ({"cardNo","expire",
// "securityCode","holderName","tokenNumber","shopID"}), not RSA-encrypted
// with a KeyHash. Input errors answer token.js result codes (100-series,
// 502 wrong shop, 901 malformed) [U: exact codes]. Tokens are 64
// alphanumerics, single-use (EX1000302 when reused), expire after 30
// minutes of simulator time (EX1000303, [WithTokenLifetime]); unknown
// tokens answer EX1000301.
//
// # 3-D Secure
//
// Registered with TdFlag=2 and executed with CardChallenge or
// CardChallengeFail, ExecTran requires RetUrl (E01E30001) and answers
//
//	ACS=2&RedirectUrl=<base>/payment/Tds2StubCallback.idPass?transId=<uuid>&t=<hex>
//
// with the '&t=' inside the value, as the sandbox does. The order is
// AUTHENTICATED until SecureTran2. The RedirectUrl is a real HTML page with
// a form (buttons result=pass / result=fail; the link is HMAC-signed and a
// tampered one gets HTTP 400). After the answer the browser goes to RetUrl:
// for CallbackType 1 (default) an auto-submitting POST form, for
// CallbackType 3 an HTTP 303 to RetUrl with a query. [U] The browser
// carries only AccessID (no MD, no result): it is a hint, the adapter must
// call SecureTran2 with its own AccessID/AccessPass. SecureTran2 then
// authorizes (same answer as ExecTran without ACS), answers E21030007 when
// authentication failed, E21020002 when the customer has not finished
// [U], E11010001 once authorized. Frictionless cards answer ACS=0 at once;
// [U] the real gateway may redirect them too. CallbackType 2 (merchant-
// driven Tds2Auth) is not simulated and behaves like 1.
//
// With TdFlag=1 a challenge card gets the legacy ACS=1&ACSUrl&PaReq&MD
// (MD is the AccessID, PaReq Base64 with '=' inside); the ACS page takes
// the browser's POST of PaReq, TermUrl and MD and posts PaRes and MD to
// TermUrl; SecureTran with PaRes and MD completes (E21020001 for a failed
// or forged PaRes).
//
// [Server.CompleteChallenge], [Server.ChallengeReturn] and
// [Server.CompleteLegacyChallenge] drive these pages over HTTP like a
// browser.
//
// # Result notifications
//
// Every state change queues a notification (successful executions, 3-D
// Secure authorizations, declines and 3-D Secure failures with
// ErrCode/ErrInfo, AlterTran, ChangeTran, voucher REQSUCCESS, PAYSUCCESS,
// EXPIRED, CANCEL). Fields: ShopID, ShopPass (10 '*'), AccessID,
// AccessPass (32 '*'), OrderID, Status, JobCd, Amount, Tax, Currency=JPN,
// Forward, Method, PayTimes, TranID, Approve, TranDate, ErrCode, ErrInfo,
// PayType, then for konbini CvsCode, CvsConfNo, CvsReceiptNo, PaymentTerm,
// FinishDate, ReceiptDate and for Pay-easy CustID, BkCode, ConfNo,
// EncryptReceiptNo, PaymentTerm, FinishDate, ReceiptDate [U: the voucher
// fields' order]. The body is a form with percent-encoded cp932 values.
//
// [Server.NextNotification] builds the request for tests. With
// [WithNotifyURL] a background notifier delivers them: first attempt at
// once, success only for HTTP 200 with body "0" (trimmed), otherwise a
// resend every 60 minutes of simulator time up to 5 times
// ([WithNotifyRetry]); [WithConnectivityCheck] first sends a check with
// ErrCode=E00, ErrInfo=E00000000. Close stops the notifier.
// [Server.Deliveries] lists the attempts.
//
// # Faults
//
// [Server.InjectFault] queues a [Fault] for the next request to one API
// (or "*"); [WithFaultFunc] supplies faults for paysim. Kinds: delay
// before processing (a client that hangs up meanwhile leaves nothing
// processed), delay after processing (a client that times out meanwhile
// was charged anyway), drop the connection before or after processing, HTTP 5xx before or after
// processing, an outcome-unknown ErrInfo (E91020001 by default, E90010001,
// 42C010000...) before or after processing, and an HTML page (HTTP 200 or
// 403). "After processing" means the ledger changed: the adapter must
// resolve it with SearchTrade, never by resending. While a request for a
// transaction (same AccessID, or same OrderID for EntryTran) is in
// progress, another one answers ErrCode=E90&ErrInfo=E90010001 without
// processing, as GMO does for duplicate submissions; searches are exempt.
//
// # Ledger
//
// [Server.Ledger] and [Server.Ledgers] expose every order: GMO status,
// amounts (Authorized, Captured, Refunded) and counters (Charges, Sales,
// Refunds, Voids, Declines, Paid) so a test can prove that money moved
// exactly once. [Server.Requests] and [Server.Calls] count requests.
// [Server.StatusHandler] renders the ledger as HTML (no passwords, masked
// cards, a voucher's deadline); its buttons POST to three simulator
// controls that are not GMO APIs: /gmotest/pay (order=<OrderID>,
// [Server.PayVoucher]), /gmotest/expire (order=<OrderID>,
// [Server.ExpireVoucher]) and /gmotest/advance (d=<Go duration>,
// [Server.Advance]). A refused control answers an HTML error page (405
// for other methods, 409 for an order in the wrong state, 400 for a bad
// duration).
//
// After acting, a control redirects (303) to the ledger page, or to the
// optional form field return=<address>, so a shop's own page can post to
// it and get the browser back. To rule out an open redirect the address
// must be a path on the simulator ("/orders/42", not "//host" or
// "orders/42"; no backslash, space or control character), an http(s) URL
// with the origin of [WithPublicURL] (or of the [NewServer] listener), or
// an http(s) URL on a loopback host (localhost, 127.0.0.0/8, ::1, any
// port) with no user info. Any other address answers 400 and the control
// does nothing.
//
// # Time
//
// [WithClock] takes any Clock (provider.Clock fits); with a [ManualClock],
// [Server.Advance] moves it. Token expiry, notification resends and
// voucher deadlines follow simulator time. Dates on the wire are JST.
//
// # Konbini and Pay-easy
//
// EntryTranCvs/EntryTranPayEasy (Amount at most 299,999 [U]) answer
// OrderID, AccessID, AccessPass. ExecTranCvs needs Convenience (10001
// Lawson, 10002 FamilyMart, 10005 Ministop, 00007 Seven-Eleven, 10008
// Seicomart and the old 0000x codes), CustomerName (full-width cp932,
// M01010013), CustomerKana (full-width katakana, M01011013), TelNo,
// ReceiptsDisp11..13 (contact name, phone, hours HH:MM-HH:MM) and
// PaymentTermDay (1..60, default 7); the deadline is 23:59:59 JST that
// many days later. The M01 codes besides M01010013/M01011013 are [U].
// Answers: konbini OrderID, Convenience, ConfNo, ReceiptNo, PaymentTerm,
// TranDate, ReceiptUrl (Seven-Eleven only), CheckString; Pay-easy the
// recorded OrderID, CustID, BkCode, ConfNo, EncryptReceiptNo, PaymentTerm,
// TranDate, CheckString. [U] Their CheckString is the MD5 of the answer's
// fields before CheckString plus ShopPass. [Server.PayVoucher] plays the
// customer paying (PAYSUCCESS); unpaid vouchers become EXPIRED when
// simulator time passes the deadline; CvsCancel/PayEasyCancel answer
// OrderID and Status=CANCEL.
//
// [Server.ExpireVoucher] lets the deadline of one voucher pass without
// moving the clock (which [Server.Advance] moves for every order): an
// issued, unpaid voucher (REQSUCCESS) becomes EXPIRED and its EXPIRED
// notification is queued and delivered, with the same resends, as when the
// clock passes the deadline; PaymentTerm keeps the original deadline. It
// refuses unknown orders, card orders and vouchers that are not REQSUCCESS
// (not issued, paid, cancelled, expired). [LedgerEntry] carries the
// voucher's PaymentTerm and Convenience code.
//
// # Members and stored cards
//
// One site holds members (MemberID at most 60 of a-z A-Z 0-9 - _ . @).
// SaveMember (E01390010 when it exists), UpdateMember, SearchMember
// (MemberID, MemberName, DeleteFlag), DeleteMember; unknown members
// E01390002. SaveCard takes a Token (or a raw CardNo with
// [WithRawCardNumbers]), at most 5 live cards and 100 registrations
// (E01230009) [U], and answers
// CardSeq, CardNo masked to the last 3 digits as recorded, Forward.
// SearchCard without CardSeq answers every card column-oriented ('|'-joined
// values, n-th item = n-th card). SeqMode 0 numbers live cards, SeqMode 1
// numbers all cards including deleted ones (listed with DeleteFlag=1) [U].
// Unknown cards answer E01240002. SaveCard does not run a validity check.
// TradedCard (ShopID, ShopPass, SiteID, SitePass, OrderID, MemberID,
// SeqMode, DefaultFlag, HolderName) stores the card of an executed card
// order (E01110010 when the order was not executed [U]).
package gmotest
