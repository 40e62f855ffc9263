package gmo_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/provider"
)

var jstZone = time.FixedZone("JST", 9*3600)

func konbiniMethod(chain string) *payment.PaymentMethod {
	return &payment.PaymentMethod{Konbini: &payment.Konbini{
		Chain: chain, CustomerName: "山田 太郎", CustomerKana: "ヤマダ タロウ", Phone: "090-1234-5678",
		Email: "taro@example.jp", DeadlineDays: 3, ReceiptLines: []string{"ご注文ありがとうございます", "Order A-1"},
		ContactName: "けっさい商店", ContactPhone: "03-1234-5678", ContactHours: "09:00-18:00",
	}}
}

func payEasyMethod() *payment.PaymentMethod {
	return &payment.PaymentMethod{PayEasy: &payment.PayEasy{
		CustomerName: "山田 花子", CustomerKana: "ヤマダ ハナコ", Phone: "0312345678", DeadlineDays: 5,
		ContactName: "けっさい商店", ContactPhone: "0312345678", ContactHours: "10:00-17:30",
	}}
}

func (e *env) createVoucher(t *testing.T, mt payment.MethodType, amount int64) *payment.Payment {
	t.Helper()
	p, err := e.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{
		OrderID: newOrderID(), Amount: jpy(amount), MethodType: mt,
	})
	require.NoError(t, err)
	require.Equal(t, payment.StatusPending, p.Status)
	require.True(t, strings.HasSuffix(string(p.Ref), ":"+string(mt)), "ref %s names the method", p.Ref)
	return p
}

func (e *env) issue(t *testing.T, mt payment.MethodType, m *payment.PaymentMethod) *payment.Payment {
	t.Helper()
	p := e.createVoucher(t, mt, 1500)
	got, err := e.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: p.Ref, Method: m})
	require.NoError(t, err)
	require.Equal(t, payment.StatusPending, got.Status)
	require.NotNil(t, got.NextAction)
	require.NotNil(t, got.NextAction.Voucher)
	assert.Equal(t, p.Ref, got.Ref)
	return got
}

// notifyAll feeds every queued notification of orderID to the provider
// and returns the last result.
func (e *env) notifyAll(t *testing.T, orderID string) []*payment.Notification {
	t.Helper()
	var out []*payment.Notification
	for {
		r, err := e.sim.NextNotification(orderID)
		if err != nil {
			break
		}
		n, err := e.p.HandleNotification(context.Background(), r)
		require.NoError(t, err)
		out = append(out, n)
	}
	require.NotEmpty(t, out, "the simulator sent notifications")
	return out
}

func TestKonbiniVoucher(t *testing.T) {
	for _, chain := range []string{gmo.ChainLawson, gmo.ChainFamilyMart, gmo.ChainMinistop, gmo.ChainSevenEleven, gmo.ChainSeicomart} {
		t.Run(chain, func(t *testing.T) {
			e := newEnv(t, nil)
			p := e.issue(t, payment.MethodKonbini, konbiniMethod(chain))
			v := p.NextAction.Voucher
			assert.Equal(t, payment.NextActionVoucher, p.NextAction.Type)
			assert.Equal(t, payment.MethodKonbini, v.Method)
			assert.Equal(t, chain, v.Chain)
			assert.Len(t, v.ConfirmationNumber, 6)
			assert.Len(t, v.ReceiptNumber, 10)
			// 3 days after 2026-03-10 10:00 JST, at 23:59:59 JST.
			assert.True(t, v.Deadline.Equal(time.Date(2026, 3, 13, 23, 59, 59, 0, jstZone)), "deadline %v", v.Deadline)
			assert.Equal(t, "JST", v.Deadline.Location().String())
			if chain == gmo.ChainSevenEleven {
				assert.True(t, strings.HasPrefix(v.ReceiptURL, e.sim.URL()), "receipt url %q", v.ReceiptURL)
			} else {
				assert.Empty(t, v.ReceiptURL)
			}
			l, ok := e.sim.Ledger(p.OrderID)
			require.True(t, ok)
			assert.Equal(t, "REQSUCCESS", l.Status)
			assert.Equal(t, "3", l.PayType)
			assert.Zero(t, l.Captured)
		})
	}
}

func TestVoucherOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		mt     payment.MethodType
		method func() *payment.PaymentMethod
		act    func(t *testing.T, e *env, p *payment.Payment)
		want   payment.Status
		gmo    string
	}{
		{"konbini paid", payment.MethodKonbini, func() *payment.PaymentMethod { return konbiniMethod(gmo.ChainLawson) },
			func(t *testing.T, e *env, p *payment.Payment) { require.NoError(t, e.sim.PayVoucher(p.OrderID)) },
			payment.StatusCaptured, "PAYSUCCESS"},
		{"konbini expired", payment.MethodKonbini, func() *payment.PaymentMethod { return konbiniMethod(gmo.ChainLawson) },
			func(t *testing.T, e *env, p *payment.Payment) { e.sim.Advance(4 * 24 * time.Hour) },
			payment.StatusExpired, "EXPIRED"},
		{"konbini canceled", payment.MethodKonbini, func() *payment.PaymentMethod { return konbiniMethod(gmo.ChainFamilyMart) },
			func(t *testing.T, e *env, p *payment.Payment) {
				got, err := e.p.Void(context.Background(), p.Ref)
				require.NoError(t, err)
				assert.Equal(t, payment.StatusCanceled, got.Status)
			},
			payment.StatusCanceled, "CANCEL"},
		{"pay-easy paid", payment.MethodPayEasy, payEasyMethod,
			func(t *testing.T, e *env, p *payment.Payment) { require.NoError(t, e.sim.PayVoucher(p.OrderID)) },
			payment.StatusCaptured, "PAYSUCCESS"},
		{"pay-easy expired", payment.MethodPayEasy, payEasyMethod,
			func(t *testing.T, e *env, p *payment.Payment) { e.sim.Advance(6 * 24 * time.Hour) },
			payment.StatusExpired, "EXPIRED"},
		{"pay-easy canceled", payment.MethodPayEasy, payEasyMethod,
			func(t *testing.T, e *env, p *payment.Payment) {
				_, err := e.p.Void(context.Background(), p.Ref)
				require.NoError(t, err)
			},
			payment.StatusCanceled, "CANCEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			p := e.issue(t, tt.mt, tt.method())
			// The REQSUCCESS notification: pending, with the voucher.
			first, err := e.sim.NextNotification(p.OrderID)
			require.NoError(t, err)
			firstBody, err := io.ReadAll(first.Body)
			require.NoError(t, err)
			n, err := e.p.HandleNotification(ctx, replay(first, firstBody))
			require.NoError(t, err)
			assert.True(t, n.Verified)
			assert.Equal(t, payment.StatusPending, n.Status)
			assert.Equal(t, p.Ref, n.Ref)
			require.NotNil(t, n.Payment.NextAction)
			assert.Equal(t, p.NextAction.Voucher.ConfirmationNumber, n.Payment.NextAction.Voucher.ConfirmationNumber)

			tt.act(t, e, p)
			l, _ := e.sim.Ledger(p.OrderID)
			require.Equal(t, tt.gmo, l.Status)
			ns := e.notifyAll(t, p.OrderID)
			last := ns[len(ns)-1]
			assert.Equal(t, tt.want, last.Status)
			assert.Equal(t, p.Ref, last.Ref)
			assert.Contains(t, last.ID, tt.gmo)
			if tt.want == payment.StatusCaptured {
				assert.True(t, last.Payment.Captured.Equal(jpy(1500)), "captured %v", last.Payment.Captured)
			}
			assert.Nil(t, last.Payment.NextAction, "no voucher once settled")

			// A late replay of the REQSUCCESS notification never moves the
			// payment back to pending.
			n, err = e.p.HandleNotification(ctx, replay(first, firstBody))
			require.NoError(t, err)
			assert.Equal(t, tt.want, n.Status)

			got, err := e.p.Inquire(ctx, p.Ref)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Status)
			// Confirming again reports the state and issues nothing.
			got, err = e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: tt.method()})
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Status)
			l, _ = e.sim.Ledger(p.OrderID)
			assert.Equal(t, tt.gmo, l.Status)
			issued := 0
			for _, h := range l.History {
				if strings.HasPrefix(h, "ExecTran") {
					issued++
				}
			}
			assert.Equal(t, 1, issued, "payment numbers issued once: %v", l.History)
		})
	}
}

