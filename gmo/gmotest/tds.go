package gmotest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
)

// tdsState is a 3-D Secure authentication in progress.
type tdsState struct {
	version      string // "2" (ACS=2, RedirectUrl) or "1" (ACS=1, ACSUrl/PaReq/MD)
	transID      string
	retURL       string
	callbackType string
	result       string // "", "pass", "fail", "declined"
	declined     string // the issuer's code after "declined"
	counted      bool   // the failure was counted and notified
	pd           pending
}

// sign authenticates a value handed to the browser.
func (s *Server) sign(v string) string {
	m := hmac.New(sha256.New, s.key[:])
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

func newUUID() string {
	h := randHex(16)
	b := []byte(h)
	b[12] = '4'
	return string(b[0:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:32])
}

// startTds parks an execution behind a 3-D Secure challenge.
func (s *Server) startTds(c *call, t *tran, pd pending, retURL, cbType string) reply {
	st := &tdsState{version: t.tdFlag, transID: newUUID(), retURL: retURL, callbackType: cbType, pd: pd}
	t.tds = st
	t.status = "AUTHENTICATED"
	t.processDate = c.now
	s.tds[st.transID] = t
	t.log(c.now, "ExecTran 3-D Secure %s challenge", st.version)
	if st.version == "1" {
		paReq := base64.StdEncoding.EncodeToString([]byte("gmotest-PaReq:" + st.transID + ":" + s.sign(st.transID)))
		return reply{pairs: []kv{{"ACS", "1"}, {"ACSUrl", c.base + tds1Path}, {"PaReq", paReq}, {"MD", t.accessID}}}
	}
	// The RedirectUrl carries its own '&t=': the quirk parsers must survive.
	u := c.base + tds2Path + "?transId=" + st.transID + "&t=" + s.sign(st.transID)
	return reply{pairs: []kv{{"ACS", "2"}, {"RedirectUrl", u}}}
}

// finishTds records the customer's answer on the challenge page.
func (s *Server) finishTds(t *tran, pass bool) {
	st := t.tds
	if st.result != "" {
		return
	}
	now := s.Now()
	if pass && st.pd.c.pan != CardChallengeFail {
		st.result = "pass"
		t.log(now, "3-D Secure challenge passed")
	} else {
		st.result = "fail"
		t.log(now, "3-D Secure challenge failed")
	}
}

func (s *Server) secureTran2(c *call) reply {
	var e []string
	t := s.lookupAccess(c.p, &e)
	if len(e) > 0 {
		return fail(e...)
	}
	return s.completeTds(c, t, "2", "SecureTran2")
}

func (s *Server) completeTds(c *call, t *tran, version, op string) reply {
	switch {
	case t.payType != "0":
		return fail("E11010003")
	case t.status == "UNPROCESSED":
		return fail("E01110010") // [U] nothing to complete
	case t.status != "AUTHENTICATED" || t.tds == nil:
		return fail("E11010001")
	case t.tds.version != version:
		return fail("E11010003")
	}
	switch t.tds.result {
	case "declined":
		return fail(t.tds.declined)
	case "":
		return fail("E21020002") // [U] the customer has not finished the challenge
	case "fail":
		if !t.tds.counted {
			t.tds.counted = true
			t.decls++
			t.log(c.now, "%s refused: 3-D Secure failed", op)
			s.addNote(t, c.now, tdsFailCode(version))
		}
		return fail(tdsFailCode(version))
	}
	rep := s.authorize(c.now, t, t.tds.pd, op)
	if len(rep.errs) > 0 && t.status == "AUTHENTICATED" {
		// Declined after authentication: the authentication is spent.
		t.tds.result, t.tds.declined = "declined", rep.errs[0]
	}
	return rep
}

func tdsFailCode(version string) string {
	if version == "1" {
		return "E21020001"
	}
	return "E21030007"
}

func (s *Server) secureTran(c *call) reply {
	p := c.p
	var e []string
	paRes, md := p.get("PaRes"), p.get("MD")
	if paRes == "" {
		e = append(e, "E01360001")
	}
	switch {
	case md == "":
		e = append(e, "E01350001")
	case !isLowerHex(md, 32):
		e = append(e, "E01350008")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	t := s.byAccess[md]
	if t == nil {
		return fail("E01110002")
	}
	if t.tds != nil && t.tds.version == "1" && t.tds.result != "" {
		if !eq(paRes, s.paRes(t.tds)) {
			return fail("E21020001")
		}
	}
	return s.completeTds(c, t, "1", "SecureTran")
}

// paRes is the legacy ACS's signed answer.
func (s *Server) paRes(st *tdsState) string {
	return base64.StdEncoding.EncodeToString([]byte("gmotest-PaRes:" + st.transID + ":" + st.result + ":" + s.sign(st.transID+st.result)))
}

var challengePage = template.Must(template.New("c").Parse(`<!DOCTYPE html>
<html lang="ja"><head><meta charset="UTF-8"><title>3-D Secure 本人認証 (gmotest)</title></head>
<body>
<h1>本人認証 / Authentication</h1>
<p>This page stands in for the card issuer's 3-D Secure {{.Version}} challenge.</p>
<table>
<tr><th>Shop</th><td>{{.Tenant}}</td></tr>
<tr><th>Order</th><td>{{.OrderID}}</td></tr>
<tr><th>Amount</th><td>{{.Amount}} JPY</td></tr>
<tr><th>Card</th><td>{{.Card}}</td></tr>
</table>
<form id="challenge" method="POST" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<button type="submit" name="result" value="pass">Authenticate</button>
<button type="submit" name="result" value="fail">Fail authentication</button>
</form>
</body></html>
`))

var returnPage = template.Must(template.New("r").Parse(`<!DOCTYPE html>
<html lang="ja"><head><meta charset="UTF-8"><title>Returning to the shop</title></head>
<body onload="document.forms[0].submit()">
<form id="return" method="POST" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<noscript><button type="submit">Continue</button></noscript>
</form>
</body></html>
`))

type field struct{ Name, Value string }

func pageError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, "<!DOCTYPE html><html><body><h1>%d</h1><p>%s</p></body></html>\n", code, html.EscapeString(msg))
}

