package payment_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kessai/payment"
)

// rxGateway stands in for gmo.New(...) or golomt.New(...) in the examples.
// Its refs look like the GMO adapter's: "<name>:<order>:<access id>".
type rxGateway struct {
	name string
	cur  payment.Currency
}

func (g rxGateway) Name() string { return g.name }
func (g rxGateway) Capabilities() payment.Capabilities {
	return payment.Capabilities{Notifications: true, Currencies: []payment.Currency{g.cur}}
}
func (g rxGateway) CreatePayment(ctx context.Context, req payment.CreatePaymentRequest) (*payment.Payment, error) {
	return &payment.Payment{Provider: g.name, OrderID: req.OrderID, Ref: payment.PaymentRef(g.name + ":" + req.OrderID + ":A1"),
		Status: payment.StatusPending, Amount: req.Amount}, nil
}
func (g rxGateway) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	return nil, payment.Unsupported(g.name, "confirm", "example")
}
func (g rxGateway) Capture(ctx context.Context, req payment.CaptureRequest) (*payment.Payment, error) {
	return nil, payment.Unsupported(g.name, "capture", "example")
}
func (g rxGateway) Refund(ctx context.Context, req payment.RefundRequest) (*payment.Payment, error) {
	return nil, payment.Unsupported(g.name, "refund", "example")
}

// HandleNotification pretends to verify a GMO-style form (a real adapter
// confirms it with an inquiry) and asks for GMO's "0" / "1" replies.
func (g rxGateway) HandleNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("OrderID") == "" {
		return nil, payment.InvalidRequest(g.name, "notification", "OrderID", "missing")
	}
	order := r.PostForm.Get("OrderID")
	ref := payment.PaymentRef(g.name + ":" + order + ":A1")
	return &payment.Notification{
		Provider: g.name, Kind: payment.NotificationPayment, OrderID: order, Ref: ref, Status: payment.StatusCaptured,
		Payment:  &payment.Payment{Provider: g.name, OrderID: order, Ref: ref, Status: payment.StatusCaptured},
		Verified: true,
		Ack:      payment.Reply{StatusCode: http.StatusOK, ContentType: "text/plain", Body: "0"},
		Retry:    payment.Reply{StatusCode: http.StatusOK, ContentType: "text/plain", Body: "1"},
	}, nil
}

func ExampleNewRouter() {
	router, err := payment.NewRouter(payment.RouterConfig{
		Providers: map[string]payment.Provider{
			"gmo":    rxGateway{"gmo", payment.JPY},
			"golomt": rxGateway{"golomt", payment.MNT},
		},
		Rules: []payment.Rule{
			{Provider: "gmo", Currencies: []payment.Currency{payment.JPY}, Countries: []string{"JP"}},
			{Provider: "golomt", Currencies: []payment.Currency{payment.MNT}},
		},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, req := range []payment.CreatePaymentRequest{
		{OrderID: "order-1", Amount: payment.MustParseMoney("1500", "JPY"), Country: "JP"},
		{OrderID: "order-2", Amount: payment.MustParseMoney("25000.50", "MNT")},
	} {
		p, err := router.CreatePayment(ctx, req)
		if err != nil {
			panic(err)
		}
		route, inner, _ := router.SplitRef(p.Ref)
		fmt.Println(p.Ref, "→", route, inner)
	}

	// No rule takes JPY from outside Japan.
	_, err = router.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID: "order-3", Amount: payment.MustParseMoney("1500", "JPY"), Country: "US"})
	fmt.Println(errors.Is(err, payment.ErrInvalidRequest))

	// Later calls go where the ref says; a ref of no route is refused.
	_, err = router.Confirm(ctx, payment.ConfirmRequest{Ref: "stripe:ch_1"})
	fmt.Println(errors.Is(err, payment.ErrInvalidRequest))
	// Output:
	// gmo:gmo:order-1:A1 → gmo gmo:order-1:A1
	// golomt:golomt:order-2:A1 → golomt golomt:order-2:A1
	// true
	// true
}

func ExampleNotificationHandler() {
	router, _ := payment.NewRouter(payment.RouterConfig{Providers: map[string]payment.Provider{
		"gmo":    rxGateway{"gmo", payment.JPY},
		"golomt": rxGateway{"golomt", payment.MNT},
	}})
	handle := func(ctx context.Context, n *payment.Notification) error {
		// Record n.Payment idempotently (keyed by n.ID or n.Ref); return an
		// error to have the gateway resend.
		fmt.Println("app:", n.Provider, n.Ref, n.Status)
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("POST /notify/{provider}", payment.NotificationHandler(router, handle))

	for _, path := range []string{"/notify/gmo", "/notify/paypal"} {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("OrderID=order-1&Status=CAPTURE"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		fmt.Printf("%s: %d %q\n", path, w.Code, w.Body.String())
	}
	// Output:
	// app: gmo gmo:gmo:order-1:A1 captured
	// /notify/gmo: 200 "0"
	// /notify/paypal: 400 "Bad Request\n"
}

func ExampleRouter_NotificationHandlers() {
	router, _ := payment.NewRouter(payment.RouterConfig{Providers: map[string]payment.Provider{
		"gmo":    rxGateway{"gmo", payment.JPY},
		"golomt": rxGateway{"golomt", payment.MNT},
	}})
	handle := func(ctx context.Context, n *payment.Notification) error { return nil }

	mux := http.NewServeMux()
	for name, h := range router.NotificationHandlers(handle, payment.WithMaxNotificationBody(16<<10)) {
		mux.Handle("POST /webhooks/"+name, h) // the URL you register with each gateway
	}
	fmt.Println(router.Routes())
	// Output:
	// [gmo golomt]
}

func ExampleRouter_Capabilities() {
	router, _ := payment.NewRouter(payment.RouterConfig{Providers: map[string]payment.Provider{
		"gmo":    rxGateway{"gmo", payment.JPY},
		"golomt": rxGateway{"golomt", payment.MNT},
	}})
	fmt.Println(router.Capabilities().Currencies)
	for _, name := range router.Routes() {
		fmt.Println(name, router.ProviderCapabilities()[name].Currencies)
	}
	// Output:
	// [JPY MNT]
	// gmo [JPY]
	// golomt [MNT]
}
