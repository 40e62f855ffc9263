package gmo_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/provider"
)

// env is one provider wired to a fresh simulator.
type env struct {
	p     *gmo.Provider
	sim   *gmotest.Server
	clock *gmotest.ManualClock
	logs  *observer.ObservedLogs
}

// start is a Tuesday 10:00 JST, mid-month.
var start = time.Date(2026, 3, 10, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))

func newEnv(t *testing.T, mod func(*gmo.Config), simOpts ...gmotest.Option) *env {
	t.Helper()
	clock := gmotest.NewManualClock(start)
	sim := gmotest.NewServer(append([]gmotest.Option{gmotest.WithClock(clock)}, simOpts...)...)
	t.Cleanup(sim.Close)
	cfg := gmo.Config{
		ShopID:       gmotest.DefaultShopID,
		ShopPass:     payment.NewSecret(gmotest.DefaultShopPass),
		SiteID:       gmotest.DefaultSiteID,
		SitePass:     payment.NewSecret(gmotest.DefaultSitePass),
		TdTenantName: "決済テスト",
	}
	if mod != nil {
		mod(&cfg)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	p, err := gmo.New(cfg,
		provider.WithBaseURL(sim.URL()),
		provider.WithClock(clock),
		provider.WithLogger(zap.New(core)),
		provider.WithTimeout(5*time.Second))
	require.NoError(t, err)
	return &env{p: p, sim: sim, clock: clock, logs: logs}
}

func jpy(n int64) payment.Money { return payment.MoneyFromMinor(n, payment.JPY) }

func (e *env) token(t *testing.T, pan string) *payment.PaymentMethod {
	t.Helper()
	tok, err := e.sim.IssueToken(pan, "203012", "123", "TARO YAMADA")
	require.NoError(t, err)
	return &payment.PaymentMethod{CardToken: payment.NewSecret(tok)}
}

func (e *env) create(t *testing.T, mode payment.CaptureMode, amount int64) *payment.Payment {
	t.Helper()
	p, err := e.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{
		OrderID: newOrderID(), Amount: jpy(amount), Capture: mode, ReturnURL: "https://shop.example/return",
	})
	require.NoError(t, err)
	require.Equal(t, payment.StatusPending, p.Status)
	return p
}

var orderSeq int

func newOrderID() string {
	orderSeq++
	return "o-" + time.Now().Format("150405") + "-" + strings.Repeat("x", 0) + itoa(orderSeq)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func (e *env) ledger(t *testing.T, orderID string) gmotest.LedgerEntry {
	t.Helper()
	l, ok := e.sim.Ledger(orderID)
	require.True(t, ok, "ledger for %s", orderID)
	return l
}

func TestChargeAutomatic(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	p := e.create(t, payment.CaptureAutomatic, 1500)
	assert.Equal(t, "gmo", p.Provider)
	assert.True(t, strings.HasPrefix(string(p.Ref), "gmo:"+p.OrderID+":"))
	assert.True(t, p.Captured.Equal(jpy(0)))
	assert.Equal(t, start, p.UpdatedAt)

	got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, got.Status)
	assert.True(t, got.Amount.Equal(jpy(1500)))
	assert.True(t, got.Captured.Equal(jpy(1500)))
	assert.NotEmpty(t, got.TransactionID)
	assert.Equal(t, 2, e.sim.Requests(), "EntryTran + ExecTran, AccessPass from the cache")

	l := e.ledger(t, p.OrderID)
	assert.Equal(t, 1, l.Charges)
	assert.Equal(t, int64(1500), l.Captured)
	assert.Equal(t, "1", l.Method)

	inq, err := e.p.Inquire(ctx, p.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, inq.Status)
	require.NotNil(t, inq.Card)
	assert.Equal(t, "1111", inq.Card.Last4)
}

