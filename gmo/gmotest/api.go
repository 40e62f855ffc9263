package gmotest

import (
	"net/http"
	"strconv"
	"time"
)

// Default credentials the simulator accepts unless [WithCredentials] changes
// them. They have the shapes of sandbox credentials (13-character IDs,
// passwords of at most 10 characters).
const (
	DefaultShopID   = "tshop00000001"
	DefaultShopPass = "shoppass1"
	DefaultSiteID   = "tsite00000001"
	DefaultSitePass = "sitepass1"
)

// Test cards. Any other Luhn-valid number of 10 to 16 digits with a future
// expiry is approved like [CardApprove].
const (
	// CardApprove is the sandbox card: approved, frictionless 3-D Secure.
	CardApprove = "4111111111111111"
	// CardApproveMaster is an approved Mastercard number.
	CardApproveMaster = "5555555555554444"
	// CardInsufficientFunds is declined with 42G020000 (ErrCode G02).
	CardInsufficientFunds = "4000000000000028"
	// CardExpired is declined with 42G830000 (ErrCode G83), whatever the
	// expiry. A past expiry on any card gives the same decline.
	CardExpired = "4000000000000838"
	// CardWrongCVC is declined with 42G440000 (ErrCode G44).
	CardWrongCVC = "4000000000000440"
	// CardDeclined is declined with 42G120000 (card unusable, ErrCode G12).
	CardDeclined = "4000000000000127"
	// CardLimitExceeded is declined with 42G550000 (ErrCode G55).
	CardLimitExceeded = "4000000000000556"
	// CardChallenge requires a 3-D Secure challenge when the transaction was
	// registered with TdFlag=2 (or 1): ExecTran answers ACS=2 (ACS=1).
	CardChallenge = "4000000000003022"
	// CardChallengeFail requires a challenge that always fails: SecureTran2
	// answers E21030007 whatever the customer does.
	CardChallengeFail = "4000000000003030"
	// CardOutcomeUnknown is authorized, but the reply is
	// ErrCode=E91&ErrInfo=E91020001: only SearchTrade tells the truth.
	CardOutcomeUnknown = "4000000000000911"
	// CardUnknownNoCharge answers E91020001 without authorizing.
	CardUnknownNoCharge = "4000000000000929"
)

// Credentials are the shop and site credentials the simulator accepts.
type Credentials struct {
	ShopID, ShopPass string
	SiteID, SitePass string
}

// Clock tells the simulator's time. provider.Clock satisfies it, so one
// [ManualClock] can drive both the adapter and the simulator.
type Clock interface{ Now() time.Time }

// Option configures a [Server].
type Option func(*config)

// WithCredentials replaces the accepted credentials; empty fields keep the
// defaults.
func WithCredentials(c Credentials) Option {
	return func(cf *config) {
		if c.ShopID != "" {
			cf.creds.ShopID = c.ShopID
		}
		if c.ShopPass != "" {
			cf.creds.ShopPass = c.ShopPass
		}
		if c.SiteID != "" {
			cf.creds.SiteID = c.SiteID
		}
		if c.SitePass != "" {
			cf.creds.SitePass = c.SitePass
		}
	}
}

// WithClock replaces the system clock. With a [ManualClock], [Server.Advance]
// advances it.
func WithClock(c Clock) Option { return func(cf *config) { cf.clock = c } }

// WithNotifyURL makes the simulator deliver result notifications to u in the
// background, with GMO's retry behaviour (see [WithNotifyRetry]).
func WithNotifyURL(u string) Option { return func(cf *config) { cf.notifyURL = u } }

// WithNotifyRetry sets the resend interval (default 60 minutes of simulator
// time) and the number of resends after the first attempt (default 5).
func WithNotifyRetry(interval time.Duration, max int) Option {
	return func(cf *config) { cf.notifyInterval, cf.notifyMax = interval, max }
}

// WithNotifyClient sets the HTTP client used for deliveries (default: a
// client with GMO's 15 s timeout).
func WithNotifyClient(c *http.Client) Option { return func(cf *config) { cf.notifyClient = c } }

// WithConnectivityCheck queues a connectivity-check notification
// (ErrInfo=E00000000) as the first delivery.
func WithConnectivityCheck() Option { return func(cf *config) { cf.pingFirst = true } }

// WithRawCardNumbers lets ExecTran and SaveCard accept CardNo/Expire, as a
// shop whose contract allows it. Without it they answer E61040001.
func WithRawCardNumbers() Option { return func(cf *config) { cf.rawPAN = true } }

// WithThreeDSRequired makes the shop a "3-D Secure mandatory" shop:
// EntryTran without TdFlag=1/2 answers E01080101.
func WithThreeDSRequired() Option { return func(cf *config) { cf.tdsRequired = true } }

