package payment

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"go.uber.org/zap/zapcore"
)

// Provider is one payment gateway behind the common API. Implementations are
// immutable after construction and safe for concurrent use.
//
// A call that the gateway cannot do (see [Capabilities]) returns an error
// matching both [ErrUnsupported] and [errors.ErrUnsupported] without any
// network I/O. A failure is always a non-nil error; outcomes that are not
// final yet (redirects, pending vouchers, ambiguous results) are reported as a
// [Status] on the returned [Payment].
type Provider interface {
	// Name is the provider's registry name, e.g. "gmo" or "golomt".
	Name() string
	// Capabilities reports what the provider supports.
	Capabilities() Capabilities
	// CreatePayment registers a payment at the gateway (GMO EntryTran,
	// Golomt invoice). It moves no money.
	CreatePayment(ctx context.Context, req CreatePaymentRequest) (*Payment, error)
	// Confirm executes the payment with a payment method, or confirms it
	// server-side after the customer's browser returned from a redirect.
	Confirm(ctx context.Context, req ConfirmRequest) (*Payment, error)
	// Capture settles an authorization, fully or (where supported) partially.
	Capture(ctx context.Context, req CaptureRequest) (*Payment, error)
	// Refund returns money, fully or (where supported) partially.
	Refund(ctx context.Context, req RefundRequest) (*Payment, error)
	// HandleNotification reads and verifies a gateway-to-merchant
	// notification. The returned Notification says what to answer the
	// gateway. Errors match ErrInvalidSignature or ErrInvalidRequest for
	// forged or malformed input.
	HandleNotification(ctx context.Context, r *http.Request) (*Notification, error)
}

// Voider is implemented by providers that can cancel an authorization (or a
// pending asynchronous payment) before it is captured. When a provider does
// not implement Voider, there is no way to cancel through kessai: refund
// after capture instead.
type Voider interface {
	Provider
	Void(ctx context.Context, ref PaymentRef) (*Payment, error)
}

// Inquirer is implemented by providers that can fetch the gateway's current
// view of a payment. It is the basis of reconciliation: after an
// [ErrOutcomeUnknown] or a [StatusUnknown], Inquire tells the truth. Inquire
// moves no money and is always safe to retry. When a provider does not
// implement Inquirer, the application must wait for a notification.
type Inquirer interface {
	Provider
	Inquire(ctx context.Context, ref PaymentRef) (*Payment, error)
}

// Capabilities describes what a provider supports. The conformance suite
// skips scenarios whose capability is absent.
type Capabilities struct {
	ManualCapture   bool // CaptureManual is accepted by CreatePayment
	PartialCapture  bool // Capture with an amount below the authorized amount
	Refund          bool // Refund is supported at all
	PartialRefund   bool // Refund with an amount below the captured amount
	MultipleRefunds bool // several partial refunds on one payment
	Void            bool // the provider implements Voider
	Inquiry         bool // the provider implements Inquirer
	ThreeDSecure    bool // card payments may require a 3-D Secure redirect
	HostedPage      bool // the customer pays on the gateway's hosted page
	StoredCards     bool // payment with a stored card / card token
	Notifications   bool // HandleNotification is supported
	AsyncPayments   bool // voucher payments (konbini, bank transfer)
	// Currencies lists the currencies the provider accepts.
	Currencies []Currency
}

// SupportsCurrency reports whether c is in Currencies.
func (c Capabilities) SupportsCurrency(cur Currency) bool {
	for _, x := range c.Currencies {
		if x.Code == cur.Code {
			return true
		}
	}
	return false
}

// CaptureMode says whether an authorization is captured at once.
type CaptureMode int

const (
	// CaptureAutomatic captures at authorization (GMO JobCd=CAPTURE).
	CaptureAutomatic CaptureMode = iota
	// CaptureManual only authorizes; call Capture later (GMO JobCd=AUTH).
	CaptureManual
)

