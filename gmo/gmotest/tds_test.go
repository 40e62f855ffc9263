package gmotest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kessai/payment/gmo/gmotest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// challenge registers a TdFlag=2 order and executes it with pan.
func challenge(t *testing.T, s *gmotest.Server, order, pan, callbackType string) (id, pass string, a answer) {
	t.Helper()
	id, pass = entry(t, s, order, "AUTH", "2500", "TdFlag", "2", "TdTenantName", "S2Vzc2FpIFNob3A=")
	a = call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", order, "Method", "1",
		"Token", token(t, s, pan), "RetUrl", "https://shop.example/3ds/return?x=1", "CallbackType", callbackType))
	return id, pass, a
}

func TestThreeDSChallenge(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, pan, callbackType string
		pass                    bool
		wantSecure              string // "" = success
		wantStatus              string
	}{
		{"pass, POST return", gmotest.CardChallenge, "", true, "", "AUTH"},
		{"pass, GET return", gmotest.CardChallenge, "3", true, "", "AUTH"},
		{"customer fails", gmotest.CardChallenge, "", false, "ErrCode=E21&ErrInfo=E21030007", "AUTHENTICATED"},
		{"failure card", gmotest.CardChallengeFail, "", true, "ErrCode=E21&ErrInfo=E21030007", "AUTHENTICATED"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := gmotest.NewServer()
			defer s.Close()
			order := "tds-" + string(rune('a'+i))
			id, pass, a := challenge(t, s, order, tt.pan, tt.callbackType)
			require.Equal(t, "2", a.get("ACS"), a.raw)
			assert.True(t, strings.HasPrefix(a.raw, "ACS=2&RedirectUrl="+s.URL()+"/payment/Tds2StubCallback.idPass?transId="), a.raw)
			assert.Contains(t, a.get("RedirectUrl"), "&t=", "the quirk: &t= inside the value")

			st := call(t, s, "SearchTrade", shop(s, "OrderID", order))
			assert.Equal(t, "AUTHENTICATED", st.get("Status"))
			early := call(t, s, "SecureTran2", vals("AccessID", id, "AccessPass", pass))
			assert.Equal(t, "ErrCode=E21&ErrInfo=E21020002", early.raw, "challenge not done yet")

			req, err := s.ChallengeReturn(ctx, a.get("RedirectUrl"), tt.pass)
			require.NoError(t, err)
			if tt.callbackType == "3" {
				assert.Equal(t, http.MethodGet, req.Method)
				assert.Equal(t, "1", req.URL.Query().Get("x"), "RetUrl query kept")
				assert.Equal(t, id, req.URL.Query().Get("AccessID"))
			} else {
				assert.Equal(t, http.MethodPost, req.Method)
				assert.Equal(t, "https://shop.example/3ds/return?x=1", req.URL.String())
				require.NoError(t, req.ParseForm())
				assert.Equal(t, id, req.PostForm.Get("AccessID"))
			}
			v, err := s.CompleteChallenge(ctx, a.get("RedirectUrl"), !tt.pass)
			require.NoError(t, err, "revisiting the page replays the return")
			assert.Equal(t, id, v.Get("AccessID"))

			sec := call(t, s, "SecureTran2", vals("AccessID", id, "AccessPass", pass))
			if tt.wantSecure != "" {
				assert.Equal(t, tt.wantSecure, sec.raw)
			} else {
				assert.Equal(t, []string{"OrderID", "Forward", "Method", "PayTimes", "Approve", "TranID", "TranDate", "CheckString"}, sec.keys, sec.raw)
				assert.Equal(t, s.CheckString(order, sec.get("Forward"), "1", "", sec.get("Approve"), sec.get("TranID"), sec.get("TranDate")), sec.get("CheckString"))
				again := call(t, s, "SecureTran2", vals("AccessID", id, "AccessPass", pass))
				assert.Equal(t, "ErrCode=E11&ErrInfo=E11010001", again.raw, "no second authorization")
			}
			e, _ := s.Ledger(order)
			assert.Equal(t, tt.wantStatus, e.Status)
			if tt.wantSecure == "" {
				assert.Equal(t, 1, e.Charges)
				assert.Equal(t, int64(2500), e.Authorized)
			} else {
				assert.Equal(t, 0, e.Charges)
				assert.Equal(t, 1, e.Declines)
			}
			reexec := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", order, "Method", "1", "Token", token(t, s, gmotest.CardApprove)))
			assert.Equal(t, "ErrCode=E11&ErrInfo=E11010001", reexec.raw)
		})
	}
}

