package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
)

// TestOrderApplyKeeps checks what an order keeps when a later answer
// carries less: the masked card (GMO's refund replies have none) and the
// voucher as issued (an inquiry reads it back without the receipt URL).
func TestOrderApplyKeeps(t *testing.T) {
	card := &payment.CardSummary{Masked: "************1111", Last4: "1111"}
	issued := &payment.Voucher{Method: payment.MethodKonbini, Chain: "00007", ConfirmationNumber: "1234", ReceiptURL: "https://gmo.example/slip"}
	reread := &payment.Voucher{Method: payment.MethodKonbini, Chain: "00007", ConfirmationNumber: "1234"}
	voucher := func(v *payment.Voucher) *payment.NextAction {
		return &payment.NextAction{Type: payment.NextActionVoucher, Voucher: v}
	}
	tests := []struct {
		name      string
		steps     []*payment.Payment
		wantCard  *payment.CardSummary
		wantURL   string
		wantState payment.Status
	}{
		{"card kept across a refund answer without it",
			[]*payment.Payment{{Status: payment.StatusCaptured, Card: card}, {Status: payment.StatusPartiallyRefunded}},
			card, "", payment.StatusPartiallyRefunded},
		{"a newer card wins",
			[]*payment.Payment{{Status: payment.StatusCaptured, Card: card}, {Status: payment.StatusCaptured, Card: &payment.CardSummary{Last4: "4444"}}},
			&payment.CardSummary{Last4: "4444"}, "", payment.StatusCaptured},
		{"no going back",
			[]*payment.Payment{{Status: payment.StatusRefunded}, {Status: payment.StatusCaptured, Card: card}},
			nil, "", payment.StatusRefunded},
		{"voucher as issued kept after an inquiry without the receipt URL",
			[]*payment.Payment{{Status: payment.StatusPending, NextAction: voucher(issued)}, {Status: payment.StatusPending, NextAction: voucher(reread)}, {Status: payment.StatusCaptured}},
			nil, issued.ReceiptURL, payment.StatusCaptured},
		{"receipt URL added when learned later",
			[]*payment.Payment{{Status: payment.StatusPending, NextAction: voucher(reread)}, {Status: payment.StatusPending, NextAction: voucher(issued)}},
			nil, issued.ReceiptURL, payment.StatusPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &order{}
			for _, p := range tt.steps {
				o.apply(time.Now(), "step", "", p, nil)
			}
			require.NotNil(t, o.Payment)
			assert.Equal(t, tt.wantState, o.Payment.Status)
			assert.Equal(t, tt.wantCard, o.Payment.Card)
			if tt.wantURL != "" {
				require.NotNil(t, o.Voucher)
				assert.Equal(t, tt.wantURL, o.Voucher.ReceiptURL)
				assert.Equal(t, "1234", o.Voucher.ConfirmationNumber)
			}
		})
	}
}
