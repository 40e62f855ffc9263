package paymenttest_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/paymenttest"
	"github.com/kessai/payment/provider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

func newProvider(t *testing.T, cfg paymenttest.Config) *paymenttest.Provider {
	t.Helper()
	p, err := paymenttest.New(cfg, provider.WithTimeout(50*time.Millisecond))
	require.NoError(t, err)
	return p
}

func yen(n int64) payment.Money { return payment.MoneyFromMinor(n, payment.JPY) }

func create(t *testing.T, p *paymenttest.Provider, order string, mode payment.CaptureMode) *payment.Payment {
	t.Helper()
	pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: order, Amount: yen(1000), Capture: mode,
		ReturnURL: "https://shop.example/return"})
	require.NoError(t, err)
	return pay
}

func paid(t *testing.T, p *paymenttest.Provider, order string, mode payment.CaptureMode) *payment.Payment {
	t.Helper()
	pay := create(t, p, order, mode)
	pay, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Approve()})
	require.NoError(t, err)
	return pay
}

func TestCreateValidation(t *testing.T) {
	p := newProvider(t, paymenttest.Config{})
	tests := []struct {
		name    string
		order   string
		amount  payment.Money
		wantErr error
	}{
		{"ok", "order-1", yen(1000), nil},
		{"27 chars", strings.Repeat("a", 27), yen(1000), nil},
		{"28 chars", strings.Repeat("b", 28), yen(1000), payment.ErrInvalidRequest},
		{"empty", "", yen(1000), payment.ErrInvalidRequest},
		{"underscore", "order_1", yen(1000), payment.ErrInvalidRequest},
		{"space", "order 1", yen(1000), payment.ErrInvalidRequest},
		{"non-ascii", "注文", yen(1000), payment.ErrInvalidRequest},
		{"zero", "order-2", yen(0), payment.ErrInvalidRequest},
		{"negative", "order-3", yen(-5), payment.ErrInvalidRequest},
		{"no currency", "order-4", payment.Money{}, payment.ErrInvalidRequest},
		{"unsupported currency", "order-5", payment.MustParseMoney("10", "EUR"), payment.ErrInvalidRequest},
		{"JPY with a decimal", "order-6", payment.MoneyFromMinor(10005, payment.Currency{Code: "JPY", Exponent: 1}), payment.ErrInvalidRequest},
		{"MNT with cents", "order-7", payment.MustParseMoney("1500.50", "MNT"), nil},
		{"USD", "order-8", payment.MustParseMoney("10.25", "USD"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := p.Requests()
			pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: tt.order, Amount: tt.amount})
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, payment.StatusPending, pay.Status)
				assert.True(t, pay.Captured.Equal(payment.Zero(tt.amount.Currency())))
				return
			}
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, before, p.Requests(), "rejected before any simulated I/O")
		})
	}
}

func TestDuplicateOrderID(t *testing.T) {
	p := newProvider(t, paymenttest.Config{})
	create(t, p, "dup-1", payment.CaptureAutomatic)
	_, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "dup-1", Amount: yen(1000)})
	assert.ErrorIs(t, err, payment.ErrDuplicate)
}

func TestConfirmRepeatedChargesOnce(t *testing.T) {
	p := newProvider(t, paymenttest.Config{})
	first := paid(t, p, "again-1", payment.CaptureAutomatic)
	again, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: first.Ref, Method: paymenttest.Approve()})
	require.NoError(t, err)
	assert.Equal(t, first.Ref, again.Ref)
	assert.Equal(t, payment.StatusCaptured, again.Status)
	assert.Equal(t, 1, p.Ledger("again-1").Charges)
}

func TestDecline(t *testing.T) {
	p := newProvider(t, paymenttest.Config{})
	pay := create(t, p, "decl-1", payment.CaptureAutomatic)
	_, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Decline()})
	require.ErrorIs(t, err, payment.ErrDeclined)
	var pe *payment.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, paymenttest.DeclineCode, pe.GatewayCode)
	assert.NotContains(t, err.Error(), paymenttest.TokenDecline)

	got, err := p.Inquire(ctx, pay.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusFailed, got.Status)
	assert.Equal(t, paymenttest.DeclineCode, got.GatewayCode)

	// Repeating the declined Confirm returns the same decline.
	_, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Approve()})
	assert.ErrorIs(t, err, payment.ErrDeclined)
	assert.Zero(t, p.Ledger("decl-1").Charges)
}

