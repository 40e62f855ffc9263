// Package provider is the toolkit for adapter authors: the HTTP client with
// a payment-safe retry policy, the zap adapters and redaction helpers, a
// small error builder, and the options every adapter accepts. Applications
// do not need it, except for the With… options they pass to an adapter's
// New.
//
// # HTTP and retries
//
// Build one [Client] per provider in New with [NewHTTPClient] and keep it;
// it is safe for concurrent use. [Client.Do] sends a [Request] and returns
// the whole [Response], body read (at most [MaxResponseBytes]). Non-2xx
// statuses are responses, not errors: the adapter classifies them from the
// kept body. Redirects are not followed.
//
// The client is built on go-retryablehttp, whose default policy would send
// a failing POST five times. Here a request is sent again only when
//
//   - the attempt provably never left: the connection could not be made
//     (refused, DNS, dial timeout) and no header was written on it, which
//     httptrace reports per attempt; or
//   - the request is marked [Request.Idempotent] (it moves no money and a
//     repeat is harmless: inquiries, EntryTran; not invoice creation, whose
//     resend fails as a duplicate). Such calls are also retried on 429 and
//     5xx answers.
//
// Everything else is final after one attempt: a money-moving request that
// may have reached the gateway is never resent. There are at most
// Options.MaxRetries retries, with exponential back-off (50 ms doubling to
// 1 s, jittered) that stops as soon as the context ends. Each attempt is
// bounded by Options.Timeout, from the first byte sent to the last byte of
// the body read.
//
// Do's error is always a *payment.Error:
//
//	never sent (after retries)          ErrUnavailable, RetrySafe
//	may have been sent, not idempotent  ErrOutcomeUnknown: resolve by inquiry
//	may have been sent, idempotent      ErrUnavailable, RetrySafe
//	response larger than the bound      as "may have been sent"
//
// When the context ended or an attempt timed out, the error also matches
// ctx.Err() (context.DeadlineExceeded for timeouts). Error texts never hold
// URLs, headers or bodies.
//
// Below this policy, net/http replays a request by itself on a reused
// keep-alive connection only when nothing of it was written, or when the
// method is GET, HEAD, OPTIONS or TRACE or the request carries an
// Idempotency-Key header and the server closed the connection without
// answering. So a money-moving call must use POST (the default) and must
// not carry that header unless the gateway deduplicates on it.
//
// Without Options.HTTPClient, each Client has its own pooled
// *http.Transport keeping up to 256 idle keep-alive connections per host,
// so many concurrent callers reuse connections instead of dialling. It
// opens at most 256 connections per host: more concurrent callers wait for
// a free one (within the attempt's timeout; a request that times out while
// waiting was never sent) rather than dialling connections the pool cannot
// keep. With Options.HTTPClient, its Transport is used and nothing else of
// it (a nil Transport means the pooled default).
//
// # Logging and redaction
//
// Nothing is logged unless the application passes [WithLogger]. Adapters
// get their logger from [Logger] (o.Logger.Named("gmo")), log typed fields
// from an allow-list (ids, amounts, statuses, codes, last 4 digits), and
// never log request structs, headers or bodies. The client logs each
// attempt at debug level under "<provider>.http": method, host, path,
// attempt and status, never the query, user info, headers or bodies.
//
// Credentials and card data are held as [Secret] (payment.Secret, made
// with [NewSecret]), which prints [REDACTED] in fmt verbs, JSON, text
// marshalling, gob and zap; use [SecretField] to log whether one is set,
// and Reveal only where it goes on the wire. A Secret is a struct holding a
// pointer, so even where fmt bypasses its methods (unexported struct
// fields, printed by reflection) only an address shows, never the value.
// Card numbers in messages go through [MaskPAN].
//
// [LeveledLogger] adapts a *zap.Logger to retryablehttp's LeveledLogger
// interface, stripping URLs down to scheme, host and path. Handing
// retryablehttp a *zap.SugaredLogger instead panics at its first request.
//
// [Errorf] builds the *payment.Error adapters return for gateway answers.
//
// # Options
//
// [Options] are the cross-cutting settings every adapter accepts as
// functional options: [WithLogger], [WithHTTPClient], [WithBaseURL],
// [WithTimeout] (per attempt; default [DefaultTimeout]), [WithClock] and
// [WithMaxRetries] (default 2). An adapter calls [Apply] once in New and
// keeps the result; it never changes it afterwards:
//
//	func New(cfg Config, opts ...provider.Option) (*Provider, error) {
//		o := provider.Apply(opts...)
//		return &Provider{cfg: cfg, log: provider.Logger(o, "gmo"),
//			http: provider.NewHTTPClient("gmo", o)}, nil
//	}
package provider
