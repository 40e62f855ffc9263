package main

// Konbini (convenience-store) and Pay-easy payments: the customer gets
// payment numbers now and pays later — at a store counter, an ATM or in
// net banking — or never. The shop shows the voucher and learns the
// outcome from GMO's result notification (or by asking the gateway).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"go.uber.org/zap"
)

// voucherConfig is what the voucher checkout needs besides the provider.
type voucherConfig struct {
	// ContactName, ContactPhone and ContactHours are the shop's contact
	// printed on the voucher (GMO ReceiptsDisp11..13, required by GMO).
	ContactName, ContactPhone, ContactHours string
	// DeadlineDays is the default payment deadline offered on the form.
	DeadlineDays int
	// Sim, when set, backs the simulator-only buttons on the order page
	// ("pay at the store", "let the deadline pass"). Nil with a real GMO.
	Sim voucherSim
}

// voucherSim is the part of *gmotest.Server the demo's simulator buttons
// use. These are simulator controls, not GMO APIs.
type voucherSim interface {
	// PayVoucher plays the customer paying (GMO then reports PAYSUCCESS).
	PayVoucher(orderID string) error
	// ExpireVoucher lets this one voucher's deadline pass (GMO then
	// reports EXPIRED); the simulator's clock and other orders stay.
	ExpireVoucher(orderID string) error
}

// reconcileResult is one order's answer from a reconciliation pass
// (gmo.PendingResult with the router's ref).
type reconcileResult struct {
	Ref     payment.PaymentRef
	Payment *payment.Payment
	Settled bool
	Overdue bool
	Err     error
}

// reconcileFunc asks the gateway about payments the shop still holds as
// pending (gmo.(*Provider).ReconcilePending behind the router).
type reconcileFunc func(ctx context.Context, refs []payment.PaymentRef) []reconcileResult

// gmoReconciler adapts gmo.(*Provider).ReconcilePending to the router's
// refs ("gmo:<provider ref>").
func gmoReconciler(route string, p *gmo.Provider, split func(payment.PaymentRef) (string, payment.PaymentRef, error)) reconcileFunc {
	return func(ctx context.Context, refs []payment.PaymentRef) []reconcileResult {
		out := make([]reconcileResult, len(refs))
		var inner []payment.PaymentRef
		var at []int
		for i, ref := range refs {
			out[i].Ref = ref
			r, in, err := split(ref)
			switch {
			case err != nil:
				out[i].Err = err
			case r != route:
				out[i].Err = payment.InvalidRequest("shop", "reconcile", "Ref", "not a "+route+" payment")
			default:
				inner = append(inner, in)
				at = append(at, i)
			}
		}
		for j, res := range p.ReconcilePending(ctx, inner) {
			o := &out[at[j]]
			o.Settled, o.Overdue, o.Err = res.Settled, res.Overdue, res.Err
			if res.Payment != nil {
				cp := *res.Payment
				cp.Ref = payment.RouteRef(route, cp.Ref)
				o.Payment = &cp
			}
		}
		return out
	}
}

// isVoucherMethod reports whether m is paid later with a voucher.
func isVoucherMethod(m payment.MethodType) bool {
	return m == payment.MethodKonbini || m == payment.MethodPayEasy
}

// methodName is how the shop names a payment method.
func methodName(m payment.MethodType) string {
	switch m {
	case payment.MethodKonbini:
		return "konbini (convenience store)"
	case payment.MethodPayEasy:
		return "Pay-easy (ATM / net banking)"
	}
	return "card"
}

// chain is a konbini chain the form offers.
type chain struct{ Code, Name string }

// konbiniChains are GMO's current Convenience codes.
var konbiniChains = []chain{
	{gmo.ChainLawson, "Lawson"},
	{gmo.ChainFamilyMart, "FamilyMart"},
	{gmo.ChainMinistop, "Ministop"},
	{gmo.ChainSevenEleven, "Seven-Eleven"},
	{gmo.ChainSeicomart, "Seicomart"},
}

