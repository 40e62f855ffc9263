package gmo

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
)

func TestPassCacheBounded(t *testing.T) {
	c := newPassCache(3)
	for i := range 5 {
		c.put("id"+strconv.Itoa(i), entry{orderID: "o" + strconv.Itoa(i), accessPass: payment.NewSecret("p"), amount: int64(i + 1)})
	}
	assert.Len(t, c.m, 3)
	_, ok := c.get("id0")
	assert.False(t, ok, "oldest evicted")
	_, ok = c.get("id1")
	assert.False(t, ok)
	e, ok := c.get("id4")
	require.True(t, ok)
	assert.Equal(t, "o4", e.orderID)

	// An update keeps the original amount, return URL and capture mark.
	c.put("id4", entry{orderID: "o4", accessPass: payment.NewSecret("p"), amount: 2, returnURL: "https://r"})
	c.markCaptured("id4")
	c.put("id4", entry{orderID: "o4", accessPass: payment.NewSecret("p"), amount: 1})
	e, _ = c.get("id4")
	assert.Equal(t, int64(5), e.amount)
	assert.Equal(t, "https://r", e.returnURL)
	assert.True(t, c.wasCaptured("id4"))
	assert.Len(t, c.m, 3, "updates do not grow the cache")
}

func TestPassCacheDisabled(t *testing.T) {
	var c *passCache = newPassCache(-1)
	c.put("a", entry{orderID: "o"})
	c.markCaptured("a")
	_, ok := c.get("a")
	assert.False(t, ok)
	assert.False(t, c.wasCaptured("a"))
}

func TestPassCacheConcurrent(t *testing.T) {
	c := newPassCache(64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				id := strconv.Itoa(g*1000 + i%100)
				c.put(id, entry{orderID: id, accessPass: payment.NewSecret(id)})
				if e, ok := c.get(id); ok && e.orderID != id {
					t.Errorf("entry %s holds %s", id, e.orderID)
				}
				c.markCaptured(id)
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, len(c.m), 64)
}

func TestParseRef(t *testing.T) {
	const acc = "3618be802c7ac572414274731e50cb6c"
	tests := []struct {
		ref    payment.PaymentRef
		order  string
		wantOK bool
	}{
		{"gmo:o-1:" + acc, "o-1", true},
		{Ref("ABCDEFGHIJKLMNOPQRSTUVWXYZ0", acc), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0", true},
		{payment.PaymentRef("gmo:o-1:" + acc[:31]), "", false},
		{"gmo:o-1:" + acc + "0", "", false},
		{"gmo:o-1:3618BE802C7AC572414274731E50CB6C", "", false},
		{"gmo::" + acc, "", false},
		{"gmo:o:1:" + acc, "", false},
		{"golomt:o-1:" + acc, "", false},
		{"gmo:" + payment.PaymentRef(string(make([]byte, 28))) + ":" + acc, "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.ref), func(t *testing.T) {
			o, a, err := ParseRef(tt.ref)
			if !tt.wantOK {
				assert.ErrorIs(t, err, payment.ErrInvalidRequest)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.order, o)
			assert.Equal(t, acc, a)
		})
	}
}

func TestRefundJob(t *testing.T) {
	now := mustJST(t, "20260310100000")
	tests := []struct{ date, want string }{
		{"20260310000001", "VOID"},
		{"20260310235959", "VOID"},
		{"20260309235959", "RETURN"},
		{"20260301000000", "RETURN"},
		{"20260228235959", "RETURNX"},
		{"20250310100000", "RETURNX"},
		{"", "RETURN"},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			assert.Equal(t, tt.want, refundJob(tt.date, now))
		})
	}
	// Midnight in Tokyo, not UTC: 2026-03-10 00:30 JST is 03-09 UTC.
	assert.Equal(t, "VOID", refundJob("20260310003000", mustJST(t, "20260310235900").UTC()))
}

func mustJST(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("20060102150405", s, jst)
	require.NoError(t, err)
	return tm
}
