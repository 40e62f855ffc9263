package payment

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorMatching(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &Error{Provider: "gmo", Op: "confirm", Kind: ErrDeclined,
		GatewayCode: "42G020000", GatewayCodes: []string{"G02/42G020000"}, Message: "insufficient funds"})
	assert.ErrorIs(t, err, ErrDeclined)
	assert.NotErrorIs(t, err, ErrInvalidRequest)
	var pe *Error
	assert.True(t, errors.As(err, &pe))
	assert.Equal(t, "42G020000", pe.GatewayCode)
	assert.Equal(t, "wrapped: payment: gmo: confirm: declined (G02/42G020000): insufficient funds", err.Error())
	assert.Equal(t, ErrDeclined, KindOf(err))

	u := Unsupported("golomt", "capture", "sale-only gateway")
	assert.ErrorIs(t, u, ErrUnsupported)
	assert.ErrorIs(t, u, errors.ErrUnsupported)

	ctxErr := &Error{Provider: "gmo", Op: "capture", Kind: ErrOutcomeUnknown, Err: context.DeadlineExceeded}
	assert.ErrorIs(t, ctxErr, ErrOutcomeUnknown)
	assert.ErrorIs(t, ctxErr, context.DeadlineExceeded)
	assert.Equal(t, ErrOutcomeUnknown, KindOf(ctxErr))
	assert.Nil(t, KindOf(nil))
	assert.Equal(t, ErrNotFound, KindOf(fmt.Errorf("x: %w", ErrNotFound)))

	iv := InvalidRequest("gmo", "create", "OrderID", "too long")
	assert.Equal(t, "payment: gmo: create: invalid request: OrderID: too long", iv.Error())
}

func TestCreatePaymentRequestValidate(t *testing.T) {
	ok := CreatePaymentRequest{OrderID: "o-1", Amount: MustParseMoney("100", "JPY")}
	assert.NoError(t, ok.Validate())
	for name, r := range map[string]CreatePaymentRequest{
		"empty order":  {Amount: MustParseMoney("100", "JPY")},
		"no amount":    {OrderID: "o"},
		"zero amount":  {OrderID: "o", Amount: Zero(JPY)},
		"negative":     {OrderID: "o", Amount: MustParseMoney("-1", "JPY")},
		"unknown type": {OrderID: "o", Amount: MustParseMoney("1", "JPY"), MethodType: "cash"},
	} {
		assert.ErrorIs(t, r.Validate(), ErrInvalidRequest, name)
	}
}