// chainName names a Convenience code ("10001" → "Lawson").
func chainName(code string) string {
	for _, c := range konbiniChains {
		if c.Code == code {
			return c.Name
		}
	}
	// The older 0000x codes name the same chains.
	for _, c := range konbiniChains {
		if len(code) == 5 && strings.HasPrefix(code, "0000") && code[4] == c.Code[4] {
			return c.Name
		}
	}
	return code
}

// jst is Japan Standard Time: voucher deadlines are shown in it.
var jst = time.FixedZone("JST", 9*60*60)

func jstTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(jst).Format("2006-01-02 15:04:05 MST")
}

// voucherFields are the customer's inputs, in form order. The names are
// the last part of the adapter's field names (Method.Konbini.CustomerKana),
// so a field error finds its input.
var voucherFields = []string{"Chain", "CustomerName", "CustomerKana", "Phone", "Email", "DeadlineDays"}

// voucherForm is the state of the voucher form: values typed so far and
// errors per field.
type voucherForm struct {
	Method  payment.MethodType
	OrderID string // set when the order exists (a retry after a field error)
	Values  map[string]string
	Errors  map[string]string
	Chains  []chain
	Days    []int
	Contact string
}

func (f *voucherForm) Konbini() bool { return f.Method == payment.MethodKonbini }

// Name is the method's display name.
func (f *voucherForm) Name() string { return methodName(f.Method) }

// fieldOf returns the form input a *payment.Error's Field names
// ("Method.Konbini.CustomerKana" → "CustomerKana"), or "" when the field
// is not one the customer typed (the shop's contact, the amount).
func fieldOf(field string) string {
	last := field[strings.LastIndexByte(field, '.')+1:]
	for _, f := range voucherFields {
		if f == last {
			return f
		}
	}
	return ""
}

func parseMethod(s string) (payment.MethodType, bool) {
	m := payment.MethodType(s)
	return m, isVoucherMethod(m)
}

func (s *shop) newVoucherForm(m payment.MethodType) *voucherForm {
	f := &voucherForm{Method: m, Values: map[string]string{}, Errors: map[string]string{},
		Days: []int{1, 3, 7, 14, 30}, Contact: s.cfg.Voucher.ContactName}
	if m == payment.MethodKonbini {
		f.Chains = konbiniChains
		f.Values["Chain"] = gmo.ChainLawson
	}
	f.Values["DeadlineDays"] = strconv.Itoa(s.cfg.Voucher.DeadlineDays)
	return f
}

// voucherPage is GET /pay/voucher?product=ID&method=konbini|payeasy.
func (s *shop) voucherPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m, ok := parseMethod(q.Get("method"))
	if !ok {
		s.fail(w, http.StatusNotFound, "no such payment method")
		return
	}
	prod, price, ok := s.findPrice(q.Get("product"), "JPY")
	if !ok {
		s.fail(w, http.StatusNotFound, "no such product")
		return
	}
	f := s.newVoucherForm(m)
	if id := q.Get("order"); id != "" {
		if o, ok := s.orders.get(id); ok && s.awaitingDetails(&o, m) {
			f.OrderID = id
		}
	}
	s.renderVoucherForm(w, http.StatusOK, prod, price, f, "")
}

func (s *shop) renderVoucherForm(w http.ResponseWriter, status int, prod *product, price payment.Money, f *voucherForm, msg string) {
	s.render(w, status, "voucher.html", page{
		Title:   "Pay " + formatMoney(price) + " by " + methodName(f.Method),
		Product: prod,
		Price:   price,
		Voucher: f,
		Error:   msg,
	})
}

// awaitingDetails reports whether o is a voucher order created but not
// yet issued (its confirmation failed on a field error), so the form may
// confirm it again instead of creating another order.
func (s *shop) awaitingDetails(o *order, m payment.MethodType) bool {
	return o.Method == m && o.Ref != "" && o.Voucher == nil && o.Payment != nil &&
		o.Payment.Status == payment.StatusPending
}

