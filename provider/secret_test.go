package provider_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const secretValue = "hunter2-sk_live_4111111111111111"

// Credentials is how adapters hold secrets in their Config: exported fields.
type Credentials struct {
	ShopID   string
	ShopPass payment.Secret
	Token    *payment.Secret
}

func TestSecretFmt(t *testing.T) {
	s := payment.NewSecret(secretValue)
	tests := []struct {
		format string
		want   string
	}{
		{"%v", "[REDACTED]"},
		{"%+v", "[REDACTED]"},
		{"%#v", `payment.NewSecret("[REDACTED]")`},
		{"%s", "[REDACTED]"},
		{"%q", "[REDACTED]"},
		{"%x", "[REDACTED]"},
		{"%X", "[REDACTED]"},
		{"%d", "[REDACTED]"},
		{"%20s", "[REDACTED]"},
		{"%-8.3q", "[REDACTED]"},
		{"%T", "payment.Secret"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			got := fmt.Sprintf(tt.format, s)
			assert.Equal(t, tt.want, got, "value")
			assert.NotContains(t, fmt.Sprintf(tt.format, &s), "hunter2", "pointer")
		})
	}
}

func TestSecretInsideValues(t *testing.T) {
	s := payment.NewSecret(secretValue)
	c := Credentials{ShopID: "tshop001", ShopPass: s, Token: &s}
	tests := []struct {
		name string
		got  string
		want string // substring that must appear
	}{
		{"struct %+v", fmt.Sprintf("%+v", c), "ShopPass:[REDACTED]"},
		{"struct %v", fmt.Sprintf("%v", c), "tshop001 [REDACTED]"},
		{"struct %#v", fmt.Sprintf("%#v", c), `ShopPass:payment.NewSecret("[REDACTED]")`},
		{"pointer to struct %+v", fmt.Sprintf("%+v", &c), "ShopPass:[REDACTED]"},
		{"slice %v", fmt.Sprintf("%v", []payment.Secret{s, s}), "[[REDACTED] [REDACTED]]"},
		{"map value %v", fmt.Sprintf("%v", map[string]payment.Secret{"k": s}), "map[k:[REDACTED]]"},
		{"map key %v", fmt.Sprintf("%v", map[payment.Secret]int{s: 1}), "map[[REDACTED]:1]"},
		{"Sprint", fmt.Sprint(s), "[REDACTED]"},
		{"Errorf %v", fmt.Errorf("login as %v failed", s).Error(), "login as [REDACTED] failed"},
		{"any %v", fmt.Sprintf("%v", any(s)), "[REDACTED]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotContains(t, tt.got, "hunter2", "leak")
			assert.Contains(t, tt.got, tt.want, "rendering")
		})
	}
}

func TestSecretJSON(t *testing.T) {
	s := payment.NewSecret(secretValue)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"alone", s, `"[REDACTED]"`},
		{"pointer", &s, `"[REDACTED]"`},
		{"struct", Credentials{ShopID: "tshop001", ShopPass: s, Token: &s},
			`{"ShopID":"tshop001","ShopPass":"[REDACTED]","Token":"[REDACTED]"}`},
		{"map value", map[string]payment.Secret{"pass": s}, `{"pass":"[REDACTED]"}`},
		{"slice", []payment.Secret{s}, `["[REDACTED]"]`},
		{"nested", map[string]any{"creds": []Credentials{{ShopPass: s}}},
			`{"creds":[{"ShopID":"","ShopPass":"[REDACTED]","Token":null}]}`},
		{"string option", struct {
			P payment.Secret `json:"p,string"`
		}{s}, `{"p":"[REDACTED]"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b), "json")
			assert.NotContains(t, string(b), "hunter2", "leak")
		})
	}
}

func TestSecretZap(t *testing.T) {
	s := payment.NewSecret(secretValue)
	c := Credentials{ShopID: "tshop001", ShopPass: s, Token: &s}
	fields := []struct {
		name  string
		field zap.Field
	}{
		{"Any", zap.Any("pass", s)},
		{"Any pointer", zap.Any("pass", &s)},
		{"Stringer", zap.Stringer("pass", s)},
		{"Reflect", zap.Reflect("pass", s)},
		{"Reflect struct", zap.Reflect("creds", c)},
		{"Any struct", zap.Any("creds", c)},
		{"Any map", zap.Any("m", map[string]payment.Secret{"pass": s})},
		{"Any slice", zap.Any("s", []payment.Secret{s})},
		{"SecretField", provider.SecretField("pass", s)},
	}
	encoders := []struct {
		name string
		enc  zapcore.Encoder
	}{
		{"json", zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())},
		{"console", zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())},
	}
	for _, e := range encoders {
		for _, f := range fields {
			t.Run(e.name+"/"+f.name, func(t *testing.T) {
				var buf bytes.Buffer
				l := zap.New(zapcore.NewCore(e.enc.Clone(), zapcore.AddSync(&buf), zap.DebugLevel))
				l.Info("configured", f.field)
				require.NoError(t, l.Sync())

				assert.NotContains(t, buf.String(), "hunter2", "leak")
				assert.Contains(t, buf.String(), "[REDACTED]", "rendering")
			})
		}
	}
}

func TestSecretField(t *testing.T) {
	tests := []struct {
		name string
		s    payment.Secret
		want string
	}{
		{"set", payment.NewSecret(secretValue), "[REDACTED]"},
		{"empty shows unset", payment.NewSecret(""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := provider.SecretField("pass", tt.s)
			assert.Equal(t, zapcore.StringType, f.Type, "type")
			assert.Equal(t, "pass", f.Key, "key")
			assert.Equal(t, tt.want, f.String, "value")
		})
	}
}

// TestSecretWhereFmtCannotCallMethods covers the places Go bypasses a
// type's methods: fmt prints unexported struct fields by reflection (so
// log/slog's text handler, %+v in panics and t.Logf do too), and
// encoding/json writes string-kinded map keys verbatim. payment.Secret is a
// struct holding a pointer, so neither can reach the value.
func TestSecretWhereFmtCannotCallMethods(t *testing.T) {
	s := payment.NewSecret(secretValue)
	type config struct{ pass payment.Secret }
	mapKey, err := json.Marshal(map[payment.Secret]int{s: 1})
	require.NoError(t, err)
	assert.NotContains(t, string(mapKey), "hunter2", "json map key")
	tests := []struct {
		name string
		got  string
	}{
		{"unexported field %+v", fmt.Sprintf("%+v", config{s})},
		{"unexported field via pointer %v", fmt.Sprintf("%v", &config{s})},
		{"unexported field %#v", fmt.Sprintf("%#v", config{s})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotContains(t, tt.got, "hunter2", "leak")
			assert.NotContains(t, tt.got, hexOf("hunter2"), "hex leak")
		})
	}
}

func hexOf(s string) string { return fmt.Sprintf("%x", s) }
