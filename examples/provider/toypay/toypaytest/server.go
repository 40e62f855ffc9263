package toypaytest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credentials and test cards the simulator accepts.
const (
	APIKey        = "sk_test_toy_51f0c2a9e8d7"
	WebhookSecret = "whsec_toy_9b1e77c04a2d"
	TokenApprove  = "tok_toy_approve_4242"
	TokenDecline  = "tok_toy_decline_0002"
	DeclineCode   = "insufficient_funds"
	// NotifyURL is where Notification's requests are addressed.
	NotifyURL = "https://merchant.example/toypay/webhook"
)

// Fault is a failure injected into one request.
type Fault int

const (
	// FaultDropAfterProcess applies the request, then closes the
	// connection without answering.
	FaultDropAfterProcess Fault = iota + 1
	// FaultHoldAfterProcess applies the request, then answers nothing
	// until the client gives up.
	FaultHoldAfterProcess
	// FaultUnavailable answers 503 unavailable without applying it.
	FaultUnavailable
	// FaultOutcomeUnknown applies the request, then answers 500
	// outcome_unknown.
	FaultOutcomeUnknown
	// FaultHTML answers a proxy's HTML error page (HTTP 200) without
	// applying it.
	FaultHTML
)

// Ledger is the money the simulator moved for one order, in minor units.
type Ledger struct {
	Currency                                string
	Authorized, Charged, Refunded           int64
	Authorizations, Charges, Refunds, Voids int
}

// Server is a started ToyPay simulator. It is safe for concurrent use.
type Server struct {
	ts *httptest.Server

	mu       sync.Mutex
	byID     map[string]*pay
	byOrder  map[string]*pay
	faults   map[string][]Fault
	requests int
	events   int
}

type pay struct {
	ID, OrderID, Currency, Capture string
	Status                         string
	Amount                         int64
	ledger                         Ledger
	declineCode                    string
	requestIDs                     []string
	updated                        time.Time
	lastEvent                      []byte // the latest webhook body
}

