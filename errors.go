package payment

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors for the decisions callers make. Every error a provider
// returns matches exactly one kind through [errors.Is].
var (
	// ErrDeclined: the issuer or gateway declined; no money moved. Ask the
	// customer for another method.
	ErrDeclined = errors.New("declined")
	// ErrInvalidRequest: the request is wrong (bad order id, amount,
	// characters, wrong state for the call). Fix it; do not retry as is.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrAuthentication: bad merchant credentials or configuration.
	ErrAuthentication = errors.New("authentication failed")
	// ErrDuplicate: the order id was used before.
	ErrDuplicate = errors.New("duplicate")
	// ErrNotFound: the gateway knows no such payment.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: the gateway asked to slow down; retrying later is safe.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: the gateway could not be reached or failed before
	// doing anything. Error.RetrySafe says whether a retry is safe.
	ErrUnavailable = errors.New("unavailable")
	// ErrOutcomeUnknown: the request may or may not have taken effect.
	// Never resend a money-moving call: resolve with Inquirer.Inquire.
	ErrOutcomeUnknown = errors.New("outcome unknown")
	// ErrInvalidSignature: a notification or response failed verification.
	ErrInvalidSignature = errors.New("invalid signature")
	// ErrUnsupported: the provider cannot do this. It also matches
	// errors.ErrUnsupported.
	ErrUnsupported = errors.New("unsupported")
	// ErrUnknownProvider: no provider is registered for a scheme or name.
	ErrUnknownProvider = errors.New("unknown provider")
)

var kinds = []error{ErrDeclined, ErrInvalidRequest, ErrAuthentication, ErrDuplicate, ErrNotFound,
	ErrRateLimited, ErrUnavailable, ErrOutcomeUnknown, ErrInvalidSignature, ErrUnsupported, ErrUnknownProvider}

// Error carries the details of a failure. Its Unwrap returns the kind
// sentinel and the cause, so errors.Is(err, ErrDeclined) and errors.As(err,
// &pe) both work. Its message never contains secrets: adapters put only
// codes and gateway messages in it.
type Error struct {
	Provider string // "gmo", "golomt"
	Op       string // "create", "confirm", "capture", "refund", "void", "inquire", "notification"
	Kind     error  // one of the sentinels above
	// GatewayCode is the gateway's primary code (e.g. "E01040010", "300").
	GatewayCode string
	// GatewayCodes holds every raw code the gateway returned, in order
	// (GMO returns several ErrCode/ErrInfo pairs at once).
	GatewayCodes []string
	// Message is a short human-readable description (English).
	Message string
	// MessageJA is the Japanese message where the gateway has one.
	MessageJA string
	// Field names the request field at fault, for ErrInvalidRequest.
	Field string
	// RetrySafe says resending the same request cannot move money twice.
	RetrySafe bool
	// Err is the underlying cause (a context error, a network error).
	Err error
}

// Error implements error: "payment: gmo: capture: declined (E01/E01010001): message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("payment: ")
	if e.Provider != "" {
		b.WriteString(e.Provider)
		b.WriteString(": ")
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	kind := "error"
	if e.Kind != nil {
		kind = e.Kind.Error()
	}
	b.WriteString(kind)
	if len(e.GatewayCodes) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(e.GatewayCodes, ","))
		b.WriteString(")")
	} else if e.GatewayCode != "" {
		b.WriteString(" (")
		b.WriteString(e.GatewayCode)
		b.WriteString(")")
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the kind sentinel, errors.ErrUnsupported for
// ErrUnsupported, and the cause.
func (e *Error) Unwrap() []error {
	out := make([]error, 0, 3)
	if e.Kind != nil {
		out = append(out, e.Kind)
		if e.Kind == ErrUnsupported {
			out = append(out, errors.ErrUnsupported)
		}
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// KindOf returns the kind sentinel err matches, or nil.
func KindOf(err error) error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) && pe.Kind != nil {
		return pe.Kind
	}
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

// Unsupported returns an error matching ErrUnsupported and
// errors.ErrUnsupported for provider's op.
func Unsupported(provider, op, what string) error {
	return &Error{Provider: provider, Op: op, Kind: ErrUnsupported, Message: what}
}

// InvalidRequest returns an ErrInvalidRequest error naming field.
func InvalidRequest(provider, op, field, msg string) error {
	return &Error{Provider: provider, Op: op, Kind: ErrInvalidRequest, Field: field, Message: msg}
}

func quoteShort(s string) string {
	if len(s) > 32 {
		s = s[:32] + "…"
	}
	return strconv.Quote(s)
}
