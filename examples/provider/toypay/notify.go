package toypay

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
	"go.uber.org/zap"
)

// MaxNotificationBody bounds the webhook body HandleNotification reads.
const MaxNotificationBody = 64 << 10

// SignatureTolerance is how far a webhook's signed timestamp may be from
// the provider's clock (replay protection).
const SignatureTolerance = 5 * time.Minute

// Replies to ToyPay's webhook delivery.
var (
	AckReply   = payment.Reply{StatusCode: http.StatusOK, ContentType: "text/plain", Body: "ok"}
	RetryReply = payment.Reply{StatusCode: http.StatusServiceUnavailable, ContentType: "text/plain", Body: "retry"}
)

type wireEvent struct {
	ID      string       `json:"id"`
	Type    string       `json:"type"`
	Payment *wirePayment `json:"payment"`
}

// HandleNotification verifies a ToyPay webhook: at most
// MaxNotificationBody bytes are read, the HMAC-SHA256 signature over the
// raw body is checked in constant time, and the timestamp must be within
// SignatureTolerance. The state reported is then read back with an
// inquiry, so a webhook delivered late or twice never moves a payment
// backwards.
func (p *Provider) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	const op = "notification"
	if r.Body == nil {
		return nil, payment.InvalidRequest(Name, op, "Body", "empty webhook")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBody+1))
	if err != nil {
		return nil, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidRequest, Message: "unreadable webhook body", Err: err}
	}
	if len(body) > MaxNotificationBody {
		return nil, payment.InvalidRequest(Name, op, "Body", "webhook body too large")
	}
	if err := p.verify(r.Header.Get("Toypay-Signature"), body); err != nil {
		return nil, err
	}
	var ev wireEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" || ev.Payment == nil || !validID(ev.Payment.ID) {
		return nil, payment.InvalidRequest(Name, op, "Body", "not a ToyPay event")
	}
	pay, err := p.Inquire(ctx, ref(ev.Payment.ID))
	if err != nil {
		return nil, err
	}
	if pay.OrderID != ev.Payment.OrderID {
		return nil, provider.Errorf(Name, op, payment.ErrInvalidSignature, "the event's order does not match the payment")
	}
	p.log.Info("webhook", zap.String("event_id", ev.ID), zap.Object("payment", pay))
	return &payment.Notification{
		Provider: Name, Kind: payment.NotificationPayment, ID: ev.ID,
		OrderID: pay.OrderID, Ref: pay.Ref, Status: pay.Status, Payment: pay,
		Verified: true, Ack: AckReply, Retry: RetryReply,
	}, nil
}

// verify checks "t=<unix>,v1=<hex>" against the body.
func (p *Provider) verify(header string, body []byte) error {
	bad := func(msg string) error {
		return provider.Errorf(Name, "notification", payment.ErrInvalidSignature, "%s", msg)
	}
	var ts, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return bad("missing or malformed Toypay-Signature header")
	}
	if d := p.opts.Clock.Now().Sub(time.Unix(sec, 0)); d > SignatureTolerance || d < -SignatureTolerance {
		return bad("signature timestamp outside the tolerance (replayed webhook?)")
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return bad("malformed signature")
	}
	m := hmac.New(sha256.New, []byte(p.cfg.WebhookSecret.Reveal()))
	m.Write([]byte(ts + "."))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return bad("signature does not match")
	}
	return nil
}
