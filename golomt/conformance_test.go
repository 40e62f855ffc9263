package golomt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/conformance"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, newHarness)
}

// conformanceOrderID is "CT" plus 13 random hex digits: 15 alphanumerics,
// the bank's documented maximum.
func conformanceOrderID() string {
	var b [7]byte
	_, _ = rand.Read(b[:])
	return "CT" + strings.ToUpper(hex.EncodeToString(b[:]))[:13]
}

func newHarness(t *testing.T) *conformance.Harness {
	clock := golomttest.NewClock(time.Now().UTC().Truncate(time.Second))
	// The bank leaves errorCode null on an invoice nobody paid; expiry is
	// then decided by the adapter's clock (see Config.InvoiceLifetime).
	sim := golomttest.NewServer(golomttest.WithClock(clock), golomttest.WithExpiredResult("", ""))
	t.Cleanup(sim.Close)
	logger, logs := conformance.NewLogger()
	p, err := golomt.New(golomt.Config{
		BearerToken: payment.NewSecret(sim.BearerToken()),
		ChecksumKey: payment.NewSecret(sim.Secret()),
		MerchantID:  sim.MerchantID(),
	}, provider.WithBaseURL(sim.URL()), provider.WithClock(clock), provider.WithLogger(logger),
		provider.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ledger := func(orderID string) conformance.LedgerEntry {
		e, ok := sim.Ledger(orderID)
		if !ok {
			return conformance.LedgerEntry{}
		}
		out := conformance.LedgerEntry{Charges: e.Charges, Refunds: e.Refunds}
		if e.Charges > 0 {
			if m, err := payment.ParseMoney(e.Amount, "MNT"); err == nil {
				out.Charged = m
			}
		}
		return out
	}
	notify := func(_ context.Context, orderID string) (*http.Request, error) {
		return sim.NextNotification(orderID)
	}
	return &conformance.Harness{
		Provider:      p,
		Currency:      payment.MNT,
		NewOrderID:    conformanceOrderID,
		MaxOrderIDLen: golomt.MaxTransactionIDLen,
		DeclineCode:   golomttest.CodeCardExpired,
		Customer: func(ctx context.Context, pay *payment.Payment, o conformance.Outcome) (*payment.RedirectReturn, error) {
			card := golomttest.CardApproved
			switch o {
			case conformance.Abandon:
				return nil, nil
			case conformance.Decline:
				card = golomttest.CardExpired
			}
			r, err := sim.PayInvoice(ctx, pay.NextAction.URL, card)
			if err != nil {
				return nil, err
			}
			return payment.ReturnFromRequest(r)
		},
		Expire: func(context.Context, *payment.Payment) error {
			clock.Advance(golomt.DefaultInvoiceLifetime + golomt.DefaultExpiryGrace + time.Second)
			return nil
		},
		Requests: sim.Requests,
		InjectFault: func(op string, f conformance.Fault) bool {
			var api string
			switch op {
			case conformance.OpCreate:
				api = golomttest.APIInvoice
			case conformance.OpConfirm, conformance.OpInquire:
				api = golomttest.APIInquiry
			default:
				return false
			}
			var sf golomttest.Fault
			switch f {
			case conformance.FaultDropAfterProcess:
				sf.Kind = golomttest.FaultDropAfterProcess
			case conformance.FaultTimeout:
				sf = golomttest.Fault{Kind: golomttest.FaultDelay, Delay: time.Minute}
			case conformance.FaultServerError:
				sf.Kind = golomttest.FaultServerError
			case conformance.FaultGatewayUnknown:
				sf.Kind = golomttest.FaultGatewayUnknown
			case conformance.FaultHTML:
				sf.Kind = golomttest.FaultHTML
			default:
				return false
			}
			sim.InjectFault(api, sf)
			return true
		},
		Ledger: ledger,
		Notify: notify,
		ForgeNotification: func(ctx context.Context, orderID string, f conformance.Forgery) (*http.Request, error) {
			r, err := sim.NextNotification(orderID)
			if err != nil {
				return nil, err
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, err
			}
			switch f {
			case conformance.ForgeSignature:
				m["checksum"] = golomt.Checksum(payment.NewSecret("forger-key"), str(m["transactionId"]), str(m["errorCode"]), str(m["amount"]), str(m["token"]))
			case conformance.ForgeAmount:
				m["amount"] = "1.00"
			case conformance.ForgeStatus:
				m["errorCode"] = golomt.CodeApproved
				m["errorDesc"] = "Амжилттай"
			case conformance.ForgeOrderID:
				m["transactionId"] = conformanceOrderID()
			case conformance.ForgeMalformed:
				body = body[:len(body)/2]
			}
			if f != conformance.ForgeMalformed {
				if body, err = json.Marshal(m); err != nil {
					return nil, err
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			return r, nil
		},
		Secrets: []string{sim.BearerToken(), sim.Secret(), golomttest.CardApproved.Number, golomttest.CardExpired.Number},
		Logs:    logs,
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
