package payment

// Status is where a payment stands.
type Status int

const (
	// StatusUnknown: the outcome of the last call is ambiguous (a timeout
	// after sending, a gateway "outcome unknown" code). Resolve it with
	// [Inquirer.Inquire]; never resend a money-moving call.
	StatusUnknown Status = iota
	// StatusPending: registered, not yet paid (or an async voucher payment
	// waiting for the customer).
	StatusPending
	// StatusRequiresAction: the customer must follow NextAction.
	StatusRequiresAction
	// StatusAuthorized: authorized, awaiting capture.
	StatusAuthorized
	// StatusCaptured: money taken.
	StatusCaptured
	// StatusPartiallyRefunded: captured, part of it refunded.
	StatusPartiallyRefunded
	// StatusRefunded: fully refunded.
	StatusRefunded
	// StatusCanceled: voided or canceled before capture.
	StatusCanceled
	// StatusExpired: the customer did not pay in time.
	StatusExpired
	// StatusFailed: declined or failed; no money moved.
	StatusFailed
)

var statusNames = [...]string{
	StatusUnknown:           "unknown",
	StatusPending:           "pending",
	StatusRequiresAction:    "requires_action",
	StatusAuthorized:        "authorized",
	StatusCaptured:          "captured",
	StatusPartiallyRefunded: "partially_refunded",
	StatusRefunded:          "refunded",
	StatusCanceled:          "canceled",
	StatusExpired:           "expired",
	StatusFailed:            "failed",
}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "invalid"
}

// MarshalText encodes the status as its name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a status name.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if n == string(b) {
			*s = Status(i)
			return nil
		}
	}
	return &Error{Op: "status", Kind: ErrInvalidRequest, Message: "unknown status " + quoteShort(string(b))}
}

// IsFinal reports whether no further transition is possible.
func (s Status) IsFinal() bool {
	switch s {
	case StatusRefunded, StatusCanceled, StatusExpired, StatusFailed:
		return true
	}
	return false
}

// transitions lists, for each status, the statuses it may become (besides
// itself, which is always allowed, and StatusUnknown, which any non-final
// status may become while an operation is in doubt).
var transitions = map[Status][]Status{
	StatusPending:           {StatusRequiresAction, StatusAuthorized, StatusCaptured, StatusCanceled, StatusExpired, StatusFailed},
	StatusRequiresAction:    {StatusPending, StatusAuthorized, StatusCaptured, StatusCanceled, StatusExpired, StatusFailed},
	StatusAuthorized:        {StatusCaptured, StatusCanceled, StatusExpired},
	StatusCaptured:          {StatusPartiallyRefunded, StatusRefunded, StatusCanceled},
	StatusPartiallyRefunded: {StatusRefunded},
}

// CanBecome reports whether a payment in status s may next be reported in
// status next. Staying in the same status is always legal; StatusUnknown
// may become anything (an inquiry resolves it); a non-final status may
// become StatusUnknown. Final statuses (Refunded, Canceled, Expired,
// Failed) never change, so Failed → Captured or Refunded → Authorized are
// illegal.
func (s Status) CanBecome(next Status) bool {
	if s == next || s == StatusUnknown {
		return true
	}
	if next == StatusUnknown {
		return !s.IsFinal()
	}
	for _, t := range transitions[s] {
		if t == next {
			return true
		}
	}
	return false
}
