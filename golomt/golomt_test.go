package golomt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
)

var start = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

var orderSeq atomic.Int64

// newOrderID returns a fresh id valid under the default rules (≤15
// alphanumerics).
func newOrderID() string {
	return "T" + strings.ToUpper(time.Now().Format("150405")) + itoa(orderSeq.Add(1))
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

type fixture struct {
	p     *golomt.Provider
	sim   *golomttest.Server
	clock *golomttest.Clock
	logs  func() string
}

func newFixture(t *testing.T, edit func(*golomt.Config), simOpts ...golomttest.Option) *fixture {
	t.Helper()
	clock := golomttest.NewClock(start)
	sim := golomttest.NewServer(append([]golomttest.Option{golomttest.WithClock(clock)}, simOpts...)...)
	t.Cleanup(sim.Close)
	cfg := golomt.Config{
		BearerToken: payment.NewSecret(sim.BearerToken()),
		ChecksumKey: payment.NewSecret(sim.Secret()),
		MerchantID:  sim.MerchantID(),
	}
	if edit != nil {
		edit(&cfg)
	}
	logger, logs := newLogger()
	p, err := golomt.New(cfg, provider.WithBaseURL(sim.URL()), provider.WithClock(clock),
		provider.WithLogger(logger), provider.WithTimeout(5*time.Second))
	require.NoError(t, err)
	return &fixture{p: p, sim: sim, clock: clock, logs: logs}
}

func (f *fixture) create(t *testing.T, amount string) *payment.Payment {
	t.Helper()
	p, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{
		OrderID:   newOrderID(),
		Amount:    payment.MustParseMoney(amount, "MNT"),
		ReturnURL: "https://shop.example/return",
	})
	require.NoError(t, err)
	return p
}

// pay plays the customer on the hosted page and returns the browser's
// request to the callback.
func (f *fixture) pay(t *testing.T, p *payment.Payment, card golomttest.Card) *http.Request {
	t.Helper()
	require.NotNil(t, p.NextAction)
	r, err := f.sim.PayInvoice(context.Background(), p.NextAction.URL, card)
	require.NoError(t, err)
	return r
}

func TestHostedPagePaid(t *testing.T) {
	for _, rt := range []string{"GET", "POST"} {
		t.Run(rt, func(t *testing.T) {
			f := newFixture(t, func(c *golomt.Config) { c.ReturnType = rt; c.Language = "en" })
			ctx := context.Background()
			created := f.create(t, "1500")
			require.Equal(t, payment.StatusRequiresAction, created.Status)
			na := created.NextAction
			require.NotNil(t, na)
			assert.Equal(t, payment.NextActionRedirect, na.Type)
			assert.Equal(t, http.MethodGet, na.Method)
			assert.True(t, strings.HasPrefix(na.URL, f.sim.URL()+"/payment/en/"), na.URL)
			assert.True(t, strings.HasPrefix(na.AltURL, f.sim.URL()+"/socialpay/en/"), na.AltURL)
			assert.Contains(t, string(created.Ref), created.OrderID)
			assert.True(t, created.Captured.IsZero())
			assert.Equal(t, "MNT", created.Captured.Currency().Code)

			entry, ok := f.sim.Ledger(created.OrderID)
			require.True(t, ok)
			assert.Equal(t, "1500.00", entry.Amount, "the amount is sent with two decimals")

			back := f.pay(t, created, golomttest.CardApproved)
			assert.Equal(t, rt, back.Method)
			body := readAll(t, back.Body)
			back.Body = io.NopCloser(bytes.NewReader(body))
			rd, err := golomt.ParseRedirect(back)
			require.NoError(t, err)
			assert.Equal(t, created.OrderID, rd.TransactionID)
			assert.Equal(t, "000", rd.StatusCode)

			back.Body = io.NopCloser(bytes.NewReader(body))
			ret, err := payment.ReturnFromRequest(back)
			require.NoError(t, err)
			assert.Equal(t, created.OrderID, ret.Values.Get("invoice"))
			got, err := f.p.Confirm(ctx, payment.ConfirmRequest{Ref: created.Ref, Return: ret})
			require.NoError(t, err)
			assert.Equal(t, payment.StatusCaptured, got.Status)
			assert.True(t, got.Captured.Equal(payment.MustParseMoney("1500", "MNT")))
			assert.True(t, got.Amount.Equal(payment.MustParseMoney("1500", "MNT")))
			require.NotNil(t, got.Card)
			assert.Equal(t, "0003", got.Card.Last4)
			assert.Equal(t, created.Ref, got.Ref)
			assert.Equal(t, start, got.UpdatedAt)

			again, err := f.p.Inquire(ctx, created.Ref)
			require.NoError(t, err)
			assert.Equal(t, payment.StatusCaptured, again.Status)
			entry, _ = f.sim.Ledger(created.OrderID)
			assert.Equal(t, 1, entry.Charges)
		})
	}
}

