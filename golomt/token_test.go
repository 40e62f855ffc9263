package golomt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
)

func TestPayWithToken(t *testing.T) {
	tests := []struct {
		name   string
		card   golomttest.Card
		amount string
		format golomt.AmountFormat
		status payment.Status
		kind   error
		code   string
	}{
		{"approved", golomttest.CardApproved, "1", golomt.AmountTwoDecimals, payment.StatusCaptured, nil, ""},
		{"approved, integer amount echoed with decimals", golomttest.CardApproved, "1", golomt.AmountInteger, payment.StatusCaptured, nil, ""},
		{"expired card", golomttest.CardExpired, "10", golomt.AmountTwoDecimals, payment.StatusFailed, payment.ErrDeclined, "300"},
		{"insufficient funds", golomttest.CardInsufficientFunds, "10", golomt.AmountTwoDecimals, payment.StatusFailed, payment.ErrDeclined, golomttest.CodeInsufficientFunds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *golomt.Config) { c.AmountFormat = tt.format })
			tok := f.sim.SaveCard(tt.card)
			id := newOrderID()
			p, err := f.p.PayWithToken(context.Background(), golomt.TokenPaymentRequest{OrderID: id, Amount: payment.MustParseMoney(tt.amount, "MNT"), Token: payment.NewSecret(tok)})
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
				var pe *payment.Error
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, tt.code, pe.GatewayCode)
			} else {
				require.NoError(t, err)
			}
			require.NotNil(t, p)
			assert.Equal(t, tt.status, p.Status)
			assert.Equal(t, id, p.OrderID)
			e, ok := f.sim.Ledger(id)
			require.True(t, ok)
			if tt.status == payment.StatusCaptured {
				assert.Equal(t, 1, e.Charges)
				assert.True(t, p.Captured.Equal(payment.MustParseMoney(tt.amount, "MNT")))
			}
			q, err := f.p.Inquire(context.Background(), p.Ref)
			require.NoError(t, err, "Inquire of a token payment uses /api/check")
			assert.Equal(t, tt.status, q.Status)
			assert.NotContains(t, f.logs(), tok)
		})
	}
}

func TestPayWithTokenValidation(t *testing.T) {
	f := newFixture(t, nil)
	good := golomt.TokenPaymentRequest{OrderID: "P1", Amount: payment.MustParseMoney("1", "MNT"), Token: payment.NewSecret("abc")}
	tests := []struct {
		name string
		edit func(*golomt.TokenPaymentRequest)
	}{
		{"no order id", func(r *golomt.TokenPaymentRequest) { r.OrderID = "" }},
		{"bad order id", func(r *golomt.TokenPaymentRequest) { r.OrderID = "P-1" }},
		{"no token", func(r *golomt.TokenPaymentRequest) { r.Token = payment.NewSecret("") }},
		{"token with newline", func(r *golomt.TokenPaymentRequest) { r.Token = payment.NewSecret("a\nb") }},
		{"JPY", func(r *golomt.TokenPaymentRequest) { r.Amount = payment.MustParseMoney("1", "JPY") }},
		{"no amount", func(r *golomt.TokenPaymentRequest) { r.Amount = payment.Money{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := good
			tt.edit(&req)
			_, err := f.p.PayWithToken(context.Background(), req)
			assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		})
	}
	assert.Equal(t, 0, f.sim.Requests())
}

// TestPayWithTokenNeverResent: whatever happens to the answer of /api/pay,
// the payment is sent once and settled with /api/check.
func TestPayWithTokenNeverResent(t *testing.T) {
	tests := []struct {
		name    string
		fault   golomttest.Fault
		status  payment.Status
		kind    error
		charges int
	}{
		{"dropped after processing", golomttest.Fault{Kind: golomttest.FaultDropAfterProcess}, payment.StatusCaptured, nil, 1},
		{"500 after processing", golomttest.Fault{Kind: golomttest.FaultServerErrorAfterProcess}, payment.StatusCaptured, nil, 1},
		{"gateway unknown", golomttest.Fault{Kind: golomttest.FaultGatewayUnknown}, payment.StatusCaptured, nil, 1},
		{"500 before processing", golomttest.Fault{Kind: golomttest.FaultServerError}, payment.StatusUnknown, payment.ErrOutcomeUnknown, 0},
		{"dropped before processing", golomttest.Fault{Kind: golomttest.FaultDropBeforeProcess}, payment.StatusUnknown, payment.ErrOutcomeUnknown, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			tok := f.sim.SaveCard(golomttest.CardApproved)
			id := newOrderID()
			f.sim.InjectFault(golomttest.APIPay, tt.fault)
			n0 := f.sim.Requests()
			p, err := f.p.PayWithToken(context.Background(), golomt.TokenPaymentRequest{OrderID: id, Amount: payment.MustParseMoney("100", "MNT"), Token: payment.NewSecret(tok)})
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
				assert.Equal(t, tt.kind, payment.KindOf(err))
			} else {
				require.NoError(t, err)
			}
			require.NotNil(t, p)
			assert.Equal(t, tt.status, p.Status)
			assert.Equal(t, n0+2, f.sim.Requests(), "one /api/pay, one /api/check")
			e, _ := f.sim.Ledger(id)
			assert.Equal(t, tt.charges, e.Charges)
		})
	}
}

