package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// event is one line of the shop's event log: a gateway call logged by an
// adapter or the logging middleware, a notification received, or a step of
// the shop itself.
type event struct {
	Seq    int
	Time   time.Time
	Level  string
	Source string // logger name, e.g. "gmo", "shop.notify"
	Msg    string
	Fields string // "key=value" pairs, sorted by key
}

// IsNotification reports whether the event records a notification.
func (e event) IsNotification() bool { return strings.HasPrefix(e.Source, "shop.notify") }

// eventLog is a bounded, concurrency-safe ring of events.
type eventLog struct {
	mu   sync.Mutex
	max  int
	seq  int
	list []event
}

func newEventLog(max int) *eventLog {
	if max <= 0 {
		max = 500
	}
	return &eventLog{max: max}
}

func (l *eventLog) add(e event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq = l.seq
	l.list = append(l.list, e)
	if len(l.list) > l.max {
		l.list = append(l.list[:0:0], l.list[len(l.list)-l.max:]...)
	}
}

// recent returns up to n events, newest first. n <= 0 means all.
func (l *eventLog) recent(n int) []event {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n <= 0 || n > len(l.list) {
		n = len(l.list)
	}
	out := make([]event, 0, n)
	for i := len(l.list) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, l.list[i])
	}
	return out
}

// matching returns the events, oldest first, whose fields or message
// mention s (an order id).
func (l *eventLog) matching(s string) []event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []event
	for _, e := range l.list {
		if strings.Contains(e.Fields, s) || strings.Contains(e.Msg, s) {
			out = append(out, e)
		}
	}
	return out
}

// core returns a zapcore.Core that records every entry at level or above
// into the log. Adapters only log allow-listed fields (ids, amounts,
// statuses, codes, last four digits) and payment.Secret values render as
// [REDACTED], so the page shows what a production log would hold.
func (l *eventLog) core(level zapcore.LevelEnabler) zapcore.Core {
	return &eventCore{log: l, level: level}
}

type eventCore struct {
	log   *eventLog
	level zapcore.LevelEnabler
	ctx   []zapcore.Field
}

func (c *eventCore) Enabled(lvl zapcore.Level) bool { return c.level.Enabled(lvl) }

func (c *eventCore) With(fields []zapcore.Field) zapcore.Core {
	cp := *c
	cp.ctx = append(append([]zapcore.Field(nil), c.ctx...), fields...)
	return &cp
}

func (c *eventCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *eventCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.ctx {
		f.AddTo(enc)
	}
	for _, f := range fields {
		f.AddTo(enc)
	}
	c.log.add(event{
		Time:   ent.Time,
		Level:  ent.Level.String(),
		Source: ent.LoggerName,
		Msg:    ent.Message,
		Fields: formatFields(enc.Fields),
	})
	return nil
}

func (c *eventCore) Sync() error { return nil }

// formatFields renders a field map as sorted key=value pairs; nested
// objects (zapcore.ObjectMarshaler) are flattened with dotted keys.
func formatFields(m map[string]any) string {
	var parts []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			parts = append(parts, fmt.Sprintf("%s%s=%v", prefix, k, v))
		}
	}
	walk("", m)
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// newLogger returns a logger writing into the event log and, when extra is
// not nil, to extra as well (the terminal, in main).
func newLogger(l *eventLog, extra zapcore.Core) *zap.Logger {
	core := l.core(zapcore.DebugLevel)
	if extra != nil {
		core = zapcore.NewTee(core, extra)
	}
	return zap.New(core)
}
