package paymenttest

import (
	"context"
	"time"

	"github.com/kessai/payment"
)

// Fault is a failure injected into the next simulated gateway request of
// one operation (see [Provider.InjectFault]). The names mirror the network
// faults the gateway simulators produce, and so do the errors: a fault
// that leaves the outcome of a money-moving call in doubt returns
// payment.ErrOutcomeUnknown, and [Provider.Inquire] then tells the truth.
type Fault int

const (
	// FaultDropAfterProcess: the gateway processes the request, then the
	// answer is lost.
	FaultDropAfterProcess Fault = iota + 1
	// FaultTimeout: the gateway processes the request and the answer does
	// not arrive before the context ends or the provider's timeout
	// (provider.WithTimeout) fires.
	FaultTimeout
	// FaultServerError: the gateway fails with HTTP 500 before processing.
	// The client cannot know that, so money-moving calls still report
	// ErrOutcomeUnknown.
	FaultServerError
	// FaultGatewayUnknown: the gateway processes the request and answers
	// with [OutcomeUnknownCode].
	FaultGatewayUnknown
	// FaultHTML: an HTML error page arrives instead of an answer; the
	// gateway did not process the request, but the client cannot know.
	FaultHTML
	// FaultRefused: the connection is refused; nothing reaches the gateway
	// and the error is retry-safe payment.ErrUnavailable.
	FaultRefused
)

func (f Fault) processes() bool {
	return f == FaultDropAfterProcess || f == FaultTimeout || f == FaultGatewayUnknown
}

func (f Fault) String() string {
	switch f {
	case FaultDropAfterProcess:
		return "drop_after_process"
	case FaultTimeout:
		return "timeout"
	case FaultServerError:
		return "server_error"
	case FaultGatewayUnknown:
		return "gateway_unknown"
	case FaultHTML:
		return "html"
	case FaultRefused:
		return "refused"
	}
	return "none"
}

// Operation names for [Provider.InjectFault].
const (
	OpCreate  = "create"
	OpConfirm = "confirm"
	OpCapture = "capture"
	OpRefund  = "refund"
	OpVoid    = "void"
	OpInquire = "inquire"
)

// hasEffect reports whether a request of op changes the gateway's state
// (moves money or registers an order), so that an ambiguous failure must
// not be resent. Only inquiries are free of effects.
func hasEffect(op string) bool { return op != OpInquire }

// InjectFault arms f for the next simulated gateway request of op (one of
// the Op constants). Faults queue up per operation and fire once each. It
// reports false for an unknown op or fault.
func (p *Provider) InjectFault(op string, f Fault) bool {
	switch op {
	case OpCreate, OpConfirm, OpCapture, OpRefund, OpVoid, OpInquire:
	default:
		return false
	}
	if f < FaultDropAfterProcess || f > FaultRefused {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults[op] = append(p.faults[op], f)
	return true
}

// call is one simulated gateway request. pre runs under the lock before the
// request counts (client-side checks that need the payment's state); do runs
// under the lock as the gateway's processing.
func (p *Provider) call(ctx context.Context, op string, pre func() error, do func() (*payment.Payment, error)) (*payment.Payment, error) {
	if err := ctxErr(ctx, op, p.name); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if pre != nil {
		if err := pre(); err != nil {
			p.mu.Unlock()
			return nil, err
		}
	}
	var f Fault
	if q := p.faults[op]; len(q) > 0 {
		f = q[0]
		p.faults[op] = q[1:]
	}
	if f == FaultRefused {
		p.mu.Unlock()
		return nil, &payment.Error{Provider: p.name, Op: op, Kind: payment.ErrUnavailable, RetrySafe: true,
			Message: "connection refused; the request was not sent"}
	}
	p.requests++
	var (
		res *payment.Payment
		err error
	)
	if f == 0 || f.processes() {
		res, err = do()
	}
	p.mu.Unlock()
	if f == 0 {
		return res, err
	}
	var cause error
	if f == FaultTimeout {
		t := time.NewTimer(p.timeout)
		select {
		case <-ctx.Done():
			cause = ctx.Err()
		case <-t.C:
		}
		t.Stop()
	}
	e := &payment.Error{Provider: p.name, Op: op, Err: cause}
	switch f {
	case FaultDropAfterProcess:
		e.Message = "connection lost before the answer arrived"
	case FaultTimeout:
		e.Message = "no answer before the timeout"
	case FaultServerError:
		e.Message = "gateway answered HTTP 500"
		e.GatewayCode, e.GatewayCodes = "500", []string{"500"}
	case FaultGatewayUnknown:
		e.Message = "gateway reports the outcome as unknown"
		e.GatewayCode, e.GatewayCodes = OutcomeUnknownCode, []string{OutcomeUnknownCode}
	case FaultHTML:
		e.Message = "unparseable answer (text/html)"
	}
	if hasEffect(op) {
		e.Kind = payment.ErrOutcomeUnknown
		e.Message += "; resolve with Inquire, do not resend"
	} else {
		e.Kind, e.RetrySafe = payment.ErrUnavailable, true
	}
	p.log.Warn("gateway fault", logOp(op), logStr("fault", f.String()), logStr("kind", e.Kind.Error()))
	return nil, e
}
