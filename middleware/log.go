package middleware

import (
	"context"
	"errors"
	"time"

	"github.com/kessai/payment"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// LogMessage is the message of every entry [Log] writes.
const LogMessage = "payment call"

// Log returns p wrapped so that every call writes one entry to l (see the
// package documentation for the fields and levels). A nil l returns p
// unchanged. The entry is written after the call returns; the wrapper
// changes no result and no error.
func Log(p payment.Provider, l *zap.Logger) payment.Provider {
	if l == nil {
		return p
	}
	return wrap(p, func(ctx context.Context, c call, fn func(context.Context) (Result, error)) error {
		if !l.Core().Enabled(zapcore.ErrorLevel) { // nothing would be written
			_, err := fn(ctx)
			return err
		}
		start := time.Now()
		res, err := fn(ctx)
		res = finish(c, res, err, time.Since(start))
		if ce := l.Check(logLevel(res), LogMessage); ce != nil {
			ce.Write(logFields(res)...)
		}
		return err
	})
}

// logLevel is Info for success, Warn for failures, Error for outcomes that
// need reconciliation.
func logLevel(r Result) zapcore.Level {
	switch {
	case errors.Is(r.Err, payment.ErrOutcomeUnknown):
		return zapcore.ErrorLevel
	case r.Payment != nil && r.Payment.Status == payment.StatusUnknown:
		return zapcore.ErrorLevel
	case r.Err != nil:
		return zapcore.WarnLevel
	}
	return zapcore.InfoLevel
}

// logFields builds the allow-listed fields of one entry. Keep it an
// allow-list: never add a request, an error message, a body or a header.
func logFields(r Result) []zap.Field {
	fields := make([]zap.Field, 0, 10)
	fields = append(fields, zap.String("op", r.Op), zap.String("provider", r.Provider))
	if r.OrderID != "" {
		fields = append(fields, zap.String("order_id", r.OrderID))
	}
	if r.Ref != "" {
		fields = append(fields, zap.String("ref", string(r.Ref)))
	}
	if r.Notification != nil {
		fields = append(fields, zap.String("notification_kind", string(r.Notification.Kind)))
	}
	gatewayCode := ""
	if r.Payment != nil {
		fields = append(fields, zap.String("status", r.Payment.Status.String()))
		if r.Payment.Provider != "" && r.Payment.Provider != r.Provider {
			fields = append(fields, zap.String("gateway", r.Payment.Provider))
		}
		gatewayCode = r.Payment.GatewayCode
	}
	if r.Err != nil {
		fields = append(fields, zap.String("error_kind", kindLabel(r.Err)))
		var pe *payment.Error
		if errors.As(r.Err, &pe) {
			if gatewayCode == "" {
				gatewayCode = pe.GatewayCode
			}
			if pe.Field != "" {
				fields = append(fields, zap.String("field", pe.Field))
			}
			if r.Payment == nil && pe.Provider != "" && pe.Provider != r.Provider {
				fields = append(fields, zap.String("gateway", pe.Provider))
			}
		}
	}
	if gatewayCode != "" {
		fields = append(fields, zap.String("gateway_code", gatewayCode))
	}
	fields = append(fields, zap.Duration("latency", r.Duration))
	return fields
}