func TestManualCaptureVoid(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	p := e.create(t, payment.CaptureManual, 2000)
	got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusAuthorized, got.Status)
	assert.True(t, got.Captured.Equal(jpy(0)))

	t.Run("partial capture is unsupported before any I/O", func(t *testing.T) {
		before := e.sim.Requests()
		half := jpy(1000)
		_, err := e.p.Capture(ctx, payment.CaptureRequest{Ref: p.Ref, Amount: &half})
		assert.ErrorIs(t, err, payment.ErrUnsupported)
		assert.ErrorIs(t, err, errors.ErrUnsupported)
		assert.Equal(t, before, e.sim.Requests())
	})

	cap1, err := e.p.Capture(ctx, payment.CaptureRequest{Ref: p.Ref})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, cap1.Status)
	cap2, err := e.p.Capture(ctx, payment.CaptureRequest{Ref: p.Ref})
	require.NoError(t, err, "capture repeated")
	assert.Equal(t, payment.StatusCaptured, cap2.Status)
	l := e.ledger(t, p.OrderID)
	assert.Equal(t, 1, l.Sales)
	assert.Equal(t, int64(2000), l.Captured)

	_, err = e.p.Void(ctx, p.Ref)
	assert.ErrorIs(t, err, payment.ErrInvalidRequest, "captured payments are refunded, not voided")

	p2 := e.create(t, payment.CaptureManual, 300)
	_, err = e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p2.Ref, Method: e.token(t, gmotest.CardApprove)})
	require.NoError(t, err)
	v, err := e.p.Void(ctx, p2.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCanceled, v.Status)
	v, err = e.p.Void(ctx, p2.Ref)
	require.NoError(t, err, "void repeated")
	assert.Equal(t, payment.StatusCanceled, v.Status)
	assert.Equal(t, 1, e.ledger(t, p2.OrderID).Voids)
	_, err = e.p.Refund(ctx, payment.RefundRequest{Ref: p2.Ref, Amount: ptr(jpy(100))})
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)
}

func ptr[T any](v T) *T { return &v }

func TestRefunds(t *testing.T) {
	ctx := context.Background()
	t.Run("same day full refund is a VOID", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 1000)
		_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		require.NoError(t, err)
		r, err := e.p.Refund(ctx, payment.RefundRequest{Ref: p.Ref})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusRefunded, r.Status)
		assert.True(t, r.Refunded.Equal(jpy(1000)))
		l := e.ledger(t, p.OrderID)
		assert.Equal(t, "VOID", l.Status)
		assert.Equal(t, 1, l.Voids)
		assert.Equal(t, int64(1000), l.Refunded)
		inq, err := e.p.Inquire(ctx, p.Ref)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusRefunded, inq.Status)
		assert.True(t, inq.Refunded.Equal(jpy(1000)))
	})
	t.Run("partial refunds then full refund next day", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 1000)
		_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		require.NoError(t, err)
		r, err := e.p.Refund(ctx, payment.RefundRequest{Ref: p.Ref, Amount: ptr(jpy(250))})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusPartiallyRefunded, r.Status)
		assert.True(t, r.Refunded.Equal(jpy(250)))
		assert.True(t, r.Amount.Equal(jpy(1000)))
		r, err = e.p.Refund(ctx, payment.RefundRequest{Ref: p.Ref, Amount: ptr(jpy(250))})
		require.NoError(t, err)
		assert.True(t, r.Refunded.Equal(jpy(500)))
		inq, err := e.p.Inquire(ctx, p.Ref)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusPartiallyRefunded, inq.Status)
		assert.True(t, inq.Refunded.Equal(jpy(500)))
		_, err = e.p.Refund(ctx, payment.RefundRequest{Ref: p.Ref, Amount: ptr(jpy(600))})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest, "more than what is left")

		e.clock.Advance(24 * time.Hour)
		r, err = e.p.Refund(ctx, payment.RefundRequest{Ref: p.Ref})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusRefunded, r.Status)
		assert.True(t, r.Refunded.Equal(jpy(1000)))
		l := e.ledger(t, p.OrderID)
		assert.Equal(t, "RETURN", l.Status)
		assert.Equal(t, int64(1000), l.Refunded)
		assert.Equal(t, 3, l.Refunds)
		assert.Equal(t, 1, l.Charges)

		r, err = e.p.Refund(ctx, payment.RefundRequest{Ref: p.Ref})
		require.NoError(t, err, "full refund repeated is a no-op")
		assert.Equal(t, payment.StatusRefunded, r.Status)
		assert.Equal(t, 3, e.ledger(t, p.OrderID).Refunds)
	})
	t.Run("refund after a month boundary is RETURNX", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 1000)
		_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		require.NoError(t, err)
		e.clock.Advance(30 * 24 * time.Hour)
		r, err := e.p.Refund(ctx, payment.RefundRequest{Ref: p.Ref})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusRefunded, r.Status)
		assert.Equal(t, "RETURNX", e.ledger(t, p.OrderID).Status)
	})
	t.Run("authorization is voided, not refunded", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureManual, 1000)
		_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		require.NoError(t, err)
		_, err = e.p.Refund(ctx, payment.RefundRequest{Ref: p.Ref})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	})
}