func replay(r *http.Request, body []byte) *http.Request {
	c := r.Clone(context.Background())
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	return c
}

func TestPayEasyVoucher(t *testing.T) {
	e := newEnv(t, nil)
	p := e.issue(t, payment.MethodPayEasy, payEasyMethod())
	v := p.NextAction.Voucher
	assert.Equal(t, payment.MethodPayEasy, v.Method)
	assert.NotEmpty(t, v.CustomerCode)
	assert.Equal(t, "58021", v.BankCode)
	assert.Len(t, v.ConfirmationNumber, 4)
	assert.Len(t, v.ReceiptNumber, 20, "EncryptReceiptNo")
	assert.Empty(t, v.Chain)
	assert.True(t, v.Deadline.Equal(time.Date(2026, 3, 15, 23, 59, 59, 0, jstZone)), "deadline %v", v.Deadline)
	// Inquire while pending carries the same voucher (SearchTradeMulti).
	got, err := e.p.Inquire(context.Background(), p.Ref)
	require.NoError(t, err)
	require.NotNil(t, got.NextAction)
	gv := got.NextAction.Voucher
	assert.Equal(t, v.CustomerCode, gv.CustomerCode)
	assert.Equal(t, v.BankCode, gv.BankCode)
	assert.Equal(t, v.ConfirmationNumber, gv.ConfirmationNumber)
	assert.Equal(t, v.ReceiptNumber, gv.ReceiptNumber)
	assert.True(t, v.Deadline.Equal(gv.Deadline))
}

func TestVoucherCustomerText(t *testing.T) {
	tests := []struct {
		name       string
		name_, kan string
	}{
		{"full-width", "山田 太郎", "ヤマダ タロウ"},
		{"half-width kana is widened", "ﾔﾏﾀﾞ ﾀﾛｳ", "ﾔﾏﾀﾞ ﾀﾛｳ"},
		{"hiragana kana becomes katakana", "山田太郎", "やまだ たろう"},
		{"ascii name is widened", "Taro Yamada", "タロウ"},
		{"wave dash look-alike", "山田〜太郎", "ヤマダ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			m := konbiniMethod(gmo.ChainLawson)
			m.Konbini.CustomerName, m.Konbini.CustomerKana = tt.name_, tt.kan
			// The simulator accepts only full-width cp932 (M01010013,
			// M01011013), so success proves the encoding.
			e.issue(t, payment.MethodKonbini, m)
		})
	}
}

