package gmo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/kessai/payment"
)

// MaxNotificationBody bounds a result-notification body. Real ones are a
// few hundred bytes.
const MaxNotificationBody = 64 << 10

// Replies GMO expects from the result notification program: "0" received,
// "1" failed (GMO resends about every hour, up to 5 times).
var (
	AckReply   = payment.Reply{StatusCode: http.StatusOK, ContentType: "text/plain; charset=Windows-31J", Body: "0"}
	RetryReply = payment.Reply{StatusCode: http.StatusOK, ContentType: "text/plain; charset=Windows-31J", Body: "1"}
)

// ResultNotification is every field of a GMO result notification
// (結果通知プログラム), decoded from cp932. ShopPass and AccessPass arrive
// masked and are not kept.
type ResultNotification struct {
	ShopID, AccessID, OrderID, Status, JobCd string
	Amount, Tax, Currency                    string
	Forward, Method, PayTimes                string
	TranID, Approve, TranDate                string
	ErrCode, ErrInfo, PayType                string
	// Konbini / Pay-easy fields.
	CvsCode, CvsConfNo, CvsReceiptNo, PaymentTerm string
	FinishDate, ReceiptDate                       string
	CustID, BkCode, ConfNo, EncryptReceiptNo      string
	// Fields holds every field received (masked passwords removed), for
	// fields this struct does not name.
	Fields map[string]string
}

// ParseNotification reads and decodes a GMO result notification without
// verifying it. The body is read up to MaxNotificationBody bytes; a larger
// one fails with ErrInvalidRequest without being read whole.
func ParseNotification(r *http.Request) (*ResultNotification, error) {
	const op = "notification"
	bad := func(msg string) error {
		return &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrInvalidRequest, Message: msg}
	}
	if r == nil || r.Body == nil {
		return nil, bad("no request body")
	}
	if r.Method != http.MethodPost {
		return nil, bad("notification must be a POST")
	}
	if r.ContentLength > MaxNotificationBody {
		return nil, bad("notification body too large")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBody+1))
	if err != nil {
		return nil, &payment.Error{Provider: providerName, Op: op, Kind: payment.ErrInvalidRequest, Message: "unreadable notification body", Err: err}
	}
	if len(body) > MaxNotificationBody {
		return nil, bad("notification body too large")
	}
	return parseNotificationBody(body)
}

// parseNotificationBody decodes a form body whose values are percent-encoded
// cp932 bytes.
func parseNotificationBody(body []byte) (*ResultNotification, error) {
	bad := func(msg string) error {
		return &payment.Error{Provider: providerName, Op: "notification", Kind: payment.ErrInvalidRequest, Message: msg}
	}
	s := strings.TrimRight(string(body), "\r\n")
	if s == "" {
		return nil, bad("empty notification")
	}
	n := &ResultNotification{Fields: make(map[string]string, 24)}
	for s != "" {
		var seg string
		if i := strings.IndexByte(s, '&'); i >= 0 {
			seg, s = s[:i], s[i+1:]
		} else {
			seg, s = s, ""
		}
		if seg == "" {
			continue
		}
		k, v, ok := strings.Cut(seg, "=")
		if !ok {
			return nil, bad("malformed notification field")
		}
		key, err1 := unescapeForm(k)
		raw, err2 := unescapeForm(v)
		if err1 != nil || err2 != nil || key == "" {
			return nil, bad("malformed notification encoding")
		}
		if len(n.Fields) >= maxPairs {
			return nil, bad("too many notification fields")
		}
		key, ok1 := decodeCP932String(key)
		val, ok2 := decodeCP932String(raw)
		if !ok1 || !ok2 {
			return nil, bad("notification is not valid Windows-31J")
		}
		if _, dup := n.Fields[key]; dup {
			continue // first occurrence wins
		}
		n.Fields[key] = val
		if p := n.named(key); p != nil {
			*p = val
		}
	}
	delete(n.Fields, "ShopPass")
	delete(n.Fields, "AccessPass")
	return n, nil
}

// named returns the struct field a notification key fills (exact,
// case-sensitive names, as the keys of Fields), or nil.
func (n *ResultNotification) named(key string) *string {
	switch key {
	case "ShopID":
		return &n.ShopID
	case "AccessID":
		return &n.AccessID
	case "OrderID":
		return &n.OrderID
	case "Status":
		return &n.Status
	case "JobCd":
		return &n.JobCd
	case "Amount":
		return &n.Amount
	case "Tax":
		return &n.Tax
	case "Currency":
		return &n.Currency
	case "Forward":
		return &n.Forward
	case "Method":
		return &n.Method
	case "PayTimes":
		return &n.PayTimes
	case "TranID":
		return &n.TranID
	case "Approve":
		return &n.Approve
	case "TranDate":
		return &n.TranDate
	case "ErrCode":
		return &n.ErrCode
	case "ErrInfo":
		return &n.ErrInfo
	case "PayType":
		return &n.PayType
	case "CvsCode":
		return &n.CvsCode
	case "CvsConfNo":
		return &n.CvsConfNo
	case "CvsReceiptNo":
		return &n.CvsReceiptNo
	case "PaymentTerm":
		return &n.PaymentTerm
	case "FinishDate":
		return &n.FinishDate
	case "ReceiptDate":
		return &n.ReceiptDate
	case "CustID":
		return &n.CustID
	case "BkCode":
		return &n.BkCode
	case "ConfNo":
		return &n.ConfNo
	case "EncryptReceiptNo":
		return &n.EncryptReceiptNo
	}
	return nil
}

