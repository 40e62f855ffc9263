package gmo

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
)

func TestKind(t *testing.T) {
	tests := []struct {
		code, info string
		want       error
	}{
		// duplicates, not found, authentication
		{"E01", "E01040010", payment.ErrDuplicate},
		{"E01", "E01390010", payment.ErrDuplicate},
		{"E01", "E01110002", payment.ErrNotFound},
		{"E01", "E01240002", payment.ErrNotFound},
		{"E01", "E01390002", payment.ErrNotFound},
		{"E01", "E01030002", payment.ErrAuthentication},
		{"E01", "E01210002", payment.ErrAuthentication},
		{"E01", "E01010001", payment.ErrAuthentication},
		{"E01", "E01190001", payment.ErrAuthentication},
		// input errors
		{"E01", "E01040003", payment.ErrInvalidRequest},
		{"E01", "E01040013", payment.ErrInvalidRequest},
		{"E01", "E01050004", payment.ErrInvalidRequest},
		{"E01", "E01060010", payment.ErrInvalidRequest},
		{"E01", "E01170011", payment.ErrInvalidRequest},
		{"E01", "E01999999", payment.ErrInvalidRequest},
		{"E00", "E00000001", payment.ErrInvalidRequest},
		{"E11", "E11010001", payment.ErrInvalidRequest},
		{"E11", "E11010010", payment.ErrInvalidRequest},
		{"E31", "E31500014", payment.ErrInvalidRequest},
		{"E61", "E61040001", payment.ErrInvalidRequest},
		{"EX1", "EX1000301", payment.ErrInvalidRequest},
		{"EX1", "EX1000303", payment.ErrInvalidRequest},
		{"M01", "M01051005", payment.ErrInvalidRequest},
		{"M11", "M11010099", payment.ErrInvalidRequest},
		// declines
		{"E21", "E21030007", payment.ErrDeclined},
		{"E21", "E21030201", payment.ErrDeclined},
		{"E41", "E41170099", payment.ErrDeclined},
		{"E61", "E61010002", payment.ErrDeclined},
		{"G02", "42G020000", payment.ErrDeclined},
		{"G44", "42G440000", payment.ErrDeclined},
		{"G83", "42G830000", payment.ErrDeclined},
		{"G92", "42G920000", payment.ErrDeclined},
		{"G12", "", payment.ErrDeclined},
		// throttling
		{"E92", "E92000001", payment.ErrRateLimited},
		{"E92", "E92000002", payment.ErrRateLimited},
		// outcome unknown: reconcile
		{"E82", "E82010001", payment.ErrOutcomeUnknown},
		{"E90", "E90010001", payment.ErrOutcomeUnknown},
		{"E91", "E91019999", payment.ErrOutcomeUnknown},
		{"E91", "E91020001", payment.ErrOutcomeUnknown},
		{"E91", "E91099997", payment.ErrOutcomeUnknown},
		{"C01", "42C010000", payment.ErrOutcomeUnknown},
		{"C01", "", payment.ErrOutcomeUnknown},
		// never guess that nothing happened
		{"Z99", "Z99999999", payment.ErrOutcomeUnknown},
		{"unknown", "unknown", payment.ErrOutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.info, func(t *testing.T) {
			assert.Equal(t, tt.want, Kind(tt.code, tt.info))
		})
	}
}

func TestGatewayError(t *testing.T) {
	tests := []struct {
		name      string
		codes     []codePair
		kind      error
		primary   string
		retrySafe bool
		msg       string
	}{
		{"single decline", []codePair{{"G02", "42G020000"}}, payment.ErrDeclined, "42G020000", false, "insufficient balance"},
		{"input errors keep every code", []codePair{{"E01", "E01050002"}, {"E01", "E01060006"}}, payment.ErrInvalidRequest, "E01050002", false, "job code not defined"},
		{"not found outranks invalid", []codePair{{"E01", "E01090008"}, {"E01", "E01100008"}, {"E01", "E01110002"}}, payment.ErrNotFound, "E01110002", false, "no transaction with this access id and password"},
		{"rate limited is retry safe", []codePair{{"E92", "E92000001"}}, payment.ErrRateLimited, "E92000001", true, "gateway busy; retry later"},
		{"unknown outranks everything", []codePair{{"E01", "E01050002"}, {"E91", "E91020001"}}, payment.ErrOutcomeUnknown, "E91020001", false, "gateway communication timeout"},
		{"class fallback message", []codePair{{"E01", "E01999999"}}, payment.ErrInvalidRequest, "E01999999", false, "invalid parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := gatewayError("confirm", tt.codes)
			assert.ErrorIs(t, e, tt.kind)
			assert.Equal(t, tt.primary, e.GatewayCode)
			require.Len(t, e.GatewayCodes, len(tt.codes))
			for i, c := range tt.codes {
				assert.Equal(t, c.Code+"/"+c.Info, e.GatewayCodes[i])
			}
			assert.Equal(t, tt.retrySafe, e.RetrySafe)
			assert.Equal(t, tt.msg, e.Message)
			assert.NotEmpty(t, e.MessageJA)
			assert.Contains(t, e.Error(), "payment: gmo: confirm: ")
			var pe *payment.Error
			assert.True(t, errors.As(error(e), &pe))
			assert.Equal(t, tt.kind, payment.KindOf(e))
		})
	}
}

func TestMessages(t *testing.T) {
	assert.GreaterOrEqual(t, len(messages), 40)
	for code, m := range messages {
		assert.NotEmpty(t, m.en, code)
		assert.NotEmpty(t, m.ja, code)
		assert.Len(t, code, 9, code)
	}
	en, ja, ok := Message("E01040010")
	assert.True(t, ok)
	assert.Equal(t, "order id already used", en)
	assert.Equal(t, "既にオーダーIDが存在しています。", ja)
	_, _, ok = Message("Q00000000")
	assert.False(t, ok)
}