func TestVoucherValidation(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	kp := e.createVoucher(t, payment.MethodKonbini, 1000)
	pp := e.createVoucher(t, payment.MethodPayEasy, 1000)
	card := e.create(t, payment.CaptureAutomatic, 1000)
	k := func(f func(*payment.Konbini)) *payment.PaymentMethod {
		m := konbiniMethod(gmo.ChainLawson)
		f(m.Konbini)
		return m
	}
	tests := []struct {
		name   string
		ref    payment.PaymentRef
		method *payment.PaymentMethod
		ret    *payment.RedirectReturn
		field  string
	}{
		{"no chain", kp.Ref, k(func(c *payment.Konbini) { c.Chain = "" }), nil, "Method.Konbini.Chain"},
		{"unknown chain", kp.Ref, k(func(c *payment.Konbini) { c.Chain = "99999" }), nil, "Method.Konbini.Chain"},
		{"no name", kp.Ref, k(func(c *payment.Konbini) { c.CustomerName = " " }), nil, "Method.Konbini.CustomerName"},
		{"name too long", kp.Ref, k(func(c *payment.Konbini) { c.CustomerName = strings.Repeat("山", 21) }), nil, "Method.Konbini.CustomerName"},
		{"name with NEC special", kp.Ref, k(func(c *payment.Konbini) { c.CustomerName = "山田①" }), nil, "Method.Konbini.CustomerName"},
		{"name with IBM extension", kp.Ref, k(func(c *payment.Konbini) { c.CustomerName = "髙橋" }), nil, "Method.Konbini.CustomerName"},
		{"name with emoji", kp.Ref, k(func(c *payment.Konbini) { c.CustomerName = "山田😀" }), nil, "Method.Konbini.CustomerName"},
		{"kana with kanji", kp.Ref, k(func(c *payment.Konbini) { c.CustomerKana = "山田" }), nil, "Method.Konbini.CustomerKana"},
		{"kana with latin", kp.Ref, k(func(c *payment.Konbini) { c.CustomerKana = "Yamada" }), nil, "Method.Konbini.CustomerKana"},
		{"no kana", kp.Ref, k(func(c *payment.Konbini) { c.CustomerKana = "" }), nil, "Method.Konbini.CustomerKana"},
		{"no phone", kp.Ref, k(func(c *payment.Konbini) { c.Phone = "" }), nil, "Method.Konbini.Phone"},
		{"phone letters", kp.Ref, k(func(c *payment.Konbini) { c.Phone = "090-CALL-ME" }), nil, "Method.Konbini.Phone"},
		{"phone too long", kp.Ref, k(func(c *payment.Konbini) { c.Phone = "090-1234-56789" }), nil, "Method.Konbini.Phone"},
		{"bad email", kp.Ref, k(func(c *payment.Konbini) { c.Email = "taro at example" }), nil, "Method.Konbini.Email"},
		{"deadline 61 days", kp.Ref, k(func(c *payment.Konbini) { c.DeadlineDays = 61 }), nil, "Method.Konbini.DeadlineDays"},
		{"negative deadline", kp.Ref, k(func(c *payment.Konbini) { c.DeadlineDays = -1 }), nil, "Method.Konbini.DeadlineDays"},
		{"11 receipt lines", kp.Ref, k(func(c *payment.Konbini) { c.ReceiptLines = make([]string, 11) }), nil, "Method.Konbini.ReceiptLines"},
		{"receipt line too long", kp.Ref, k(func(c *payment.Konbini) { c.ReceiptLines = []string{strings.Repeat("あ", 31)} }), nil, "Method.Konbini.ReceiptLines[0]"},
		{"receipt line not cp932", kp.Ref, k(func(c *payment.Konbini) { c.ReceiptLines = []string{"€5"} }), nil, "Method.Konbini.ReceiptLines[0]"},
		{"no contact name", kp.Ref, k(func(c *payment.Konbini) { c.ContactName = "" }), nil, "Method.Konbini.ContactName"},
		{"contact phone too long", kp.Ref, k(func(c *payment.Konbini) { c.ContactPhone = "03-1234-56789" }), nil, "Method.Konbini.ContactPhone"},
		{"contact hours format", kp.Ref, k(func(c *payment.Konbini) { c.ContactHours = "9-18" }), nil, "Method.Konbini.ContactHours"},
		{"contact hours 25:00", kp.Ref, k(func(c *payment.Konbini) { c.ContactHours = "09:00-25:00" }), nil, "Method.Konbini.ContactHours"},
		{"pay-easy method on konbini", kp.Ref, payEasyMethod(), nil, "Method"},
		{"konbini plus card token", kp.Ref, func() *payment.PaymentMethod {
			m := konbiniMethod(gmo.ChainLawson)
			m.CardToken = payment.NewSecret("tok")
			return m
		}(), nil, "Method"},
		{"konbini method on pay-easy", pp.Ref, konbiniMethod(gmo.ChainLawson), nil, "Method"},
		{"pay-easy no kana", pp.Ref, func() *payment.PaymentMethod { m := payEasyMethod(); m.PayEasy.CustomerKana = ""; return m }(), nil, "Method.PayEasy.CustomerKana"},
		{"pay-easy contact hours", pp.Ref, func() *payment.PaymentMethod { m := payEasyMethod(); m.PayEasy.ContactHours = ""; return m }(), nil, "Method.PayEasy.ContactHours"},
		{"konbini method on card payment", card.Ref, konbiniMethod(gmo.ChainLawson), nil, "Method"},
		{"redirect return on konbini", kp.Ref, nil, &payment.RedirectReturn{Values: url.Values{"AccessID": {"x"}}}, "Return"},
		{"malformed konbini ref", payment.PaymentRef("gmo:o1:nothex:konbini"), konbiniMethod(gmo.ChainLawson), nil, "Ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.sim.Requests()
			_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: tt.ref, Method: tt.method, Return: tt.ret})
			assert.ErrorIs(t, err, payment.ErrInvalidRequest)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, "confirm", pe.Op)
			assert.Equal(t, before, e.sim.Requests(), "no I/O")
		})
	}
}

