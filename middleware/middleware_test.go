package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const (
	secretToken = "tok_SECRET_4111111111111111"
	secretPass  = "shop-pass-SECRET"
	secretMsg   = "card 4111111111111111 rejected"
)

type ctxKey struct{}

// fake is a provider whose calls return canned results. It records the
// context value under ctxKey seen by each call.
type fake struct {
	mu      sync.Mutex
	seen    []any
	err     error // returned by every call when set
	payment *payment.Payment
}

func (f *fake) Name() string { return "fake" }
func (f *fake) Capabilities() payment.Capabilities {
	return payment.Capabilities{Refund: true, Currencies: []payment.Currency{payment.JPY}}
}

func (f *fake) result(ctx context.Context, orderID string, ref payment.PaymentRef) (*payment.Payment, error) {
	f.mu.Lock()
	f.seen = append(f.seen, ctx.Value(ctxKey{}))
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if f.payment != nil {
		return f.payment, nil
	}
	if ref == "" {
		ref = payment.PaymentRef("fake:" + orderID)
	}
	if orderID == "" {
		orderID = strings.TrimPrefix(string(ref), "fake:")
	}
	return &payment.Payment{Provider: "fake", OrderID: orderID, Ref: ref, Status: payment.StatusCaptured,
		Amount: payment.MustParseMoney("1500", "JPY"), CardToken: payment.NewSecret(secretToken)}, nil
}

func (f *fake) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	return f.result(ctx, req.OrderID, "")
}
func (f *fake) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	return f.result(ctx, "", req.Ref)
}
func (f *fake) Capture(ctx context.Context, req payment.CaptureRequest) (*payment.Payment, error) {
	return f.result(ctx, "", req.Ref)
}
func (f *fake) Refund(ctx context.Context, req payment.RefundRequest) (*payment.Payment, error) {
	return f.result(ctx, "", req.Ref)
}
func (f *fake) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	p, err := f.result(ctx, "", "fake:o9")
	if err != nil {
		return nil, err
	}
	return &payment.Notification{Provider: "fake", Kind: payment.NotificationPayment, OrderID: p.OrderID, Ref: p.Ref,
		Status: p.Status, Payment: p, Verified: true}, nil
}

type fakeVoider struct{ *fake }

func (f fakeVoider) Void(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return f.result(ctx, "", ref)
}

type fakeInquirer struct{ *fake }

func (f fakeInquirer) Inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return f.result(ctx, "", ref)
}

type fakeBoth struct{ *fake }

func (f fakeBoth) Void(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return f.result(ctx, "", ref)
}
func (f fakeBoth) Inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return f.result(ctx, "", ref)
}

type unwrapper interface{ Unwrap() payment.Provider }

func TestOptionalInterfaces(t *testing.T) {
	f := &fake{}
	wrappers := map[string]func(payment.Provider) payment.Provider{
		"Log":     func(p payment.Provider) payment.Provider { return middleware.Log(p, zap.NewNop()) },
		"Observe": func(p payment.Provider) payment.Provider { return middleware.Observe(p, &countingObserver{}) },
		"Log+Observe": func(p payment.Provider) payment.Provider {
			return middleware.Observe(middleware.Log(p, zap.NewNop()), &countingObserver{})
		},
	}
	tests := []struct {
		name         string
		p            payment.Provider
		void, inquir bool
	}{
		{"plain", f, false, false},
		{"voider", fakeVoider{f}, true, false},
		{"inquirer", fakeInquirer{f}, false, true},
		{"both", fakeBoth{f}, true, true},
	}
	for wname, w := range wrappers {
		for _, tt := range tests {
			t.Run(wname+"/"+tt.name, func(t *testing.T) {
				got := w(tt.p)
				_, v := got.(payment.Voider)
				_, q := got.(payment.Inquirer)
				assert.Equal(t, tt.void, v, "Voider")
				assert.Equal(t, tt.inquir, q, "Inquirer")
				u, ok := got.(unwrapper)
				require.True(t, ok, "Unwrap")
				inner := u.Unwrap()
				for {
					next, ok := inner.(unwrapper)
					if !ok {
						break
					}
					inner = next.Unwrap()
				}
				assert.Equal(t, tt.p, inner, "Unwrap reaches the provider")
				assert.Equal(t, "fake", got.Name())
				assert.Equal(t, tt.p.Capabilities(), got.Capabilities())
			})
		}
	}
}

