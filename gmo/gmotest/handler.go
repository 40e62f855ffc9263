package gmotest

import (
	"net/http"
	"strings"
	"time"
)

// call is one API request as a handler sees it. Handlers run with s.mu held.
type call struct {
	p    params
	now  time.Time
	base string // the simulator's base URL as the client sees it
}

type apiFunc func(c *call) reply

// apis lists the .idPass endpoints.
func (s *Server) apis() map[string]apiFunc {
	return map[string]apiFunc{
		"EntryTran":        s.entryTran,
		"ExecTran":         s.execTran,
		"SecureTran":       s.secureTran,
		"SecureTran2":      s.secureTran2,
		"AlterTran":        s.alterTran,
		"ChangeTran":       s.changeTran,
		"SearchTrade":      s.searchTrade,
		"SearchTradeMulti": s.searchTradeMulti,
		"SaveMember":       s.saveMember,
		"UpdateMember":     s.updateMember,
		"SearchMember":     s.searchMember,
		"DeleteMember":     s.deleteMember,
		"SaveCard":         s.saveCard,
		"SearchCard":       s.searchCard,
		"DeleteCard":       s.deleteCard,
		"TradedCard":       s.tradedCard,
		"EntryTranCvs":     s.entryTranCvs,
		"ExecTranCvs":      s.execTranCvs,
		"CvsCancel":        s.cvsCancel,
		"EntryTranPayEasy": s.entryTranPayEasy,
		"ExecTranPayEasy":  s.execTranPayEasy,
		"PayEasyCancel":    s.payEasyCancel,
	}
}

const (
	tds2Path   = "/payment/Tds2StubCallback.idPass"
	tds1Path   = "/payment/Tds1StubAcs.idPass"
	tokenPath  = "/ext/api/credit/getToken"
	tokenJS    = "/ext/js/token.js"
	statusPath = "/gmotest/status"
)

func (s *Server) routes() {
	apis := s.apis()
	s.mux.HandleFunc(tds2Path, s.serveTds2)
	s.mux.HandleFunc(tds1Path, s.serveTds1)
	s.mux.HandleFunc(tokenPath, s.serveGetToken)
	s.mux.HandleFunc(tokenJS, s.serveTokenJS)
	s.mux.Handle(statusPath, s.StatusHandler())
	s.mux.HandleFunc("/gmotest/receipt", s.serveReceipt)
	s.mux.HandleFunc("/gmotest/pay", s.servePay)
	s.mux.HandleFunc("/gmotest/expire", s.serveExpire)
	s.mux.HandleFunc("/gmotest/advance", s.serveAdvance)
	s.mux.HandleFunc("/payment/", func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/payment/"), ".idPass")
		h := apis[name]
		if !ok || h == nil {
			// GMO: "the requested API does not exist".
			s.serveAPI(w, r, name, func(*call) reply { return fail("E91099997") })
			return
		}
		s.serveAPI(w, r, name, h)
	})
}

// countRequest counts an HTTP request against api ("" for pages).
func (s *Server) countRequest(api string) {
	s.mu.Lock()
	s.requests++
	if api != "" {
		s.calls[api]++
	}
	s.mu.Unlock()
}

// popFault returns the next injected fault for api (or "*"), else asks the
// fault function.
func (s *Server) popFault(api string) (Fault, bool) {
	s.mu.Lock()
	for _, k := range []string{api, "*"} {
		if q := s.faults[k]; len(q) > 0 {
			f := q[0]
			s.faults[k] = q[1:]
			s.mu.Unlock()
			return f, true
		}
	}
	s.mu.Unlock()
	if s.cfg.faultFunc != nil {
		return s.cfg.faultFunc(api)
	}
	return Fault{}, false
}

