package gmo_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/provider"
)

func ExampleNew() {
	p, err := gmo.New(gmo.Config{
		ShopID:       "tshop00000001",
		ShopPass:     payment.NewSecret(os.Getenv(gmo.EnvShopPass)),
		Environment:  gmo.Sandbox,
		TdTenantName: "決済ショップ",
	}, provider.WithTimeout(90*time.Second)) // well above GMO's processing time
	if err != nil {
		log.Fatal(err)
	}
	_ = p
}

// A card payment against the offline simulator: register, pay with a
// token from GMO's token.js (here issued by the simulator), capture later.
func Example_charge() {
	sim := gmotest.NewServer()
	defer sim.Close()
	ctx := context.Background()

	p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
		provider.WithBaseURL(sim.URL()))
	if err != nil {
		log.Fatal(err)
	}
	pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID:   "order-0001",
		Amount:    payment.MustParseMoney("1500", "JPY"),
		Capture:   payment.CaptureManual,
		ReturnURL: "https://shop.example/gmo/return",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pay.Ref[:15], pay.Status)

	token, _ := sim.IssueToken(gmotest.CardApprove, "203012", "123", "TARO YAMADA")
	pay, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(token)}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pay.Status, pay.Amount)

	pay, err = p.Capture(ctx, payment.CaptureRequest{Ref: pay.Ref})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pay.Status, pay.Captured)
	// Output:
	// gmo:order-0001: pending
	// authorized JPY 1500
	// captured JPY 1500
}

// A declined card: the error matches payment.ErrDeclined and keeps GMO's
// code and messages.
func Example_declined() {
	sim := gmotest.NewServer()
	defer sim.Close()
	ctx := context.Background()
	p, _ := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
		provider.WithBaseURL(sim.URL()))
	pay, _ := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "order-0002",
		Amount: payment.MustParseMoney("1500", "JPY"), ReturnURL: "https://shop.example/gmo/return"})
	token, _ := sim.IssueToken(gmotest.CardInsufficientFunds, "203012", "123", "")
	_, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret(token)}})

	var pe *payment.Error
	if errors.Is(err, payment.ErrDeclined) && errors.As(err, &pe) {
		fmt.Println(pe.GatewayCode, pe.Message)
		fmt.Println(pe.MessageJA)
	}
	// Output:
	// 42G020000 insufficient balance
	// カード残高が不足しているために、決済を完了する事が出来ませんでした。
}

func ExampleKind() {
	fmt.Println(gmo.Kind("E01", "E01040010"))
	fmt.Println(gmo.Kind("G02", "42G020000"))
	fmt.Println(gmo.Kind("E91", "E91020001"))
	fmt.Println(gmo.Kind("E92", "E92000001"))
	// Output:
	// duplicate
	// declined
	// outcome unknown
	// rate limited
}

func ExampleRef() {
	ref := gmo.Ref("order-0001", "3618be802c7ac572414274731e50cb6c")
	order, access, err := gmo.ParseRef(ref)
	fmt.Println(ref)
	fmt.Println(order, access, err)
	// Output:
	// gmo:order-0001:3618be802c7ac572414274731e50cb6c
	// order-0001 3618be802c7ac572414274731e50cb6c <nil>
}

func ExampleStatusOf() {
	for _, s := range []string{"UNPROCESSED", "AUTH", "SALES", "RETURNX", "EXPIRED"} {
		fmt.Println(s, gmo.StatusOf(s))
	}
	// Output:
	// UNPROCESSED pending
	// AUTH authorized
	// SALES captured
	// RETURNX refunded
	// EXPIRED expired
}

// The 3-D Secure round trip in a web application (compile-only).
func ExampleProvider_Confirm_threeDSecure() {
	var p *gmo.Provider // from gmo.New
	var ref payment.PaymentRef
	ctx := context.Background()

	// 1. Execute: GMO answers with a redirect for the customer's browser.
	pay, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: ref, ReturnURL: "https://shop.example/gmo/return",
		Method: &payment.PaymentMethod{CardToken: payment.NewSecret("token from token.js")}})
	if err != nil {
		log.Fatal(err)
	}
	if pay.Status == payment.StatusRequiresAction {
		_ = pay.NextAction.URL // redirect (GET) or auto-submitted form (POST with Fields)
	}

	// 2. The browser comes back to ReturnURL: confirm server-side.
	http.HandleFunc("/gmo/return", func(w http.ResponseWriter, r *http.Request) {
		ret, err := payment.ReturnFromRequest(r)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		pay, err := p.Confirm(r.Context(), payment.ConfirmRequest{Ref: ref, Return: ret})
		switch {
		case errors.Is(err, payment.ErrDeclined):
			fmt.Fprintln(w, "card declined")
		case err != nil:
			fmt.Fprintln(w, "please wait, we are checking your payment")
		default:
			fmt.Fprintln(w, "thank you:", pay.Status)
		}
	})
}