func TestVoucherCaptureRefundUnsupported(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	p := e.issue(t, payment.MethodKonbini, konbiniMethod(gmo.ChainLawson))
	require.NoError(t, e.sim.PayVoucher(p.OrderID))
	before := e.sim.Requests()
	_, err := e.p.Capture(ctx, payment.CaptureRequest{Ref: p.Ref})
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	_, err = e.p.Refund(ctx, payment.RefundRequest{Ref: p.Ref})
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	assert.Equal(t, before, e.sim.Requests())
}

func TestVoucherVoid(t *testing.T) {
	ctx := context.Background()
	t.Run("repeated void cancels once", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.issue(t, payment.MethodKonbini, konbiniMethod(gmo.ChainLawson))
		for i := 0; i < 2; i++ {
			got, err := e.p.Void(ctx, p.Ref)
			require.NoError(t, err)
			assert.Equal(t, payment.StatusCanceled, got.Status)
		}
		l, _ := e.sim.Ledger(p.OrderID)
		assert.Equal(t, 1, l.Voids)
		assert.Equal(t, 1, e.sim.Calls("CvsCancel"))
	})
	t.Run("paid cannot be canceled", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.issue(t, payment.MethodPayEasy, payEasyMethod())
		require.NoError(t, e.sim.PayVoucher(p.OrderID))
		_, err := e.p.Void(ctx, p.Ref)
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		assert.Equal(t, 0, e.sim.Calls("PayEasyCancel"))
	})
	t.Run("not issued yet", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.createVoucher(t, payment.MethodKonbini, 1000)
		_, err := e.p.Void(ctx, p.Ref)
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	})
	for _, f := range []gmotest.Fault{
		{Kind: gmotest.FaultDropAfterProcess},
		{Kind: gmotest.FaultGatewayUnknownAfterProcess},
		{Kind: gmotest.FaultServerErrorAfterProcess},
	} {
		t.Run("ambiguous "+f.Kind.String(), func(t *testing.T) {
			e := newEnv(t, nil)
			p := e.issue(t, payment.MethodKonbini, konbiniMethod(gmo.ChainLawson))
			e.sim.InjectFault("CvsCancel", f)
			got, err := e.p.Void(ctx, p.Ref)
			require.NoError(t, err, "resolved by SearchTradeMulti")
			assert.Equal(t, payment.StatusCanceled, got.Status)
			assert.Equal(t, 1, e.sim.Calls("CvsCancel"), "never resent")
		})
	}
	t.Run("ambiguous, not applied", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.issue(t, payment.MethodKonbini, konbiniMethod(gmo.ChainLawson))
		e.sim.InjectFault("CvsCancel", gmotest.Fault{Kind: gmotest.FaultGatewayUnknown})
		got, err := e.p.Void(ctx, p.Ref)
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown, "unchanged is not proof it will not be applied")
		assert.False(t, retrySafe(err))
		require.NotNil(t, got)
		assert.Equal(t, payment.StatusUnknown, got.Status)
		assert.Equal(t, p.Ref, got.Ref)
		q, err := e.p.Inquire(ctx, p.Ref)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusPending, q.Status)
		got, err = e.p.Void(ctx, p.Ref)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusCanceled, got.Status)
	})
}