func TestDecline(t *testing.T) {
	tests := []struct {
		card, code string
	}{
		{gmotest.CardInsufficientFunds, "42G020000"},
		{gmotest.CardExpired, "42G830000"},
		{gmotest.CardWrongCVC, "42G440000"},
		{gmotest.CardDeclined, "42G120000"},
		{gmotest.CardLimitExceeded, "42G550000"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			e := newEnv(t, nil)
			p := e.create(t, payment.CaptureAutomatic, 1000)
			_, err := e.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, tt.card)})
			require.Error(t, err)
			assert.ErrorIs(t, err, payment.ErrDeclined)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.code, pe.GatewayCode)
			assert.NotEmpty(t, pe.MessageJA)
			assert.Equal(t, 0, e.ledger(t, p.OrderID).Charges)
		})
	}
	t.Run("used token", func(t *testing.T) {
		e := newEnv(t, nil)
		m := e.token(t, gmotest.CardApprove)
		p := e.create(t, payment.CaptureAutomatic, 1000)
		_, err := e.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: p.Ref, Method: m})
		require.NoError(t, err)
		p2 := e.create(t, payment.CaptureAutomatic, 1000)
		_, err = e.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: p2.Ref, Method: m})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		assert.True(t, hasCodePrefix(err, "EX1"), "%v", err)
	})
}

func hasCodePrefix(err error, prefix string) bool {
	var pe *payment.Error
	return errors.As(err, &pe) && strings.HasPrefix(pe.GatewayCode, prefix)
}

func TestThreeDSecure2(t *testing.T) {
	ctx := context.Background()
	for _, pass := range []bool{true, false} {
		name := "pass"
		if !pass {
			name = "fail"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			p := e.create(t, payment.CaptureAutomatic, 5000)
			ra, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardChallenge)})
			require.NoError(t, err)
			require.Equal(t, payment.StatusRequiresAction, ra.Status)
			require.NotNil(t, ra.NextAction)
			assert.Equal(t, payment.NextActionRedirect, ra.NextAction.Type)
			assert.Equal(t, http.MethodGet, ra.NextAction.Method)
			assert.Contains(t, ra.NextAction.URL, "&t=", "RedirectUrl keeps its own query")

			vals, err := e.sim.CompleteChallenge(ctx, ra.NextAction.URL, pass)
			require.NoError(t, err)
			got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Return: &payment.RedirectReturn{Values: vals}})
			if !pass {
				assert.ErrorIs(t, err, payment.ErrDeclined)
				assert.Equal(t, 0, e.ledger(t, p.OrderID).Charges)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, payment.StatusCaptured, got.Status)
			assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)

			again, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Return: &payment.RedirectReturn{Values: vals}})
			require.NoError(t, err, "browser return replayed")
			assert.Equal(t, payment.StatusCaptured, again.Status)
			assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
		})
	}
	t.Run("return repeating AccessID in two spellings with different values is rejected before I/O", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 5000)
		_, accessID, err := gmo.ParseRef(p.Ref)
		require.NoError(t, err)
		before := e.sim.Requests()
		for range 20 { // map order must not decide
			_, err = e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Return: &payment.RedirectReturn{
				Values: map[string][]string{"AccessID": {accessID}, "accessid": {strings.Repeat("0", 32)}}}})
			assert.ErrorIs(t, err, payment.ErrInvalidRequest)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "Return.AccessID", pe.Field)
		}
		assert.Equal(t, before, e.sim.Requests())
	})
	t.Run("return for another transaction is rejected before I/O", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 5000)
		before := e.sim.Requests()
		_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Return: &payment.RedirectReturn{
			Values: map[string][]string{"AccessID": {strings.Repeat("0", 32)}}}})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		assert.Equal(t, before, e.sim.Requests())
	})
	t.Run("return url required when not remembered", func(t *testing.T) {
		e := newEnv(t, func(c *gmo.Config) { c.CacheSize = -1 })
		p := e.create(t, payment.CaptureAutomatic, 5000)
		before := e.sim.Requests()
		_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		assert.Equal(t, before, e.sim.Requests())
		got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, ReturnURL: "https://shop.example/r", Method: e.token(t, gmotest.CardApprove)})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusCaptured, got.Status)
		assert.Equal(t, 2, e.sim.Requests()-before, "SearchTrade for the AccessPass, then ExecTran")
	})
}