func TestThreeDSFrictionlessAndRetUrl(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	id, pass := entry(t, s, "fr-1", "CAPTURE", "100", "TdFlag", "2")
	a := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "fr-1", "Method", "1", "Token", token(t, s, gmotest.CardApprove)))
	assert.Equal(t, "0", a.get("ACS"), "frictionless card needs no redirect")

	id, pass = entry(t, s, "fr-2", "CAPTURE", "100", "TdFlag", "2")
	a = call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "fr-2", "Method", "1", "Token", token(t, s, gmotest.CardChallenge)))
	assert.Equal(t, "ErrCode=E01&ErrInfo=E01E30001", a.raw, "RetUrl required for a challenge")
}

func TestChallengePageIsRealHTML(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	_, _, a := challenge(t, s, "html-1", gmotest.CardChallenge, "")
	resp, err := http.Get(a.get("RedirectUrl"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	assert.Contains(t, string(body), `<form id="challenge" method="POST"`)
	assert.Contains(t, string(body), "Kessai Shop", "TdTenantName shown")
	assert.Contains(t, string(body), "************3022", "masked card")

	u, err := url.Parse(a.get("RedirectUrl"))
	require.NoError(t, err)
	q := u.Query()
	q.Set("t", strings.Repeat("0", 32))
	u.RawQuery = q.Encode()
	resp, err = http.Get(u.String())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "tampered link refused")
}

func TestLegacyThreeDS(t *testing.T) {
	s := gmotest.NewServer()
	defer s.Close()
	id, pass := entry(t, s, "tds1-1", "AUTH", "300", "TdFlag", "1")
	a := call(t, s, "ExecTran", vals("AccessID", id, "AccessPass", pass, "OrderID", "tds1-1", "Method", "1", "Token", token(t, s, gmotest.CardChallenge)))
	// ACS=1 answers carry Base64 with '=' inside values: split on known keys.
	require.True(t, strings.HasPrefix(a.raw, "ACS=1&ACSUrl="), a.raw)
	i, j := strings.Index(a.raw, "&PaReq="), strings.Index(a.raw, "&MD=")
	acsURL, paReq, md := a.raw[len("ACS=1&ACSUrl="):i], a.raw[i+len("&PaReq="):j], a.raw[j+len("&MD="):]
	assert.Equal(t, s.URL()+"/payment/Tds1StubAcs.idPass", acsURL)
	assert.Equal(t, id, md)

	v, err := s.CompleteLegacyChallenge(context.Background(), acsURL, paReq, md, "https://shop.example/term", true)
	require.NoError(t, err)
	require.NotEmpty(t, v.Get("PaRes"))
	assert.Equal(t, md, v.Get("MD"))

	forged := call(t, s, "SecureTran", vals("PaRes", "Zm9yZ2Vk", "MD", md))
	assert.Equal(t, "ErrCode=E21&ErrInfo=E21020001", forged.raw)
	sec := call(t, s, "SecureTran", vals("PaRes", v.Get("PaRes"), "MD", md))
	require.Empty(t, sec.get("ErrCode"), sec.raw)
	assert.Equal(t, "tds1-1", sec.get("OrderID"))
	e, _ := s.Ledger("tds1-1")
	assert.Equal(t, "AUTH", e.Status)
	assert.Equal(t, 1, e.Charges)
	_ = pass
}

func TestChallengeOnHandler(t *testing.T) {
	// NewHandler behind a caller's listener: pages use WithPublicURL.
	var s *gmotest.Server
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.Handler().ServeHTTP(w, r) }))
	defer hs.Close()
	s = gmotest.NewHandler(gmotest.WithPublicURL(hs.URL))
	defer s.Close()
	assert.Equal(t, hs.URL, s.URL())
	_, _, a := challenge(t, s, "h-1", gmotest.CardChallenge, "")
	assert.True(t, strings.HasPrefix(a.get("RedirectUrl"), hs.URL+"/payment/Tds2StubCallback.idPass?"), a.raw)
	v, err := s.CompleteChallenge(context.Background(), a.get("RedirectUrl"), true)
	require.NoError(t, err)
	assert.NotEmpty(t, v.Get("AccessID"))
}
