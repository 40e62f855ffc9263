package gmotest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
)

type config struct {
	creds          Credentials
	clock          Clock
	notifyURL      string
	notifyInterval time.Duration
	notifyMax      int
	notifyClient   *http.Client
	pingFirst      bool
	rawPAN         bool
	tdsRequired    bool
	publicURL      string
	faultFunc      func(api string) (Fault, bool)
	tokenTTL       time.Duration
}

// Server is a stateful GMO Payment Gateway simulator. All methods are safe
// for concurrent use.
type Server struct {
	cfg config
	ts  *httptest.Server
	mux *http.ServeMux

	mu       sync.Mutex
	offset   time.Duration // added to cfg.clock when it cannot Advance itself
	requests int
	calls    map[string]int
	faults   map[string][]Fault
	orders   map[string]*tran // by OrderID
	byAccess map[string]*tran // by AccessID
	seq      int              // creation order, TranID sequence

	closeOnce sync.Once
	done      chan struct{}
	wg        sync.WaitGroup
}

// NewServer returns a started simulator on a loopback httptest server.
// Close stops it and any background notifier.
func NewServer(opts ...Option) *Server {
	s := NewHandler(opts...)
	s.ts = httptest.NewServer(s.mux)
	s.start()
	return s
}

// NewHandler returns a simulator that is not listening: mount
// [Server.Handler] on your own listener (paysim). Background notification
// delivery starts at once when [WithNotifyURL] is set; call Close to stop it.
func NewHandler(opts ...Option) *Server {
	cf := config{
		creds:          Credentials{DefaultShopID, DefaultShopPass, DefaultSiteID, DefaultSitePass},
		clock:          systemClock{},
		notifyInterval: 60 * time.Minute,
		notifyMax:      5,
		tokenTTL:       30 * time.Minute,
	}
	for _, o := range opts {
		if o != nil {
			o(&cf)
		}
	}
	if cf.clock == nil {
		cf.clock = systemClock{}
	}
	if cf.notifyClient == nil {
		cf.notifyClient = &http.Client{Timeout: 15 * time.Second}
	}
	s := &Server{
		cfg:      cf,
		calls:    map[string]int{},
		faults:   map[string][]Fault{},
		orders:   map[string]*tran{},
		byAccess: map[string]*tran{},
		done:     make(chan struct{}),
	}
	s.mux = http.NewServeMux()
	s.routes()
	if s.ts == nil {
		s.start()
	}
	return s
}

func (s *Server) start() {}

// URL returns the base URL to pass to provider.WithBaseURL (empty for a
// server made by [NewHandler] without [WithPublicURL]).
func (s *Server) URL() string {
	if s.ts != nil {
		return s.ts.URL
	}
	return s.cfg.publicURL
}

// Handler returns the simulator's http.Handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops the server and the background notifier. It is safe to call
// more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.ts != nil {
			s.ts.Close()
		}
		s.wg.Wait()
	})
}

// Credentials returns the credentials the simulator accepts.
func (s *Server) Credentials() Credentials { return s.cfg.creds }

// Now returns the simulator's current time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	off := s.offset
	s.mu.Unlock()
	return s.cfg.clock.Now().Add(off)
}

// Advance moves simulator time forward by d: the [ManualClock] given to
// [WithClock] if it has an Advance method, otherwise an internal offset.
// Token expiry, notification resends and voucher deadlines follow.
func (s *Server) Advance(d time.Duration) {
	if a, ok := s.cfg.clock.(interface{ Advance(time.Duration) }); ok {
		a.Advance(d)
	} else {
		s.mu.Lock()
		s.offset += d
		s.mu.Unlock()
	}
}

// InjectFault queues f for the next request to api ("EntryTran",
// "ExecTran", "SecureTran2", "AlterTran", "ChangeTran", "SearchTrade", ...,
// the API name without ".idPass"; "getToken" for the tokenizer; "*" for any
// API). Several calls queue several faults, applied in order.
func (s *Server) InjectFault(api string, f Fault) {
	s.mu.Lock()
	s.faults[api] = append(s.faults[api], f)
	s.mu.Unlock()
}

// Requests returns the number of HTTP requests received so far (all
// endpoints, pages included).
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Calls returns the number of requests received for one API (e.g.
// "ExecTran").
func (s *Server) Calls(api string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[api]
}

// Ledger returns the record of one order.
func (s *Server) Ledger(orderID string) (LedgerEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.orders[orderID]
	if !ok {
		return LedgerEntry{}, false
	}
	return t.entry(), true
}

// Ledgers returns every order, oldest first.
func (s *Server) Ledgers() []LedgerEntry { return nil }

// IssueToken tokenizes a card as GMO's token.js would (expire is YYYYMM).
// The token is single-use and expires after the token lifetime.
func (s *Server) IssueToken(pan, expireYYYYMM, cvc, holder string) (string, error) {
	return "", nil
}

// CompleteChallenge plays the customer's browser on a 3-D Secure
// RedirectUrl: it loads the challenge page, submits it (pass or fail) and
// returns the values the browser then carries to RetUrl (form fields for
// CallbackType 1, query parameters for CallbackType 3).
func (s *Server) CompleteChallenge(ctx context.Context, redirectURL string, pass bool) (url.Values, error) {
	return nil, nil
}

// ChallengeReturn is [Server.CompleteChallenge] returning the browser's
// request to RetUrl itself (not sent), for feeding a merchant handler.
func (s *Server) ChallengeReturn(ctx context.Context, redirectURL string, pass bool) (*http.Request, error) {
	return nil, nil
}

// NextNotification builds the next result notification GMO would send for
// orderID (oldest not yet taken by NextNotification), exactly as it goes on
// the wire: a cp932 form POST to the notify URL (or
// http://merchant.invalid/notify). It fails when there is none.
func (s *Server) NextNotification(orderID string) (*http.Request, error) {
	return nil, nil
}

// PingNotification builds a connectivity-check notification
// (ErrInfo=E00000000).
func (s *Server) PingNotification() (*http.Request, error) { return nil, nil }

// Deliveries returns the background delivery attempts made so far.
func (s *Server) Deliveries() []Delivery { return nil }

// StatusHandler returns an HTML page listing the ledger (also served at
// /gmotest/status by Handler).
func (s *Server) StatusHandler() http.Handler { return http.NotFoundHandler() }

func (s *Server) routes() {}

type tran struct{}

func (t *tran) entry() LedgerEntry { return LedgerEntry{} }