// base is the simulator's base URL for links it hands out.
func (s *Server) base(r *http.Request) string {
	if s.cfg.publicURL != "" {
		return strings.TrimSuffix(s.cfg.publicURL, "/")
	}
	if s.ts != nil {
		return s.ts.URL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// serveAPI runs one API request through faults, method and body checks and
// the handler.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, api string, h apiFunc) {
	s.countRequest(api)
	f, faulty := s.popFault(api)
	p, ok := params{}, true
	if r.Method == http.MethodPost {
		p, ok = readParams(r)
	}
	// A second request for a transaction whose first request is still in
	// flight (delayed by a fault) gets GMO's duplicate-submission answer.
	if key := inflightKey(api, p); key != "" {
		if !s.enter(key) {
			writeReply(w, fail("E90010001"))
			return
		}
		defer s.leave(key)
	}
	if faulty && f.Kind != FaultDelayAfterProcess && !s.sleep(r, f.Delay) {
		return
	}
	if faulty && s.faultBefore(w, f) {
		return
	}
	if r.Method != http.MethodPost {
		writeReply(w, fail("E31500014"))
		return
	}
	if !ok {
		writeReply(w, fail("E00000010"))
		return
	}
	c := &call{p: p, base: s.base(r)}
	s.mu.Lock()
	c.now = s.Now()
	s.sweep(c.now)
	rep := h(c)
	s.mu.Unlock()
	s.poke()
	if faulty && s.faultAfter(w, r, f) {
		return
	}
	writeReply(w, rep)
}

// inflightKey names the transaction a state-changing request works on.
func inflightKey(api string, p params) string {
	switch {
	case strings.HasPrefix(api, "Search"):
		return ""
	case p.get("AccessID") != "":
		return "a:" + p.get("AccessID")
	case strings.HasPrefix(api, "EntryTran") && p.get("OrderID") != "":
		return "o:" + p.get("OrderID")
	}
	return ""
}

func (s *Server) enter(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight[key] {
		return false
	}
	s.inflight[key] = true
	return true
}

func (s *Server) leave(key string) {
	s.mu.Lock()
	delete(s.inflight, key)
	s.mu.Unlock()
}

// faultBefore applies the faults that prevent processing. It reports
// whether the request is finished.
func (s *Server) faultBefore(w http.ResponseWriter, f Fault) bool {
	switch f.Kind {
	case FaultDropBeforeProcess:
		panic(http.ErrAbortHandler) // closes the connection, no response
	case FaultServerError:
		serverError(w, f.Status, http.StatusServiceUnavailable)
		return true
	case FaultGatewayUnknown:
		writeReply(w, fail(unknownCode(f.Code)))
		return true
	case FaultHTML:
		code := f.Status
		if code == 0 {
			code = http.StatusOK
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(htmlErrorPage))
		return true
	}
	return false
}

// sleep waits d; false when the client left or the server closed.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

// faultAfter applies the faults that follow processing.
func (s *Server) faultAfter(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f.Kind {
	case FaultDelayAfterProcess:
		return !s.sleep(r, f.Delay)
	case FaultDropAfterProcess:
		panic(http.ErrAbortHandler)
	case FaultServerErrorAfterProcess:
		serverError(w, f.Status, http.StatusInternalServerError)
		return true
	case FaultGatewayUnknownAfterProcess:
		writeReply(w, fail(unknownCode(f.Code)))
		return true
	}
	return false
}

func unknownCode(c string) string {
	if c == "" {
		return "E91020001"
	}
	return c
}

func serverError(w http.ResponseWriter, status, def int) {
	if status == 0 {
		status = def
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<html><body><h1>" + http.StatusText(status) + "</h1></body></html>\n"))
}

const htmlErrorPage = `<!DOCTYPE html>
<html lang="ja"><head><meta charset="UTF-8"><title>ただいまメンテナンス中です</title></head>
<body><h1>Service Temporarily Unavailable</h1>
<p>ただいまシステムメンテナンス中です。しばらくしてから再度アクセスしてください。</p></body></html>
`
