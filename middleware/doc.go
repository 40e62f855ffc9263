// Package middleware wraps any [payment.Provider] with cross-cutting
// behaviour: structured logging ([Log]) and a metrics/tracing hook
// ([Observe]). Wrappers compose, and wrap a [payment.Router] as well as a
// single adapter:
//
//	p = middleware.Observe(middleware.Log(gmoProvider, logger), metrics)
//
// # Optional interfaces
//
// A wrapper implements [payment.Voider] exactly when the wrapped provider
// does, and [payment.Inquirer] likewise (each function returns one of four
// wrapper types), so type assertions behave as they would on the
// unwrapped provider and a wrapper never invents an ability. Every wrapper
// has an Unwrap() payment.Provider method returning the wrapped provider.
// Name, Capabilities and every result and error pass through unchanged.
//
// # Logging
//
// [Log] writes one entry per call with allow-listed fields only: op,
// provider, order_id, ref (a [payment.PaymentRef] holds no secret),
// status, notification_kind, error_kind, gateway_code, field, gateway (the
// gateway behind a [payment.Router], when it differs from provider) and
// latency.
// It never logs requests, card data, tokens, error messages or bodies.
// Successful calls log at Info, failures at Warn, and outcomes that need
// reconciliation (an [payment.ErrOutcomeUnknown] error or a
// [payment.StatusUnknown] payment) at Error.
//
// # Metrics and tracing
//
// [Observe] calls an [Observer] around every call. The interface is small
// enough to adapt OpenTelemetry (start a span in Start, end it in the
// returned function) or Prometheus (observe a histogram labelled with
// [Result.Outcome]) without this package importing either.
package middleware