// unescapeForm undoes form encoding ('+' is a space, %XX a byte) and
// returns the raw bytes as a string.
func unescapeForm(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", errMalformed
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// HandleNotification reads a GMO result notification.
//
// ErrInfo=E00000000 is GMO's connectivity check: it is reported as
// payment.NotificationPing (no payment) and must be acknowledged.
//
// GMO signs nothing (passwords are masked, there is no CheckString), so by
// default the content is authenticated by re-reading the order with
// SearchTrade: the AccessID must match, and so must the Amount when the
// notification reports the order's current status (a stale notification
// after a later change carries an older amount). A mismatch fails with
// ErrInvalidSignature. The returned Status and Payment are the verified
// current state, so duplicates and out-of-order deliveries never move a
// payment backwards. Config.SkipNotificationVerification trusts the
// content instead (Verified is then false).
//
// Answer the gateway with Notification.Ack ("0") once processed, or
// Notification.Retry ("1") to have it resent. On errors HandleNotification
// still returns a *Notification carrying the Ack and Retry replies when the
// body could be read: answer Retry for ErrUnavailable/ErrOutcomeUnknown
// (the inquiry failed), Ack or an HTTP 400 for forged or malformed input.
func (p *Provider) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	const op = "notification"
	n, err := ParseNotification(r)
	if err != nil {
		return nil, err
	}
	out := &payment.Notification{Provider: providerName, Ack: AckReply, Retry: RetryReply}
	if n.ErrInfo == "E00000000" {
		out.Kind = payment.NotificationPing
		out.ID = "ping"
		out.Verified = true
		return out, nil
	}
	out.Kind = payment.NotificationPayment
	if k := kindOfPayType(n.PayType); k != nil {
		return p.voucherNotification(ctx, n, out, k) // konbini / Pay-easy: async.go
	}
	if n.PayType != "" && n.PayType != "0" {
		// Other multi-payment notifications (PayPal, carrier billing …)
		// are not implemented.
		return out, payment.Unsupported(providerName, op, "notifications of payment type "+n.PayType+" (only 0 card, 3 konbini, 4 pay-easy)")
	}
	if err := p.screenNotification(n, out, Ref(n.OrderID, n.AccessID)); err != nil {
		return out, err
	}
	if p.cfg.SkipNotificationVerification {
		amount, _ := parseAmount(n.Amount)
		pay := p.newPayment(n.OrderID, n.AccessID, StatusOf(n.Status), amount)
		if n.ErrInfo != "" {
			pay.GatewayCode = strings.SplitN(n.ErrInfo, "|", 2)[0]
			if st := StatusOf(n.Status); st == payment.StatusUnknown || st == payment.StatusPending {
				pay.Status = payment.StatusFailed
			}
		}
		pay.TransactionID, pay.ApprovalCode = n.TranID, n.Approve
		out.Status, out.Payment = pay.Status, pay
		return out, nil
	}
	t, err := p.searchTrade(ctx, op, n.OrderID)
	if err != nil {
		return out, notificationInquiryError(err)
	}
	if err := matchNotification(n, t.AccessID, t.Status, t.Amount); err != nil {
		return out, err
	}
	pay := p.toPayment(t)
	if n.ErrInfo != "" && n.Status == t.Status {
		pay.GatewayCode = strings.SplitN(n.ErrInfo, "|", 2)[0]
	}
	out.Status, out.Payment, out.Verified = pay.Status, pay, true
	p.log.Info("notification", zap.String("order_id", n.OrderID), zap.String("gmo_status", t.Status), zap.String("status", pay.Status.String()))
	return out, nil
}

// forgedNotification is the error of a notification the gateway's own
// records contradict.
func forgedNotification(msg string) error {
	return &payment.Error{Provider: providerName, Op: "notification", Kind: payment.ErrInvalidSignature, Message: msg}
}

// screenNotification checks a payment notification's own fields (card and
// voucher alike), fills out's OrderID, Ref (ref) and ID, and refuses a
// notification for another shop.
func (p *Provider) screenNotification(n *ResultNotification, out *payment.Notification, ref payment.PaymentRef) error {
	invalid := func(field, msg string) error {
		return &payment.Error{Provider: providerName, Op: "notification", Kind: payment.ErrInvalidRequest, Field: field, Message: msg}
	}
	if checkOrderID(n.OrderID) != nil {
		return invalid("OrderID", "notification has no valid order id")
	}
	if !isLowerHex32(n.AccessID) {
		return invalid("AccessID", "notification has no valid access id")
	}
	if n.Amount != "" {
		if _, err := parseAmount(n.Amount); err != nil {
			return invalid("Amount", "notification amount is not an integer")
		}
	}
	out.OrderID = n.OrderID
	out.Ref = ref
	out.ID = n.OrderID + ":" + n.Status + ":" + n.TranID + ":" + n.ErrInfo
	if n.ShopID != "" && n.ShopID != p.cfg.ShopID {
		return forgedNotification("notification is for another shop")
	}
	return nil
}

// notificationInquiryError is the error of a notification whose order
// could not be read: an order the gateway does not know marks it as
// forged; any other failure is returned as it is (answer Retry).
func notificationInquiryError(err error) error {
	if errors.Is(err, payment.ErrNotFound) {
		return forgedNotification("notification for an order the gateway does not know")
	}
	return err
}

// matchNotification checks a notification against the gateway's record
// of its order (accessID, status, amount): another AccessID, or another
// amount in the same status, mark it as forged.
func matchNotification(n *ResultNotification, accessID, status string, amount int64) error {
	switch {
	case accessID != n.AccessID:
		return forgedNotification("notification access id does not match the gateway's")
	case n.Status == status && n.Amount != "" && n.Amount != itoa(amount):
		return forgedNotification("notification amount does not match the gateway's")
	}
	return nil
}