// payVoucher is POST /pay/voucher: create the payment (once), then confirm
// it with the customer's details. A field error re-renders the form with
// the message next to the field; the order is kept and confirmed again on
// the next submit (EntryTranCvs is not repeated, ExecTranCvs was never sent).
func (s *shop) payVoucher(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, http.StatusBadRequest, "unreadable form")
		return
	}
	m, ok := parseMethod(r.PostForm.Get("method"))
	if !ok {
		s.fail(w, http.StatusBadRequest, "no such payment method")
		return
	}
	prod, price, ok := s.findPrice(r.PostForm.Get("product"), "JPY")
	if !ok {
		s.fail(w, http.StatusBadRequest, "no such product")
		return
	}
	f := s.newVoucherForm(m)
	for _, k := range voucherFields {
		if v, ok := r.PostForm[k]; ok {
			f.Values[k] = strings.TrimSpace(v[0])
		}
	}
	days := 0
	if d := f.Values["DeadlineDays"]; d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			f.Errors["DeadlineDays"] = "a number of days"
			s.renderVoucherForm(w, http.StatusUnprocessableEntity, prod, price, f, "")
			return
		}
		days = n
	}

	ctx := r.Context()
	var o order
	if id := r.PostForm.Get("order"); id != "" {
		existing, found := s.orders.get(id)
		if !found {
			s.fail(w, http.StatusBadRequest, "no such order")
			return
		}
		if !s.awaitingDetails(&existing, m) {
			s.toOrder(w, r, id) // already issued (a resubmitted form): show it
			return
		}
		o = existing
	} else {
		id := s.newOrder(prod, price, s.cfg.CardRoute, m, payment.CaptureAutomatic).ID
		p, err := s.cfg.Payments.CreatePayment(ctx, payment.CreatePaymentRequest{
			OrderID:     id,
			Amount:      price,
			Capture:     payment.CaptureAutomatic,
			MethodType:  m,
			Language:    "ja",
			Description: prod.Name,
		})
		s.record(id, "create", methodName(m), p, err)
		if err != nil {
			s.toOrder(w, r, id)
			return
		}
		o, _ = s.orders.get(id)
	}
	f.OrderID = o.ID

	v := s.cfg.Voucher
	method := &payment.PaymentMethod{}
	if m == payment.MethodKonbini {
		method.Konbini = &payment.Konbini{
			Chain: f.Values["Chain"], CustomerName: f.Values["CustomerName"], CustomerKana: f.Values["CustomerKana"],
			Phone: f.Values["Phone"], Email: f.Values["Email"], DeadlineDays: days,
			ReceiptLines: []string{prod.Name},
			ContactName:  v.ContactName, ContactPhone: v.ContactPhone, ContactHours: v.ContactHours,
		}
	} else {
		method.PayEasy = &payment.PayEasy{
			CustomerName: f.Values["CustomerName"], CustomerKana: f.Values["CustomerKana"],
			Phone: f.Values["Phone"], Email: f.Values["Email"], DeadlineDays: days,
			ContactName: v.ContactName, ContactPhone: v.ContactPhone, ContactHours: v.ContactHours,
		}
	}
	p, err := s.cfg.Payments.Confirm(ctx, payment.ConfirmRequest{Ref: o.Ref, Method: method})
	s.record(o.ID, "confirm", methodName(m)+" details", p, err)
	var pe *payment.Error
	if err != nil && p == nil && errors.As(err, &pe) && errors.Is(err, payment.ErrInvalidRequest) {
		// Nothing was sent: show the form again with the message where it belongs.
		msg := pe.Message
		if msg == "" {
			msg = "invalid"
		}
		if name := fieldOf(pe.Field); name != "" {
			f.Errors[name] = msg
			s.renderVoucherForm(w, http.StatusUnprocessableEntity, prod, price, f, "Please check the highlighted field.")
		} else {
			s.renderVoucherForm(w, http.StatusUnprocessableEntity, prod, price, f, "The payment could not be started: "+pe.Field+": "+msg)
		}
		return
	}
	if err != nil {
		s.settle(ctx, o.ID, err, p)
	}
	s.toOrder(w, r, o.ID)
}

