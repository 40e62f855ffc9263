package gmo_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/provider"
)

// scripted is a tiny fake that answers each API with a fixed body and
// records what it received, for wire details the simulator does not expose.
type scripted struct {
	mu      sync.Mutex
	replies map[string]func() (contentType string, body []byte)
	got     map[string][]*http.Request
	bodies  map[string][]string
}

func newScripted(t *testing.T) (*scripted, *httptest.Server) {
	s := &scripted{replies: map[string]func() (string, []byte){}, got: map[string][]*http.Request{}, bodies: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/payment/"), ".idPass")
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got[api] = append(s.got[api], r)
		s.bodies[api] = append(s.bodies[api], string(b))
		reply := s.replies[api]
		s.mu.Unlock()
		if reply == nil {
			w.Header().Set("Content-Type", "text/plain;charset=Windows-31J")
			_, _ = io.WriteString(w, "ErrCode=E91&ErrInfo=E91099997")
			return
		}
		ct, body := reply()
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *scripted) on(api, ct, body string) {
	s.mu.Lock()
	s.replies[api] = func() (string, []byte) { return ct, []byte(body) }
	s.mu.Unlock()
}

func (s *scripted) body(api string, i int) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, _ := url.ParseQuery(s.bodies[api][i])
	return v
}

const (
	accessID   = "3618be802c7ac572414274731e50cb6c"
	accessPass = "4099664bd4b110800e09805539d1d7b5"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestWireRequests(t *testing.T) {
	s, srv := newScripted(t)
	p, err := gmo.New(gmo.Config{ShopID: "tshop00000001", ShopPass: payment.NewSecret("shoppass1"), BaseURL: srv.URL, TdTenantName: "決済テスト"})
	require.NoError(t, err)
	ctx := context.Background()
	s.on("EntryTran", "text/plain;charset=Shift_JIS", "AccessID="+accessID+"&AccessPass="+accessPass+"\r\n")
	pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o-1", Amount: jpy(1000), ReturnURL: "https://shop.example/r?a=1&b=2"})
	require.NoError(t, err)
	assert.Equal(t, gmo.Ref("o-1", accessID), pay.Ref)

	r := s.got["EntryTran"][0]
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	v := s.body("EntryTran", 0)
	assert.Equal(t, "tshop00000001", v.Get("ShopID"))
	assert.Equal(t, "CAPTURE", v.Get("JobCd"))
	assert.Equal(t, "1000", v.Get("Amount"))
	assert.Equal(t, "2", v.Get("TdFlag"), "3-D Secure 2.0 by default")
	assert.Equal(t, "t+i60aXGpbmlyA==", v.Get("TdTenantName"), "Base64 of EUC-JP bytes (python euc_jp)")
	assert.NotContains(t, s.bodies["EntryTran"][0], "null")

	// ACS=0 with a CheckString made with another ShopPass: a mismatch.
	tranFields := "o-1" + "2a99662" + "1" + "" + "6416276" + "1303011202111111111111198895" + "20130301120312"
	bad := md5hex(tranFields + "otherpass")
	s.on("ExecTran", "", "ACS=0&OrderID=o-1&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString="+bad)
	s.on("SearchTrade", "text/plain;charset=Windows-31J", "OrderID=o-1&Status=CAPTURE&ProcessDate=20130301120312&JobCd=CAPTURE&AccessID="+accessID+"&AccessPass="+accessPass+"&ItemCode=0000990&Amount=1000&Tax=0&SiteID=&MemberID=&CardNo=************1111&Expire=3012&Method=1&PayTimes=&Forward=2a99662&TranID=1303011202111111111111198895&Approve=6416276&ClientField1=&ClientField2=&ClientField3=")
	got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret("tok+/=")}})
	assert.ErrorIs(t, err, payment.ErrInvalidSignature)
	require.NotNil(t, got, "the gateway's truth comes with the error")
	assert.Equal(t, payment.StatusCaptured, got.Status)

	ev := s.body("ExecTran", 0)
	assert.Equal(t, "tok+/=", ev.Get("Token"), "token percent-encoded, not mangled")
	assert.Contains(t, s.bodies["ExecTran"][0], "Token=tok%2B%2F%3D")
	assert.Equal(t, "https://shop.example/r?a=1&b=2", ev.Get("RetUrl"), "RetUrl remembered from CreatePayment")
	assert.Equal(t, accessPass, ev.Get("AccessPass"))
	assert.Equal(t, "1", ev.Get("Method"))
	assert.Empty(t, ev.Get("ShopPass"), "ExecTran does not carry the shop password")

	// The same reply with the right CheckString verifies.
	good := md5hex(tranFields + "shoppass1")
	s.on("ExecTran", "", "ACS=0&OrderID=o-1&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString="+strings.ToUpper(good))
	s.on("EntryTran", "", "AccessID="+accessID+"&AccessPass="+accessPass)
	pay2, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o-1", Amount: jpy(1000), ReturnURL: "https://shop.example/r"})
	require.NoError(t, err)
	got, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay2.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret("tok")}})
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCaptured, got.Status)
	assert.Equal(t, "6416276", got.ApprovalCode)
}