func (m CaptureMode) String() string {
	if m == CaptureManual {
		return "manual"
	}
	return "automatic"
}

// MethodType is the kind of payment method a payment is registered for.
type MethodType string

const (
	MethodCard    MethodType = "card"    // card payment (default)
	MethodKonbini MethodType = "konbini" // convenience-store payment (async voucher)
	MethodPayEasy MethodType = "payeasy" // Pay-easy ATM / net banking (async voucher)
)

// PaymentRef is an opaque reference a provider returns for a payment. The
// application stores it and passes it back to later calls. It never contains
// a secret, so it may be logged and stored in plain text.
type PaymentRef string

// CreatePaymentRequest registers a payment.
type CreatePaymentRequest struct {
	// OrderID is the merchant's unique order id. Providers validate its
	// length and characters before any I/O.
	OrderID string
	// Amount is the amount to charge. It must be positive.
	Amount Money
	// Capture selects automatic (default) or manual capture.
	Capture CaptureMode
	// MethodType selects the kind of payment; empty means MethodCard.
	MethodType MethodType
	// ReturnURL is where the gateway sends the customer's browser after a
	// redirect (3-D Secure RetUrl, Golomt callback).
	ReturnURL string
	// Language is a hint for hosted pages ("en", "mn", "ja").
	Language string
	// Description is a free-text description, where the gateway has a field.
	Description string
	// SaveCard asks the gateway to issue a reusable card token after payment
	// (Golomt genToken), where supported.
	SaveCard bool
	// Provider names the provider explicitly; used by routers.
	Provider string
	// Country is an ISO 3166-1 alpha-2 hint used by routers.
	Country string
}

// Validate checks the provider-independent rules: a non-empty order id and a
// positive amount in a known currency. Providers add their own rules.
func (r CreatePaymentRequest) Validate() error {
	if r.OrderID == "" {
		return &Error{Op: "create", Kind: ErrInvalidRequest, Message: "order id is empty", Field: "OrderID"}
	}
	if r.Amount.cur.Code == "" {
		return &Error{Op: "create", Kind: ErrInvalidRequest, Message: "amount has no currency", Field: "Amount"}
	}
	if !r.Amount.IsPositive() {
		return &Error{Op: "create", Kind: ErrInvalidRequest, Message: "amount must be positive", Field: "Amount"}
	}
	switch r.MethodType {
	case "", MethodCard, MethodKonbini, MethodPayEasy:
	default:
		return &Error{Op: "create", Kind: ErrInvalidRequest, Message: fmt.Sprintf("unknown method type %q", string(r.MethodType)), Field: "MethodType"}
	}
	return nil
}

// MarshalLogObject writes an allow-list of fields.
func (r CreatePaymentRequest) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("order_id", r.OrderID)
	enc.AddString("amount", r.Amount.String())
	enc.AddString("capture", r.Capture.String())
	if r.MethodType != "" {
		enc.AddString("method_type", string(r.MethodType))
	}
	return nil
}

// ConfirmRequest executes or verifies a payment. Set Method to execute it
// with a payment method, Return to confirm it after the customer's browser
// came back from a redirect, or neither to ask the gateway for the outcome
// (hosted-page providers).
type ConfirmRequest struct {
	Ref    PaymentRef
	Method *PaymentMethod
	Return *RedirectReturn
	// ReturnURL overrides CreatePaymentRequest.ReturnURL for 3-D Secure.
	ReturnURL string
}

// RedirectReturn is what came back from the customer's browser after a
// redirect. It is unsigned and untrusted: providers treat it as a hint and
// confirm server-side.
type RedirectReturn struct {
	// Values holds the query parameters and form fields of the request.
	Values url.Values
}

// MaxRedirectBody bounds the body ReturnFromRequest reads.
const MaxRedirectBody = 64 << 10

