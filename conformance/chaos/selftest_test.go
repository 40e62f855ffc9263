package chaos

import (
	"context"
	"errors"
	"testing"

	"github.com/kessai/payment"
)

// guesser is a broken adapter: when the outcome of Confirm is unknown it
// guesses that nothing happened, instead of admitting it does not know.
type guesser struct{ fullProvider }

func (g guesser) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	p, err := g.fullProvider.Confirm(ctx, req)
	if ambiguous(p, err) || errors.Is(err, payment.ErrOutcomeUnknown) {
		if p == nil {
			p = &payment.Payment{Amount: gmoAmount}
		}
		q := *p
		q.Status, q.Captured, q.Refunded = payment.StatusFailed, payment.Zero(payment.JPY), payment.Zero(payment.JPY)
		return &q, nil
	}
	return p, err
}

// unsentLiar is a broken adapter: when the outcome of a money-moving call
// is unknown it says the request was not executed and is safe to retry
// (the chaos run's bugGMOUnchangedIsNotUnsent, on purpose).
type unsentLiar struct{ fullProvider }

func (l unsentLiar) lie(p *payment.Payment, err error) (*payment.Payment, error) {
	if errors.Is(err, payment.ErrOutcomeUnknown) {
		return p, &payment.Error{Provider: "gmo", Kind: payment.ErrUnavailable, RetrySafe: true, Message: "did not execute; safe to call again"}
	}
	return p, err
}

func (l unsentLiar) Confirm(ctx context.Context, req payment.ConfirmRequest) (*payment.Payment, error) {
	return l.lie(l.fullProvider.Confirm(ctx, req))
}

func (l unsentLiar) Capture(ctx context.Context, req payment.CaptureRequest) (*payment.Payment, error) {
	return l.lie(l.fullProvider.Capture(ctx, req))
}

func (l unsentLiar) Void(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	return l.lie(l.fullProvider.Void(ctx, ref))
}

// staleInquirer is a broken adapter whose Inquire answers from a cache
// filled by the first inquiry, so later changes are lost.
type staleInquirer struct {
	fullProvider
	cache chan map[payment.PaymentRef]*payment.Payment
}

func (s staleInquirer) Inquire(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
	m := <-s.cache
	p, ok := m[ref]
	s.cache <- m
	if ok {
		return p, nil
	}
	p, err := s.fullProvider.Inquire(ctx, ref)
	if err == nil && p.Status != payment.StatusUnknown {
		m = <-s.cache
		m[ref] = p
		s.cache <- m
	}
	return p, err
}

// TestChaosCatchesBrokenAdapters proves the checks can fail: deliberately
// broken wrappers of the gmo adapter must be caught.
func TestChaosCatchesBrokenAdapters(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	old := *flagFaults
	*flagFaults = 600
	t.Cleanup(func() { *flagFaults = old })
	for _, tt := range []struct {
		name  string
		wrap  func(fullProvider) fullProvider
		class func(summary) int
	}{
		{"guesses_outcome", func(p fullProvider) fullProvider { return guesser{p} }, func(s summary) int { return s.wrong }},
		{"claims_unsent", func(p fullProvider) fullProvider { return unsentLiar{p} }, func(s summary) int { return s.wrong }},
		{"stale_inquiry", func(p fullProvider) fullProvider {
			c := make(chan map[payment.PaymentRef]*payment.Payment, 1)
			c <- map[payment.PaymentRef]*payment.Payment{}
			return staleInquirer{p, c}
		}, func(s summary) int { return s.lost }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := runGateway(t, gmoGateway(tt.wrap), 120)
			if tt.class(s) == 0 {
				t.Errorf("the chaos run did not notice a broken adapter: %+v", s)
			}
		})
	}
}