// WithPublicURL sets the base URL the simulator puts in RedirectUrl, ACSUrl
// and pages (for [NewHandler] behind a real listener). Without it the base
// is taken from the request's Host.
func WithPublicURL(u string) Option { return func(cf *config) { cf.publicURL = u } }

// WithFaultFunc installs a fault source consulted on every API request that
// has no injected fault (paysim uses it for random faults). f must be safe
// for concurrent use.
func WithFaultFunc(f func(api string) (Fault, bool)) Option {
	return func(cf *config) { cf.faultFunc = f }
}

// WithTokenLifetime changes the token lifetime (default 30 minutes).
func WithTokenLifetime(d time.Duration) Option { return func(cf *config) { cf.tokenTTL = d } }

// FaultKind selects a misbehaviour.
type FaultKind int

const (
	// FaultNone does nothing (besides Delay).
	FaultNone FaultKind = iota
	// FaultDelay sleeps Delay, then processes and answers normally. A
	// client that hangs up during the delay leaves nothing processed.
	FaultDelay
	// FaultDropBeforeProcess closes the connection without processing.
	FaultDropBeforeProcess
	// FaultDropAfterProcess processes the request (the ledger changes), then
	// closes the connection without a response.
	FaultDropAfterProcess
	// FaultServerError answers HTTP Status (default 503) without processing.
	FaultServerError
	// FaultServerErrorAfterProcess processes, then answers HTTP Status
	// (default 500).
	FaultServerErrorAfterProcess
	// FaultGatewayUnknown answers HTTP 200 with the outcome-unknown code
	// Code (default E91020001; E90010001 or a 42C code) without processing.
	FaultGatewayUnknown
	// FaultGatewayUnknownAfterProcess processes, then answers Code.
	FaultGatewayUnknownAfterProcess
	// FaultHTML answers an HTML error page with HTTP Status (default 200;
	// 403 as a WAF would) without processing.
	FaultHTML
	// FaultDelayAfterProcess processes at once, then holds the answer for
	// Delay: a client that times out meanwhile has been charged anyway.
	FaultDelayAfterProcess
)

// Fault is one injected misbehaviour. Delay applies before processing for
// every kind except FaultDelayAfterProcess.
type Fault struct {
	Kind   FaultKind
	Delay  time.Duration
	Code   string // ErrInfo for FaultGatewayUnknown*, e.g. "E90010001", "42C010000"
	Status int    // HTTP status for FaultServerError* and FaultHTML
}

// LedgerEntry is the simulator's record of one order. Amounts are JPY.
type LedgerEntry struct {
	OrderID  string
	AccessID string
	PayType  string // "0" credit card, "3" konbini, "4" Pay-easy
	Status   string // GMO status: UNPROCESSED, AUTHENTICATED, AUTH, CAPTURE, SALES, VOID, ...
	JobCd    string
	Amount   int64
	Tax      int64
	// Authorized is the amount held on the card and not captured.
	Authorized int64
	// Captured is the total money taken; Refunded the total given back.
	Captured int64
	Refunded int64
	// Charges counts authorizations applied (ExecTran, SecureTran2,
	// re-authorizations, ChangeTran increases of a sale): each time money
	// was reserved or taken from the card. Paid counts konbini/Pay-easy
	// payments received.
	Charges int
	Paid    int
	// Sales counts captures of an authorization (AlterTran SALES).
	Sales int
	// Refunds counts RETURN, RETURNX and ChangeTran decreases of a sale.
	Refunds int
	// Voids counts VOIDs (and konbini/Pay-easy cancels).
	Voids int
	// Declines counts executions refused by the card issuer or 3-D Secure.
	Declines int
	TranID   string
	Approve  string
	Forward  string
	CardNo   string // masked
	Method   string
	PayTimes string
	// PaymentTerm is a konbini/Pay-easy voucher's payment deadline (zero
	// for card orders and vouchers not issued yet); Convenience its
	// konbini chain code.
	PaymentTerm time.Time
	Convenience string
	// History lists the operations applied, oldest first
	// (e.g. "EntryTran AUTH 1000", "ExecTran AUTH", "AlterTran SALES 1000").
	History   []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Delivery is one attempt to deliver a notification to the notify URL.
type Delivery struct {
	OrderID string // empty for connectivity checks
	Status  string
	ErrInfo string
	Attempt int    // 1 for the first attempt
	Answer  string // response body (trimmed), "" when none
	Err     string // transport error, if any
	OK      bool   // the merchant answered "0"
	At      time.Time
}

var faultNames = [...]string{"none", "delay", "drop-before", "drop-after", "server-error", "server-error-after",
	"gateway-unknown", "gateway-unknown-after", "html", "delay-after"}

// String names the kind.
func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultNames) {
		return faultNames[k]
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}
