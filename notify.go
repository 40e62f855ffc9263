package payment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxNotificationBody is the default body limit of [NotificationHandler].
// Real GMO and Golomt notifications are a few hundred bytes.
const MaxNotificationBody = 64 << 10

// NotifyFunc is the application's part of handling a verified
// notification: record the payment's new state, idempotently (gateways
// deliver at least once, in any order). A non-nil error asks the gateway
// to deliver the notification again.
type NotifyFunc func(ctx context.Context, n *Notification) error

// NotificationOption configures [NotificationHandler].
type NotificationOption func(*notifyConfig)

type notifyConfig struct {
	maxBody int64
	onError func(context.Context, error)
}

// WithMaxNotificationBody sets the body limit (default
// MaxNotificationBody). Values below 1 keep the default.
func WithMaxNotificationBody(n int64) NotificationOption {
	return func(c *notifyConfig) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithNotificationErrorFunc calls f for every request that is not
// acknowledged: forged, malformed, oversized, unverifiable, or refused by
// the application. The error is the provider's (a [*Error]) or wraps the
// application's; it contains no secrets. f must not block.
func WithNotificationErrorFunc(f func(ctx context.Context, err error)) NotificationOption {
	return func(c *notifyConfig) { c.onError = f }
}

// NotificationHandler returns an [http.Handler] that receives a gateway's
// notifications for p (a single provider or a [Router]) and hands verified
// ones to handle. For each request it:
//
//  1. reads the body, at most MaxNotificationBody bytes (see
//     [WithMaxNotificationBody]); a larger body gets 413 and reaches
//     nothing else;
//  2. lets p verify it with HandleNotification (p sees the same method,
//     URL, headers and body, with the body buffered);
//  3. answers a ping ([NotificationPing], e.g. GMO's E00000000 check) with
//     its Ack without calling handle: a ping carries no payment;
//  4. calls handle with a verified payment notification and answers the
//     gateway with exactly Notification.Ack when handle returns nil, or
//     Notification.Retry (GMO: body "1"; Golomt: HTTP 500) when it fails,
//     so the gateway delivers the event again instead of losing it.
//
// Requests p refuses are answered without calling handle:
//
//	ErrInvalidSignature (forged)                     403 Forbidden
//	ErrInvalidRequest (malformed, unknown route)     400 Bad Request
//	body over the limit                              413 Request Entity Too Large
//	ErrNotFound (names no payment the gateway knows) 404 Not Found
//	ErrUnsupported (no notifications)                501 Not Implemented
//	anything else (verification inquiry failed …)    503 Service Unavailable
//
// The last row, and a notification p returns with Verified false, are
// answered as failures so that the gateway retries later: handle only ever
// sees notifications whose content was authenticated. When p returns a
// Notification along with such an error (GMO does once it has read the
// body), its Retry reply is written instead of the 503. A provider that
// leaves Retry unset gets 500 rather than an empty 200, which a gateway
// would take for an acknowledgement. A panic in handle is not recovered:
// net/http drops the connection, which gateways treat as a failure to
// retry.
//
// NotificationHandler panics when p or handle is nil, as [http.Handle] does
// for a nil handler: that is a programming error, not a request to refuse.
func NotificationHandler(p Provider, handle NotifyFunc, opts ...NotificationOption) http.Handler {
	if p == nil {
		panic("payment: NotificationHandler with a nil Provider")
	}
	if handle == nil {
		panic("payment: NotificationHandler with a nil NotifyFunc")
	}
	cfg := notifyConfig{maxBody: MaxNotificationBody}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return &notificationHandler{p: p, handle: handle, cfg: cfg}
}

type notificationHandler struct {
	p      Provider
	handle NotifyFunc
	cfg    notifyConfig
}

func (h *notificationHandler) report(ctx context.Context, err error) {
	if h.cfg.onError != nil {
		h.cfg.onError(ctx, err)
	}
}

func (h *notificationHandler) fail(ctx context.Context, w http.ResponseWriter, code int, err error) {
	h.report(ctx, err)
	http.Error(w, http.StatusText(code), code)
}

func (h *notificationHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := h.p.Name()
	tooLarge := func(cause error) {
		h.fail(ctx, w, http.StatusRequestEntityTooLarge, &Error{Provider: name, Op: "notification", Kind: ErrInvalidRequest,
			Field: "Body", Message: fmt.Sprintf("body exceeds %d bytes", h.cfg.maxBody), Err: cause})
	}
	if r.ContentLength > h.cfg.maxBody {
		tooLarge(nil)
		return
	}
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				tooLarge(err)
				return
			}
			h.fail(ctx, w, http.StatusBadRequest, &Error{Provider: name, Op: "notification", Kind: ErrInvalidRequest,
				Field: "Body", Message: "unreadable body", Err: err})
			return
		}
	}
	r2 := r.WithContext(ctx)
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }

	n, err := h.p.HandleNotification(ctx, r2)
	if err != nil {
		code := statusForNotificationError(err)
		if code == http.StatusServiceUnavailable && n != nil {
			// The provider read the body and knows the gateway's retry
			// answer (GMO's "1").
			h.report(ctx, err)
			retryReply(n.Retry).Write(w)
			return
		}
		h.fail(ctx, w, code, err)
		return
	}
	if n == nil {
		h.fail(ctx, w, http.StatusInternalServerError, &Error{Provider: name, Op: "notification", Kind: ErrUnavailable,
			Message: "provider returned neither a notification nor an error"})
		return
	}
	if n.Kind == NotificationPing {
		n.Ack.Write(w)
		return
	}
	if !n.Verified {
		h.report(ctx, &Error{Provider: name, Op: "notification", Kind: ErrUnavailable,
			Message: "notification could not be verified; asking the gateway to resend"})
		retryReply(n.Retry).Write(w)
		return
	}
	if err := h.handle(ctx, n); err != nil {
		h.report(ctx, fmt.Errorf("payment: %s: notification: application handler failed (gateway asked to resend): %w", name, err))
		retryReply(n.Retry).Write(w)
		return
	}
	n.Ack.Write(w)
}

// retryReply never lets an unset Retry turn into an empty 200, which a
// gateway would read as an acknowledgement.
func retryReply(r Reply) Reply {
	if r.StatusCode == 0 && r.Body == "" {
		return Reply{StatusCode: http.StatusInternalServerError, ContentType: "text/plain; charset=utf-8", Body: "retry"}
	}
	return r
}

func statusForNotificationError(err error) int {
	switch {
	case errors.Is(err, ErrInvalidSignature):
		return http.StatusForbidden
	case errors.Is(err, ErrInvalidRequest):
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return http.StatusRequestEntityTooLarge
		}
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrUnsupported):
		return http.StatusNotImplemented
	default:
		return http.StatusServiceUnavailable
	}
}
