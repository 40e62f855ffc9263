package provider

import (
	"context"
	"net/http"
)

// Request is one HTTP exchange with a gateway.
type Request struct {
	// Op names the operation for errors and logs ("create", "capture" …).
	Op     string
	Method string // default POST
	URL    string
	// Header is sent as is, shared by every attempt; Do does not modify
	// it and sets no Content-Type of its own.
	Header http.Header
	// Body is sent as is on every attempt; nil sends no body.
	Body []byte
	// Idempotent marks a call that can be resent as is after it may have
	// reached the gateway: it moves no money and a repeat is harmless
	// (inquiry, GMO's EntryTran, whose duplicate the adapter recognises).
	// Only such calls are retried after they may have reached the gateway;
	// every call is retried when it provably never left (dial failure,
	// refused connection). A call that creates something a resend cannot
	// find again (Golomt's invoice: a resend fails as a duplicate and its id
	// is lost) is not idempotent even though it moves no money.
	Idempotent bool
}

// Response is a gateway's answer, body fully read (bounded by
// MaxResponseBytes). Non-2xx statuses are not errors: the adapter
// classifies them from the kept body.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// Writes is the number of attempts that put the request (or part of
	// it) on a connection: more than 1 means the gateway may have received
	// it more than once (only Idempotent requests are resent after a write).
	Writes int
}

// MaxResponseBytes bounds a gateway response body.
const MaxResponseBytes = 1 << 20

// Client sends gateway requests with a payment-safe retry policy (see the
// package documentation). It is safe for concurrent use; build one per
// provider in New and keep it, so that its connection pool is reused.
type Client struct {
	name string
	opts Options
	impl clientImpl
}

// NewHTTPClient returns a Client for the provider called name.
//
// Failure classification of Do's error (always a *payment.Error):
//   - never sent (dial error, refused, DNS) after retries: ErrUnavailable, RetrySafe
//   - may have been sent (timeout after writing, connection cut, unreadable
//     or oversized response): ErrOutcomeUnknown for non-idempotent requests
//     (ErrUnavailable with RetrySafe for idempotent ones)
//   - ctx canceled/expired: also matches ctx.Err(); after a possible send it
//     matches ErrOutcomeUnknown as well
func NewHTTPClient(name string, o Options) *Client {
	return &Client{name: name, opts: o, impl: newClientImpl(name, o)}
}

// Do sends req and returns the response.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	return c.impl.do(ctx, req)
}