func TestWireReplies(t *testing.T) {
	ctx := context.Background()
	t.Run("ACS=2 with its own query", func(t *testing.T) {
		s, srv := newScripted(t)
		p, err := gmo.New(gmo.Config{ShopID: "tshop00000001", ShopPass: payment.NewSecret("shoppass1")}, provider.WithBaseURL(srv.URL))
		require.NoError(t, err)
		s.on("EntryTran", "", "AccessID="+accessID+"&AccessPass="+accessPass)
		s.on("ExecTran", "", "ACS=2&RedirectUrl=https://manage.tds2gw.gmopg.jp/api/v2/brw/callback?transId=5b0c9a0e&t=9f86d081")
		pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o-2", Amount: jpy(10), ReturnURL: "https://shop.example/r"})
		require.NoError(t, err)
		got, err := p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret("tok")}})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusRequiresAction, got.Status)
		assert.Equal(t, "https://manage.tds2gw.gmopg.jp/api/v2/brw/callback?transId=5b0c9a0e&t=9f86d081", got.NextAction.URL)
	})
	t.Run("ACS=2 with a non-http redirect is not trusted", func(t *testing.T) {
		s, srv := newScripted(t)
		p, err := gmo.New(gmo.Config{ShopID: "tshop00000001", ShopPass: payment.NewSecret("shoppass1")}, provider.WithBaseURL(srv.URL))
		require.NoError(t, err)
		s.on("EntryTran", "", "AccessID="+accessID+"&AccessPass="+accessPass)
		s.on("ExecTran", "", "ACS=2&RedirectUrl=javascript:alert(1)")
		s.on("SearchTrade", "", "OrderID=o-3&Status=UNPROCESSED&ProcessDate=&JobCd=CAPTURE&AccessID="+accessID+"&AccessPass="+accessPass+"&Amount=10&Tax=0")
		pay, err := p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: "o-3", Amount: jpy(10), ReturnURL: "https://shop.example/r"})
		require.NoError(t, err)
		_, err = p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref, Method: &payment.PaymentMethod{CardToken: payment.NewSecret("tok")}})
		assert.ErrorIs(t, err, payment.ErrOutcomeUnknown, "SearchTrade shows no change yet")
		assert.Len(t, s.got["SearchTrade"], 1, "reconciled")
	})
	t.Run("SearchTrade for another transaction is not trusted", func(t *testing.T) {
		s, srv := newScripted(t)
		p, err := gmo.New(gmo.Config{ShopID: "tshop00000001", ShopPass: payment.NewSecret("shoppass1")}, provider.WithBaseURL(srv.URL))
		require.NoError(t, err)
		s.on("SearchTrade", "", "OrderID=o-4&Status=CAPTURE&JobCd=CAPTURE&AccessID=ffffffffffffffffffffffffffffffff&AccessPass="+accessPass+"&Amount=10&Tax=0")
		_, err = p.Inquire(ctx, gmo.Ref("o-4", accessID))
		assert.ErrorIs(t, err, payment.ErrNotFound)
	})
	t.Run("unexpected reply body", func(t *testing.T) {
		s, srv := newScripted(t)
		p, err := gmo.New(gmo.Config{ShopID: "tshop00000001", ShopPass: payment.NewSecret("shoppass1")}, provider.WithBaseURL(srv.URL), provider.WithMaxRetries(0))
		require.NoError(t, err)
		s.on("SearchTrade", "", "no pairs here")
		_, err = p.Inquire(ctx, gmo.Ref("o-5", accessID))
		assert.ErrorIs(t, err, payment.ErrUnavailable)
	})
}

// The recorded sandbox round trip (gmo-protocol.md §1.1): ClientField1
// ～－￠￡￢－∥① goes out as cp932 bytes 81 60 81 7C 81 91 81 92 81 CA 81 7C
// 81 61 87 40 and comes back byte-identical from SearchTrade.
func TestClientFieldRoundTrip(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	p := e.create(t, payment.CaptureAutomatic, 1000)
	_, err := e.p.ConfirmWithOptions(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, "4111111111111111")},
		gmo.ExecOptions{ClientFields: [3]string{"〜−￠￡￢－‖①", "", "plain"}})
	require.NoError(t, err)

	body := "ShopID=tshop00000001&ShopPass=shoppass1&OrderID=" + p.OrderID
	resp, err := http.Post(e.sim.URL()+"/payment/SearchTrade.idPass", "application/x-www-form-urlencoded", strings.NewReader(body))
	require.NoError(t, err)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	want := []byte{0x81, 0x60, 0x81, 0x7C, 0x81, 0x91, 0x81, 0x92, 0x81, 0xCA, 0x81, 0x7C, 0x81, 0x61, 0x87, 0x40}
	assert.Contains(t, string(raw), "&ClientField1="+string(want)+"&ClientField2=&ClientField3=plain")

	t.Run("uncarriable characters are rejected before I/O, naming the field", func(t *testing.T) {
		p := e.create(t, payment.CaptureAutomatic, 1000)
		before := e.sim.Requests()
		_, err := e.p.ConfirmWithOptions(ctx, payment.ConfirmRequest{Ref: p.Ref, Method: e.token(t, "4111111111111111")},
			gmo.ExecOptions{ClientFields: [3]string{"", "€5", ""}})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		var pe *payment.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "ClientField2", pe.Field)
		assert.Equal(t, before, e.sim.Requests())
	})
}
