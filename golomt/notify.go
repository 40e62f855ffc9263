package golomt

import (
	"context"
	"io"
	"net/http"

	"github.com/kessai/payment"
)

// MaxNotificationBody bounds a push body; real pushes are a few hundred
// bytes.
const MaxNotificationBody = 64 << 10

var (
	ackReply   = payment.Reply{StatusCode: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: "OK"}
	retryReply = payment.Reply{StatusCode: http.StatusInternalServerError, ContentType: "text/plain; charset=utf-8", Body: "retry"}
)

// HandleNotification verifies the bank's push (a JSON POST to the one
// notification URL registered with the bank, sent for successes and
// failures) and reports the payment's verified current state.
//
// The body is read up to MaxNotificationBody bytes (more is
// ErrInvalidRequest, without reading it whole); it must be a JSON object
// whose fields are strings or null (ErrInvalidRequest otherwise); its
// checksum, transactionId+errorCode+amount+token, must verify in constant
// time (ErrInvalidSignature otherwise: forged, or an amount or code
// changed). Unless Config.TrustPush is set, the payment is then read back
// with /api/inquiry and the inquiry's answer is what is reported; when the
// two disagree the Notification has Verified false, so
// payment.NotificationHandler asks the bank to push again later. A repeated
// push yields the same Notification.ID and the current state, so it is
// harmless. Ack is HTTP 200 "OK", Retry HTTP 500.
//
// A push carries neither the invoice id nor the creation time, so
// Notification.Ref is empty (match the notification to the order by
// OrderID, the transactionId) and Payment.Ref is a reduced ref, good for
// Inquire, holding only the transactionId and the bank-signed amount.
// Compare Payment.Amount with the order's before fulfilling it.
func (p *Provider) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	const op = "notification"
	res, err := readPush(r)
	if err != nil {
		return nil, err
	}
	if !p.sign.verify(res.Checksum.S, res.TransactionID.S, res.ErrorCode.S, res.Amount.S, res.Token.S) {
		return nil, p.logErr(op, "", &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidSignature,
			Message: "push checksum does not verify"})
	}
	txn := res.TransactionID.S
	if a := res.Amount.S; a != "" && !plainAmount(a) {
		// Signed, but not an amount as the bank writes it ("-5", twenty
		// digits): it could not go into the Payment.Ref reported below.
		return nil, p.logErr(op, txn, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidRequest, Field: "amount",
			Message: "push amount is not a plain decimal amount"})
	}
	rf := ref{kind: kindInvoice, txn: txn}
	if _, err := payment.ParseMoney(res.Amount.S, payment.MNT.Code); err == nil {
		rf.amount = res.Amount.S
	}
	pushCode := res.ErrorCode.S
	var pay *payment.Payment
	verified := true
	if p.cfg.TrustPush {
		pay, err = p.interpret(op, rf, res)
	} else {
		pay, err = p.lookup(ctx, op, rf)
		if err == nil && codeOf(pay) != pushCode {
			// The bank's push and its inquiry disagree (the inquiry may lag):
			// report what the inquiry says, unacknowledged.
			verified = false
		}
	}
	if err != nil {
		return nil, p.logErr(op, txn, err)
	}
	id := pushCode
	if id == "" {
		id = "null"
	}
	n := &payment.Notification{
		Provider: Name,
		Kind:     payment.NotificationPayment,
		ID:       Name + ":" + txn + ":" + id,
		OrderID:  txn,
		Status:   pay.Status,
		Payment:  pay,
		Verified: verified,
		Ack:      ackReply,
		Retry:    retryReply,
	}
	p.logOK(op, pay)
	return n, nil
}

// codeOf is the errorCode a verified payment was read from.
func codeOf(pay *payment.Payment) string {
	switch pay.Status {
	case payment.StatusCaptured:
		return CodeApproved
	case payment.StatusFailed:
		return pay.GatewayCode
	}
	return ""
}

// readPush reads and decodes a push body. Everything wrong with it is
// ErrInvalidRequest.
func readPush(r *http.Request) (*result, error) {
	const op = "notification"
	bad := func(field, msg string, cause error) (*result, error) {
		return nil, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidRequest, Field: field, Message: msg, Err: cause}
	}
	if r == nil {
		return bad("Request", "no request", nil)
	}
	if r.Method != http.MethodPost {
		return bad("Method", "the bank pushes with POST", nil)
	}
	if r.Body == nil {
		return bad("Body", "empty body", nil)
	}
	tooLarge := &http.MaxBytesError{Limit: MaxNotificationBody}
	if r.ContentLength > MaxNotificationBody {
		return bad("Body", "body too large", tooLarge)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBody+1))
	if err != nil {
		return bad("Body", "unreadable body", nil)
	}
	if len(body) > MaxNotificationBody {
		return bad("Body", "body too large", tooLarge)
	}
	return parsePush(body)
}

// parsePush decodes a push body: a JSON object with string-or-null fields
// (unknown fields are ignored), a transactionId and a checksum.
func parsePush(body []byte) (*result, error) {
	const op = "notification"
	bad := func(field, msg string) (*result, error) {
		return nil, &payment.Error{Provider: Name, Op: op, Kind: payment.ErrInvalidRequest, Field: field, Message: msg}
	}
	var res result
	if err := decodeObject(body, &res); err != nil {
		return bad("Body", "not a JSON object of strings")
	}
	if !validWireID(res.TransactionID.S, 256) {
		return bad("transactionId", "missing or malformed transactionId")
	}
	if len(res.Checksum.S) != 64 {
		return bad("checksum", "missing or malformed checksum")
	}
	return &res, nil
}