func TestThreeDSecure1(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, func(c *gmo.Config) { c.TdFlag = gmo.TdFlag3DS1 })
	p := e.create(t, payment.CaptureManual, 5000)
	ra, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardChallenge)})
	require.NoError(t, err)
	require.Equal(t, payment.StatusRequiresAction, ra.Status)
	na := ra.NextAction
	require.NotNil(t, na)
	assert.Equal(t, http.MethodPost, na.Method)
	fields := map[string]string{}
	for _, f := range na.Fields {
		fields[f.Name] = f.Value
	}
	assert.Equal(t, "https://shop.example/return", fields["TermUrl"])
	vals, err := e.sim.CompleteLegacyChallenge(ctx, na.URL, fields["PaReq"], fields["MD"], fields["TermUrl"], true)
	require.NoError(t, err)
	got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Return: &payment.RedirectReturn{Values: vals}})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusAuthorized, got.Status)
	assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
}

func TestConfirmRepeatedNeverChargesTwice(t *testing.T) {
	ctx := context.Background()
	for _, cache := range []int{0, -1} {
		t.Run("cache "+itoa(cache+1), func(t *testing.T) {
			e := newEnv(t, func(c *gmo.Config) { c.CacheSize = cache })
			p := e.create(t, payment.CaptureAutomatic, 1000)
			req := payment.ConfirmRequest{Ref: p.Ref, ReturnURL: "https://shop.example/r", Method: e.token(t, gmotest.CardApprove)}
			_, err := e.p.Confirm(ctx, req)
			require.NoError(t, err)
			req.Method = e.token(t, gmotest.CardApprove)
			got, err := e.p.Confirm(ctx, req)
			require.NoError(t, err)
			assert.Equal(t, payment.StatusCaptured, got.Status)
			assert.Equal(t, 1, e.ledger(t, p.OrderID).Charges)
		})
	}
}