func TestHostedPageDeclined(t *testing.T) {
	f := newFixture(t, nil)
	created := f.create(t, "1000")
	back := f.pay(t, created, golomttest.CardExpired)
	rd, err := golomt.ParseRedirect(back)
	require.NoError(t, err)
	assert.Equal(t, "300", rd.StatusCode)

	got, err := f.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: created.Ref})
	require.Error(t, err)
	assert.ErrorIs(t, err, payment.ErrDeclined)
	var pe *payment.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "300", pe.GatewayCode)
	require.NotNil(t, got)
	assert.Equal(t, payment.StatusFailed, got.Status)
	assert.Equal(t, "300", got.GatewayCode)
	assert.True(t, got.Captured.IsZero())

	inq, err := f.p.Inquire(context.Background(), created.Ref)
	require.NoError(t, err, "Inquire reports a decline as a status")
	assert.Equal(t, payment.StatusFailed, inq.Status)
}

func TestUnpaidThenExpiredByClock(t *testing.T) {
	// The bank keeps errorCode null forever: expiry comes from our clock.
	f := newFixture(t, nil, golomttest.WithExpiredResult("", ""))
	created := f.create(t, "1000")
	got, err := f.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: created.Ref})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusRequiresAction, got.Status)
	require.NotNil(t, got.NextAction)
	assert.Equal(t, created.NextAction.URL, got.NextAction.URL)

	f.clock.Advance(golomt.DefaultInvoiceLifetime + time.Minute)
	got, err = f.p.Inquire(context.Background(), created.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusRequiresAction, got.Status, "still within the grace period")

	f.clock.Advance(golomt.DefaultExpiryGrace)
	got, err = f.p.Inquire(context.Background(), created.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusExpired, got.Status)
	assert.Nil(t, got.NextAction)
}

func TestExpiredWithBankCode(t *testing.T) {
	f := newFixture(t, nil)
	created := f.create(t, "1000")
	require.True(t, f.sim.Expire(created.OrderID))
	got, err := f.p.Inquire(context.Background(), created.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusFailed, got.Status)
	assert.Equal(t, golomttest.DefaultExpiredCode, got.GatewayCode)
}

func TestConfirmReturnForAnotherTransaction(t *testing.T) {
	f := newFixture(t, nil)
	a := f.create(t, "1000")
	b := f.create(t, "1000")
	back := f.pay(t, b, golomttest.CardApproved)
	ret, err := payment.ReturnFromRequest(back)
	require.NoError(t, err)
	n := f.sim.Requests()
	_, err = f.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: a.Ref, Return: ret})
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	assert.Equal(t, n, f.sim.Requests(), "no I/O")
}

// TestRedirectIsOnlyAHint: a forged "000" redirect for an unpaid invoice
// does not make it paid.
func TestRedirectIsOnlyAHint(t *testing.T) {
	f := newFixture(t, nil)
	created := f.create(t, "1000")
	forged := httptest.NewRequest(http.MethodGet, "https://shop.example/return?invoice="+created.OrderID+"&status_code=000&desc=ok", nil)
	ret, err := payment.ReturnFromRequest(forged)
	require.NoError(t, err)
	got, err := f.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: created.Ref, Return: ret})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusRequiresAction, got.Status)
}