func TestNilHooksReturnProvider(t *testing.T) {
	f := &fake{}
	assert.Same(t, f, middleware.Log(f, nil))
	assert.Same(t, f, middleware.Observe(f, nil))
}

// calls runs every operation of p once, with requests full of secrets.
func calls(ctx context.Context, p payment.Provider) map[string]error {
	out := map[string]error{}
	_, out[middleware.OpCreate] = p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o1", Amount: payment.MustParseMoney("1500", "JPY"),
		Description: secretPass, ReturnURL: "https://shop.example/?pass=" + secretPass})
	_, out[middleware.OpConfirm] = p.Confirm(ctx, payment.ConfirmRequest{Ref: "fake:o2", Method: &payment.PaymentMethod{CardToken: payment.NewSecret(secretToken)}})
	_, out[middleware.OpCapture] = p.Capture(ctx, payment.CaptureRequest{Ref: "fake:o3"})
	_, out[middleware.OpRefund] = p.Refund(ctx, payment.RefundRequest{Ref: "fake:o4", Reason: secretPass})
	if v, ok := p.(payment.Voider); ok {
		_, out[middleware.OpVoid] = v.Void(ctx, "fake:o5")
	}
	if q, ok := p.(payment.Inquirer); ok {
		_, out[middleware.OpInquire] = q.Inquire(ctx, "fake:o6")
	}
	req := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader("AccessPass="+secretPass))
	req.Header.Set("Authorization", "Bearer "+secretPass)
	_, out[middleware.OpNotification] = p.HandleNotification(ctx, req)
	return out
}

func TestLog(t *testing.T) {
	ctx := context.Background()
	perOp := map[string][2]string{ // op → order id, ref
		middleware.OpCreate:       {"o1", "fake:o1"},
		middleware.OpConfirm:      {"o2", "fake:o2"},
		middleware.OpCapture:      {"o3", "fake:o3"},
		middleware.OpRefund:       {"o4", "fake:o4"},
		middleware.OpVoid:         {"o5", "fake:o5"},
		middleware.OpInquire:      {"o6", "fake:o6"},
		middleware.OpNotification: {"o9", "fake:o9"},
	}
	tests := []struct {
		name   string
		err    error
		pay    *payment.Payment
		level  zapcore.Level
		fields map[string]any // besides op, provider, order_id, ref, latency
	}{
		{name: "success", level: zapcore.InfoLevel, fields: map[string]any{"status": "captured"}},
		{name: "declined", err: &payment.Error{Provider: "fake", Kind: payment.ErrDeclined, GatewayCode: "42G020000", Message: secretMsg},
			level: zapcore.WarnLevel, fields: map[string]any{"error_kind": "declined", "gateway_code": "42G020000"}},
		{name: "declined behind a router", err: &payment.Error{Provider: "gmo", Kind: payment.ErrDeclined, GatewayCode: "42G020000"},
			level: zapcore.WarnLevel, fields: map[string]any{"error_kind": "declined", "gateway_code": "42G020000", "gateway": "gmo"}},
		{name: "invalid", err: payment.InvalidRequest("fake", "x", "OrderID", secretMsg),
			level: zapcore.WarnLevel, fields: map[string]any{"error_kind": "invalid_request", "field": "OrderID"}},
		{name: "outcome unknown", err: &payment.Error{Kind: payment.ErrOutcomeUnknown, Err: errors.New(secretMsg)},
			level: zapcore.ErrorLevel, fields: map[string]any{"error_kind": "outcome_unknown"}},
		{name: "plain error", err: errors.New(secretMsg), level: zapcore.WarnLevel, fields: map[string]any{"error_kind": "other"}},
		{name: "context error", err: context.DeadlineExceeded, level: zapcore.WarnLevel, fields: map[string]any{"error_kind": "other"}},
		{name: "unknown status", pay: &payment.Payment{Provider: "gmo", OrderID: "oX", Ref: "r:oX", Status: payment.StatusUnknown, GatewayCode: "E90000000", CardToken: payment.NewSecret(secretToken)},
			level: zapcore.ErrorLevel, fields: map[string]any{"status": "unknown", "gateway": "gmo", "gateway_code": "E90000000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			var buf strings.Builder
			var mu sync.Mutex
			jsonCore := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewDevelopmentEncoderConfig()),
				zapcore.AddSync(writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(b) })), zapcore.DebugLevel)
			f := &fake{err: tt.err, payment: tt.pay}
			p := middleware.Log(fakeBoth{f}, zap.New(zapcore.NewTee(core, jsonCore)))
			errs := calls(ctx, p)
			for op, err := range errs {
				sameErr(t, tt.err, err, op+": error passes through unchanged")
			}
			entries := logs.All()
			require.Len(t, entries, len(perOp), "one entry per call")
			for _, e := range entries {
				assert.Equal(t, middleware.LogMessage, e.Message)
				assert.Equal(t, tt.level, e.Level)
				m := e.ContextMap()
				op, _ := m["op"].(string)
				ids, ok := perOp[op]
				require.True(t, ok, "op %q", op)
				want := map[string]any{"op": op, "provider": "fake", "latency": m["latency"]}
				if tt.err == nil {
					want["order_id"], want["ref"] = ids[0], ids[1]
					if tt.pay != nil {
						want["order_id"], want["ref"] = tt.pay.OrderID, string(tt.pay.Ref)
					}
				} else if op == middleware.OpCreate {
					want["order_id"] = "o1"
				} else if op != middleware.OpNotification {
					want["ref"] = ids[1]
				}
				if tt.pay != nil && op != middleware.OpCreate && op != middleware.OpNotification {
					want["ref"] = ids[1] // the request's ref wins
				}
				if tt.pay != nil && op == middleware.OpCreate {
					want["order_id"] = "o1"
				}
				if op == middleware.OpNotification && tt.err == nil {
					want["notification_kind"] = "payment"
				}
				for k, v := range tt.fields {
					want[k] = v
				}
				assert.Equal(t, want, m, "fields of %s", op)
				assert.IsType(t, time.Duration(0), m["latency"], "latency is a duration")
			}
			mu.Lock()
			out := buf.String()
			mu.Unlock()
			require.NotEmpty(t, out)
			for _, s := range []string{secretToken, secretPass, secretMsg, "4111", "Bearer", "AccessPass", "REDACTED"} {
				assert.NotContains(t, out, s, "logs must not contain %q", s)
			}
		})
	}
}

