package provider

import (
	"context"
	"errors"

	"github.com/kessai/payment"
)

// clientImpl is the transport behind Client. TODO(provider helper): build it
// on go-retryablehttp with the payment-safe policy documented on
// NewHTTPClient.
type clientImpl struct{ name string }

func newClientImpl(name string, o Options) clientImpl { return clientImpl{name: name} }

func (c clientImpl) do(ctx context.Context, req *Request) (*Response, error) {
	return nil, &payment.Error{Provider: c.name, Op: req.Op, Kind: payment.ErrUnavailable, Err: errors.New("transport not implemented yet")}
}
