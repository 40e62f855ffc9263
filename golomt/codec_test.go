package golomt

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// The recorded bodies parse; their checksums are the bank's placeholders
// (unknown key), so none verifies under any key we have.
func TestRecordedBodies(t *testing.T) {
	t.Run("push failed", func(t *testing.T) {
		res, err := parsePush(readTestdata(t, "push_failed.json"))
		require.NoError(t, err)
		assert.Equal(t, "test000001", res.TransactionID.S)
		assert.Equal(t, "300", res.ErrorCode.S)
		assert.Equal(t, "1", res.Amount.S)
		assert.False(t, res.Token.Set, "no token on a failed push")
		assert.False(t, res.Status.Set, "a push has no status")
		assert.Equal(t, "Картын хугацаа дууссан", res.ErrorDesc.S)
		assert.False(t, newSigner([]byte("testSecret")).verify(res.Checksum.S, res.TransactionID.S, res.ErrorCode.S, res.Amount.S, res.Token.S))
	})
	t.Run("inquiry success (truncated checksum)", func(t *testing.T) {
		var res result
		require.NoError(t, decodeObject(readTestdata(t, "inquiry_success.json"), &res))
		assert.Equal(t, "SENT", res.Status.S)
		assert.Equal(t, "000", res.ErrorCode.S)
		_, err := parsePush(readTestdata(t, "inquiry_success.json"))
		assert.ErrorIs(t, err, payment.ErrInvalidRequest, "a truncated checksum is malformed")
	})
	t.Run("pay response", func(t *testing.T) {
		var res result
		require.NoError(t, decodeObject(readTestdata(t, "pay_response.json"), &res))
		assert.Equal(t, "1.00", res.Amount.S)
		assert.Equal(t, "R749P918K873", res.TransactionID.S)
	})
	t.Run("invoice response", func(t *testing.T) {
		var ir invoiceResponse
		require.NoError(t, decodeObject(readTestdata(t, "invoice_response.json"), &ir))
		assert.Equal(t, "d7fb2858-df36-469e-b40d-2815fe9215cf", ir.Invoice.S)
		assert.True(t, validWireID(ir.Invoice.S, 64))
		assert.Contains(t, ir.SocialDeeplink.S, "socialpay-payment://key=VnEWLv/")
	})
	t.Run("error envelope excerpt", func(t *testing.T) {
		env, ok := decodeEnvelope(readTestdata(t, "error_envelope.json"))
		require.True(t, ok)
		assert.Equal(t, 400, env.Status)
		assert.Equal(t, "Validation", env.Error)
	})
	t.Run("settlement", func(t *testing.T) {
		var sr settlementResponse
		require.NoError(t, decodeObject(readTestdata(t, "settlement_response.json"), &sr))
		require.NotNil(t, sr.Content)
		require.Len(t, *sr.Content, 1)
		row := (*sr.Content)[0]
		assert.Equal(t, int64(2184720), row.ID)
		assert.True(t, row.FreeText1.Null)
		assert.Equal(t, "CHECKED", row.FreeText2.S)
		assert.True(t, sr.Pageable.Last)
	})
}

func TestJstr(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    string
		null    bool
		set     bool
		wantErr bool
	}{
		{"string", `{"amount":"1500.00"}`, "1500.00", false, true, false},
		{"escaped", `{"amount":"a\"b\u0041"}`, "a\"bA", false, true, false},
		{"cyrillic", `{"amount":"Амжилттай"}`, "Амжилттай", false, true, false},
		{"null", `{"amount":null}`, "", true, true, false},
		{"absent", `{}`, "", false, false, false},
		{"number", `{"amount":1500}`, "", false, true, true},
		{"object", `{"amount":{}}`, "", false, true, true},
		{"bool", `{"amount":true}`, "", false, true, true},
		{"array", `{"amount":["1"]}`, "", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				Amount jstr `json:"amount"`
			}
			err := decodeObject([]byte(tt.body), &v)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, v.Amount.S)
			assert.Equal(t, tt.null, v.Amount.Null)
			assert.Equal(t, tt.set, v.Amount.Set)
		})
	}
}

func TestDecodeObjectRejects(t *testing.T) {
	for _, b := range []string{``, `[]`, `"x"`, `null`, `{"a":"b"} x`, `{"a":"b"`, "\xff"} {
		var r result
		assert.Error(t, decodeObject([]byte(b), &r), b)
	}
}

func TestRefRoundTrip(t *testing.T) {
	r := ref{kind: kindInvoice, txn: "ORDER1", invoice: "d7fb2858-df36-469e-b40d-2815fe9215cf", amount: "1500.00", created: 1763802000}
	got, err := parseRef("x", r.paymentRef())
	require.NoError(t, err)
	assert.Equal(t, r, got)
	assert.Equal(t, "golomt:invoice:ORDER1:d7fb2858-df36-469e-b40d-2815fe9215cf:1500.00:1763802000", r.String())
	p := ref{kind: kindPay, txn: "P1", amount: "1.00"}
	got, err = parseRef("x", p.paymentRef())
	require.NoError(t, err)
	assert.Equal(t, p, got)
}