// sameErr checks got is want itself (not an equal copy), or both nil.
func sameErr(t *testing.T, want, got error, msg string) {
	t.Helper()
	if want == nil {
		assert.NoError(t, got, msg)
		return
	}
	assert.True(t, got == want, "%s: got %v, want %v", msg, got, want)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// countingObserver records every Start and every Result, and puts a value
// in the context to prove the call runs with the returned context.
type countingObserver struct {
	mu      sync.Mutex
	started []string
	results []middleware.Result
}

func (o *countingObserver) Start(ctx context.Context, op, provider string) (context.Context, func(middleware.Result)) {
	o.mu.Lock()
	o.started = append(o.started, op+"/"+provider)
	o.mu.Unlock()
	once := false
	return context.WithValue(ctx, ctxKey{}, "span-"+op), func(r middleware.Result) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if once {
			panic("done called twice")
		}
		once = true
		o.results = append(o.results, r)
	}
}

func TestObserve(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		err     error
		outcome string
	}{
		{"success", nil, "ok"},
		{"declined", &payment.Error{Kind: payment.ErrDeclined}, "declined"},
		{"unknown", &payment.Error{Kind: payment.ErrOutcomeUnknown}, "outcome_unknown"},
		{"unavailable", &payment.Error{Kind: payment.ErrUnavailable}, "unavailable"},
		{"other", errors.New("x"), "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{err: tt.err}
			o := &countingObserver{}
			p := middleware.Observe(fakeBoth{f}, o)
			errs := calls(ctx, p)
			ops := []string{middleware.OpCreate, middleware.OpConfirm, middleware.OpCapture, middleware.OpRefund,
				middleware.OpVoid, middleware.OpInquire, middleware.OpNotification}
			require.Len(t, o.results, len(ops))
			assert.Len(t, o.started, len(ops))
			assert.Len(t, errs, len(ops))
			for i, r := range o.results {
				assert.Equal(t, ops[i], r.Op)
				assert.Equal(t, ops[i]+"/fake", o.started[i])
				assert.Equal(t, "fake", r.Provider)
				sameErr(t, tt.err, r.Err, "Result.Err")
				assert.Equal(t, tt.outcome, r.Outcome())
				assert.Equal(t, payment.KindOf(tt.err), r.Kind())
				assert.GreaterOrEqual(t, int64(r.Duration), int64(0))
				assert.Equal(t, "span-"+ops[i], f.seen[i], "the call runs with the observer's context")
				if tt.err == nil {
					require.NotNil(t, r.Payment)
					assert.Equal(t, payment.StatusCaptured, r.Payment.Status)
					assert.NotEmpty(t, r.OrderID)
					assert.NotEmpty(t, r.Ref)
				} else {
					assert.Nil(t, r.Payment)
				}
				if ops[i] == middleware.OpNotification && tt.err == nil {
					assert.NotNil(t, r.Notification)
				}
			}
			assert.Equal(t, "o1", o.results[0].OrderID, "create reports the request's order id")
			assert.Equal(t, payment.PaymentRef("fake:o3"), o.results[2].Ref, "capture reports the request's ref")
		})
	}
}