func TestChallenge(t *testing.T) {
	for _, pass := range []bool{true, false} {
		t.Run(map[bool]string{true: "pass", false: "fail"}[pass], func(t *testing.T) {
			p := newProvider(t, paymenttest.Config{})
			pay := create(t, p, "tds-1", payment.CaptureAutomatic)
			pay, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Challenge()})
			require.NoError(t, err)
			require.Equal(t, payment.StatusRequiresAction, pay.Status)
			require.NotNil(t, pay.NextAction)
			assert.Equal(t, http.MethodGet, pay.NextAction.Method)
			assert.True(t, strings.HasPrefix(pay.NextAction.URL, "https://paymenttest.invalid/challenge?"))
			assert.Zero(t, p.Ledger("tds-1").Charges, "nothing moves before the challenge")

			// Confirm before the customer acted: still waiting.
			wait, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref})
			require.NoError(t, err)
			assert.Equal(t, payment.StatusRequiresAction, wait.Status)

			ret, err := p.CompleteAction(pay.Ref, pass)
			require.NoError(t, err)
			got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Return: ret})
			if pass {
				require.NoError(t, err)
				assert.Equal(t, payment.StatusCaptured, got.Status)
				assert.Equal(t, 1, p.Ledger("tds-1").Charges)
			} else {
				assert.ErrorIs(t, err, payment.ErrDeclined)
				assert.Zero(t, p.Ledger("tds-1").Charges)
			}
		})
	}
}

func TestCaptureRefundVoid(t *testing.T) {
	tests := []struct {
		name     string
		steps    func(p *paymenttest.Provider, ref payment.PaymentRef) error
		wantErr  error
		charges  int
		refunded payment.Money
	}{
		{"capture", func(p *paymenttest.Provider, ref payment.PaymentRef) error {
			_, err := p.Capture(ctx, payment.CaptureRequest{Ref: ref})
			return err
		}, nil, 1, yen(0)},
		{"capture above authorized", func(p *paymenttest.Provider, ref payment.PaymentRef) error {
			m := yen(1001)
			_, err := p.Capture(ctx, payment.CaptureRequest{Ref: ref, Amount: &m})
			return err
		}, payment.ErrInvalidRequest, 0, yen(0)},
		{"capture after void", func(p *paymenttest.Provider, ref payment.PaymentRef) error {
			if _, err := p.Void(ctx, ref); err != nil {
				return err
			}
			_, err := p.Capture(ctx, payment.CaptureRequest{Ref: ref})
			return err
		}, payment.ErrInvalidRequest, 0, yen(0)},
		{"refund before capture", func(p *paymenttest.Provider, ref payment.PaymentRef) error {
			_, err := p.Refund(ctx, payment.RefundRequest{Ref: ref})
			return err
		}, payment.ErrInvalidRequest, 0, yen(0)},
		{"two partial refunds and the rest", func(p *paymenttest.Provider, ref payment.PaymentRef) error {
			if _, err := p.Capture(ctx, payment.CaptureRequest{Ref: ref}); err != nil {
				return err
			}
			q := yen(250)
			for range 2 {
				if _, err := p.Refund(ctx, payment.RefundRequest{Ref: ref, Amount: &q}); err != nil {
					return err
				}
			}
			_, err := p.Refund(ctx, payment.RefundRequest{Ref: ref})
			return err
		}, nil, 1, yen(1000)},
		{"full refund repeated", func(p *paymenttest.Provider, ref payment.PaymentRef) error {
			if _, err := p.Capture(ctx, payment.CaptureRequest{Ref: ref}); err != nil {
				return err
			}
			for range 3 {
				if _, err := p.Refund(ctx, payment.RefundRequest{Ref: ref}); err != nil {
					return err
				}
			}
			return nil
		}, nil, 1, yen(1000)},
		{"refund above remaining", func(p *paymenttest.Provider, ref payment.PaymentRef) error {
			if _, err := p.Capture(ctx, payment.CaptureRequest{Ref: ref}); err != nil {
				return err
			}
			half := yen(500)
			if _, err := p.Refund(ctx, payment.RefundRequest{Ref: ref, Amount: &half}); err != nil {
				return err
			}
			more := yen(501)
			_, err := p.Refund(ctx, payment.RefundRequest{Ref: ref, Amount: &more})
			return err
		}, payment.ErrInvalidRequest, 1, yen(500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t, paymenttest.Config{})
			pay := paid(t, p, "crv-1", payment.CaptureManual)
			require.Equal(t, payment.StatusAuthorized, pay.Status)
			err := tt.steps(p, pay.Ref)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			} else {
				assert.NoError(t, err)
			}
			l := p.Ledger("crv-1")
			assert.Equal(t, tt.charges, l.Charges)
			assert.True(t, l.Refunded.Equal(tt.refunded), "refunded %v, want %v", l.Refunded, tt.refunded)
		})
	}
}

