package toypay

import (
	"encoding/json"
	"net/http"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
)

// wirePayment is ToyPay's payment object. Wire types stay unexported.
type wirePayment struct {
	ID          string   `json:"id"`
	OrderID     string   `json:"order_id"`
	Status      string   `json:"status"`
	Amount      string   `json:"amount"`
	Currency    string   `json:"currency"`
	Captured    string   `json:"captured"`
	Refunded    string   `json:"refunded"`
	DeclineCode string   `json:"decline_code"`
	RequestIDs  []string `json:"request_ids"`
}

// wireAnswer is any ToyPay answer: a payment, or an error (with the failed
// payment for declines).
type wireAnswer struct {
	wirePayment
	Error *struct {
		Code        string `json:"code"`
		Message     string `json:"message"`
		DeclineCode string `json:"decline_code"`
	} `json:"error"`
	Payment *wirePayment `json:"payment"`
}

var statuses = map[string]payment.Status{
	"pending":            payment.StatusPending,
	"authorized":         payment.StatusAuthorized,
	"captured":           payment.StatusCaptured,
	"partially_refunded": payment.StatusPartiallyRefunded,
	"refunded":           payment.StatusRefunded,
	"canceled":           payment.StatusCanceled,
	"failed":             payment.StatusFailed,
}

// toPayment converts a wire payment, checking every field it relies on:
// the gateway's answer is input like any other.
// An unreadable payment is an error of kind unreadable (ErrOutcomeUnknown
// after a money-moving call, ErrUnavailable otherwise).
func (p *Provider) toPayment(op string, w *wirePayment, unreadable error) (*payment.Payment, error) {
	bad := func(what string) error {
		e := provider.Errorf(Name, op, unreadable, "unreadable payment in the answer: %s", what)
		e.RetrySafe = unreadable == payment.ErrUnavailable
		return e
	}
	st, ok := statuses[w.Status]
	if !ok {
		return nil, bad("status")
	}
	if !validID(w.ID) {
		return nil, bad("id")
	}
	amount, err1 := payment.ParseMoney(w.Amount, w.Currency)
	captured, err2 := payment.ParseMoney(w.Captured, w.Currency)
	refunded, err3 := payment.ParseMoney(w.Refunded, w.Currency)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, bad("amounts")
	}
	return &payment.Payment{
		Provider: Name, OrderID: w.OrderID, Ref: ref(w.ID), Status: st,
		Amount: amount, Captured: captured, Refunded: refunded,
		GatewayCode: w.DeclineCode, UpdatedAt: p.opts.Clock.Now(),
	}, nil
}

// kinds maps ToyPay error codes to payment error kinds. This table is the
// whole error mapping; errors_test.go covers it.
var kinds = map[string]error{
	"invalid_request": payment.ErrInvalidRequest,
	"unauthorized":    payment.ErrAuthentication,
	"card_declined":   payment.ErrDeclined,
	"not_found":       payment.ErrNotFound,
	"duplicate_order": payment.ErrDuplicate,
	"invalid_state":   payment.ErrInvalidRequest,
	"rate_limited":    payment.ErrRateLimited,
	"outcome_unknown": payment.ErrOutcomeUnknown,
	"unavailable":     payment.ErrUnavailable,
}

// classify reads an answer. It returns the payment for a success, or an
// error (with the failed payment for a decline). For a call that moves
// money, anything it cannot read proves nothing, so it is
// ErrOutcomeUnknown; for other calls it is ErrUnavailable (retry-safe).
func (p *Provider) classify(op string, moves bool, r *provider.Response) (*payment.Payment, error) {
	unknown := payment.ErrUnavailable
	if moves {
		unknown = payment.ErrOutcomeUnknown
	}
	var a wireAnswer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		e := provider.Errorf(Name, op, unknown, "HTTP %d with a body that is not ToyPay JSON (a proxy or firewall page? check the base URL)", r.StatusCode)
		e.RetrySafe = !moves
		return nil, e
	}
	if r.StatusCode/100 == 2 && a.Error == nil {
		return p.toPayment(op, &a.wirePayment, unknown)
	}
	e := &payment.Error{Provider: Name, Op: op, Kind: unknown, RetrySafe: !moves,
		Message: "HTTP " + http.StatusText(r.StatusCode)}
	if a.Error != nil {
		if k, ok := kinds[a.Error.Code]; ok {
			e.Kind = k
		}
		e.GatewayCode, e.Message = a.Error.Code, a.Error.Message
		if a.Error.DeclineCode != "" {
			e.GatewayCode = a.Error.DeclineCode
			e.GatewayCodes = []string{a.Error.Code, a.Error.DeclineCode}
		}
	}
	switch e.Kind {
	case payment.ErrUnavailable, payment.ErrRateLimited:
		e.RetrySafe = true // ToyPay applied nothing
	case payment.ErrOutcomeUnknown:
		e.RetrySafe = false
	}
	if e.Kind == payment.ErrDeclined && a.Payment != nil {
		if pay, err := p.toPayment(op, a.Payment, unknown); err == nil {
			return pay, e
		}
	}
	return nil, e
}
