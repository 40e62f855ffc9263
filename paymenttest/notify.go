package paymenttest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/kessai/payment"
)

// SignatureHeader carries the hex HMAC-SHA256 of a notification body under
// Config.NotificationKey.
const SignatureHeader = "X-Paymenttest-Signature"

// MaxNotificationBody bounds the notification body HandleNotification reads.
const MaxNotificationBody = 1 << 20

// NotificationBody is the JSON a notification carries. Amounts are decimal
// strings.
type NotificationBody struct {
	ID       string `json:"id"`
	OrderID  string `json:"order_id"`
	Ref      string `json:"ref"`
	Status   string `json:"status"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Captured string `json:"captured"`
	Refunded string `json:"refunded"`
	Seq      int    `json:"seq"`
	Code     string `json:"code,omitempty"`
}

// Notification returns the notification the simulated gateway sends for
// orderID's current state: a signed JSON POST to feed HandleNotification.
// Keep earlier ones to replay them out of order.
func (p *Provider) Notification(orderID string) (*http.Request, error) {
	p.mu.Lock()
	r := p.byOrder[orderID]
	if r == nil {
		p.mu.Unlock()
		return nil, p.notFound("notification")
	}
	body := NotificationBody{
		ID: string(r.ref) + "-" + strconv.Itoa(r.seq), OrderID: r.orderID, Ref: string(r.ref),
		Status: r.status.String(), Amount: r.amount.Decimal(), Currency: r.amount.Currency().Code,
		Captured: r.captured.Decimal(), Refunded: r.refunded.Decimal(), Seq: r.seq, Code: r.code,
	}
	p.mu.Unlock()
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return p.SignedRequest(b), nil
}

// SignedRequest wraps body in a notification request signed with the
// provider's key. Tests use it to build notifications with chosen content.
func (p *Provider) SignedRequest(body []byte) *http.Request {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "https://merchant.example/notify", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, p.sign(body))
	return req
}

func (p *Provider) sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(p.key.Reveal()))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// HandleNotification verifies a notification (HMAC-SHA256 in
// [SignatureHeader], compared in constant time), then reports the payment as
// the simulated gateway knows it now, so a replayed or out-of-order
// notification never reports an older state. Bodies above
// [MaxNotificationBody] are refused without being read whole.
func (p *Provider) HandleNotification(ctx context.Context, r *http.Request) (n *payment.Notification, err error) {
	const op = "notification"
	defer func() {
		if n != nil {
			p.logResult(op, n.Payment, nil)
		} else {
			p.logResult(op, nil, err)
		}
	}()
	if !p.caps.Notifications {
		return nil, p.unsupported(op, "notifications are not supported")
	}
	if r == nil || r.Body == nil {
		return nil, p.invalid(op, "Body", "no body")
	}
	if r.Method != http.MethodPost {
		return nil, p.invalid(op, "Method", "notifications are POSTed")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBody+1))
	if err != nil {
		return nil, &payment.Error{Provider: p.name, Op: op, Kind: payment.ErrInvalidRequest, Message: "unreadable body", Err: err}
	}
	if len(body) > MaxNotificationBody {
		return nil, p.invalid(op, "Body", "body larger than 1 MiB")
	}
	sig, err := hex.DecodeString(r.Header.Get(SignatureHeader))
	if err != nil || len(sig) != sha256.Size {
		return nil, p.err(op, payment.ErrInvalidSignature, "", "missing or malformed signature")
	}
	want, _ := hex.DecodeString(p.sign(body))
	if !hmac.Equal(sig, want) {
		return nil, p.err(op, payment.ErrInvalidSignature, "", "signature mismatch")
	}
	var nb NotificationBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&nb); err != nil {
		return nil, p.invalid(op, "Body", "malformed JSON")
	}
	if err := ctx.Err(); err != nil {
		return nil, &payment.Error{Provider: p.name, Op: op, Kind: payment.ErrUnavailable, RetrySafe: true, Err: err}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	rec := p.byRef[payment.PaymentRef(nb.Ref)]
	if rec == nil || rec.orderID != nb.OrderID {
		return nil, p.err(op, payment.ErrNotFound, "", "notification for an unknown payment")
	}
	if nb.Currency != rec.amount.Currency().Code || nb.Amount != rec.amount.Decimal() {
		return nil, p.err(op, payment.ErrInvalidSignature, "", "notification does not match the payment")
	}
	pay := p.snapshot(rec)
	return &payment.Notification{
		Provider: p.name, Kind: payment.NotificationPayment, ID: nb.ID, OrderID: rec.orderID, Ref: rec.ref,
		Status: pay.Status, Payment: pay, Verified: true,
		Ack:   payment.Reply{StatusCode: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: "OK"},
		Retry: payment.Reply{StatusCode: http.StatusServiceUnavailable, ContentType: "text/plain; charset=utf-8", Body: "RETRY"},
	}, nil
}
