package provider

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/kessai/payment"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Logger returns o.Logger scoped to name (o.Logger.Named(name)), or a no-op
// logger when o.Logger is nil.
func Logger(o Options, name string) *zap.Logger {
	if o.Logger == nil {
		return zap.NewNop()
	}
	return o.Logger.Named(name)
}

// SecretField returns a zap field for s that renders like [payment.Secret]
// itself: [REDACTED], or "" when s is empty, so a log can show whether a
// credential is configured without showing it.
func SecretField(key string, s payment.Secret) zap.Field {
	if s.IsZero() {
		return zap.String(key, "")
	}
	return zap.String(key, payment.Redacted)
}

// LeveledLogger adapts a *zap.Logger to retryablehttp.LeveledLogger.
// Handing retryablehttp a *zap.SugaredLogger panics at its first request
// (its methods have the wrong shape); use this instead.
//
// It writes only what is safe: URLs in values (retryablehttp logs whole
// URLs, and net/http errors embed them) are cut down to scheme, host and
// path, so user info and query strings never reach the log; values of
// types other than strings, errors, numbers, booleans and durations are
// logged by type name only. retryablehttp never logs bodies or headers.
type LeveledLogger struct{ l *zap.Logger }

var _ retryablehttp.LeveledLogger = (*LeveledLogger)(nil)

// NewLeveledLogger returns a LeveledLogger writing to l (nil: nowhere).
func NewLeveledLogger(l *zap.Logger) *LeveledLogger {
	if l == nil {
		l = zap.NewNop()
	}
	return &LeveledLogger{l: l.WithOptions(zap.AddCallerSkip(1))}
}

// Error logs at error level.
func (g *LeveledLogger) Error(msg string, keysAndValues ...any) {
	g.log(zapcore.ErrorLevel, msg, keysAndValues)
}

// Warn logs at warn level.
func (g *LeveledLogger) Warn(msg string, keysAndValues ...any) {
	g.log(zapcore.WarnLevel, msg, keysAndValues)
}

// Info logs at info level.
func (g *LeveledLogger) Info(msg string, keysAndValues ...any) {
	g.log(zapcore.InfoLevel, msg, keysAndValues)
}

// Debug logs at debug level.
func (g *LeveledLogger) Debug(msg string, keysAndValues ...any) {
	g.log(zapcore.DebugLevel, msg, keysAndValues)
}

func (g *LeveledLogger) log(lvl zapcore.Level, msg string, kv []any) {
	if g == nil || g.l == nil {
		return
	}
	ce := g.l.Check(lvl, redactURLs(msg))
	if ce == nil {
		return
	}
	fields := make([]zap.Field, 0, (len(kv)+1)/2)
	for i := 0; i < len(kv); i += 2 {
		key, ok := kv[i].(string)
		if !ok {
			key = "key"
		}
		if i+1 >= len(kv) {
			fields = append(fields, zap.Skip())
			break
		}
		fields = append(fields, safeField(key, kv[i+1]))
	}
	ce.Write(fields...)
}

// safeField renders v under key without leaking URLs' user info or query.
func safeField(key string, v any) zap.Field {
	switch v := v.(type) {
	case nil:
		return zap.Skip()
	case string:
		return zap.String(key, redactURLs(v))
	case error:
		return zap.String(key, redactURLs(unwrapURL(v).Error()))
	case *url.URL:
		return zap.String(key, safeURL(v))
	case time.Duration:
		return zap.Duration(key, v)
	case bool:
		return zap.Bool(key, v)
	case int:
		return zap.Int(key, v)
	case int64:
		return zap.Int64(key, v)
	case int32:
		return zap.Int32(key, v)
	case uint:
		return zap.Uint(key, v)
	case uint64:
		return zap.Uint64(key, v)
	default:
		return zap.String(key, fmt.Sprintf("<%T>", v))
	}
}

// safeURL is scheme://host/path: no user info, query or fragment.
func safeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme)
		b.WriteString("://")
	}
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	return b.String()
}

// redactURLs replaces every absolute URL in s by scheme://host/path. A URL
// ends at white space or a quote; one that does not parse becomes
// "[url]".
func redactURLs(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		start := i
		for start > 0 && isSchemeChar(s[start-1]) {
			start--
		}
		end := i + 3
		for end < len(s) && !isURLEnd(s[end]) {
			end++
		}
		b.WriteString(s[:start])
		if u, err := url.Parse(s[start:end]); err == nil && start < i {
			b.WriteString(safeURL(u))
		} else {
			b.WriteString("[url]")
		}
		s = s[end:]
	}
}

func isSchemeChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isURLEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`':
		return true
	}
	return false
}