func TestInstallments(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		plan         payment.InstallmentPlan
		count        int
		method, time string
	}{
		{payment.PlanInstallments, 3, "2", "3"},
		{payment.PlanBonusLump, 0, "3", ""},
		{payment.PlanBonusInstallments, 2, "4", "2"},
		{payment.PlanRevolving, 0, "5", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			e := newEnv(t, nil)
			p := e.create(t, payment.CaptureAutomatic, 30000)
			m := e.token(t, gmotest.CardApprove)
			m.Installments = &payment.Installments{Plan: tt.plan, Count: tt.count}
			_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: m})
			require.NoError(t, err)
			l := e.ledger(t, p.OrderID)
			assert.Equal(t, tt.method, l.Method)
			assert.Equal(t, tt.time, l.PayTimes)
		})
	}
	t.Run("installments without a count fail before I/O", func(t *testing.T) {
		e := newEnv(t, nil)
		p := e.create(t, payment.CaptureAutomatic, 30000)
		m := e.token(t, gmotest.CardApprove)
		m.Installments = &payment.Installments{Plan: payment.PlanInstallments}
		before := e.sim.Requests()
		_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: m})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		assert.Equal(t, before, e.sim.Requests())
	})
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	tests := []struct {
		name  string
		req   payment.CreatePaymentRequest
		kind  error
		field string
	}{
		{"order id too long", payment.CreatePaymentRequest{OrderID: strings.Repeat("a", 28), Amount: jpy(100)}, payment.ErrInvalidRequest, "OrderID"},
		{"order id 27 is fine but bad char", payment.CreatePaymentRequest{OrderID: "order_1", Amount: jpy(100)}, payment.ErrInvalidRequest, "OrderID"},
		{"order id non-ascii", payment.CreatePaymentRequest{OrderID: "注文1", Amount: jpy(100)}, payment.ErrInvalidRequest, "OrderID"},
		{"empty order id", payment.CreatePaymentRequest{Amount: jpy(100)}, payment.ErrInvalidRequest, "OrderID"},
		{"usd", payment.CreatePaymentRequest{OrderID: "o1", Amount: payment.MustParseMoney("10.00", "USD")}, payment.ErrInvalidRequest, "Amount"},
		{"8 digits", payment.CreatePaymentRequest{OrderID: "o1", Amount: jpy(10_000_000)}, payment.ErrInvalidRequest, "Amount"},
		{"zero", payment.CreatePaymentRequest{OrderID: "o1", Amount: jpy(0)}, payment.ErrInvalidRequest, "Amount"},
		{"konbini above 299999", payment.CreatePaymentRequest{OrderID: "o1", Amount: jpy(300_000), MethodType: payment.MethodKonbini}, payment.ErrInvalidRequest, "Amount"},
		{"konbini manual capture", payment.CreatePaymentRequest{OrderID: "o1", Amount: jpy(100), MethodType: payment.MethodKonbini, Capture: payment.CaptureManual}, payment.ErrInvalidRequest, "Capture"},
		{"bad return url", payment.CreatePaymentRequest{OrderID: "o1", Amount: jpy(100), ReturnURL: "javascript:alert(1)"}, payment.ErrInvalidRequest, "ReturnURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.p.CreatePayment(ctx, tt.req)
			assert.ErrorIs(t, err, tt.kind)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "gmo", pe.Provider)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, 0, e.sim.Requests())
		})
	}
	t.Run("7 digits and 27 characters are accepted", func(t *testing.T) {
		_, err := e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: strings.Repeat("A", 27), Amount: jpy(9_999_999)})
		require.NoError(t, err)
	})
	t.Run("same unexecuted order again is the original payment", func(t *testing.T) {
		id := newOrderID()
		first, err := e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: id, Amount: jpy(100)})
		require.NoError(t, err)
		again, err := e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: id, Amount: jpy(100)})
		require.NoError(t, err)
		assert.Equal(t, first.Ref, again.Ref, "the original payment")
		assert.Equal(t, payment.StatusPending, again.Status)
	})
	t.Run("genuine duplicate order id", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			second payment.CreatePaymentRequest
			pay    bool
		}{
			{"other amount", payment.CreatePaymentRequest{Amount: jpy(101)}, false},
			{"other capture mode", payment.CreatePaymentRequest{Amount: jpy(100), Capture: payment.CaptureManual}, false},
			{"already executed", payment.CreatePaymentRequest{Amount: jpy(100)}, true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				id := newOrderID()
				first, err := e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: id, Amount: jpy(100)})
				require.NoError(t, err)
				if tt.pay {
					_, err = e.p.Confirm(ctx, payment.ConfirmRequest{Ref: first.Ref, Method: e.token(t, gmotest.CardApprove), ReturnURL: "https://shop.example/r"})
					require.NoError(t, err)
				}
				req := tt.second
				req.OrderID = id
				_, err = e.p.CreatePayment(ctx, req)
				assert.ErrorIs(t, err, payment.ErrDuplicate)
				var pe *payment.Error
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, "E01040010", pe.GatewayCode)
			})
		}
	})
	t.Run("bad refs", func(t *testing.T) {
		for _, ref := range []payment.PaymentRef{"", "gmo:", "gmo:o1", "gmo:o1:XYZ", "golomt:o1:" + payment.PaymentRef(strings.Repeat("a", 32)), "gmo:o_1:" + payment.PaymentRef(strings.Repeat("a", 32))} {
			_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: ref})
			assert.ErrorIs(t, err, payment.ErrInvalidRequest, string(ref))
		}
	})
}