func TestVoucherExecAmbiguous(t *testing.T) {
	ctx := context.Background()
	for _, f := range []gmotest.Fault{
		{Kind: gmotest.FaultDropAfterProcess},
		{Kind: gmotest.FaultGatewayUnknownAfterProcess, Code: "E90010001"},
		{Kind: gmotest.FaultServerErrorAfterProcess},
	} {
		t.Run(f.Kind.String(), func(t *testing.T) {
			e := newEnv(t, nil)
			p := e.createVoucher(t, payment.MethodKonbini, 1200)
			e.sim.InjectFault("ExecTranCvs", f)
			got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: konbiniMethod(gmo.ChainLawson)})
			require.NoError(t, err)
			assert.Equal(t, payment.StatusPending, got.Status)
			require.NotNil(t, got.NextAction)
			l, _ := e.sim.Ledger(p.OrderID)
			v := got.NextAction.Voucher
			assert.Equal(t, gmo.ChainLawson, v.Chain)
			assert.NotEmpty(t, v.ConfirmationNumber)
			assert.Equal(t, "REQSUCCESS", l.Status)
			assert.Equal(t, 1, e.sim.Calls("ExecTranCvs"), "never resent")
		})
	}
	t.Run("not processed", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.createVoucher(t, payment.MethodKonbini, 1200)
		e.sim.InjectFault("ExecTranCvs", gmotest.Fault{Kind: gmotest.FaultServerError})
		got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: konbiniMethod(gmo.ChainLawson)})
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		assert.False(t, retrySafe(err))
		require.NotNil(t, got)
		assert.Equal(t, payment.StatusUnknown, got.Status)
		q, err := e.p.Inquire(ctx, p.Ref)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusPending, q.Status)
		assert.Nil(t, q.NextAction, "no voucher issued")
		got, err = e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: konbiniMethod(gmo.ChainLawson)})
		require.NoError(t, err)
		require.NotNil(t, got.NextAction)
	})
	t.Run("inquiry fails too", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.createVoucher(t, payment.MethodPayEasy, 1200)
		e.sim.InjectFault("ExecTranPayEasy", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess})
		for i := 0; i < 6; i++ {
			e.sim.InjectFault("SearchTradeMulti", gmotest.Fault{Kind: gmotest.FaultServerError})
		}
		got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: payEasyMethod()})
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		require.NotNil(t, got)
		assert.Equal(t, payment.StatusUnknown, got.Status)
		assert.Equal(t, p.Ref, got.Ref)
	})
}

// tamper serves the simulator through a handler that rewrites the
// CheckString of ExecTranCvs / ExecTranPayEasy replies.
func tamper(sim *gmotest.Server) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sim.Handler().ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if strings.Contains(r.URL.Path, "ExecTran") {
			if i := bytes.Index(body, []byte("CheckString=")); i >= 0 {
				j := i + len("CheckString=")
				if body[j] == '0' {
					body[j] = '1'
				} else {
					body[j] = '0'
				}
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
}

func TestVoucherCheckString(t *testing.T) {
	for _, mt := range []payment.MethodType{payment.MethodKonbini, payment.MethodPayEasy} {
		t.Run(string(mt), func(t *testing.T) {
			clock := gmotest.NewManualClock(start)
			sim := gmotest.NewServer(gmotest.WithClock(clock))
			t.Cleanup(sim.Close)
			srv := tamper(sim)
			t.Cleanup(srv.Close)
			p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
				provider.WithBaseURL(srv.URL), provider.WithClock(clock))
			require.NoError(t, err)
			ctx := context.Background()
			c, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: newOrderID(), Amount: jpy(900), MethodType: mt})
			require.NoError(t, err)
			m := payEasyMethod()
			if mt == payment.MethodKonbini {
				m = konbiniMethod(gmo.ChainSevenEleven)
			}
			got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: c.Ref, Method: m})
			assert.ErrorIs(t, err, payment.ErrInvalidSignature)
			require.NotNil(t, got, "the gateway's state read with SearchTradeMulti")
			assert.Equal(t, payment.StatusPending, got.Status)
		})
	}
}

