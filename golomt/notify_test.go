package golomt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
)

func pushRequest(body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://shop.example/golomt/notify", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// paidPush returns a paid invoice and the bank's push body for it.
func paidPush(t *testing.T, f *fixture, card golomttest.Card) (*payment.Payment, []byte) {
	t.Helper()
	created := f.create(t, "1500")
	f.pay(t, created, card)
	req, err := f.sim.NextNotification(created.OrderID)
	require.NoError(t, err)
	return created, readAll(t, req.Body)
}

// edit changes one field of a JSON body, keeping the checksum.
func edit(t *testing.T, body []byte, key string, val any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	if val == nil {
		delete(m, key)
	} else {
		m[key] = val
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func TestNotificationPaid(t *testing.T) {
	f := newFixture(t, nil)
	created, body := paidPush(t, f, golomttest.CardApproved)
	n, err := f.p.HandleNotification(context.Background(), pushRequest(body))
	require.NoError(t, err)
	assert.True(t, n.Verified)
	assert.Equal(t, payment.NotificationPayment, n.Kind)
	assert.Equal(t, payment.StatusCaptured, n.Status)
	assert.Equal(t, created.OrderID, n.OrderID)
	require.NotNil(t, n.Payment)
	assert.True(t, n.Payment.Amount.Equal(created.Amount))
	assert.True(t, n.Payment.Captured.Equal(created.Amount))
	assert.Equal(t, http.StatusOK, n.Ack.StatusCode)
	assert.Equal(t, "OK", n.Ack.Body)
	assert.Equal(t, http.StatusInternalServerError, n.Retry.StatusCode)

	// The notification payment's reduced ref works for Inquire.
	assert.Empty(t, n.Ref, "a push cannot rebuild the full ref")
	p, err := f.p.Inquire(context.Background(), n.Payment.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, p.Status)
}

func TestNotificationDeclined(t *testing.T) {
	f := newFixture(t, nil)
	_, body := paidPush(t, f, golomttest.CardExpired)
	n, err := f.p.HandleNotification(context.Background(), pushRequest(body))
	require.NoError(t, err)
	assert.True(t, n.Verified)
	assert.Equal(t, payment.StatusFailed, n.Status)
	assert.Equal(t, "300", n.Payment.GatewayCode)
}

// TestNotificationReplay: the same push delivered again is harmless: the
// same event id, the verified current state, no money moved.
func TestNotificationReplay(t *testing.T) {
	f := newFixture(t, nil)
	created, body := paidPush(t, f, golomttest.CardApproved)
	first, err := f.p.HandleNotification(context.Background(), pushRequest(body))
	require.NoError(t, err)
	for range 3 {
		again, err := f.p.HandleNotification(context.Background(), pushRequest(body))
		require.NoError(t, err)
		assert.Equal(t, first.ID, again.ID)
		assert.Equal(t, first.Status, again.Status)
		assert.Equal(t, first.Ref, again.Ref)
	}
	e, _ := f.sim.Ledger(created.OrderID)
	assert.Equal(t, 1, e.Charges)
}

// TestNotificationReplayOfOldFailure: a genuine failure push replayed for
// another order (or changed to name it) proves nothing about that order.
func TestNotificationForgeries(t *testing.T) {
	f := newFixture(t, nil)
	_, paid := paidPush(t, f, golomttest.CardApproved)
	other, declined := paidPush(t, f, golomttest.CardExpired)
	var m map[string]string
	require.NoError(t, json.Unmarshal(paid, &m))

	forgedSig := edit(t, paid, "checksum", golomt.Checksum(payment.NewSecret("not-the-key"), m["transactionId"], m["errorCode"], m["amount"], m["token"]))
	tests := []struct {
		name string
		body []byte
		kind error
	}{
		{"forged checksum (other key)", forgedSig, payment.ErrInvalidSignature},
		{"tampered amount", edit(t, paid, "amount", "1.00"), payment.ErrInvalidSignature},
		{"tampered amount, same money", edit(t, paid, "amount", "1500"), payment.ErrInvalidSignature},
		{"failure made a success", edit(t, declined, "errorCode", "000"), payment.ErrInvalidSignature},
		{"null code made a success", edit(t, declined, "errorCode", nil), payment.ErrInvalidSignature},
		{"other order id", edit(t, paid, "transactionId", other.OrderID), payment.ErrInvalidSignature},
		{"token added", edit(t, declined, "token", strings.Repeat("a", 64)), payment.ErrInvalidSignature},
		{"uppercase hex of another mac", edit(t, paid, "checksum", strings.Repeat("A", 64)), payment.ErrInvalidSignature},
		{"checksum missing", edit(t, paid, "checksum", nil), payment.ErrInvalidRequest},
		{"transactionId missing", edit(t, paid, "transactionId", nil), payment.ErrInvalidRequest},
		{"amount as a number", edit(t, paid, "amount", 1500), payment.ErrInvalidRequest},
		{"errorCode as an object", edit(t, paid, "errorCode", map[string]string{"a": "b"}), payment.ErrInvalidRequest},
		{"truncated JSON", paid[:len(paid)/2], payment.ErrInvalidRequest},
		{"array", []byte(`[` + string(paid) + `]`), payment.ErrInvalidRequest},
		{"trailing data", append(append([]byte{}, paid...), []byte(` {}`)...), payment.ErrInvalidRequest},
		{"empty", nil, payment.ErrInvalidRequest},
		{"form encoded", []byte("transactionId=x&checksum=y"), payment.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := f.sim.Requests()
			got, err := f.p.HandleNotification(context.Background(), pushRequest(tt.body))
			assert.Nil(t, got)
			assert.ErrorIs(t, err, tt.kind)
			assert.Equal(t, n, f.sim.Requests(), "refused before any inquiry")
		})
	}
}

func TestNotificationLimits(t *testing.T) {
	f := newFixture(t, nil)
	t.Run("declared too large: not read", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/notify", &failingReader{})
		r.ContentLength = golomt.MaxNotificationBody + 1
		_, err := f.p.HandleNotification(context.Background(), r)
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		var mb *http.MaxBytesError
		assert.ErrorAs(t, err, &mb)
	})
	t.Run("chunked too large: read only up to the limit", func(t *testing.T) {
		src := &countingReader{r: io.LimitReader(zeroes{}, 10<<20)}
		r := httptest.NewRequest(http.MethodPost, "/notify", src)
		r.ContentLength = -1
		_, err := f.p.HandleNotification(context.Background(), r)
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		assert.LessOrEqual(t, src.n, int64(golomt.MaxNotificationBody+64<<10))
	})
	t.Run("GET", func(t *testing.T) {
		_, err := f.p.HandleNotification(context.Background(), httptest.NewRequest(http.MethodGet, "/notify", nil))
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	})
}

type failingReader struct{}

func (*failingReader) Read([]byte) (int, error) { panic("body must not be read") }

type zeroes struct{}

func (zeroes) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestNotificationDisagreesWithInquiry: a correctly signed push that the
// bank's inquiry does not back is reported unverified (the handler asks for
// a resend), with the inquiry's status.
func TestNotificationDisagreesWithInquiry(t *testing.T) {
	f := newFixture(t, nil)
	created := f.create(t, "1500")
	body, err := json.Marshal(map[string]string{
		"amount": "1500.00", "errorCode": "000", "transactionId": created.OrderID,
		"checksum": f.sim.Sign(created.OrderID, "000", "1500.00"),
	})
	require.NoError(t, err)
	n, err := f.p.HandleNotification(context.Background(), pushRequest(body))
	require.NoError(t, err)
	assert.False(t, n.Verified)
	assert.Equal(t, payment.StatusPending, n.Status, "unpaid, by a reduced ref that cannot point at the page")

	// Through the core handler: not acknowledged, so the bank retries.
	called := false
	h := payment.NotificationHandler(f.p, func(context.Context, *payment.Notification) error { called = true; return nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, pushRequest(body))
	assert.False(t, called)
	assert.NotEqual(t, http.StatusOK, rec.Code)
}

func TestNotificationInquiryFails(t *testing.T) {
	f := newFixture(t, nil)
	_, body := paidPush(t, f, golomttest.CardApproved)
	f.sim.InjectFault(golomttest.APIInquiry, golomttest.Fault{Kind: golomttest.FaultServerError, Times: 10})
	_, err := f.p.HandleNotification(context.Background(), pushRequest(body))
	assert.ErrorIs(t, err, payment.ErrUnavailable)
}

func TestNotificationTrustPush(t *testing.T) {
	f := newFixture(t, func(c *golomt.Config) { c.TrustPush = true })
	_, body := paidPush(t, f, golomttest.CardApproved)
	n0 := f.sim.Requests()
	n, err := f.p.HandleNotification(context.Background(), pushRequest(body))
	require.NoError(t, err)
	assert.True(t, n.Verified)
	assert.Equal(t, payment.StatusCaptured, n.Status)
	assert.Equal(t, n0, f.sim.Requests(), "no inquiry")
}

// TestNotificationHandlerEndToEnd: the simulator delivers its push to
// payment.NotificationHandler over HTTP and gets the Ack.
func TestNotificationHandlerEndToEnd(t *testing.T) {
	got := make(chan *payment.Notification, 4)
	var p payment.Provider
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payment.NotificationHandler(p, func(_ context.Context, n *payment.Notification) error { got <- n; return nil }).ServeHTTP(w, r)
	}))
	defer shop.Close()
	f := newFixture(t, nil, golomttest.WithNotifyURL(shop.URL+"/notify"))
	p = f.p
	created := f.create(t, "1500")
	f.pay(t, created, golomttest.CardApproved)
	require.NoError(t, f.sim.WaitPushes(context.Background()))
	d := f.sim.Deliveries(created.OrderID)
	require.Len(t, d, 1)
	assert.Equal(t, http.StatusOK, d[0].StatusCode)
	n := <-got
	assert.Equal(t, payment.StatusCaptured, n.Status)
}
