package paymenttest_test

import (
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func konbiniMethod() *payment.PaymentMethod {
	return &payment.PaymentMethod{Konbini: &payment.Konbini{Chain: "10001", CustomerName: "山田 太郎", CustomerKana: "ヤマダ タロウ", DeadlineDays: 2}}
}

func payEasyMethod() *payment.PaymentMethod {
	return &payment.PaymentMethod{PayEasy: &payment.PayEasy{CustomerName: "山田 花子"}}
}

func issueVoucher(t *testing.T, p *paymenttest.Provider, mt payment.MethodType, m *payment.PaymentMethod) *payment.Payment {
	t.Helper()
	c, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "v-" + string(mt), Amount: payment.MustParseMoney("1500", "JPY"), MethodType: mt})
	require.NoError(t, err)
	require.Equal(t, payment.StatusPending, c.Status)
	require.Nil(t, c.NextAction, "no voucher before Confirm")
	got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: c.Ref, Method: m})
	require.NoError(t, err)
	require.Equal(t, payment.StatusPending, got.Status)
	require.NotNil(t, got.NextAction)
	require.Equal(t, payment.NextActionVoucher, got.NextAction.Type)
	return got
}

func TestVoucherLifecycle(t *testing.T) {
	tests := []struct {
		name string
		mt   payment.MethodType
		m    func() *payment.PaymentMethod
		act  func(p *paymenttest.Provider, pay *payment.Payment) error
		want payment.Status
		paid bool
	}{
		{"konbini paid", payment.MethodKonbini, konbiniMethod, func(p *paymenttest.Provider, pay *payment.Payment) error { return p.PayVoucher(pay.Ref) }, payment.StatusCaptured, true},
		{"pay-easy paid", payment.MethodPayEasy, payEasyMethod, func(p *paymenttest.Provider, pay *payment.Payment) error { return p.PayVoucher(pay.Ref) }, payment.StatusCaptured, true},
		{"konbini expired", payment.MethodKonbini, konbiniMethod, func(p *paymenttest.Provider, pay *payment.Payment) error { return p.Expire(pay.Ref) }, payment.StatusExpired, false},
		{"konbini canceled", payment.MethodKonbini, konbiniMethod, func(p *paymenttest.Provider, pay *payment.Payment) error {
			_, err := p.Void(ctx, pay.Ref)
			return err
		}, payment.StatusCanceled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t, paymenttest.Config{})
			pay := issueVoucher(t, p, tt.mt, tt.m())
			v := pay.NextAction.Voucher
			assert.Equal(t, tt.mt, v.Method)
			assert.Len(t, v.ConfirmationNumber, 6)
			assert.True(t, v.Deadline.After(pay.UpdatedAt))
			if tt.mt == payment.MethodPayEasy {
				assert.NotEmpty(t, v.CustomerCode)
				assert.NotEmpty(t, v.BankCode)
			} else {
				assert.Equal(t, "10001", v.Chain)
			}
			again, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: tt.m()})
			require.NoError(t, err)
			assert.Equal(t, v.ConfirmationNumber, again.NextAction.Voucher.ConfirmationNumber, "no second voucher")
			require.NoError(t, tt.act(p, pay))
			got, err := p.Inquire(ctx, pay.Ref)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Status)
			assert.Nil(t, got.NextAction)
			l := p.Ledger(pay.OrderID)
			if tt.paid {
				assert.Equal(t, 1, l.Charges)
				assert.True(t, l.Charged.Equal(pay.Amount))
			} else {
				assert.Zero(t, l.Charges)
				assert.Error(t, p.PayVoucher(pay.Ref), "a %v voucher cannot be paid", tt.want)
				assert.Zero(t, p.Ledger(pay.OrderID).Charges)
			}
		})
	}
}

func TestVoucherErrors(t *testing.T) {
	p := newProvider(t, paymenttest.Config{})
	c, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "k1", Amount: payment.MustParseMoney("1500", "JPY"), MethodType: payment.MethodKonbini})
	require.NoError(t, err)
	card, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "c1", Amount: payment.MustParseMoney("1500", "JPY")})
	require.NoError(t, err)
	tests := []struct {
		name  string
		ref   payment.PaymentRef
		m     *payment.PaymentMethod
		field string
	}{
		{"card token on konbini", c.Ref, paymenttest.Approve(), "Method"},
		{"pay-easy on konbini", c.Ref, payEasyMethod(), "Method"},
		{"no chain", c.Ref, &payment.PaymentMethod{Konbini: &payment.Konbini{CustomerName: "x"}}, "Method.Konbini.Chain"},
		{"no name", c.Ref, &payment.PaymentMethod{Konbini: &payment.Konbini{Chain: "10001"}}, "Method.Konbini.CustomerName"},
		{"konbini on card", card.Ref, konbiniMethod(), "Method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := p.Requests()
			_, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: tt.ref, Method: tt.m})
			assert.ErrorIs(t, err, payment.ErrInvalidRequest)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, before, p.Requests())
		})
	}
	t.Run("manual capture", func(t *testing.T) {
		_, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "k2", Amount: payment.MustParseMoney("1500", "JPY"),
			MethodType: payment.MethodKonbini, Capture: payment.CaptureManual})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	})
	t.Run("pay before issue", func(t *testing.T) {
		assert.Error(t, p.PayVoucher(c.Ref))
	})
	t.Run("pay a card payment", func(t *testing.T) {
		assert.Error(t, p.PayVoucher(card.Ref))
	})
	t.Run("without the capability", func(t *testing.T) {
		r := newProvider(t, paymenttest.Config{Capabilities: &payment.Capabilities{Currencies: []payment.Currency{payment.JPY}}})
		assert.False(t, r.Capabilities().AsyncPayments)
		_, err := r.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "k3", Amount: payment.MustParseMoney("1500", "JPY"), MethodType: payment.MethodKonbini})
		assert.ErrorIs(t, err, payment.ErrUnsupported)
	})
	t.Run("hosted page has no vouchers", func(t *testing.T) {
		r := newProvider(t, paymenttest.Config{HostedPage: true})
		assert.False(t, r.Capabilities().AsyncPayments)
	})
}