func TestCreateValidationBeforeIO(t *testing.T) {
	f := newFixture(t, nil)
	good := payment.CreatePaymentRequest{OrderID: "ORDER123", Amount: payment.MustParseMoney("1000", "MNT"), ReturnURL: "https://shop.example/r"}
	tests := []struct {
		name  string
		edit  func(*payment.CreatePaymentRequest)
		kind  error
		field string
	}{
		{"empty order id", func(r *payment.CreatePaymentRequest) { r.OrderID = "" }, payment.ErrInvalidRequest, "OrderID"},
		{"16 characters", func(r *payment.CreatePaymentRequest) { r.OrderID = "A234567890123456" }, payment.ErrInvalidRequest, "OrderID"},
		{"dash", func(r *payment.CreatePaymentRequest) { r.OrderID = "ORDER-1" }, payment.ErrInvalidRequest, "OrderID"},
		{"colon", func(r *payment.CreatePaymentRequest) { r.OrderID = "A:B" }, payment.ErrInvalidRequest, "OrderID"},
		{"non-ASCII", func(r *payment.CreatePaymentRequest) { r.OrderID = "ЗАХ1" }, payment.ErrInvalidRequest, "OrderID"},
		{"JPY", func(r *payment.CreatePaymentRequest) { r.Amount = payment.MustParseMoney("1000", "JPY") }, payment.ErrInvalidRequest, "Amount"},
		{"zero", func(r *payment.CreatePaymentRequest) { r.Amount = payment.Zero(payment.MNT) }, payment.ErrInvalidRequest, "Amount"},
		{"no return URL", func(r *payment.CreatePaymentRequest) { r.ReturnURL = "" }, payment.ErrInvalidRequest, "ReturnURL"},
		{"relative return URL", func(r *payment.CreatePaymentRequest) { r.ReturnURL = "/return" }, payment.ErrInvalidRequest, "ReturnURL"},
		{"return URL with space", func(r *payment.CreatePaymentRequest) { r.ReturnURL = "https://shop.example/a b" }, payment.ErrInvalidRequest, "ReturnURL"},
		{"manual capture", func(r *payment.CreatePaymentRequest) { r.Capture = payment.CaptureManual }, payment.ErrUnsupported, ""},
		{"konbini", func(r *payment.CreatePaymentRequest) { r.MethodType = payment.MethodKonbini }, payment.ErrUnsupported, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := good
			tt.edit(&req)
			n := f.sim.Requests()
			_, err := f.p.CreatePayment(context.Background(), req)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.kind)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, "golomt", pe.Provider)
			assert.Equal(t, n, f.sim.Requests(), "no I/O")
		})
	}
}

func TestLongTransactionIDs(t *testing.T) {
	f := newFixture(t, func(c *golomt.Config) { c.LongTransactionIDs = true })
	id := "order-" + strings.Repeat("a", 30)
	p, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: id, Amount: payment.MustParseMoney("10", "MNT"), ReturnURL: "https://shop.example/r"})
	require.NoError(t, err)
	assert.Equal(t, id, p.OrderID)
	_, err = f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: strings.Repeat("a", 65), Amount: payment.MustParseMoney("10", "MNT"), ReturnURL: "https://shop.example/r"})
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)
}

func TestIntegerAmounts(t *testing.T) {
	f := newFixture(t, func(c *golomt.Config) { c.AmountFormat = golomt.AmountInteger })
	created := f.create(t, "2000")
	e, _ := f.sim.Ledger(created.OrderID)
	assert.Equal(t, "2000", e.Amount)
	f.pay(t, created, golomttest.CardApproved)
	got, err := f.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: created.Ref})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, got.Status)

	n := f.sim.Requests()
	_, err = f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: "FRAC1", Amount: payment.MustParseMoney("10.50", "MNT"), ReturnURL: "https://shop.example/r"})
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	assert.Equal(t, n, f.sim.Requests())
}

func TestDuplicateOrderID(t *testing.T) {
	f := newFixture(t, nil)
	created := f.create(t, "1000")
	_, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: created.OrderID, Amount: payment.MustParseMoney("1000", "MNT"), ReturnURL: "https://shop.example/r"})
	assert.ErrorIs(t, err, payment.ErrDuplicate)
}

func TestCredentialsRefused(t *testing.T) {
	t.Run("bearer", func(t *testing.T) {
		f := newFixture(t, func(c *golomt.Config) { c.BearerToken = payment.NewSecret("wrong-token") })
		_, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: "A1", Amount: payment.MustParseMoney("1", "MNT"), ReturnURL: "https://shop.example/r"})
		assert.ErrorIs(t, err, payment.ErrAuthentication)
		assert.NotContains(t, err.Error(), "wrong-token")
	})
	t.Run("checksum key", func(t *testing.T) {
		f := newFixture(t, func(c *golomt.Config) { c.ChecksumKey = payment.NewSecret("wrong-key") })
		_, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: "A1", Amount: payment.MustParseMoney("1", "MNT"), ReturnURL: "https://shop.example/r"})
		assert.ErrorIs(t, err, payment.ErrAuthentication)
		assert.NotContains(t, err.Error(), "wrong-key")
	})
}