func TestPayWithTokenTimeout(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.sim.SaveCard(golomttest.CardApproved)
	id := newOrderID()
	f.sim.InjectFault(golomttest.APIPay, golomttest.Fault{Kind: golomttest.FaultDelay, Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	p, err := f.p.PayWithToken(ctx, golomt.TokenPaymentRequest{OrderID: id, Amount: payment.MustParseMoney("100", "MNT"), Token: payment.NewSecret(tok)})
	assert.ErrorIs(t, err, payment.ErrOutcomeUnknown)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
	require.NotNil(t, p)
	assert.Equal(t, payment.StatusUnknown, p.Status)
	// Later, the truth: the delayed request was processed once.
	require.Eventually(t, func() bool { _, ok := f.sim.Ledger(id); return ok }, 10*time.Second, 10*time.Millisecond)
	q, err := f.p.Inquire(context.Background(), p.Ref)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, q.Status)
}

func TestCardRegistration(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := newOrderID()
	reg, err := f.p.RegisterCard(ctx, golomt.CardRegistrationRequest{TransactionID: id, ReturnURL: "https://shop.example/cards", Language: "en"})
	require.NoError(t, err)
	assert.Contains(t, reg.NextAction.URL, "/confirmation/en/"+reg.Invoice)

	tok, err := f.p.CardToken(ctx, id)
	require.NoError(t, err)
	assert.False(t, tok.Ready)

	_, err = f.sim.PayInvoice(ctx, reg.NextAction.URL, golomttest.CardApproved)
	require.NoError(t, err)
	tok, err = f.p.CardToken(ctx, id)
	require.NoError(t, err)
	require.True(t, tok.Ready)
	require.NotNil(t, tok.Card)
	assert.Equal(t, "0003", tok.Card.Last4)

	p, err := f.p.PayWithToken(ctx, golomt.TokenPaymentRequest{OrderID: newOrderID(), Amount: payment.MustParseMoney("5", "MNT"), Token: tok.Token})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, p.Status)
}

// TestCardRegistrationFormulaVariant: the UNCERTAIN request formula is
// configurable; a provider and a bank that disagree fail loudly.
func TestCardRegistrationFormulaVariant(t *testing.T) {
	variant := golomt.Formula{golomt.FieldTransactionID, golomt.FieldCallback, golomt.FieldReturnType}
	f := newFixture(t, func(c *golomt.Config) { c.RegistrationFormula = variant },
		golomttest.WithFormula(golomttest.MsgConfirmationRequest, "transactionId", "callback", "returnType"))
	_, err := f.p.RegisterCard(context.Background(), golomt.CardRegistrationRequest{TransactionID: newOrderID(), ReturnURL: "https://shop.example/cards"})
	require.NoError(t, err)

	g := newFixture(t, nil, golomttest.WithFormula(golomttest.MsgConfirmationRequest, "transactionId", "callback", "returnType"))
	_, err = g.p.RegisterCard(context.Background(), golomt.CardRegistrationRequest{TransactionID: newOrderID(), ReturnURL: "https://shop.example/cards"})
	assert.ErrorIs(t, err, payment.ErrAuthentication)

	_, err = golomt.New(golomt.Config{BearerToken: payment.NewSecret("t"), ChecksumKey: payment.NewSecret("k"), RegistrationFormula: golomt.Formula{"token"}})
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)
}

func TestSettlementReport(t *testing.T) {
	f := newFixture(t, nil)
	var ids []string
	for range 3 {
		created := f.create(t, "1500")
		f.pay(t, created, golomttest.CardApproved)
		ids = append(ids, created.OrderID)
	}
	unpaid := f.create(t, "99")
	day := start
	page, err := f.p.SettlementDetails(context.Background(), golomt.SettlementRequest{Start: day, End: day, Size: 2})
	require.NoError(t, err)
	assert.Len(t, page.Rows, 2)
	assert.Equal(t, int64(3), page.TotalElements)
	assert.False(t, page.Last)

	rows, err := f.p.SettlementReport(context.Background(), day, day)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	var got []string
	for _, r := range rows {
		got = append(got, r.MerchantInvoice)
		assert.True(t, r.Amount.Equal(payment.MustParseMoney("1500", "MNT")))
		assert.Equal(t, "00", r.RespCode)
	}
	assert.ElementsMatch(t, ids, got)
	assert.NotContains(t, got, unpaid.OrderID)

	_, err = f.p.SettlementDetails(context.Background(), golomt.SettlementRequest{Start: day, End: day.AddDate(0, 0, -1)})
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)

	g := newFixture(t, func(c *golomt.Config) { c.MerchantID = "" })
	_, err = g.p.SettlementReport(context.Background(), day, day)
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)
}
