package paymenttest

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"github.com/kessai/payment"
)

// Asynchronous voucher payments (konbini, Pay-easy): CreatePayment with
// MethodType konbini or payeasy, Confirm with Method.Konbini or
// Method.PayEasy issues a voucher (StatusPending with a voucher
// NextAction), and the customer pays later ([Provider.PayVoucher]) or never
// ([Provider.Expire]).

// DefaultVoucherDays is the voucher deadline when DeadlineDays is 0.
const DefaultVoucherDays = 3

// voucherMethod checks that m fits the record's method type. It returns the
// deadline days, or an ErrInvalidRequest naming the field.
func (p *Provider) voucherMethod(op string, mt payment.MethodType, m *payment.PaymentMethod) (int, error) {
	if !m.CardToken.IsZero() || m.StoredCard != nil || m.Installments != nil || !m.SecurityCode.IsZero() {
		return 0, p.invalid(op, "Method", "a "+string(mt)+" payment takes only its voucher details")
	}
	switch {
	case mt == payment.MethodKonbini && m.Konbini != nil && m.PayEasy == nil:
		k := m.Konbini
		switch {
		case k.Chain == "":
			return 0, p.invalid(op, "Method.Konbini.Chain", "required")
		case k.CustomerName == "":
			return 0, p.invalid(op, "Method.Konbini.CustomerName", "required")
		case k.DeadlineDays < 0 || k.DeadlineDays > 60:
			return 0, p.invalid(op, "Method.Konbini.DeadlineDays", "0 to 60 days")
		}
		return k.DeadlineDays, nil
	case mt == payment.MethodPayEasy && m.PayEasy != nil && m.Konbini == nil:
		k := m.PayEasy
		switch {
		case k.CustomerName == "":
			return 0, p.invalid(op, "Method.PayEasy.CustomerName", "required")
		case k.DeadlineDays < 0 || k.DeadlineDays > 60:
			return 0, p.invalid(op, "Method.PayEasy.DeadlineDays", "0 to 60 days")
		}
		return k.DeadlineDays, nil
	}
	return 0, p.invalid(op, "Method", "the payment was created for "+string(mt)+"; pass Method."+methodField(mt))
}

func methodField(mt payment.MethodType) string {
	switch mt {
	case payment.MethodKonbini:
		return "Konbini"
	case payment.MethodPayEasy:
		return "PayEasy"
	}
	return "CardToken"
}

// issueVoucher gives a pending voucher record its payment numbers. Caller
// holds p.mu.
func (p *Provider) issueVoucher(r *record, m *payment.PaymentMethod, days int) {
	if days == 0 {
		days = DefaultVoucherDays
	}
	v := &payment.Voucher{Method: r.method, ConfirmationNumber: digits(6), ReceiptNumber: digits(10),
		Deadline: p.clock.Now().Add(time.Duration(days) * 24 * time.Hour)}
	if m.Konbini != nil {
		v.Chain = m.Konbini.Chain
	} else {
		v.CustomerCode, v.BankCode = digits(11), "58021"
	}
	r.voucher = v
	r.seq++ // issuing is a new event
	r.updated = p.clock.Now()
}

func digits(n int) string {
	s := make([]byte, n)
	for i := range s {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		s[i] = byte('0' + d.Int64())
	}
	return string(s)
}

// PayVoucher plays the customer paying a voucher at the store, ATM or
// bank: a pending voucher payment becomes StatusCaptured and the money
// moves once. It fails for unknown refs, card payments, payments without a
// voucher yet, and vouchers that are no longer pending (paid, expired,
// canceled).
func (p *Provider) PayVoucher(ref payment.PaymentRef) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.lookup(ref)
	switch {
	case r == nil:
		return p.notFound("pay")
	case !isVoucher(r.method):
		return p.err("pay", payment.ErrInvalidRequest, "", "not a voucher payment")
	case r.voucher == nil:
		return p.err("pay", payment.ErrInvalidRequest, "", "no voucher issued yet")
	case r.status != payment.StatusPending:
		return p.err("pay", payment.ErrInvalidRequest, "", fmt.Sprintf("voucher is %v", r.status))
	case p.clock.Now().After(r.voucher.Deadline):
		p.setStatus(r, payment.StatusExpired)
		return p.err("pay", payment.ErrInvalidRequest, "", "voucher deadline passed")
	}
	r.captured = r.amount
	r.ledger.Charges++
	r.tranID = "tr" + randomHex(8)
	p.setStatus(r, payment.StatusCaptured)
	return nil
}

func isVoucher(mt payment.MethodType) bool {
	return mt == payment.MethodKonbini || mt == payment.MethodPayEasy
}
