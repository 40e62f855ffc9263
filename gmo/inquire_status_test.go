package gmo

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kessai/payment"
	"github.com/kessai/payment/provider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInquireUnmappedStatus: a SearchTrade status the library does not map
// is StatusUnknown with an ErrOutcomeUnknown error keeping GMO's value,
// never a nil error; known statuses answer without error.
func TestInquireUnmappedStatus(t *testing.T) {
	rec := "OrderID=" + fzOrderID + "&Status=STATUS&ProcessDate=20130420044346&JobCd=AUTH&AccessID=" + fzAccessID + "&AccessPass=" + fzAccessPass +
		"&ItemCode=0000990&Amount=1000&Tax=0&SiteID=&MemberID=&CardNo=************1111&Expire=1405&Method=1&PayTimes=&Forward=2a99662&TranID=1304200441111111111111193613&Approve=6712106"
	tests := []struct {
		status string
		want   payment.Status
		err    error
	}{
		{"AUTH", payment.StatusAuthorized, nil},
		{"SALES", payment.StatusCaptured, nil},
		{"VOID", payment.StatusCanceled, nil},
		{"NEWSTATE", payment.StatusUnknown, payment.ErrOutcomeUnknown},
		{"", payment.StatusUnknown, payment.ErrOutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			g := &fzGateway{calls: map[string]int{}, fuzzAPI: "SearchTrade", fuzzStatus: http.StatusOK,
				fuzzBody: []byte(strings.Replace(rec, "Status=STATUS", "Status="+tt.status, 1))}
			p, err := New(Config{ShopID: fzShopID, ShopPass: payment.NewSecret(fzShopPass)}, provider.WithBaseURL("http://gmo.invalid"),
				provider.WithHTTPClient(&http.Client{Transport: g}), provider.WithMaxRetries(0))
			require.NoError(t, err)
			pay, err := p.Inquire(context.Background(), Ref(fzOrderID, fzAccessID))
			require.NotNil(t, pay)
			assert.Equal(t, tt.want, pay.Status)
			if tt.err == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.err)
			var pe *payment.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.status, pe.GatewayCode)
		})
	}
}