func TestNew(t *testing.T) {
	ok := gmo.Config{ShopID: "tshop00000001", ShopPass: payment.NewSecret("pass"), Environment: gmo.Sandbox}
	tests := []struct {
		name  string
		mod   func(*gmo.Config)
		field string
	}{
		{"no shop id", func(c *gmo.Config) { c.ShopID = "" }, "Config.ShopID"},
		{"shop id too long", func(c *gmo.Config) { c.ShopID = "tshop000000012" }, "Config.ShopID"},
		{"shop id charset", func(c *gmo.Config) { c.ShopID = "tshop-0000001" }, "Config.ShopID"},
		{"no shop pass", func(c *gmo.Config) { c.ShopPass = payment.NewSecret("") }, "Config.ShopPass"},
		{"shop pass too long", func(c *gmo.Config) { c.ShopPass = payment.NewSecret("12345678901") }, "Config.ShopPass"},
		{"site id without pass", func(c *gmo.Config) { c.SiteID = "tsite00000001" }, "Config.SiteID"},
		{"no environment", func(c *gmo.Config) { c.Environment = gmo.EnvironmentUnset }, "Config.Environment"},
		{"bad base url", func(c *gmo.Config) { c.BaseURL = "ftp://x" }, "Config.BaseURL"},
		{"td flag", func(c *gmo.Config) { c.TdFlag = "9" }, "Config.TdFlag"},
		{"tenant name too long", func(c *gmo.Config) { c.TdTenantName = "決済テストショップ店舗名前" }, "Config.TdTenantName"},
		{"tenant name not euc-jp", func(c *gmo.Config) { c.TdTenantName = "shop €" }, "Config.TdTenantName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mod(&c)
			_, err := gmo.New(c)
			require.Error(t, err)
			assert.ErrorIs(t, err, payment.ErrInvalidRequest)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.NotContains(t, err.Error(), "pass")
		})
	}
	p, err := gmo.New(ok)
	require.NoError(t, err)
	assert.Equal(t, "gmo", p.Name())
	assert.False(t, p.Capabilities().StoredCards)
	assert.True(t, p.Capabilities().SupportsCurrency(payment.JPY))
}

func TestOpen(t *testing.T) {
	sim := gmotest.NewServer()
	t.Cleanup(sim.Close)
	ctx := context.Background()
	p, err := payment.Open(ctx, "gmo://tshop00000001:shoppass1@pt01.mul-pay.jp?site_id=tsite00000001&site_pass=sitepass1&base_url="+sim.URL())
	require.NoError(t, err)
	assert.Equal(t, "gmo", p.Name())
	assert.True(t, p.Capabilities().StoredCards)
	_, err = p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: newOrderID(), Amount: jpy(100)})
	require.NoError(t, err)
	assert.Equal(t, 1, sim.Requests())

	t.Run("secrets from the environment", func(t *testing.T) {
		t.Setenv(gmo.EnvShopPass, "shoppass1")
		t.Setenv(gmo.EnvSitePass, "sitepass1")
		p, err := payment.Open(ctx, "gmo://tshop00000001@pt01.mul-pay.jp?site_id=tsite00000001&base_url="+sim.URL())
		require.NoError(t, err)
		_, err = p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: newOrderID(), Amount: jpy(100)})
		require.NoError(t, err)
	})
	t.Run("missing password", func(t *testing.T) {
		t.Setenv(gmo.EnvShopPass, "")
		_, err := payment.Open(ctx, "gmo://tshop00000001@pt01.mul-pay.jp")
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	})
	t.Run("wrong password is an authentication error", func(t *testing.T) {
		p, err := payment.Open(ctx, "gmo://tshop00000001:wrong@pt01.mul-pay.jp?base_url="+sim.URL())
		require.NoError(t, err)
		_, err = p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: newOrderID(), Amount: jpy(100)})
		assert.ErrorIs(t, err, payment.ErrAuthentication)
		assert.NotContains(t, err.Error(), "wrong")
	})
}