func TestFaults(t *testing.T) {
	t.Run("HTML page", func(t *testing.T) {
		f := newFixture(t, nil)
		f.sim.InjectFault(golomttest.APIInvoice, golomttest.Fault{Kind: golomttest.FaultHTML})
		_, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: "H1", Amount: payment.MustParseMoney("1", "MNT"), ReturnURL: "https://shop.example/r"})
		// A proxy's 200 page may hide an invoice the bank created.
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		assert.NotErrorIs(t, err, payment.ErrUnavailable)
		assert.Contains(t, err.Error(), "allow-list")
	})
	t.Run("HTML 403", func(t *testing.T) {
		f := newFixture(t, nil)
		created := f.create(t, "1")
		f.sim.InjectFault(golomttest.APIInquiry, golomttest.Fault{Kind: golomttest.FaultHTML, Code: "403"})
		_, err := f.p.Inquire(context.Background(), created.Ref)
		assert.ErrorIs(t, err, payment.ErrAuthentication)
	})
	t.Run("inquiry 500 once is retried", func(t *testing.T) {
		f := newFixture(t, nil)
		created := f.create(t, "1")
		f.sim.InjectFault(golomttest.APIInquiry, golomttest.Fault{Kind: golomttest.FaultServerError})
		got, err := f.p.Inquire(context.Background(), created.Ref)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusRequiresAction, got.Status)
	})
	t.Run("inquiry 500 persistently", func(t *testing.T) {
		f := newFixture(t, nil)
		created := f.create(t, "1")
		f.sim.InjectFault(golomttest.APIInquiry, golomttest.Fault{Kind: golomttest.FaultServerError, Times: 10})
		_, err := f.p.Inquire(context.Background(), created.Ref)
		assert.ErrorIs(t, err, payment.ErrUnavailable)
	})
	t.Run("403 empty", func(t *testing.T) {
		f := newFixture(t, nil)
		created := f.create(t, "1")
		f.sim.InjectFault(golomttest.APIInquiry, golomttest.Fault{Kind: golomttest.FaultForbidden})
		_, err := f.p.Inquire(context.Background(), created.Ref)
		assert.ErrorIs(t, err, payment.ErrAuthentication)
	})
	t.Run("create 500 is never sent again", func(t *testing.T) {
		// A 5xx does not prove the bank did not create the invoice.
		f := newFixture(t, nil)
		f.sim.InjectFault(golomttest.APIInvoice, golomttest.Fault{Kind: golomttest.FaultServerError})
		n0 := f.sim.Requests()
		p, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: "S1", Amount: payment.MustParseMoney("1", "MNT"), ReturnURL: "https://shop.example/r"})
		assert.Nil(t, p)
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), "new order id")
		assert.Equal(t, n0+1, f.sim.Requests(), "the invoice only")
	})
	t.Run("create dropped before processing is never sent again", func(t *testing.T) {
		// The request was written: the adapter cannot tell the bank did
		// not read it.
		f := newFixture(t, nil)
		f.sim.InjectFault(golomttest.APIInvoice, golomttest.Fault{Kind: golomttest.FaultDropBeforeProcess})
		n0 := f.sim.Requests()
		_, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: "S2", Amount: payment.MustParseMoney("1", "MNT"), ReturnURL: "https://shop.example/r"})
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		assert.Equal(t, n0+1, f.sim.Requests(), "the invoice only")
	})
	t.Run("create dropped after processing", func(t *testing.T) {
		f := newFixture(t, nil)
		f.sim.InjectFault(golomttest.APIInvoice, golomttest.Fault{Kind: golomttest.FaultDropAfterProcess})
		_, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: "D1", Amount: payment.MustParseMoney("1", "MNT"), ReturnURL: "https://shop.example/r"})
		// Never resent blindly: the bank knows the id, so the invoice exists
		// but its id is lost; no money moved.
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), "new order id")
		e, ok := f.sim.Ledger("D1")
		require.True(t, ok)
		assert.Equal(t, 0, e.Charges)
	})
}