func TestRestrictedCapabilities(t *testing.T) {
	p := newProvider(t, paymenttest.Config{Capabilities: &payment.Capabilities{Refund: true}})
	caps := p.Capabilities()
	assert.False(t, caps.ManualCapture)
	assert.False(t, caps.PartialRefund)
	pay := paid(t, p, "lim-1", payment.CaptureAutomatic)
	before := p.Requests()
	_, err := p.Capture(ctx, payment.CaptureRequest{Ref: pay.Ref})
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	half := yen(500)
	_, err = p.Refund(ctx, payment.RefundRequest{Ref: pay.Ref, Amount: &half})
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	_, err = p.Void(ctx, pay.Ref)
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	_, err = p.Inquire(ctx, pay.Ref)
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	assert.Equal(t, before, p.Requests())
}

func TestHostedPage(t *testing.T) {
	p := newProvider(t, paymenttest.Config{HostedPage: true})
	pay := create(t, p, "host-1", payment.CaptureAutomatic)
	require.Equal(t, payment.StatusRequiresAction, pay.Status)
	require.NotNil(t, pay.NextAction)
	_, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Approve()})
	assert.ErrorIs(t, err, payment.ErrUnsupported)
	ret, err := p.CompleteAction(pay.Ref, true)
	require.NoError(t, err)
	assert.Equal(t, 1, p.Ledger("host-1").Charges, "money moves on the hosted page")
	got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Return: ret})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, got.Status)
}

func TestFaults(t *testing.T) {
	tests := []struct {
		fault     paymenttest.Fault
		wantKind  error
		processed bool
	}{
		{paymenttest.FaultDropAfterProcess, payment.ErrOutcomeUnknown, true},
		{paymenttest.FaultTimeout, payment.ErrOutcomeUnknown, true},
		{paymenttest.FaultServerError, payment.ErrOutcomeUnknown, false},
		{paymenttest.FaultGatewayUnknown, payment.ErrOutcomeUnknown, true},
		{paymenttest.FaultHTML, payment.ErrOutcomeUnknown, false},
		{paymenttest.FaultRefused, payment.ErrUnavailable, false},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			p := newProvider(t, paymenttest.Config{})
			pay := paid(t, p, "flt-1", payment.CaptureAutomatic)
			require.True(t, p.InjectFault(paymenttest.OpRefund, tt.fault))
			q := yen(100)
			_, err := p.Refund(ctx, payment.RefundRequest{Ref: pay.Ref, Amount: &q})
			require.ErrorIs(t, err, tt.wantKind)
			l := p.Ledger("flt-1")
			got, err := p.Inquire(ctx, pay.Ref)
			require.NoError(t, err)
			if tt.processed {
				assert.Equal(t, 1, l.Refunds)
				assert.Equal(t, payment.StatusPartiallyRefunded, got.Status)
			} else {
				assert.Equal(t, 0, l.Refunds)
				assert.Equal(t, payment.StatusCaptured, got.Status)
			}
		})
	}
	t.Run("inquiry faults are retry-safe", func(t *testing.T) {
		p := newProvider(t, paymenttest.Config{})
		pay := paid(t, p, "flt-2", payment.CaptureAutomatic)
		require.True(t, p.InjectFault(paymenttest.OpInquire, paymenttest.FaultDropAfterProcess))
		_, err := p.Inquire(ctx, pay.Ref)
		var pe *payment.Error
		require.ErrorAs(t, err, &pe)
		assert.ErrorIs(t, err, payment.ErrUnavailable)
		assert.True(t, pe.RetrySafe)
	})
	t.Run("unknown op", func(t *testing.T) {
		p := newProvider(t, paymenttest.Config{})
		assert.False(t, p.InjectFault("teleport", paymenttest.FaultHTML))
		assert.False(t, p.InjectFault(paymenttest.OpRefund, paymenttest.Fault(99)))
	})
}

func TestTimeoutHonoursContext(t *testing.T) {
	p, err := paymenttest.New(paymenttest.Config{}, provider.WithTimeout(time.Minute))
	require.NoError(t, err)
	pay := create(t, p, "ctx-1", payment.CaptureAutomatic)
	require.True(t, p.InjectFault(paymenttest.OpConfirm, paymenttest.FaultTimeout))
	c, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = p.Confirm(c, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Approve()})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
	got, err := p.Inquire(ctx, pay.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, got.Status, "the gateway processed it")

	canceled, cancel2 := context.WithCancel(ctx)
	cancel2()
	before := p.Requests()
	_, err = p.Refund(canceled, payment.RefundRequest{Ref: pay.Ref})
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, payment.ErrUnavailable)
	assert.Equal(t, before, p.Requests(), "not sent")
}

