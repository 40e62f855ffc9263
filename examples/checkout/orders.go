package main

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/kessai/payment"
)

// order is the shop's record of one checkout. The shop keeps the latest
// Payment the gateway reported and a history of every step; it never keeps
// card data or tokens.
type order struct {
	ID    string
	Route string // router route: "gmo" or "golomt"
	// Method is how the customer pays: card, konbini or Pay-easy.
	Method    payment.MethodType
	ProductID string
	Product   string
	Amount    payment.Money
	Capture   payment.CaptureMode
	Created   time.Time

	Ref     payment.PaymentRef // from CreatePayment; used for every later call
	Payment *payment.Payment   // latest view; nil before CreatePayment answered
	Err     string             // last error, shown on the order page
	History []historyEntry
	// Voucher is the konbini / Pay-easy voucher as issued (the payment
	// numbers the customer was shown); kept after the payment moved on.
	Voucher *payment.Voucher
	// Notifications counts verified notifications received for the order.
	Notifications int
}

// historyEntry is one step of an order: a call the shop made, a browser
// return or a notification.
type historyEntry struct {
	Time   time.Time
	Op     string // "create", "confirm", "return", "capture", "refund", "void", "inquire", "notification"
	Status string // payment status after the step ("" when the step failed)
	Detail string
	Failed bool
}

// Status returns the order's payment status name, "new" before the
// gateway answered.
func (o *order) Status() string {
	if o.Payment == nil {
		return "new"
	}
	return o.Payment.Status.String()
}

// orderStore keeps orders in memory. It is safe for concurrent use; it
// hands out copies so templates never race with updates.
type orderStore struct {
	mu     sync.Mutex
	orders map[string]*order
	seq    []string
}

func newOrderStore() *orderStore { return &orderStore{orders: map[string]*order{}} }

func (s *orderStore) add(o *order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[o.ID] = o
	s.seq = append(s.seq, o.ID)
}

// get returns a copy of the order.
func (s *orderStore) get(id string) (order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return order{}, false
	}
	return o.clone(), true
}

// update runs f on the order under the store's lock.
func (s *orderStore) update(id string, f func(o *order)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if ok {
		f(o)
	}
	return ok
}

// list returns copies of all orders, newest first.
func (s *orderStore) list() []order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]order, 0, len(s.seq))
	for i := len(s.seq) - 1; i >= 0; i-- {
		out = append(out, s.orders[s.seq[i]].clone())
	}
	return out
}

func (o *order) clone() order {
	c := *o
	c.History = append([]historyEntry(nil), o.History...)
	if o.Payment != nil {
		p := *o.Payment
		c.Payment = &p
	}
	if o.Voucher != nil {
		v := *o.Voucher
		c.Voucher = &v
	}
	return c
}

// apply records a step's outcome: the new payment view (when the gateway
// answered with one) and the error (when it failed).
func (o *order) apply(now time.Time, op, detail string, p *payment.Payment, err error) {
	h := historyEntry{Time: now, Op: op, Detail: detail}
	if p != nil {
		h.Status = p.Status.String()
		// Answers and notifications race (a notification may already have
		// reported a later state): only ever move an order forward.
		// The shop keeps the ref CreatePayment returned, as an application
		// stores it; later answers never replace it.
		if o.Ref == "" {
			o.Ref = p.Ref
		}
		o.keepVoucher(p)
		if o.Payment == nil || o.Payment.Status.CanBecome(p.Status) {
			o.setPayment(p)
		} else {
			if h.Detail != "" {
				h.Detail += "; "
			}
			h.Detail += "older than what the shop knows, kept " + o.Payment.Status.String()
		}
	}
	if err != nil {
		o.Err = err.Error()
		h.Failed = true
		if h.Detail != "" {
			h.Detail += ": "
		}
		h.Detail += err.Error()
	} else {
		o.Err = ""
	}
	o.History = append(o.History, h)
}

// orderIDAlphabet keeps ids valid for both gateways: GMO allows 27
// characters of [A-Za-z0-9-], Golomt documents fewer than 16 alphanumerics.
const orderIDAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newOrderID returns "KS" followed by 12 random characters (14 in all).
func newOrderID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	out := make([]byte, 2, 14)
	copy(out, "KS")
	for _, c := range b {
		out = append(out, orderIDAlphabet[int(c)%len(orderIDAlphabet)])
	}
	return string(out)
}

// keepVoucher remembers the voucher p carries. The first one is kept (a
// later inquiry or notification reads it back from the gateway without the
// receipt URL, which only the issuing reply has); a receipt URL is added
// when the kept one lacks it.
func (o *order) keepVoucher(p *payment.Payment) {
	if p.NextAction == nil || p.NextAction.Voucher == nil {
		return
	}
	v := *p.NextAction.Voucher
	switch {
	case o.Voucher == nil:
		o.Voucher = &v
	case o.Voucher.ReceiptURL == "" && v.ReceiptURL != "":
		o.Voucher.ReceiptURL = v.ReceiptURL
	}
}

// setPayment replaces the order's view with p. Answers that do not carry
// the masked card (GMO's AlterTran/ChangeTran replies) keep the one the
// shop already knows.
func (o *order) setPayment(p *payment.Payment) {
	if p.Card == nil && o.Payment != nil && o.Payment.Card != nil {
		cp := *p
		cp.Card = o.Payment.Card
		p = &cp
	}
	o.Payment = p
}
