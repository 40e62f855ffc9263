package golomt_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
)

// Regression tests for the chaos run's finding bugGolomtInvoiceResend:
// CreatePayment must never resend an invoice that may exist, and when it
// may exist without its id reaching us the answer is ErrOutcomeUnknown
// (create again with a new order id), never ErrDuplicate for our own
// invoice nor a retry-safe ErrUnavailable.

// TestInvoiceLostIsOutcomeUnknown injects faults into /api/invoice (and
// into the inquiry the old adapter made) and checks the answer, that the
// invoice was sent once, and that no money moved.
func TestInvoiceLostIsOutcomeUnknown(t *testing.T) {
	tests := []struct {
		name    string
		faults  map[string][]golomttest.Fault
		timeout time.Duration
		created bool // the bank holds the invoice afterwards
	}{
		// (1) The bank is still working on the invoice when the client
		// gives up; it creates it a moment later. The old adapter asked
		// /api/inquiry ("Payment not found."), resent the invoice and got
		// "Transaction id is duplicated.": ErrDuplicate for its own invoice.
		{name: "timeout, the bank creates it later",
			faults:  map[string][]golomttest.Fault{golomttest.APIInvoice: {{Kind: golomttest.FaultDelay, Delay: time.Second}}},
			timeout: 200 * time.Millisecond, created: true},
		// (2) Created, answered 500, and the follow-up inquiry failed too:
		// the old adapter returned a retry-safe ErrUnavailable.
		{name: "500 after creating, inquiry failing",
			faults: map[string][]golomttest.Fault{
				golomttest.APIInvoice: {{Kind: golomttest.FaultServerErrorAfterProcess}},
				golomttest.APIInquiry: {{Kind: golomttest.FaultHTML, Times: 5}},
			}, created: true},
		{name: "500 after creating",
			faults: map[string][]golomttest.Fault{golomttest.APIInvoice: {{Kind: golomttest.FaultServerErrorAfterProcess}}}, created: true},
		{name: "connection cut after creating",
			faults: map[string][]golomttest.Fault{golomttest.APIInvoice: {{Kind: golomttest.FaultDropAfterProcess}}}, created: true},
		{name: "bank's 500 envelope after creating",
			faults: map[string][]golomttest.Fault{golomttest.APIInvoice: {{Kind: golomttest.FaultGatewayUnknown}}}, created: true},
		{name: "503 before creating",
			faults: map[string][]golomttest.Fault{golomttest.APIInvoice: {{Kind: golomttest.FaultServerError, Code: "503"}}}},
		{name: "HTML 200 page",
			faults: map[string][]golomttest.Fault{golomttest.APIInvoice: {{Kind: golomttest.FaultHTML}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if tt.timeout > 0 {
				p, err := golomt.New(golomt.Config{
					BearerToken: payment.NewSecret(f.sim.BearerToken()),
					ChecksumKey: payment.NewSecret(f.sim.Secret()),
					MerchantID:  f.sim.MerchantID(),
				}, provider.WithBaseURL(f.sim.URL()), provider.WithClock(f.clock), provider.WithTimeout(tt.timeout))
				require.NoError(t, err)
				f.p = p
			}
			for api, fs := range tt.faults {
				for _, fault := range fs {
					f.sim.InjectFault(api, fault)
				}
			}
			id := newOrderID()
			n0 := f.sim.Requests()
			got, err := f.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: id,
				Amount: payment.MustParseMoney("1500", "MNT"), ReturnURL: "https://shop.example/r"})
			assert.Nil(t, got)
			require.Error(t, err)
			assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
			assert.Equal(t, payment.ErrOutcomeUnknown, payment.KindOf(err), "exactly one kind")
			assert.NotErrorIs(t, err, payment.ErrDuplicate)
			assert.NotErrorIs(t, err, payment.ErrUnavailable)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.False(t, pe.RetrySafe)
			assert.Contains(t, pe.Message, "new order id")
			assert.Equal(t, n0+1, f.sim.Requests(), "one invoice request, nothing resent")

			if tt.created {
				require.Eventually(t, func() bool { _, ok := f.sim.Ledger(id); return ok }, 5*time.Second, 10*time.Millisecond,
					"the bank created the invoice")
			}
			if l, ok := f.sim.Ledger(id); ok {
				assert.Equal(t, 0, l.Charges, "no money moved")
			}
			// The application starts again with a new order id.
			again := f.create(t, "1500")
			assert.Equal(t, payment.StatusRequiresAction, again.Status)
		})
	}
}

// TestRegisterCardLostIsOutcomeUnknown: /api/confirmation creates an
// invoice too and is handled alike.
func TestRegisterCardLostIsOutcomeUnknown(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.InjectFault(golomttest.APIConfirmation, golomttest.Fault{Kind: golomttest.FaultServerErrorAfterProcess})
	n0 := f.sim.Requests()
	reg, err := f.p.RegisterCard(context.Background(), golomt.CardRegistrationRequest{TransactionID: newOrderID(), ReturnURL: "https://shop.example/cards"})
	assert.Nil(t, reg)
	assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
	assert.NotErrorIs(t, err, payment.ErrUnavailable)
	assert.Contains(t, err.Error(), "new transaction id")
	assert.Equal(t, n0+1, f.sim.Requests())
}
