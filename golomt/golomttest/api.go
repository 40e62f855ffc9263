package golomttest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// Default credentials and identities the simulator accepts unless changed
// with [WithCredentials] and [WithMerchantID].
const (
	// DefaultBearerToken is the static token expected in
	// "Authorization: Bearer <token>".
	DefaultBearerToken = "golomttest-bearer-token"
	// DefaultSecret is the merchant HMAC key ("merchant key").
	DefaultSecret = "golomttest-secret"
	// DefaultMerchantID is the merchant id used by the settlement report.
	DefaultMerchantID = "000000000087050"
	// DefaultInvoiceLifetime is how long an unpaid invoice stays payable.
	DefaultInvoiceLifetime = 10 * time.Minute
	// DefaultNotifyInterval and DefaultNotifyAttempts are the push retry
	// policy (the bank's is undocumented).
	DefaultNotifyInterval = time.Second
	DefaultNotifyAttempts = 3
	// BankName is the issuing bank name the simulator reports for its cards.
	BankName = "Голомт банк"
)

// API names accepted by [Server.InjectFault].
const (
	APIInvoice      = "invoice"      // POST /api/invoice
	APIInquiry      = "inquiry"      // POST /api/inquiry
	APIPay          = "pay"          // POST /api/pay
	APICheck        = "check"        // POST /api/check
	APIConfirmation = "confirmation" // POST /api/confirmation
	APIGetToken     = "gettoken"     // POST /api/get/token
	APISettlement   = "settlement"   // POST /api/getSettlementDetails
	APIPage         = "page"         // the hosted page's form submission (POST /payment/..., /socialpay/..., /confirmation/...)
)

// Server is a stateful in-process Golomt Bank e-commerce gateway. It is safe
// for concurrent use.
type Server struct {
	cfg      config
	ts       *httptest.Server
	handler  http.Handler
	requests atomic.Int64

	mu      sync.Mutex // guards the fields below
	baseURL string
	st      *state
	faults  map[string][]Fault

	push *pusher
}

// Fault is an injected failure for the next request(s) to one API.
type Fault struct {
	Kind FaultKind
	// Delay is how long FaultDelay sleeps before answering normally.
	Delay time.Duration
	// Code selects a variant: for FaultServerError and
	// FaultServerErrorAfterProcess "503" answers 503 instead of 500; for
	// FaultHTML "403" answers 403 instead of 200.
	Code string
	// Times is how many consecutive requests get the fault (0 means 1).
	Times int
}

// FaultKind is the kind of an injected failure.
type FaultKind int

const (
	// FaultNone is no fault.
	FaultNone FaultKind = iota
	// FaultDelay sleeps Fault.Delay (or until the client gives up), then
	// answers normally.
	FaultDelay
	// FaultDropBeforeProcess closes the connection without reading the
	// request into the ledger and without any response.
	FaultDropBeforeProcess
	// FaultDropAfterProcess applies the request to the ledger (money may
	// move), then closes the connection without any response.
	FaultDropAfterProcess
	// FaultServerError answers HTTP 500 with the JSON error envelope
	// (error "Internal") without processing.
	FaultServerError
	// FaultServerErrorAfterProcess processes the request, then answers 500.
	FaultServerErrorAfterProcess
	// FaultGatewayUnknown is Golomt's ambiguous answer: the request is
	// processed and the reply is a 500 JSON envelope (same as
	// FaultServerErrorAfterProcess).
	FaultGatewayUnknown
	// FaultHTML answers an HTML page (HTTP 200, or 403 with Code "403") as
	// a proxy or IP allow-list would, without processing.
	FaultHTML
	// FaultForbidden answers HTTP 403 with an empty body without processing
	// (revoked token).
	FaultForbidden
)

// Card is a card the simulated customer types into the hosted page.
type Card struct {
	Number string // PAN, digits (spaces allowed)
	Expiry string // MM/YY
	CVC    string
	Holder string
}

// LedgerEntry is the simulator's record of one transactionId.
type LedgerEntry struct {
	TransactionID string
	Kind          Kind   // invoice, pay or confirmation
	Invoice       string // bank invoice UUID ("" for token payments)
	Amount        string // exactly as the merchant sent it (confirmation: the random verification amount)
	ReturnType    string
	Callback      string
	GenToken      bool
	State         State
	// ErrorCode is "" while the wire value is null.
	ErrorCode  string
	ErrorDesc  string
	CardNumber string // masked 6+6 stars style
	CardHolder string
	Token      string // card token issued (invoice genToken=Y, confirmation) or used (pay)
	// Charges counts the times money moved from the card for this
	// transactionId; Refunds the times it moved back.
	Charges   int
	Refunds   int
	CreatedAt time.Time
	ExpiresAt time.Time
	UpdatedAt time.Time
}

// Kind is the kind of a ledger entry.
type Kind string

// Ledger entry kinds.
const (
	KindInvoice      Kind = "invoice"
	KindPay          Kind = "pay"
	KindConfirmation Kind = "confirmation"
)

// State is the simulator's view of a transaction.
type State string

// States.
const (
	StateCreated  State = "CREATED"  // invoice issued, not paid
	StatePaid     State = "PAID"     // errorCode 000
	StateDeclined State = "DECLINED" // a non-000 card result
	StateExpired  State = "EXPIRED"  // invoice lifetime over before payment
)

// Delivery is one push attempt to the notify URL.
type Delivery struct {
	TransactionID string
	Attempt       int
	StatusCode    int    // 0 when the request failed
	Err           string // transport error, if any
	At            time.Time
}
