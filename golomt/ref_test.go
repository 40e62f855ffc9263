package golomt

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kessai/payment"
)

func TestPlainAmount(t *testing.T) {
	for _, s := range []string{"1", "1500", "1500.0", "1500.00", "0.01", "1234567890123456", "1234567890123456.99"} {
		assert.True(t, plainAmount(s), s)
		_, err := payment.ParseMoney(s, "MNT")
		assert.NoError(t, err, s)
	}
	for _, s := range []string{"", ".", "1.", ".5", "1.001", "-1", "1e3", "1,000", " 1", "1.0.0", "12345678901234567"} {
		assert.False(t, plainAmount(s), s)
	}
}
