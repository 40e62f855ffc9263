package gmotest

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
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

	offset atomic.Int64 // nanoseconds added to cfg.clock when it cannot Advance itself

	mu       sync.Mutex // guards everything below; API handlers run under it
	requests int
	calls    map[string]int
	faults   map[string][]Fault
	orders   map[string]*tran // by OrderID
	byAccess map[string]*tran // by AccessID
	seq      int              // creation order, TranID sequence

	tokens   map[string]*token
	sites    map[string]*member // by MemberID (one site)
	tds      map[string]*tran   // by 3-D Secure transId
	vouchers []*tran            // konbini/Pay-easy orders awaiting payment
	inflight map[string]bool    // transactions with a request in progress
	notes    []*note            // every notification, oldest first
	delivs   []Delivery
	wake     chan struct{}
	key      [32]byte // signs challenge URLs

	closeOnce sync.Once
	done      chan struct{}
	wg        sync.WaitGroup
}

// NewServer returns a started simulator on a loopback httptest server.
// Close stops it and any background notifier.
func NewServer(opts ...Option) *Server {
	s := newServer(opts...)
	s.ts = httptest.NewServer(s.mux)
	s.start()
	return s
}

// NewHandler returns a simulator that is not listening: mount
// [Server.Handler] on your own listener (paysim). Background notification
// delivery starts at once when [WithNotifyURL] is set; call Close to stop it.
func NewHandler(opts ...Option) *Server {
	s := newServer(opts...)
	s.start()
	return s
}

func newServer(opts ...Option) *Server {
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
	if cf.notifyInterval <= 0 {
		cf.notifyInterval = 60 * time.Minute
	}
	if cf.notifyMax < 0 {
		cf.notifyMax = 0
	}
	if cf.tokenTTL <= 0 {
		cf.tokenTTL = 30 * time.Minute
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
		tokens:   map[string]*token{},
		sites:    map[string]*member{},
		tds:      map[string]*tran{},
		inflight: map[string]bool{},
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	_, _ = rand.Read(s.key[:])
	s.mux = http.NewServeMux()
	s.routes()
	return s
}

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
	return s.cfg.clock.Now().Add(time.Duration(s.offset.Load()))
}

// Advance moves simulator time forward by d: the [ManualClock] given to
// [WithClock] if it has an Advance method, otherwise an internal offset.
// Token expiry, notification resends and voucher deadlines follow.
func (s *Server) Advance(d time.Duration) {
	if a, ok := s.cfg.clock.(interface{ Advance(time.Duration) }); ok {
		a.Advance(d)
	} else {
		s.offset.Add(int64(d))
	}
	s.mu.Lock()
	s.sweep(s.Now())
	s.mu.Unlock()
	s.poke()
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
	s.sweep(s.Now())
	t, ok := s.orders[orderID]
	if !ok {
		return LedgerEntry{}, false
	}
	return t.entry(), true
}