func TestVoucherNotificationForged(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	p := e.issue(t, payment.MethodKonbini, konbiniMethod(gmo.ChainLawson))
	r, err := e.sim.NextNotification(p.OrderID)
	require.NoError(t, err)
	raw, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	orig := string(raw)
	_, accessID, err := gmo.ParseRef(payment.PaymentRef(strings.TrimSuffix(string(p.Ref), ":konbini")))
	require.NoError(t, err)
	tests := []struct {
		name string
		body string
		kind error
	}{
		{"amount", strings.Replace(orig, "Amount=1500", "Amount=15", 1), payment.ErrInvalidSignature},
		{"access id", strings.Replace(orig, accessID, strings.Repeat("a", 32), 1), payment.ErrInvalidSignature},
		{"unknown order", strings.Replace(orig, p.OrderID, "forged-1", 1), payment.ErrInvalidSignature},
		{"other shop", strings.Replace(orig, gmotest.DefaultShopID, "tshop99999999", 1), payment.ErrInvalidSignature},
		{"bad access id", strings.Replace(orig, accessID, "xyz", 1), payment.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotEqual(t, orig, tt.body)
			_, err := e.p.HandleNotification(ctx, postForm(tt.body))
			assert.ErrorIs(t, err, tt.kind)
		})
	}
	t.Run("forged status is answered with the truth", func(t *testing.T) {
		body := strings.Replace(orig, "Status=REQSUCCESS", "Status=PAYSUCCESS", 1)
		require.NotEqual(t, orig, body)
		n, err := e.p.HandleNotification(ctx, postForm(body))
		require.NoError(t, err)
		assert.Equal(t, payment.StatusPending, n.Status)
	})
}

func TestReconcilePending(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	paid := e.issue(t, payment.MethodKonbini, konbiniMethod(gmo.ChainLawson))
	waiting := e.issue(t, payment.MethodPayEasy, payEasyMethod())
	card := e.create(t, payment.CaptureAutomatic, 1000)
	require.NoError(t, e.sim.PayVoucher(paid.OrderID)) // its notification is lost
	unknown := payment.PaymentRef("gmo:nosuchorder:" + strings.Repeat("0", 32) + ":konbini")
	res := e.p.ReconcilePending(ctx, []payment.PaymentRef{paid.Ref, waiting.Ref, card.Ref, unknown})
	require.Len(t, res, 4)
	assert.True(t, res[0].Settled)
	assert.Equal(t, payment.StatusCaptured, res[0].Payment.Status)
	assert.False(t, res[1].Settled)
	assert.False(t, res[1].Overdue)
	assert.Equal(t, payment.StatusPending, res[1].Payment.Status)
	assert.False(t, res[2].Settled, "a registered card payment is still pending")
	assert.ErrorIs(t, res[3].Err, payment.ErrNotFound)
	for i, r := range res {
		assert.Equal(t, []payment.PaymentRef{paid.Ref, waiting.Ref, card.Ref, unknown}[i], r.Ref)
	}

	t.Run("overdue on the shop's clock", func(t *testing.T) {
		ahead := gmotest.NewManualClock(start.Add(10 * 24 * time.Hour))
		p2, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
			provider.WithBaseURL(e.sim.URL()), provider.WithClock(ahead))
		require.NoError(t, err)
		res := p2.ReconcilePending(ctx, []payment.PaymentRef{waiting.Ref})
		require.NoError(t, res[0].Err)
		assert.True(t, res[0].Overdue)
		assert.False(t, res[0].Settled)
	})
	t.Run("context ended", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		res := e.p.ReconcilePending(cctx, []payment.PaymentRef{paid.Ref})
		assert.ErrorIs(t, res[0].Err, context.Canceled)
		assert.ErrorIs(t, res[0].Err, payment.ErrUnavailable)
	})
}