// simAction is POST /orders/{order}/sim/{action}: the demo's simulator
// controls. "pay" plays the customer paying at the store
// (gmotest.Server.PayVoucher); "expire" lets this voucher's deadline pass
// without paying (gmotest.Server.ExpireVoucher: only this order, the
// simulator's clock stays). Neither is a gateway call of the shop: the
// outcome reaches the shop as GMO's result notification, exactly as it
// would in production.
func (s *shop) simAction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("order")
	o, ok := s.orders.get(id)
	if !ok {
		s.fail(w, http.StatusNotFound, "no such order")
		return
	}
	sim := s.cfg.Voucher.Sim
	if sim == nil || o.Route != s.cfg.CardRoute || o.Voucher == nil {
		s.fail(w, http.StatusConflict, "simulator controls need the GMO simulator and an issued voucher")
		return
	}
	var detail string
	var err error
	switch action := r.PathValue("action"); action {
	case "pay":
		err = sim.PayVoucher(id)
		detail = "simulator: the customer paid at the " + voucherPlace(o.Method) + " (not a shop call; GMO notifies the shop)"
	case "expire":
		err = sim.ExpireVoucher(id)
		detail = "simulator: the deadline passed without payment, for this order only (not a shop call; GMO notifies the shop)"
	default:
		s.fail(w, http.StatusNotFound, "no such simulator action")
		return
	}
	s.log.Named("simulator").Info("simulator action", zap.String("order_id", id), zap.String("action", r.PathValue("action")))
	s.orders.update(id, func(o *order) {
		h := historyEntry{Time: s.cfg.Now(), Op: "simulator", Detail: detail}
		if err != nil {
			h.Failed = true
			h.Detail += ": " + err.Error()
		}
		o.History = append(o.History, h)
	})
	s.toOrder(w, r, id)
}

func voucherPlace(m payment.MethodType) string {
	if m == payment.MethodPayEasy {
		return "ATM / net banking"
	}
	return "store counter"
}

// orderState is GET /orders/{order}/state: what the order page polls while
// a voucher is unpaid, so the page moves by itself when GMO's notification
// arrives.
func (s *shop) orderState(w http.ResponseWriter, r *http.Request) {
	o, ok := s.orders.get(r.PathValue("order"))
	if !ok {
		http.Error(w, `{"error":"no such order"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, `{"status":%q,"key":%q}`, o.Status(), o.stateKey())
}

// stateKey changes whenever the order page would show something new.
func (o *order) stateKey() string {
	return fmt.Sprintf("%s/%d/%d", o.Status(), o.Notifications, len(o.History))
}

// reconcile is POST /reconcile: ask the gateway about every voucher order
// the shop still holds as pending (their notification may have been lost)
// and apply what it says, as a notification would.
func (s *shop) reconcile(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Reconcile == nil {
		s.fail(w, http.StatusNotFound, "reconciliation is not available")
		return
	}
	var ids []string
	var refs []payment.PaymentRef
	for _, o := range s.orders.list() {
		if isVoucherMethod(o.Method) && o.Ref != "" && o.Payment != nil && o.Payment.Status == payment.StatusPending {
			ids = append(ids, o.ID)
			refs = append(refs, o.Ref)
		}
	}
	settled := 0
	for i, res := range s.cfg.Reconcile(r.Context(), refs) {
		if res.Settled {
			settled++
		}
		s.orders.update(ids[i], func(o *order) {
			h := historyEntry{Time: s.cfg.Now(), Op: "reconcile"}
			switch {
			case res.Err != nil:
				h.Failed, h.Detail = true, "could not ask the gateway: "+res.Err.Error()
			case res.Settled:
				h.Status = res.Payment.Status.String()
				h.Detail = "the gateway moved on without a notification reaching the shop"
				if o.Payment == nil || o.Payment.Status.CanBecome(res.Payment.Status) {
					o.setPayment(res.Payment)
				}
			case res.Overdue:
				h.Status = res.Payment.Status.String()
				h.Detail = "still pending at the gateway although the deadline has passed (GMO expires it itself)"
			default:
				h.Status = res.Payment.Status.String()
				h.Detail = "still pending at the gateway"
			}
			o.History = append(o.History, h)
		})
	}
	s.log.Info("reconciled pending vouchers", zap.Int("pending", len(refs)), zap.Int("settled", settled))
	http.Redirect(w, r, "/#orders", http.StatusSeeOther)
}
