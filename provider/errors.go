package provider

import (
	"fmt"

	"github.com/kessai/payment"
)

// Errorf returns a *payment.Error of kind for provider's op, with the
// formatted text as its Message:
//
//	provider.Errorf("gmo", "capture", payment.ErrDeclined, "card declined (%s)", code)
//
// The text must hold no secrets; a [payment.Secret] argument prints
// [REDACTED]. Errorf does not wrap (%w is not supported): set the
// returned error's Err, GatewayCode(s), Field or RetrySafe for more.
func Errorf(provider, op string, kind error, format string, args ...any) *payment.Error {
	return &payment.Error{Provider: provider, Op: op, Kind: kind, Message: fmt.Sprintf(format, args...)}
}