func TestStoredCards(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	var cs gmo.CardStore = e.p
	_, err := cs.SearchMember(ctx, "m-1")
	assert.ErrorIs(t, err, payment.ErrNotFound)
	m, err := cs.SaveMember(ctx, gmo.Member{ID: "m-1", Name: "山田 太郎"})
	require.NoError(t, err)
	assert.Equal(t, "m-1", m.ID)
	_, err = cs.SaveMember(ctx, gmo.Member{ID: "m-1"})
	assert.ErrorIs(t, err, payment.ErrDuplicate)
	m, err = cs.SearchMember(ctx, "m-1")
	require.NoError(t, err)
	assert.Equal(t, "山田 太郎", m.Name, "cp932 round trip")

	for _, pan := range []string{gmotest.CardApprove, gmotest.CardApproveMaster} {
		tok, err := e.sim.IssueToken(pan, "203012", "", "TARO YAMADA")
		require.NoError(t, err)
		c, err := cs.SaveCard(ctx, gmo.SaveCardRequest{MemberID: "m-1", Token: payment.NewSecret(tok), Default: pan == gmotest.CardApproveMaster})
		require.NoError(t, err)
		assert.NotEmpty(t, c.Seq)
		assert.NotContains(t, c.Number, pan[:12])
	}
	cards, err := cs.SearchCard(ctx, "m-1", "")
	require.NoError(t, err)
	require.Len(t, cards, 2)
	assert.Equal(t, "0", cards[0].Seq)
	assert.Equal(t, "1", cards[1].Seq)
	assert.True(t, cards[1].Default)
	assert.True(t, strings.HasSuffix(cards[1].Number, "444"))

	p := e.create(t, payment.CaptureAutomatic, 700)
	got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: &payment.PaymentMethod{
		StoredCard: &payment.StoredCard{CustomerID: "m-1", CardID: "1"}}})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, got.Status)
	l := e.ledger(t, p.OrderID)
	assert.True(t, strings.HasSuffix(l.CardNo, "4444"), l.CardNo)

	require.NoError(t, cs.DeleteCard(ctx, "m-1", "0"))
	cards, err = cs.SearchCard(ctx, "m-1", "")
	require.NoError(t, err)
	assert.Len(t, cards, 1)
	require.NoError(t, cs.DeleteMember(ctx, "m-1"))

	t.Run("validation before I/O", func(t *testing.T) {
		before := e.sim.Requests()
		_, err := cs.SaveMember(ctx, gmo.Member{ID: strings.Repeat("m", 61)})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		_, err = cs.SearchCard(ctx, "m-1", "x")
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		_, err = cs.SaveCard(ctx, gmo.SaveCardRequest{MemberID: "m-1"})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		_, err = cs.SaveMember(ctx, gmo.Member{ID: "m-2", Name: "price €"})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		assert.Equal(t, before, e.sim.Requests())
	})
	t.Run("no site credentials", func(t *testing.T) {
		e := newEnv(t, func(c *gmo.Config) { c.SiteID, c.SitePass = "", payment.NewSecret("") })
		_, err := e.p.SaveMember(ctx, gmo.Member{ID: "m-1"})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		assert.Equal(t, 0, e.sim.Requests())
	})
}