// The result notification program (compile-only).
func ExampleProvider_HandleNotification() {
	var p *gmo.Provider // from gmo.New
	http.HandleFunc("/gmo/notify", func(w http.ResponseWriter, r *http.Request) {
		n, err := p.HandleNotification(r.Context(), r)
		switch {
		case err == nil && n.Kind == payment.NotificationPing:
			n.Ack.Write(w)
		case err == nil:
			// Record n.Status for n.OrderID, de-duplicating on n.ID.
			n.Ack.Write(w)
		case errors.Is(err, payment.ErrUnavailable), errors.Is(err, payment.ErrOutcomeUnknown):
			gmo.RetryReply.Write(w) // "1": GMO resends later
		default:
			http.Error(w, "rejected", http.StatusBadRequest)
		}
	})
}

// Stored cards (compile-only).
func ExampleCardStore() {
	var p *gmo.Provider // from gmo.New with SiteID and SitePass
	ctx := context.Background()
	var cs gmo.CardStore = p
	if _, err := cs.SaveMember(ctx, gmo.Member{ID: "member-42", Name: "山田 太郎"}); err != nil && !errors.Is(err, payment.ErrDuplicate) {
		log.Fatal(err)
	}
	card, err := cs.SaveCard(ctx, gmo.SaveCardRequest{MemberID: "member-42", Token: payment.NewSecret("token from token.js"), Default: true})
	if err != nil {
		log.Fatal(err)
	}
	_, _ = p.Confirm(ctx, payment.ConfirmRequest{Ref: "gmo:order-3:…", Method: &payment.PaymentMethod{
		StoredCard: &payment.StoredCard{CustomerID: "member-42", CardID: card.Seq}}})
}

// A konbini payment against the simulator: the customer gets a voucher,
// pays at the store later, and the shop learns it from Inquire (or the
// result notification).
func Example_konbini() {
	clock := gmotest.NewManualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC))
	sim := gmotest.NewServer(gmotest.WithClock(clock))
	defer sim.Close()
	p, err := gmo.New(gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)},
		provider.WithBaseURL(sim.URL()), provider.WithClock(clock))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{
		OrderID: "konbini-1", Amount: payment.MustParseMoney("1500", "JPY"), MethodType: payment.MethodKonbini})
	if err != nil {
		log.Fatal(err)
	}
	pay, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{Konbini: &payment.Konbini{
		Chain: gmo.ChainLawson, CustomerName: "山田 太郎", CustomerKana: "ﾔﾏﾀﾞ ﾀﾛｳ", Phone: "090-1234-5678", DeadlineDays: 3,
		ContactName: "けっさい商店", ContactPhone: "03-1234-5678", ContactHours: "09:00-18:00"}}})
	if err != nil {
		log.Fatal(err)
	}
	v := pay.NextAction.Voucher
	fmt.Println(pay.Status, pay.NextAction.Type, v.Chain, len(v.ConfirmationNumber), len(v.ReceiptNumber))
	fmt.Println("pay by", v.Deadline.Format("2006-01-02 15:04:05 MST"))

	_ = sim.PayVoucher("konbini-1") // the customer pays at the counter
	pay, err = p.Inquire(ctx, pay.Ref)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pay.Status, pay.Captured)
	// Output:
	// pending voucher 10001 6 10
	// pay by 2026-03-13 23:59:59 JST
	// captured JPY 1500
}

// Reconciling pending konbini and Pay-easy payments whose notification
// never came (compile-only).
func ExampleProvider_ReconcilePending() {
	var p *gmo.Provider                  // from gmo.New
	var pendingRefs []payment.PaymentRef // from your database
	for _, r := range p.ReconcilePending(context.Background(), pendingRefs) {
		switch {
		case r.Err != nil:
			log.Printf("%s: %v (try again later)", r.Ref, r.Err)
		case r.Settled:
			log.Printf("%s: now %v", r.Ref, r.Payment.Status) // apply as a notification
		case r.Overdue:
			log.Printf("%s: past its deadline, still pending at GMO", r.Ref)
		}
	}
}
