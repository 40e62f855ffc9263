package golomttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kessai/payment/golomt/golomttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shape lists an object's keys in wire order with their JSON kinds; nested
// objects and the first element of arrays are described under "key.".
func shape(t *testing.T, raw []byte) []string {
	t.Helper()
	var out []string
	var walk func(prefix string, v json.RawMessage)
	walk = func(prefix string, v json.RawMessage) {
		dec := json.NewDecoder(bytes.NewReader(v))
		tok, err := dec.Token()
		require.NoError(t, err)
		if tok != json.Delim('{') {
			return
		}
		for dec.More() {
			k, err := dec.Token()
			require.NoError(t, err)
			var val json.RawMessage
			require.NoError(t, dec.Decode(&val))
			kind := "?"
			switch val[0] {
			case '"':
				kind = "string"
			case 'n':
				kind = "null"
			case 't', 'f':
				kind = "bool"
			case '{':
				kind = "object"
				walk(prefix+k.(string)+".", val)
			case '[':
				kind = "array"
				var arr []json.RawMessage
				require.NoError(t, json.Unmarshal(val, &arr))
				if len(arr) > 0 {
					walk(prefix+k.(string)+"[].", arr[0])
				}
			default:
				kind = "number"
			}
			out = append(out, fmt.Sprintf("%s%s:%s", prefix, k, kind))
		}
	}
	walk("", raw)
	return out
}

func recorded(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// TestWireShapeMatchesRecorded compares the simulator's bodies with the
// bank's documented examples: same keys, same order, same JSON kinds.
func TestWireShapeMatchesRecorded(t *testing.T) {
	shop := &merchant{}
	ms := httptest.NewServer(shop)
	defer ms.Close()
	clk := golomttest.NewClock(time.Date(2022, 7, 29, 9, 0, 34, 0, time.UTC))
	srv := golomttest.NewServer(golomttest.WithClock(clk), golomttest.WithNotifyURL(ms.URL))
	defer srv.Close()

	body := map[string]string{"amount": "1", "callback": "https://google.com", "returnType": "GET",
		"transactionId": "test000001", "genToken": "Y", "socialDeeplink": "Y", "email": "test@gmail.com",
		"checksum": srv.Sign("test000001", "1", "GET", "https://google.com")}
	code, invResp := call(t, srv, "/api/invoice", body)
	require.Equal(t, 200, code)
	inv := str(decode(t, invResp), "invoice")
	_, err := srv.PayInvoice(context.Background(), srv.PageURL(inv, "mn"), golomttest.CardApproved)
	require.NoError(t, err)
	_, _, inqResp := inquiry(t, srv, "test000001")

	inv2 := invoice(t, srv, "test000002", "1", "GET", "https://google.com", "N")
	_, err = srv.PayInvoice(context.Background(), srv.PageURL(inv2, "mn"), golomttest.CardExpired)
	require.NoError(t, err)
	r, err := srv.NextNotification("test000002")
	require.NoError(t, err)
	pushResp, _ := io.ReadAll(r.Body)

	tok := srv.SaveCard(golomttest.CardApproved)
	_, payResp := call(t, srv, "/api/pay", map[string]string{"amount": "1", "transactionId": "R749P918K873",
		"token": tok, "lang": "MN", "checksum": srv.Sign("1", "R749P918K873", tok)})
	_, settleResp := call(t, srv, "/api/getSettlementDetails?page=0&size=1&start=2022-07-29&end=2022-07-29",
		map[string]string{"merchantId": srv.MerchantID(), "token": tok, "checksum": srv.Sign(srv.MerchantID(), tok)})
	_, errResp := call(t, srv, "/api/invoice", `{}`)

	tests := []struct {
		name, file string
		got        []byte
	}{
		{"invoice response", "invoice_response.json", invResp},
		{"inquiry success", "inquiry_success.json", inqResp},
		{"push failed", "push_failed.json", pushResp},
		{"pay response", "pay_response.json", payResp},
		{"settlement", "settlement_response.json", settleResp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, shape(t, recorded(t, tt.file)), shape(t, tt.got), string(tt.got))
		})
	}
	t.Run("error envelope", func(t *testing.T) {
		want := shape(t, recorded(t, "error_envelope.json")) // the recorded excerpt stops after "error"
		got := shape(t, errResp)
		require.GreaterOrEqual(t, len(got), len(want))
		assert.Equal(t, want, got[:len(want)])
		assert.Equal(t, []string{"message:string", "path:string"}, got[len(want):])
	})
	assert.Equal(t, "Голомт банк", str(decode(t, inqResp), "bank"))
}