func TestNotifications(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	p := e.create(t, payment.CaptureManual, 1200)
	_, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, gmotest.CardApprove)})
	require.NoError(t, err)

	req, err := e.sim.NextNotification(p.OrderID)
	require.NoError(t, err)
	n, err := e.p.HandleNotification(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, payment.NotificationPayment, n.Kind)
	assert.True(t, n.Verified)
	assert.Equal(t, payment.StatusAuthorized, n.Status)
	assert.Equal(t, p.Ref, n.Ref)
	assert.Equal(t, "0", n.Ack.Body)
	assert.Equal(t, "1", n.Retry.Body)
	first := n.ID

	_, err = e.p.Capture(ctx, payment.CaptureRequest{Ref: p.Ref})
	require.NoError(t, err)
	req2, err := e.sim.NextNotification(p.OrderID)
	require.NoError(t, err)
	n2, err := e.p.HandleNotification(ctx, req2)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, n2.Status)
	assert.NotEqual(t, first, n2.ID)

	t.Run("stale notification reports the current state", func(t *testing.T) {
		old, err := e.p.HandleNotification(ctx, cloneRequest(t, req))
		require.NoError(t, err)
		assert.Equal(t, payment.StatusCaptured, old.Status, "never moves backwards")
		assert.Equal(t, first, old.ID, "stable id across resends")
	})
	t.Run("ping", func(t *testing.T) {
		ping, err := e.sim.PingNotification()
		require.NoError(t, err)
		before := e.sim.Requests()
		n, err := e.p.HandleNotification(ctx, ping)
		require.NoError(t, err)
		assert.Equal(t, payment.NotificationPing, n.Kind)
		assert.Nil(t, n.Payment)
		assert.Equal(t, "0", n.Ack.Body)
		assert.Equal(t, before, e.sim.Requests())
	})
	t.Run("forged amount", func(t *testing.T) {
		body := readBody(t, cloneRequest(t, req2))
		forged := strings.Replace(body, "Amount=1200", "Amount=1", 1)
		require.NotEqual(t, body, forged)
		_, err := e.p.HandleNotification(ctx, postForm(forged))
		assert.ErrorIs(t, err, payment.ErrInvalidSignature)
	})
	t.Run("forged access id", func(t *testing.T) {
		body := readBody(t, cloneRequest(t, req2))
		_, acc, _ := gmo.ParseRef(p.Ref)
		forged := strings.Replace(body, acc, strings.Repeat("0", 32), 1)
		_, err := e.p.HandleNotification(ctx, postForm(forged))
		assert.ErrorIs(t, err, payment.ErrInvalidSignature)
	})
	t.Run("unknown order", func(t *testing.T) {
		body := readBody(t, cloneRequest(t, req2))
		forged := strings.Replace(body, "OrderID="+p.OrderID, "OrderID=nope-1", 1)
		_, err := e.p.HandleNotification(ctx, postForm(forged))
		assert.ErrorIs(t, err, payment.ErrInvalidSignature)
	})
	t.Run("oversized", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/notify", io.MultiReader(strings.NewReader("OrderID="), neverEnding('a')))
		r.ContentLength = -1
		_, err := e.p.HandleNotification(ctx, r)
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	})
	t.Run("malformed", func(t *testing.T) {
		for _, body := range []string{"", "OrderID=%zz", "OrderID=%82", "noequals"} {
			_, err := e.p.HandleNotification(ctx, postForm(body))
			assert.ErrorIs(t, err, payment.ErrInvalidRequest, body)
		}
	})
	t.Run("skip verification", func(t *testing.T) {
		e2 := newEnv(t, func(c *gmo.Config) { c.SkipNotificationVerification = true })
		body := readBody(t, cloneRequest(t, req2))
		before := e2.sim.Requests()
		n, err := e2.p.HandleNotification(ctx, postForm(body))
		require.NoError(t, err)
		assert.False(t, n.Verified)
		assert.Equal(t, payment.StatusCaptured, n.Status)
		assert.Equal(t, before, e2.sim.Requests())
	})
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func readBody(t *testing.T, r *http.Request) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return string(b)
}

// cloneRequest re-reads a request built by the simulator so it can be fed
// twice.
func cloneRequest(t *testing.T, r *http.Request) *http.Request {
	t.Helper()
	body, err := r.GetBody()
	require.NoError(t, err)
	b, err := io.ReadAll(body)
	require.NoError(t, err)
	return postForm(string(b))
}

func postForm(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestSecretsNeverLogged(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	m := e.token(t, gmotest.CardApprove)
	p := e.create(t, payment.CaptureManual, 1000)
	got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: m})
	require.NoError(t, err)
	_, err = e.p.Capture(ctx, payment.CaptureRequest{Ref: p.Ref})
	require.NoError(t, err)
	p2 := e.create(t, payment.CaptureManual, 1000)
	_, err = e.p.Confirm(ctx, payment.ConfirmRequest{Ref: p2.Ref, Method: e.token(t, gmotest.CardInsufficientFunds)})
	require.Error(t, err)

	var all strings.Builder
	for _, entry := range e.logs.All() {
		all.WriteString(entry.Message)
		for k, v := range entry.ContextMap() {
			all.WriteString(k)
			all.WriteString("=")
			all.WriteString(toString(v))
		}
	}
	all.WriteString(err.Error())
	all.WriteString(string(got.Ref))
	assert.NotEmpty(t, e.logs.All())
	secrets := []string{gmotest.DefaultShopPass, gmotest.DefaultSitePass, m.CardToken.Reveal(), gmotest.CardApprove}
	for _, s := range secrets {
		assert.NotContains(t, all.String(), s)
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, ",")
	}
	return ""
}

func TestNotificationOtherPayType(t *testing.T) {
	e := newEnv(t, nil)
	body := "ShopID=" + gmotest.DefaultShopID + "&OrderID=pp-1&Status=PAYSUCCESS&Amount=1500&PayType=5&AccessID=9e6c3b46f7fd03ac22693b335286e622"
	n, err := e.p.HandleNotification(context.Background(), postForm(body))
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	require.NotNil(t, n)
	assert.Equal(t, "0", n.Ack.Body, "the application may still acknowledge it")
	assert.Equal(t, 0, e.sim.Requests())
}
