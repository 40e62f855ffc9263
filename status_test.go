package payment

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusCanBecome(t *testing.T) {
	tests := []struct {
		from, to Status
		ok       bool
	}{
		{StatusPending, StatusRequiresAction, true},
		{StatusPending, StatusCaptured, true},
		{StatusRequiresAction, StatusAuthorized, true},
		{StatusRequiresAction, StatusFailed, true},
		{StatusAuthorized, StatusCaptured, true},
		{StatusAuthorized, StatusCanceled, true},
		{StatusAuthorized, StatusPending, false},
		{StatusCaptured, StatusPartiallyRefunded, true},
		{StatusCaptured, StatusRefunded, true},
		{StatusCaptured, StatusAuthorized, false},
		{StatusPartiallyRefunded, StatusRefunded, true},
		{StatusPartiallyRefunded, StatusCaptured, false},
		{StatusFailed, StatusCaptured, false},
		{StatusRefunded, StatusAuthorized, false},
		{StatusExpired, StatusCaptured, false},
		{StatusCanceled, StatusCaptured, false},
		{StatusCaptured, StatusUnknown, true},
		{StatusRefunded, StatusUnknown, false},
		{StatusUnknown, StatusCaptured, true},
		{StatusUnknown, StatusFailed, true},
		{StatusFailed, StatusFailed, true},
	}
	for _, tt := range tests {
		t.Run(tt.from.String()+"→"+tt.to.String(), func(t *testing.T) {
			assert.Equal(t, tt.ok, tt.from.CanBecome(tt.to))
		})
	}
}

func TestStatusText(t *testing.T) {
	for s := StatusUnknown; s <= StatusFailed; s++ {
		b, err := s.MarshalText()
		require.NoError(t, err)
		var back Status
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, s, back)
	}
	var s Status
	assert.ErrorIs(t, s.UnmarshalText([]byte("paid")), ErrInvalidRequest)
	assert.Equal(t, "invalid", Status(99).String())
}