// NewServer starts a simulator on a loopback address. Close stops it.
func NewServer() *Server {
	s := &Server{byID: map[string]*pay{}, byOrder: map[string]*pay{}, faults: map[string][]Fault{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/payments", s.api("create", s.create))
	for _, op := range []string{"confirm", "capture", "refund", "void"} {
		mux.HandleFunc("POST /v1/payments/{id}/"+op, s.api(op, s.change))
	}
	mux.HandleFunc("GET /v1/payments/{id}", s.api("get", s.get))
	s.ts = httptest.NewServer(mux)
	return s
}

// URL is the base URL to give the adapter (provider.WithBaseURL).
func (s *Server) URL() string { return s.ts.URL }

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// Requests counts the HTTP requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// InjectFault arms f for the next request to endpoint ("create", "confirm",
// "capture", "refund", "void", "get").
func (s *Server) InjectFault(endpoint string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[endpoint] = append(s.faults[endpoint], f)
}

// Ledger returns the money moved for orderID (zero when unknown).
func (s *Server) Ledger(orderID string) Ledger {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.byOrder[orderID]; ok {
		return p.ledger
	}
	return Ledger{}
}

// Notification returns the signed webhook request for orderID's latest
// event, as ToyPay would POST it to the merchant.
func (s *Server) Notification(orderID string) (*http.Request, error) {
	s.mu.Lock()
	p, ok := s.byOrder[orderID]
	var body []byte
	if ok {
		body = p.lastEvent
	}
	s.mu.Unlock()
	if body == nil {
		return nil, errors.New("toypaytest: no event for order " + orderID)
	}
	r := httptest.NewRequest(http.MethodPost, NotifyURL, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Toypay-Signature", Sign(WebhookSecret, time.Now(), body))
	return r, nil
}

// Sign returns the Toypay-Signature header value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// answer is a status code and a JSON body.
type answer struct {
	code int
	body any
}

func apiError(code int, errCode, msg string) answer {
	return answer{code, map[string]any{"error": map[string]string{"code": errCode, "message": msg}}}
}

// api wraps an endpoint with authentication, faults and JSON encoding.
func (s *Server) api(endpoint string, h func(r *http.Request, body map[string]string) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		var f Fault
		if q := s.faults[endpoint]; len(q) > 0 {
			f, s.faults[endpoint] = q[0], q[1:]
		}
		s.mu.Unlock()
		auth := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(auth, []byte("Bearer "+APIKey)) != 1 {
			write(w, apiError(http.StatusUnauthorized, "unauthorized", "invalid API key"))
			return
		}
		switch f {
		case FaultUnavailable:
			write(w, apiError(http.StatusServiceUnavailable, "unavailable", "try again"))
			return
		case FaultHTML:
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			return
		}
		body := map[string]string{}
		if r.Method == http.MethodPost {
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
			if err != nil || json.Unmarshal(b, &body) != nil {
				write(w, apiError(http.StatusBadRequest, "invalid_request", "body must be a JSON object of strings"))
				return
			}
		}
		a := h(r, body)
		switch f {
		case FaultDropAfterProcess:
			panic(http.ErrAbortHandler) // closes the connection, no answer
		case FaultHoldAfterProcess:
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return
		case FaultOutcomeUnknown:
			write(w, apiError(http.StatusInternalServerError, "outcome_unknown", "the result is not known"))
			return
		}
		write(w, a)
	}
}

func write(w http.ResponseWriter, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.code)
	_ = json.NewEncoder(w).Encode(a.body)
}

var orderIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// exponents are the currencies ToyPay accepts and their decimals.
var exponents = map[string]int{"JPY": 0, "USD": 2}

// maxMinor is the largest amount ToyPay carries, in minor units.
const maxMinor = 9_999_999

// parseAmount reads a decimal string with exactly the currency's decimals.
func parseAmount(s, cur string) (int64, bool) {
	exp, ok := exponents[cur]
	if !ok {
		return 0, false
	}
	whole, frac, dot := strings.Cut(s, ".")
	if (exp == 0 && dot) || (exp > 0 && len(frac) != exp) || whole == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n <= 0 || n > maxMinor || strings.TrimLeft(whole+frac, "0123456789") != "" {
		return 0, false
	}
	return n, true
}

func formatAmount(n int64, cur string) string {
	exp := exponents[cur]
	if exp == 0 {
		return strconv.FormatInt(n, 10)
	}
	p := int64(1)
	for range exp {
		p *= 10
	}
	return fmt.Sprintf("%d.%0*d", n/p, exp, n%p)
}

func (s *Server) create(_ *http.Request, b map[string]string) answer {
	amount, ok := parseAmount(b["amount"], b["currency"])
	switch {
	case !orderIDPattern.MatchString(b["order_id"]):
		return apiError(http.StatusBadRequest, "invalid_request", "order_id")
	case !ok:
		return apiError(http.StatusBadRequest, "invalid_request", "amount")
	case b["capture"] != "automatic" && b["capture"] != "manual":
		return apiError(http.StatusBadRequest, "invalid_request", "capture")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.byOrder[b["order_id"]]; ok {
		if p.Status == "pending" && p.Amount == amount && p.Currency == b["currency"] && p.Capture == b["capture"] {
			return answer{http.StatusOK, s.view(p)}
		}
		return apiError(http.StatusConflict, "duplicate_order", "order_id is taken")
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	p := &pay{ID: "pay_" + hex.EncodeToString(id[:]), OrderID: b["order_id"], Currency: b["currency"],
		Capture: b["capture"], Status: "pending", Amount: amount, ledger: Ledger{Currency: b["currency"]}}
	s.byID[p.ID], s.byOrder[p.OrderID] = p, p
	s.changed(p)
	return answer{http.StatusCreated, s.view(p)}
}

func (s *Server) get(r *http.Request, _ map[string]string) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byID[r.PathValue("id")]
	if !ok {
		return apiError(http.StatusNotFound, "not_found", "no such payment")
	}
	return answer{http.StatusOK, s.view(p)}
}

// change applies confirm, capture, refund and void.
func (s *Server) change(r *http.Request, b map[string]string) answer {
	op := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byID[r.PathValue("id")]
	if !ok {
		return apiError(http.StatusNotFound, "not_found", "no such payment")
	}
	rid := b["request_id"]
	if rid == "" || len(rid) > 64 {
		return apiError(http.StatusBadRequest, "invalid_request", "request_id")
	}
	if slices.Contains(p.requestIDs, rid) {
		return answer{http.StatusOK, s.view(p)} // applied before: not again
	}
	var amount int64
	if a, set := b["amount"]; set {
		if amount, ok = parseAmount(a, p.Currency); !ok {
			return apiError(http.StatusBadRequest, "invalid_request", "amount")
		}
	}
	l := &p.ledger
	badState := apiError(http.StatusConflict, "invalid_state", "payment is "+p.Status)
	switch op {
	case "confirm":
		if p.Status != "pending" {
			return badState
		}
		switch b["card_token"] {
		case TokenApprove:
		case TokenDecline:
			p.Status, p.declineCode = "failed", DeclineCode
			s.applied(p, rid)
			a := apiError(http.StatusPaymentRequired, "card_declined", "the card was declined")
			a.body.(map[string]any)["error"].(map[string]string)["decline_code"] = DeclineCode
			a.body.(map[string]any)["payment"] = s.view(p)
			return a
		default:
			return apiError(http.StatusBadRequest, "invalid_request", "card_token")
		}
		if p.Capture == "manual" {
			p.Status, l.Authorized = "authorized", p.Amount
			l.Authorizations++
		} else {
			p.Status, l.Charged = "captured", p.Amount
			l.Charges++
		}
	case "capture":
		if p.Status != "authorized" {
			return badState
		}
		if amount == 0 {
			amount = l.Authorized
		}
		if amount > l.Authorized {
			return apiError(http.StatusBadRequest, "invalid_request", "amount above the authorization")
		}
		p.Status, l.Charged, l.Authorized = "captured", amount, 0
		l.Charges++
	case "refund":
		rest := l.Charged - l.Refunded
		if p.Status == "refunded" && amount == 0 {
			return answer{http.StatusOK, s.view(p)}
		}
		if p.Status != "captured" && p.Status != "partially_refunded" {
			return badState
		}
		if amount == 0 {
			amount = rest
		}
		if amount > rest {
			return apiError(http.StatusBadRequest, "invalid_request", "amount above what remains")
		}
		l.Refunded += amount
		l.Refunds++
		p.Status = "partially_refunded"
		if l.Refunded == l.Charged {
			p.Status = "refunded"
		}
	case "void":
		if p.Status != "authorized" {
			return badState
		}
		p.Status, l.Authorized = "canceled", 0
		l.Voids++
	}
	s.applied(p, rid)
	return answer{http.StatusOK, s.view(p)}
}

func (s *Server) applied(p *pay, rid string) {
	p.requestIDs = append(p.requestIDs, rid)
	s.changed(p)
}

// changed records an event for p's new state. s.mu is held.
func (s *Server) changed(p *pay) {
	p.updated = time.Now().UTC()
	s.events++
	ev, _ := json.Marshal(map[string]any{"id": "evt_" + strconv.Itoa(s.events), "type": "payment.updated", "payment": s.view(p)})
	p.lastEvent = ev
}

// view is the wire form of p. s.mu is held.
func (s *Server) view(p *pay) map[string]any {
	return map[string]any{
		"id": p.ID, "order_id": p.OrderID, "status": p.Status,
		"amount": formatAmount(p.Amount, p.Currency), "currency": p.Currency,
		"captured":     formatAmount(p.ledger.Charged, p.Currency),
		"refunded":     formatAmount(p.ledger.Refunded, p.Currency),
		"decline_code": p.declineCode,
		"request_ids":  slices.Clone(p.requestIDs),
		"updated":      p.updated.Format(time.RFC3339Nano),
	}
}