func TestVoucherAcrossProcesses(t *testing.T) {
	// A second provider (another process) has no cache: Confirm, Inquire
	// and Void recover the AccessPass with SearchTradeMulti.
	ctx := context.Background()
	e := newEnv(t, nil)
	p := e.createVoucher(t, payment.MethodKonbini, 800)
	other, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
		provider.WithBaseURL(e.sim.URL()), provider.WithClock(e.clock))
	require.NoError(t, err)
	got, err := other.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: konbiniMethod(gmo.ChainMinistop)})
	require.NoError(t, err)
	require.NotNil(t, got.NextAction)
	assert.Equal(t, gmo.ChainMinistop, got.NextAction.Voucher.Chain)
	other2, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
		provider.WithBaseURL(e.sim.URL()), provider.WithClock(e.clock))
	require.NoError(t, err)
	got, err = other2.Void(ctx, p.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCanceled, got.Status)
}

func TestVoucherCreateResend(t *testing.T) {
	// EntryTranCvs is resent after a dropped reply; the duplicate answer is
	// resolved with SearchTradeMulti.
	e := newEnv(t, nil)
	e.sim.InjectFault("EntryTranCvs", gmotest.Fault{Kind: gmotest.FaultDropAfterProcess})
	p, err := e.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: newOrderID(), Amount: jpy(700), MethodType: payment.MethodKonbini})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusPending, p.Status)
	assert.Equal(t, 2, e.sim.Calls("EntryTranCvs"))
	got, err := e.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: p.Ref, Method: konbiniMethod(gmo.ChainLawson)})
	require.NoError(t, err)
	assert.NotNil(t, got.NextAction)
}

func retrySafe(err error) bool {
	var pe *payment.Error
	return errors.As(err, &pe) && pe.RetrySafe
}

func TestVoucherNotificationStatuses(t *testing.T) {
	// With SkipNotificationVerification the notification's own status is
	// mapped (the simulator never fails a voucher, so PAYFAIL is only
	// reachable this way).
	e := newEnv(t, func(c *gmo.Config) { c.SkipNotificationVerification = true })
	const access = "9e6c3b46f7fd03ac22693b335286e622"
	tests := []struct {
		status, payType, errInfo string
		want                     payment.Status
		voucher                  bool
	}{
		{"REQSUCCESS", "3", "", payment.StatusPending, true},
		{"PAYSUCCESS", "3", "", payment.StatusCaptured, false},
		{"EXPIRED", "3", "", payment.StatusExpired, false},
		{"CANCEL", "4", "", payment.StatusCanceled, false},
		{"PAYFAIL", "4", "", payment.StatusFailed, false},
		{"REQSUCCESS", "4", "M01999999", payment.StatusFailed, false},
	}
	for _, tt := range tests {
		t.Run(tt.status+"/"+tt.payType, func(t *testing.T) {
			body := "ShopID=" + gmotest.DefaultShopID + "&ShopPass=**********&AccessID=" + access +
				"&AccessPass=" + strings.Repeat("*", 32) + "&OrderID=cvs-1&Status=" + tt.status + "&Amount=1500&Tax=0&Currency=JPN" +
				"&ErrInfo=" + tt.errInfo + "&PayType=" + tt.payType +
				"&CvsCode=10001&CvsConfNo=123456&CvsReceiptNo=1234567890&CustID=WNT1&BkCode=58021&ConfNo=1234" +
				"&PaymentTerm=20260313235959"
			n, err := e.p.HandleNotification(context.Background(), postForm(body))
			require.NoError(t, err)
			assert.False(t, n.Verified)
			assert.Equal(t, tt.want, n.Status)
			mt := map[string]string{"3": ":konbini", "4": ":payeasy"}[tt.payType]
			assert.Equal(t, payment.PaymentRef("gmo:cvs-1:"+access+mt), n.Ref)
			if tt.voucher {
				require.NotNil(t, n.Payment.NextAction)
				assert.Equal(t, "123456", n.Payment.NextAction.Voucher.ConfirmationNumber)
				assert.True(t, n.Payment.NextAction.Voucher.Deadline.Equal(time.Date(2026, 3, 13, 23, 59, 59, 0, jstZone)))
			} else {
				assert.Nil(t, n.Payment.NextAction)
			}
			assert.Equal(t, 0, e.sim.Requests())
		})
	}
}
