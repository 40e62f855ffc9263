package golomt

import (
	"testing"

	"github.com/kessai/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInterpretReducedRefAmount: a reduced ref (from a push, no amount of
// its own) learns the amount from the verified answer — only a positive
// amount in MNT's format, canonicalised so that the ref parses back.
func TestInterpretReducedRefAmount(t *testing.T) {
	p := &Provider{cfg: Config{InvoiceLifetime: DefaultInvoiceLifetime}, clock: fixedClock{}}
	approved := func(amount string) *result {
		return &result{ErrorCode: jstr{S: CodeApproved, Set: true}, Amount: jstr{S: amount, Set: true},
			TransactionID: jstr{S: "order-1", Set: true}}
	}
	tests := []struct {
		amount  string
		paid    bool
		wantRef string // amount part of the ref when paid
	}{
		{"1500.00", true, "1500.00"},
		{"1500", true, "1500.00"},
		{"0.50", true, "0.50"},
		{"0", false, ""},
		{"0.00", false, ""},
		{"-5", false, ""},
		{"-1500.00", false, ""},
		{"1.005", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.amount, func(t *testing.T) {
			pay, err := p.interpret("notification", ref{kind: kindInvoice, txn: "order-1"}, approved(tt.amount))
			require.NotNil(t, pay)
			if !tt.paid {
				assert.Error(t, err)
				assert.NotEqual(t, payment.StatusCaptured, pay.Status)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, payment.StatusCaptured, pay.Status)
			back, err := parseRef("inquire", pay.Ref)
			require.NoError(t, err, "the ref parses back")
			assert.Equal(t, tt.wantRef, back.amount)
		})
	}
}