// ReturnFromRequest collects the query and (for POST) form values of a
// browser return. The body is read with a size limit of MaxRedirectBody.
func ReturnFromRequest(r *http.Request) (*RedirectReturn, error) {
	vals := url.Values{}
	for k, vs := range r.URL.Query() {
		vals[k] = append(vals[k], vs...)
	}
	if r.Method == http.MethodPost && r.Body != nil {
		r.Body = http.MaxBytesReader(nil, r.Body, MaxRedirectBody)
		if err := r.ParseForm(); err != nil {
			return nil, &Error{Op: "redirect", Kind: ErrInvalidRequest, Message: "unreadable redirect form", Err: err}
		}
		for k, vs := range r.PostForm {
			vals[k] = append(vals[k], vs...)
		}
	}
	return &RedirectReturn{Values: vals}, nil
}

// PaymentMethod is how the customer pays. Exactly one of the pointers
// (or CardToken) is set.
type PaymentMethod struct {
	// CardToken is a single-use card token from the gateway's browser
	// tokenizer (GMO token.js).
	CardToken Secret
	// StoredCard charges a card stored at the gateway.
	StoredCard *StoredCard
	// Installments selects a card payment plan; nil means lump sum.
	Installments *Installments
	// Konbini pays at a convenience store.
	Konbini *Konbini
	// PayEasy pays by Pay-easy.
	PayEasy *PayEasy
	// SecurityCode is an optional CVC for stored cards.
	SecurityCode Secret
}

// StoredCard identifies a card stored at the gateway.
type StoredCard struct {
	CustomerID string // GMO MemberID
	CardID     string // GMO CardSeq; Golomt: empty
	// Token is a reusable card token (Golomt genToken).
	Token Secret
}

// InstallmentPlan is a card payment plan (GMO Method).
type InstallmentPlan int

const (
	PlanLump              InstallmentPlan = 1 // 一括
	PlanInstallments      InstallmentPlan = 2 // 分割 (needs Count)
	PlanBonusLump         InstallmentPlan = 3 // ボーナス一括
	PlanBonusInstallments InstallmentPlan = 4 // ボーナス分割 (needs Count)
	PlanRevolving         InstallmentPlan = 5 // リボ
)

// Installments selects a card payment plan.
type Installments struct {
	Plan  InstallmentPlan
	Count int // number of payments for PlanInstallments and PlanBonusInstallments
}

// Konbini carries what a convenience-store payment needs.
type Konbini struct {
	Chain        string // gateway chain code, e.g. GMO "10001" (Lawson)
	CustomerName string // full-width
	CustomerKana string // full-width katakana
	Phone        string
	Email        string
	DeadlineDays int
	// ReceiptLines are shown on the receipt (GMO ReceiptsDisp1..10).
	ReceiptLines []string
	// Contact shown on the receipt (GMO ReceiptsDisp11..13).
	ContactName, ContactPhone, ContactHours string
}

// PayEasy carries what a Pay-easy payment needs.
type PayEasy struct {
	CustomerName                            string
	CustomerKana                            string
	Phone                                   string
	Email                                   string
	DeadlineDays                            int
	ContactName, ContactPhone, ContactHours string
}

// CaptureRequest settles an authorization. A nil Amount captures the full
// authorized amount.
type CaptureRequest struct {
	Ref    PaymentRef
	Amount *Money
}

// RefundRequest returns money. A nil Amount refunds everything not yet
// refunded; a full refund repeated is a no-op that returns the refunded
// payment.
type RefundRequest struct {
	Ref    PaymentRef
	Amount *Money
	Reason string
}