func TestInquireRejectsForeignRefs(t *testing.T) {
	f := newFixture(t, nil)
	for _, ref := range []payment.PaymentRef{"", "gmo:x", "golomt:invoice:A1", "golomt:other:A1::1.00:0", "golomt:invoice:A 1::1.00:0", "golomt:invoice:A1::1e3:0", "golomt:invoice:A1::1.00:-1"} {
		_, err := f.p.Inquire(context.Background(), ref)
		assert.ErrorIs(t, err, payment.ErrInvalidRequest, string(ref))
	}
	assert.Equal(t, 0, f.sim.Requests())
}

func TestCaptureRefundUnsupported(t *testing.T) {
	f := newFixture(t, nil)
	_, err := f.p.Capture(context.Background(), payment.CaptureRequest{Ref: "golomt:invoice:A1::1.00:0"})
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	_, err = f.p.Refund(context.Background(), payment.RefundRequest{Ref: "golomt:invoice:A1::1.00:0"})
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	assert.Equal(t, 0, f.sim.Requests())
	caps := f.p.Capabilities()
	assert.False(t, caps.ManualCapture)
	assert.False(t, caps.Refund)
	assert.True(t, caps.Inquiry)
	assert.True(t, caps.SupportsCurrency(payment.MNT))
	assert.False(t, caps.SupportsCurrency(payment.JPY))
}

func TestSocialDeeplink(t *testing.T) {
	f := newFixture(t, func(c *golomt.Config) { c.SocialDeeplink = true })
	created := f.create(t, "1")
	require.NotNil(t, created.NextAction)
	assert.True(t, strings.HasPrefix(created.NextAction.Deeplink, "socialpay-payment://key="))
}

func TestSaveCardIssuesToken(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	created, err := f.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: newOrderID(), Amount: payment.MustParseMoney("500", "MNT"),
		ReturnURL: "https://shop.example/r", SaveCard: true})
	require.NoError(t, err)
	f.pay(t, created, golomttest.CardApproved)
	got, err := f.p.Confirm(ctx, payment.ConfirmRequest{Ref: created.Ref})
	require.NoError(t, err)
	require.False(t, got.CardToken.IsZero())

	// The token charges the card again, without the customer.
	paid, err := f.p.PayWithToken(ctx, golomt.TokenPaymentRequest{OrderID: newOrderID(), Amount: payment.MustParseMoney("700", "MNT"), Token: got.CardToken})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, paid.Status)
	assert.True(t, paid.Captured.Equal(payment.MustParseMoney("700", "MNT")))
	assert.NotContains(t, f.logs(), got.CardToken.Reveal())
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}

// TestPaidAmountMustMatch: errorCode 000 for a different amount than the
// one charged is never reported as paid.
func TestPaidAmountMustMatch(t *testing.T) {
	f := newFixture(t, nil)
	created := f.create(t, "1500")
	f.pay(t, created, golomttest.CardApproved)
	parts := strings.Split(string(created.Ref), ":")
	require.Len(t, parts, 6)
	for _, amount := range []string{"1500.01", "15000.00", "150.00"} {
		parts[4] = amount
		p, err := f.p.Inquire(context.Background(), payment.PaymentRef(strings.Join(parts, ":")))
		assert.ErrorIs(t, err, payment.ErrInvalidSignature, amount)
		require.NotNil(t, p)
		assert.Equal(t, payment.StatusUnknown, p.Status)
		assert.True(t, p.Captured.IsZero())
	}
	parts[4] = "1500" // the same money written differently
	p, err := f.p.Inquire(context.Background(), payment.PaymentRef(strings.Join(parts, ":")))
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, p.Status)
}

func TestConfirmTakesNoMethod(t *testing.T) {
	f := newFixture(t, nil)
	created := f.create(t, "1")
	n := f.sim.Requests()
	_, err := f.p.Confirm(context.Background(), payment.ConfirmRequest{Ref: created.Ref,
		Method: &payment.PaymentMethod{StoredCard: &payment.StoredCard{Token: payment.NewSecret("tok")}}})
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "PayWithToken")
	assert.Equal(t, n, f.sim.Requests())
}