func TestNotifications(t *testing.T) {
	p := newProvider(t, paymenttest.Config{NotificationKey: payment.NewSecret("k3y")})
	pay := paid(t, p, "ntf-1", payment.CaptureAutomatic)
	genuine, err := p.Notification("ntf-1")
	require.NoError(t, err)
	body, err := io.ReadAll(genuine.Body)
	require.NoError(t, err)
	sig := genuine.Header.Get(paymenttest.SignatureHeader)

	req := func(b []byte, sig string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "https://shop.example/notify", bytes.NewReader(b))
		if sig != "" {
			r.Header.Set(paymenttest.SignatureHeader, sig)
		}
		return r
	}
	tests := []struct {
		name    string
		r       *http.Request
		wantErr error
	}{
		{"genuine", req(body, sig), nil},
		{"no signature", req(body, ""), payment.ErrInvalidSignature},
		{"bad signature", req(body, strings.Repeat("0", 64)), payment.ErrInvalidSignature},
		{"tampered amount", req(bytes.Replace(body, []byte(`"amount":"1000"`), []byte(`"amount":"1"`), 1), sig), payment.ErrInvalidSignature},
		{"signed garbage", p.SignedRequest([]byte(`{"order_id":`)), payment.ErrInvalidRequest},
		{"signed, wrong amount", p.SignedRequest(bytes.Replace(body, []byte(`"amount":"1000"`), []byte(`"amount":"9"`), 1)), payment.ErrInvalidSignature},
		{"oversized", req(bytes.Repeat([]byte("a"), paymenttest.MaxNotificationBody+1), sig), payment.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := p.HandleNotification(ctx, tt.r)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, pay.Ref, n.Ref)
			assert.Equal(t, payment.StatusCaptured, n.Status)
			assert.True(t, n.Verified)
			assert.Equal(t, "OK", n.Ack.Body)
		})
	}

	t.Run("stale notification reports the current state", func(t *testing.T) {
		_, err := p.Refund(ctx, payment.RefundRequest{Ref: pay.Ref})
		require.NoError(t, err)
		n, err := p.HandleNotification(ctx, req(body, sig))
		require.NoError(t, err)
		assert.Equal(t, payment.StatusRefunded, n.Status)
	})
}

func TestHandlerPages(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hosted bool
		kind   string
	}{{"challenge", false, "challenge"}, {"hosted page", true, "pay"}} {
		t.Run(tc.name, func(t *testing.T) {
			var srvURL string
			p0 := http.NewServeMux()
			srv := httptest.NewServer(p0)
			defer srv.Close()
			srvURL = srv.URL
			p, err := paymenttest.New(paymenttest.Config{HostedPage: tc.hosted, PageURL: srvURL})
			require.NoError(t, err)
			p0.Handle("/", p.Handler())

			pay := create(t, p, "page-1", payment.CaptureAutomatic)
			if !tc.hosted {
				pay, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: paymenttest.Challenge()})
				require.NoError(t, err)
			}
			require.Equal(t, payment.StatusRequiresAction, pay.Status)
			require.True(t, strings.HasPrefix(pay.NextAction.URL, srvURL+"/"+tc.kind+"?"))

			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := client.Get(pay.NextAction.URL)
			require.NoError(t, err)
			page, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode)
			m := regexp.MustCompile(`id="pass" href="([^"]+)"`).FindSubmatch(page)
			require.NotNil(t, m, "pass link in %s", page)
			res, err = client.Get(srvURL + html.UnescapeString(string(m[1])))
			require.NoError(t, err)
			_ = res.Body.Close()
			require.Equal(t, http.StatusSeeOther, res.StatusCode)
			back, err := url.Parse(res.Header.Get("Location"))
			require.NoError(t, err)
			assert.Equal(t, "shop.example", back.Host)
			assert.Equal(t, string(pay.Ref), back.Query().Get("ref"))

			ret, err := payment.ReturnFromRequest(httptest.NewRequest(http.MethodGet, back.String(), nil))
			require.NoError(t, err)
			got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Return: ret})
			require.NoError(t, err)
			assert.Equal(t, payment.StatusCaptured, got.Status)

			// The page is gone once used.
			res, err = client.Get(pay.NextAction.URL)
			require.NoError(t, err)
			_ = res.Body.Close()
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
		})
	}
}