// Payment is a provider's view of one payment.
type Payment struct {
	Provider string
	OrderID  string
	Ref      PaymentRef
	Status   Status
	Amount   Money
	Captured Money
	Refunded Money
	// NextAction says what the customer must do next; nil when nothing.
	NextAction *NextAction
	// Card is the masked card, when known.
	Card *CardSummary
	// TransactionID and ApprovalCode are the gateway's (GMO TranID/Approve).
	TransactionID string
	ApprovalCode  string
	// GatewayCode and GatewayMessage carry the gateway's result code when
	// the payment failed (e.g. "42G020000", "300").
	GatewayCode    string
	GatewayMessage string
	// CardToken is a reusable token the gateway issued (Golomt genToken).
	CardToken Secret
	UpdatedAt time.Time
}

// MarshalLogObject writes an allow-list of fields.
func (p *Payment) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("provider", p.Provider)
	enc.AddString("order_id", p.OrderID)
	enc.AddString("status", p.Status.String())
	enc.AddString("amount", p.Amount.String())
	if p.GatewayCode != "" {
		enc.AddString("gateway_code", p.GatewayCode)
	}
	if p.Card != nil && p.Card.Last4 != "" {
		enc.AddString("card_last4", p.Card.Last4)
	}
	return nil
}

// CardSummary is a masked card. Masked shows at most the first 6 and last 4
// digits.
type CardSummary struct {
	Brand  string
	Masked string
	Last4  string
	Holder string
}

// NextActionType is the kind of customer action.
type NextActionType string

const (
	// NextActionRedirect: send the browser to URL (Method GET), or submit
	// Fields to URL with an auto-submitted form (Method POST).
	NextActionRedirect NextActionType = "redirect"
	// NextActionDeeplink: open Deeplink in an app (SocialPay).
	NextActionDeeplink NextActionType = "deeplink"
	// NextActionVoucher: show Voucher to the customer, who pays later.
	NextActionVoucher NextActionType = "voucher"
)

// FormField is one field of a POST redirect, in order.
type FormField struct{ Name, Value string }

// NextAction is what the customer must do to continue a payment. It holds
// enough for a web application to render it without knowing the gateway.
type NextAction struct {
	Type     NextActionType
	Method   string // http.MethodGet or http.MethodPost for redirects
	URL      string
	Fields   []FormField
	Deeplink string
	// AltURL is an alternative page, e.g. Golomt's SocialPay page.
	AltURL  string
	Voucher *Voucher
}

// Voucher tells the customer how to pay an asynchronous payment.
type Voucher struct {
	Method             MethodType
	Chain              string // konbini chain code
	ConfirmationNumber string
	ReceiptNumber      string
	ReceiptURL         string
	Deadline           time.Time
	CustomerCode       string // Pay-easy CustID
	BankCode           string // Pay-easy BkCode
}

// NotificationKind classifies a notification.
type NotificationKind string

const (
	// NotificationPayment reports a payment's new state.
	NotificationPayment NotificationKind = "payment"
	// NotificationPing is a connectivity check (GMO E00000000); it carries
	// no payment and needs only the acknowledgement.
	NotificationPing NotificationKind = "ping"
)

// Reply is an HTTP answer to a gateway.
type Reply struct {
	StatusCode  int
	ContentType string
	Body        string
}

// Write writes the reply.
func (r Reply) Write(w http.ResponseWriter) {
	if r.ContentType != "" {
		w.Header().Set("Content-Type", r.ContentType)
	}
	code := r.StatusCode
	if code == 0 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	if r.Body != "" {
		_, _ = w.Write([]byte(r.Body))
	}
}

// Notification is a verified gateway-to-merchant notification.
type Notification struct {
	Provider string
	Kind     NotificationKind
	// ID identifies the event for de-duplication (stable across resends).
	ID      string
	OrderID string
	Ref     PaymentRef
	// Status is the state the notification reports, after verification.
	Status Status
	// Payment is the verified payment (nil for pings).
	Payment *Payment
	// Verified says the content was authenticated (signature, or confirmed
	// by an inquiry).
	Verified bool
	// Ack is the answer that tells the gateway the notification was
	// received; Retry asks the gateway to deliver it again.
	Ack   Reply
	Retry Reply
}