// serveTds2 is the 3-D Secure 2 challenge page behind RedirectUrl.
func (s *Server) serveTds2(w http.ResponseWriter, r *http.Request) {
	s.countRequest("")
	if err := r.ParseForm(); err != nil {
		pageError(w, http.StatusBadRequest, "unreadable form")
		return
	}
	id, sig := r.Form.Get("transId"), r.Form.Get("t")
	if id == "" || !eq(sig, s.sign(id)) {
		pageError(w, http.StatusBadRequest, "invalid or tampered challenge link")
		return
	}
	s.mu.Lock()
	t := s.tds[id]
	if t == nil || t.tds.version != "2" {
		s.mu.Unlock()
		pageError(w, http.StatusNotFound, "unknown authentication")
		return
	}
	if r.Method == http.MethodPost && r.PostForm.Get("result") != "" {
		s.finishTds(t, r.PostForm.Get("result") == "pass")
	}
	st := t.tds
	data := s.pageData(t)
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	if st.result == "" {
		data.Action = tds2Path
		data.Fields = []field{{"transId", id}, {"t", sig}}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_ = challengePage.Execute(w, data)
		return
	}
	// Back to the shop: AccessID only (see the package doc).
	fields := []field{{"AccessID", t.accessID}}
	if st.callbackType == "3" {
		q := url.Values{}
		for _, f := range fields {
			q.Set(f.Name, f.Value)
		}
		http.Redirect(w, r, withQuery(st.retURL, q), http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	_ = returnPage.Execute(w, struct {
		Action string
		Fields []field
	}{st.retURL, fields})
}

// serveTds1 is the legacy 3-D Secure 1 ACS behind ACSUrl: the browser
// posts PaReq, TermUrl and MD; the page posts PaRes and MD to TermUrl.
func (s *Server) serveTds1(w http.ResponseWriter, r *http.Request) {
	s.countRequest("")
	if r.Method != http.MethodPost {
		pageError(w, http.StatusMethodNotAllowed, "the ACS expects a POST with PaReq, TermUrl and MD")
		return
	}
	if err := r.ParseForm(); err != nil {
		pageError(w, http.StatusBadRequest, "unreadable form")
		return
	}
	paReq, term, md := r.PostForm.Get("PaReq"), r.PostForm.Get("TermUrl"), r.PostForm.Get("MD")
	raw, _ := base64.StdEncoding.DecodeString(paReq)
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != "gmotest-PaReq" || !eq(parts[2], s.sign(parts[1])) || term == "" {
		pageError(w, http.StatusBadRequest, "invalid PaReq or missing TermUrl")
		return
	}
	s.mu.Lock()
	t := s.tds[parts[1]]
	if t == nil || t.tds.version != "1" {
		s.mu.Unlock()
		pageError(w, http.StatusNotFound, "unknown authentication")
		return
	}
	if res := r.PostForm.Get("result"); res != "" {
		s.finishTds(t, res == "pass")
	}
	st := t.tds
	data := s.pageData(t)
	var paRes string
	if st.result != "" {
		paRes = s.paRes(st)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	if st.result == "" {
		data.Action = tds1Path
		data.Fields = []field{{"PaReq", paReq}, {"TermUrl", term}, {"MD", md}}
		_ = challengePage.Execute(w, data)
		return
	}
	_ = returnPage.Execute(w, struct {
		Action string
		Fields []field
	}{term, []field{{"PaRes", paRes}, {"MD", md}}})
}

type pageInfo struct {
	Version, Tenant, OrderID, Card string
	Amount                         int64
	Action                         string
	Fields                         []field
}

func (s *Server) pageData(t *tran) pageInfo {
	return pageInfo{
		Version: t.tds.version, Tenant: tenantName(t.tdTenant), OrderID: t.orderID,
		Amount: t.amount, Card: maskPAN(t.tds.pd.c.pan),
	}
}

func withQuery(u string, q url.Values) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode()
}

// ---- browser emulation ----

var (
	formRe  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	inputRe = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	attrRe  = regexp.MustCompile(`(?is)([a-z-]+)\s*=\s*"([^"]*)"`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// htmlForm is the first form of a page.
type htmlForm struct {
	method, action string
	values         url.Values
}

func parseHTMLForm(page string) (htmlForm, bool) {
	m := formRe.FindStringSubmatch(page)
	if m == nil {
		return htmlForm{}, false
	}
	a := attrs(m[1])
	f := htmlForm{method: strings.ToUpper(a["method"]), action: a["action"], values: url.Values{}}
	if f.method == "" {
		f.method = http.MethodGet
	}
	for _, in := range inputRe.FindAllStringSubmatch(m[2], -1) {
		ia := attrs(in[1])
		if ia["name"] != "" {
			f.values.Add(ia["name"], ia["value"])
		}
	}
	return f, true
}

// browser is a client that does not follow redirects.
func browser() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *Server) fetch(ctx context.Context, method, target string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if form != nil {
		target = withQuery(target, form)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, "", err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	var resp *http.Response
	if s.ts != nil {
		resp, err = browser().Do(req)
	} else {
		// Not listening: serve in process.
		rec := httptest.NewRecorder()
		s.mux.ServeHTTP(rec, req)
		resp = rec.Result()
	}
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(b), err
}

// ChallengeReturn is [Server.CompleteChallenge] returning the browser's
// request to RetUrl itself (not sent), for feeding a merchant handler.
func (s *Server) ChallengeReturn(ctx context.Context, redirectURL string, pass bool) (*http.Request, error) {
	resp, page, err := s.fetch(ctx, http.MethodGet, redirectURL, nil)
	if err != nil {
		return nil, fmt.Errorf("gmotest: load challenge page: %w", err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("gmotest: challenge page: HTTP %d", resp.StatusCode)
	}
	f, ok := parseHTMLForm(page)
	if resp.StatusCode == http.StatusOK && !ok {
		return nil, errors.New("gmotest: challenge page has no form")
	}
	if ok && f.values.Get("transId") != "" { // not yet answered
		if pass {
			f.values.Set("result", "pass")
		} else {
			f.values.Set("result", "fail")
		}
		resp, page, err = s.fetch(ctx, f.method, s.resolve(redirectURL, f.action), f.values)
		if err != nil {
			return nil, fmt.Errorf("gmotest: submit challenge: %w", err)
		}
	}
	switch resp.StatusCode {
	case http.StatusSeeOther, http.StatusFound:
		return http.NewRequestWithContext(ctx, http.MethodGet, resp.Header.Get("Location"), nil)
	case http.StatusOK:
		f, ok = parseHTMLForm(page)
		if !ok {
			return nil, errors.New("gmotest: return page has no form")
		}
		req, err := http.NewRequestWithContext(ctx, f.method, f.action, strings.NewReader(f.values.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}
	return nil, fmt.Errorf("gmotest: challenge answer: HTTP %d", resp.StatusCode)
}

// CompleteChallenge plays the customer's browser on a 3-D Secure
// RedirectUrl: it loads the challenge page, submits it (pass or fail) and
// returns the values the browser then carries to RetUrl (form fields for
// CallbackType 1, query parameters for CallbackType 3).
func (s *Server) CompleteChallenge(ctx context.Context, redirectURL string, pass bool) (url.Values, error) {
	req, err := s.ChallengeReturn(ctx, redirectURL, pass)
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodGet {
		return req.URL.Query(), nil
	}
	if err := req.ParseForm(); err != nil {
		return nil, err
	}
	return req.PostForm, nil
}

// CompleteLegacyChallenge plays the browser for 3-D Secure 1 (ACS=1): it
// posts PaReq, TermUrl and MD to acsURL, answers the page and returns what
// the browser posts to termURL (PaRes and MD).
func (s *Server) CompleteLegacyChallenge(ctx context.Context, acsURL, paReq, md, termURL string, pass bool) (url.Values, error) {
	form := url.Values{"PaReq": {paReq}, "TermUrl": {termURL}, "MD": {md}}
	resp, page, err := s.fetch(ctx, http.MethodPost, acsURL, form)
	if err != nil {
		return nil, fmt.Errorf("gmotest: load ACS page: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("gmotest: ACS page: HTTP %d", resp.StatusCode)
	}
	f, ok := parseHTMLForm(page)
	if !ok {
		return nil, errors.New("gmotest: ACS page has no form")
	}
	if f.values.Get("PaRes") == "" {
		if pass {
			f.values.Set("result", "pass")
		} else {
			f.values.Set("result", "fail")
		}
		resp, page, err = s.fetch(ctx, f.method, s.resolve(acsURL, f.action), f.values)
		if err != nil {
			return nil, fmt.Errorf("gmotest: submit ACS page: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("gmotest: ACS answer: HTTP %d", resp.StatusCode)
		}
		if f, ok = parseHTMLForm(page); !ok {
			return nil, errors.New("gmotest: ACS return page has no form")
		}
	}
	return f.values, nil
}

// resolve makes a page's relative action absolute.
func (s *Server) resolve(pageURL, action string) string {
	b, err := url.Parse(pageURL)
	if err != nil {
		return action
	}
	a, err := b.Parse(action)
	if err != nil {
		return action
	}
	return a.String()
}
