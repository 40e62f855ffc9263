package provider_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
	"go.uber.org/zap"
)

func ExampleNewHTTPClient() {
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("gateway got %s %s %s\n", r.Method, r.URL.Path, body)
		_, _ = io.WriteString(w, "AccessID=a1&AccessPass=p1")
	}))
	defer gateway.Close()

	o := provider.Apply(provider.WithBaseURL(gateway.URL), provider.WithTimeout(30*time.Second))
	client := provider.NewHTTPClient("gmo", o)

	resp, err := client.Do(context.Background(), &provider.Request{
		Op:         "create",
		URL:        o.BaseURL + "/payment/EntryTran.idPass",
		Header:     http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:       []byte("OrderID=order-1&Amount=1000"),
		Idempotent: true, // EntryTran registers the order; it moves no money
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, string(resp.Body))
	// Output:
	// gateway got POST /payment/EntryTran.idPass OrderID=order-1&Amount=1000
	// 200 AccessID=a1&AccessPass=p1
}

// A money-moving call whose outcome is unknown must be resolved by inquiry,
// never resent.
func ExampleClient_Do_outcomeUnknown() {
	client := provider.NewHTTPClient("gmo", provider.Apply())
	_, err := client.Do(context.Background(), &provider.Request{
		Op:   "confirm",
		URL:  "https://pt01.mul-pay.jp/payment/ExecTran.idPass",
		Body: []byte("AccessID=...&AccessPass=...&Token=..."),
	})
	var pe *payment.Error
	switch {
	case err == nil:
		// Classify the response body.
	case errors.Is(err, payment.ErrOutcomeUnknown):
		// Inquire (SearchTrade) before doing anything else.
	case errors.As(err, &pe) && pe.RetrySafe:
		// Never reached the gateway: safe to try again later.
	}
}

func ExampleMaskPAN() {
	fmt.Println(provider.MaskPAN("4111 1111 1111 1111"))
	fmt.Println(provider.MaskPAN("6250-9460-0000-0016-003"))
	// Output:
	// 411111******1111
	// 625094*********6003
}

func ExampleSecret() {
	type Config struct {
		ShopID   string
		ShopPass provider.Secret
	}
	c := Config{ShopID: "tshop00000001", ShopPass: provider.NewSecret("p4ssw0rd")}
	fmt.Printf("%+v\n", c)
	fmt.Printf("%s %q %x\n", c.ShopPass, c.ShopPass, c.ShopPass)
	fmt.Println(len(c.ShopPass.Reveal()))
	// Output:
	// {ShopID:tshop00000001 ShopPass:[REDACTED]}
	// [REDACTED] [REDACTED] [REDACTED]
	// 8
}

func ExampleErrorf() {
	err := provider.Errorf("gmo", "capture", payment.ErrDeclined, "card declined")
	err.GatewayCodes = []string{"G02", "42G020000"}
	fmt.Println(err)
	fmt.Println(errors.Is(err, payment.ErrDeclined))
	// Output:
	// payment: gmo: capture: declined (G02,42G020000): card declined
	// true
}

func ExampleLogger() {
	o := provider.Apply(provider.WithLogger(zap.NewExample()))
	log := provider.Logger(o, "gmo")
	log.Info("configured", zap.String("shop_id", "tshop00000001"),
		provider.SecretField("shop_pass", payment.NewSecret("p4ssw0rd")))
	// Output:
	// {"level":"info","logger":"gmo","msg":"configured","shop_id":"tshop00000001","shop_pass":"[REDACTED]"}
}
