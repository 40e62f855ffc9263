package golomttest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// NewServer starts a simulator on a loopback httptest server. Close stops
// it and any push deliveries in flight.
func NewServer(opts ...Option) *Server {
	s := NewHandler(opts...)
	ts := httptest.NewServer(s.handler)
	s.ts = ts
	s.baseURL = ts.URL
	return s
}

// NewHandler builds a simulator without starting a listener: mount
// s.Handler() on your own server (paysim) and call SetBaseURL with the URL
// it is reachable at, so that page links and redirects are absolute.
func NewHandler(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.notifyClient == nil {
		cfg.notifyClient = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Server{cfg: cfg, faults: map[string][]Fault{}}
	s.st = newState()
	s.push = newPusher(s)
	s.handler = s.routes()
	return s
}

// URL returns the simulator's base URL (for provider.WithBaseURL).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// SetBaseURL tells a simulator built by NewHandler where it is served.
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	s.baseURL = strings.TrimRight(u, "/")
	s.mu.Unlock()
}

// Handler returns the simulator as an http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops push deliveries and, for NewServer, the listener.
func (s *Server) Close() {
	s.push.close()
	if s.ts != nil {
		s.ts.Close()
	}
}

// BearerToken returns the bearer token the API accepts.
func (s *Server) BearerToken() string { return s.cfg.bearer }

// Secret returns the merchant HMAC key.
func (s *Server) Secret() string { return s.cfg.secret }

// MerchantID returns the merchant id of the settlement report.
func (s *Server) MerchantID() string { return s.cfg.merchantID }

// Now returns the simulator's current time.
func (s *Server) Now() time.Time { return s.cfg.clock.Now() }

// Requests returns the number of HTTP requests received so far, all paths.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// InjectFault makes the next f.Times (default 1) requests to api (one of
// the API… constants) fail with f. Faults queue in order.
func (s *Server) InjectFault(api string, f Fault) {
	n := f.Times
	if n <= 0 {
		n = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[api] = append(s.faults[api], f)
	}
}

// takeFault returns the fault for this request to api: the next queued
// one, else what WithFaultFunc decides.
func (s *Server) takeFault(api string) (Fault, bool) {
	s.mu.Lock()
	q := s.faults[api]
	if len(q) > 0 {
		f := q[0]
		s.faults[api] = q[1:]
		s.mu.Unlock()
		return f, f.Kind != FaultNone
	}
	s.mu.Unlock()
	if s.cfg.faultFunc != nil {
		f := s.cfg.faultFunc(api)
		return f, f.Kind != FaultNone
	}
	return Fault{}, false
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(name string, h func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
		return s.apiHandler(name, h)
	}
	mux.Handle("/api/invoice", api(APIInvoice, s.handleInvoice))
	mux.Handle("/api/inquiry", api(APIInquiry, s.handleInquiry))
	mux.Handle("/api/pay", api(APIPay, s.handlePay))
	mux.Handle("/api/check", api(APICheck, s.handleCheck))
	mux.Handle("/api/confirmation", api(APIConfirmation, s.handleConfirmation))
	mux.Handle("/api/get/token", api(APIGetToken, s.handleGetToken))
	mux.Handle("/api/getSettlementDetails", api(APISettlement, s.handleSettlement))
	mux.Handle("/api/", s.apiHandler("", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		s.writeError(w, r, http.StatusNotFound, "NotFound", "No handler found for "+r.URL.Path)
	}))
	mux.HandleFunc("GET /payment/{lang}/{invoice}", s.pageGET(pagePayment))
	mux.HandleFunc("GET /socialpay/{lang}/{invoice}", s.pageGET(pageSocialPay))
	mux.HandleFunc("GET /confirmation/{lang}/{invoice}", s.pageGET(pageConfirmation))
	mux.HandleFunc("POST /payment/{lang}/{invoice}", s.pagePOST(pagePayment))
	mux.HandleFunc("POST /socialpay/{lang}/{invoice}", s.pagePOST(pageSocialPay))
	mux.HandleFunc("POST /confirmation/{lang}/{invoice}", s.pagePOST(pageConfirmation))
	mux.Handle("GET /_sim/status", s.StatusHandler())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		mux.ServeHTTP(w, r)
	})
}

// apiHandler wraps one JSON API: bearer check (403, empty body), POST only,
// bounded body, fault injection, then h.
func (s *Server) apiHandler(name string, h func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			s.writeError(w, r, http.StatusMethodNotAllowed, "Method Not Allowed", "Request method '"+r.Method+"' not supported")
			return
		}
		if name == "" {
			h(w, r, nil)
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			s.writeError(w, r, http.StatusUnsupportedMediaType, "Unsupported Media Type",
				"Content type '"+r.Header.Get("Content-Type")+"' not supported")
			return
		}
		f, faulty := s.takeFault(name)
		if faulty && f.Kind == FaultDropBeforeProcess {
			dropConnection(w)
			return
		}
		// The body is read before any delay: a request the bank received is
		// processed even if the client gives up while waiting.
		body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.cfg.maxBody))
		if err != nil {
			s.writeError(w, r, http.StatusBadRequest, "Validation", "Request body too large or unreadable")
			return
		}
		if faulty && !s.applyFaultBefore(w, r, f) {
			return
		}
		if !faulty {
			h(w, r, body)
			return
		}
		s.serveWithFaultAfter(w, r, f, func(w http.ResponseWriter) { h(w, r, body) })
	})
}

func (s *Server) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || got == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.bearer)) == 1
}

// applyFaultBefore handles the faults that act before processing. It
// reports whether processing should continue.
func (s *Server) applyFaultBefore(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f.Kind {
	case FaultDelay:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.push.done:
		}
		return true
	case FaultDropBeforeProcess:
		dropConnection(w)
		return false
	case FaultServerError:
		s.writeError(w, r, faultStatus(f.Code, http.StatusInternalServerError), "Internal", "Internal server error")
		return false
	case FaultHTML:
		code := http.StatusOK
		if f.Code == "403" {
			code = http.StatusForbidden
		}
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, htmlErrorPage)
		return false
	case FaultForbidden:
		w.WriteHeader(http.StatusForbidden)
		return false
	}
	return true
}

// serveWithFaultAfter runs process, then applies the after-processing
// faults (FaultNone and FaultDelay answer normally).
func (s *Server) serveWithFaultAfter(w http.ResponseWriter, r *http.Request, f Fault, process func(http.ResponseWriter)) {
	switch f.Kind {
	case FaultDropAfterProcess:
		process(httptest.NewRecorder())
		dropConnection(w)
	case FaultServerErrorAfterProcess, FaultGatewayUnknown:
		process(httptest.NewRecorder())
		s.writeError(w, r, faultStatus(f.Code, http.StatusInternalServerError), "Internal", "Internal server error")
	default:
		process(w)
	}
}

func faultStatus(code string, def int) int {
	if code == "503" {
		return http.StatusServiceUnavailable
	}
	return def
}

// dropConnection closes the client's connection without a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

const htmlErrorPage = `<!DOCTYPE html>
<html><head><title>403 Forbidden</title></head>
<body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>
`

// errorEnvelope is the bank's JSON error body.
type errorEnvelope struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	Error     string `json:"error"`
	Message   string `json:"message"`
	Path      string `json:"path"`
}

const timestampLayout = "2006-01-02T15:04:05.000-0700"

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, kind, msg string) {
	s.writeJSON(w, status, errorEnvelope{
		Timestamp: s.Now().UTC().Format(timestampLayout),
		Status:    status,
		Error:     kind,
		Message:   msg,
		Path:      r.URL.Path,
	})
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("golomttest: marshal: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
