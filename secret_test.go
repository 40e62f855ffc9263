package payment

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretNeverPrints(t *testing.T) {
	const v = "4111111111111111"
	s := NewSecret(v)
	type holder struct {
		Pass Secret
		P    *Secret
	}
	h := holder{Pass: s, P: &s}
	outs := []string{}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%T"} {
		outs = append(outs, fmt.Sprintf(f, s), fmt.Sprintf(f, h))
	}
	outs = append(outs, fmt.Sprint(s), fmt.Sprintln(s), s.String(), fmt.Sprintf("%+v", []Secret{s}), fmt.Sprintf("%v", map[string]Secret{"k": s}))
	js, err := json.Marshal(h)
	require.NoError(t, err)
	outs = append(outs, string(js))
	for _, o := range outs {
		assert.NotContains(t, o, v)
		assert.NotContains(t, o, "41111111")
	}
	assert.Equal(t, v, s.Reveal())
	assert.Equal(t, Redacted, NewSecret("").String())
	assert.True(t, NewSecret("").IsZero())
	assert.True(t, Secret{}.IsZero())
}

func TestSecretUnexportedAndGob(t *testing.T) {
	const v = "hunter2-4111111111111111"
	s := NewSecret(v)
	type inner struct {
		pass Secret
		ptr  *Secret
	}
	in := inner{pass: s, ptr: &s}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		for _, o := range []string{fmt.Sprintf(f, in), fmt.Sprintf(f, &in), fmt.Sprintf(f, []inner{in})} {
			assert.NotContains(t, o, "hunter2", f)
			assert.NotContains(t, o, fmt.Sprintf("%x", "hunter2"), f)
			assert.NotContains(t, o, fmt.Sprintf("%X", "hunter2"), f)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, gob.NewEncoder(&buf).Encode(struct{ Pass Secret }{s}))
	assert.NotContains(t, buf.String(), "hunter2", "gob")
	var back struct{ Pass Secret }
	assert.Error(t, gob.NewDecoder(&buf).Decode(&back), "a Secret is never decoded from gob")

	var u struct{ Pass Secret }
	require.NoError(t, json.Unmarshal([]byte(`{"Pass":"from-config"}`), &u))
	assert.Equal(t, "from-config", u.Pass.Reveal())
	js, err := json.Marshal(map[Secret]int{s: 1}) // keys through MarshalText
	require.NoError(t, err)
	assert.Equal(t, `{"[REDACTED]":1}`, string(js), "json map key")
}

func TestMaskPAN(t *testing.T) {
	tests := map[string]string{
		"4111111111111111":    "411111******1111",
		"4111-1111-1111-1111": "411111******1111",
		"371449635398431":     "***********8431",
		"1234":                "****",
		"":                    "",
		"5555555555554444123": "555555*********4123",
	}
	for in, want := range tests {
		got := MaskPAN(in)
		assert.Equal(t, want, got, in)
		if len(in) >= 10 {
			assert.LessOrEqual(t, 10, len(got))
			assert.LessOrEqual(t, strings.Count(got, "*"), len(got))
		}
	}
}