func TestObserverFuncNilContext(t *testing.T) {
	f := &fake{}
	var got []middleware.Result
	p := middleware.Observe(f, middleware.ObserverFunc(func(ctx context.Context, op, provider string) (context.Context, func(middleware.Result)) {
		return nil, func(r middleware.Result) { got = append(got, r) }
	}))
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
	pay, err := p.Capture(ctx, payment.CaptureRequest{Ref: "fake:o1"})
	require.NoError(t, err)
	assert.Equal(t, "o1", pay.OrderID)
	assert.Equal(t, []any{"caller"}, f.seen, "nil context from Start keeps the caller's")
	require.Len(t, got, 1)
	assert.Equal(t, middleware.OpCapture, got[0].Op)

	// A nil done function is allowed.
	p = middleware.Observe(f, middleware.ObserverFunc(func(ctx context.Context, op, provider string) (context.Context, func(middleware.Result)) {
		return ctx, nil
	}))
	_, err = p.Refund(ctx, payment.RefundRequest{Ref: "fake:o1"})
	assert.NoError(t, err)
}

func TestResultsPassThrough(t *testing.T) {
	want := &payment.Payment{Provider: "fake", OrderID: "o1", Ref: "fake:o1", Status: payment.StatusAuthorized}
	f := &fake{payment: want}
	p := middleware.Observe(middleware.Log(fakeBoth{f}, zap.NewNop()), &countingObserver{})
	got, err := p.Confirm(context.Background(), payment.ConfirmRequest{Ref: "fake:o1"})
	require.NoError(t, err)
	assert.Same(t, want, got)
	got, err = p.(payment.Inquirer).Inquire(context.Background(), "fake:o1")
	require.NoError(t, err)
	assert.Same(t, want, got)
}

func TestConcurrent(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	o := &countingObserver{}
	p := middleware.Observe(middleware.Log(fakeBoth{&fake{}}, zap.New(core)), o)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.Capture(context.Background(), payment.CaptureRequest{Ref: payment.PaymentRef(fmt.Sprintf("fake:o%d", i))})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 20, logs.Len())
	assert.Len(t, o.results, 20)
}

func TestLogLevels(t *testing.T) {
	tests := []struct {
		name    string
		enabled zapcore.Level
		err     error
		entries int
	}{
		{"success at info", zapcore.InfoLevel, nil, 1},
		{"success below warn", zapcore.WarnLevel, nil, 0},
		{"decline at warn", zapcore.WarnLevel, &payment.Error{Kind: payment.ErrDeclined}, 1},
		{"decline below error", zapcore.ErrorLevel, &payment.Error{Kind: payment.ErrDeclined}, 0},
		{"unknown at error", zapcore.ErrorLevel, &payment.Error{Kind: payment.ErrOutcomeUnknown}, 1},
		{"unknown with logging off", zapcore.FatalLevel, &payment.Error{Kind: payment.ErrOutcomeUnknown}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(tt.enabled)
			f := &fake{err: tt.err}
			p := middleware.Log(f, zap.New(core))
			_, err := p.Capture(context.Background(), payment.CaptureRequest{Ref: "fake:o1"})
			sameErr(t, tt.err, err, "Capture")
			assert.Len(t, f.seen, 1, "the call is made")
			assert.Equal(t, tt.entries, logs.Len())
		})
	}
}
