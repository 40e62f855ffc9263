package golomttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// DefaultNotifyURLForTests is the URL NextNotification's request carries
// when no WithNotifyURL was given.
const DefaultNotifyURLForTests = "https://merchant.example/golomt/notify"

// ErrNoNotification is returned by NextNotification when the transaction
// has no payment result yet (the bank pushes only results).
var ErrNoNotification = errors.New("golomttest: no notification for this transaction yet")

// pushBody is the bank's push notification, fields in the documented order.
type pushBody struct {
	Amount        string `json:"amount"`
	Bank          string `json:"bank"`
	ErrorDesc     string `json:"errorDesc"`
	Checksum      string `json:"checksum"`
	ErrorCode     string `json:"errorCode"`
	CardHolder    string `json:"cardHolder"`
	TransactionID string `json:"transactionId"`
	CardNumber    string `json:"cardNumber"`
	Token         string `json:"token,omitempty"`
}

// pushFor builds the push body of a finished invoice payment.
func (s *Server) pushFor(e LedgerEntry) []byte {
	b, _ := json.Marshal(pushBody{
		Amount: e.Amount, Bank: BankName, ErrorDesc: e.ErrorDesc,
		Checksum: s.sum(MsgPush, map[string]string{
			"transactionId": e.TransactionID, "errorCode": e.ErrorCode, "amount": e.Amount, "token": e.Token}),
		ErrorCode: e.ErrorCode, CardHolder: e.CardHolder, TransactionID: e.TransactionID,
		CardNumber: e.CardNumber, Token: e.Token,
	})
	return b
}

type pusher struct {
	s      *Server
	ctx    context.Context
	cancel context.CancelFunc
	done   <-chan struct{}

	mu         sync.Mutex
	closed     bool
	inflight   int
	wg         sync.WaitGroup
	deliveries []Delivery
}

func newPusher(s *Server) *pusher {
	ctx, cancel := context.WithCancel(context.Background())
	return &pusher{s: s, ctx: ctx, cancel: cancel, done: ctx.Done()}
}

func (p *pusher) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}

// enqueue starts delivering body for id in the background.
func (p *pusher) enqueue(id string, body []byte) {
	url := p.s.cfg.notifyURL
	if url == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.inflight++
	p.wg.Add(1)
	go p.deliver(id, url, body)
}

func (p *pusher) deliver(id, url string, body []byte) {
	defer func() {
		p.mu.Lock()
		p.inflight--
		p.mu.Unlock()
		p.wg.Done()
	}()
	for attempt := 1; attempt <= p.s.cfg.notifyAttempts; attempt++ {
		if attempt > 1 {
			t := time.NewTimer(p.s.cfg.notifyInterval)
			select {
			case <-t.C:
			case <-p.done:
				t.Stop()
				return
			}
		}
		d := Delivery{TransactionID: id, Attempt: attempt, At: p.s.Now()}
		req, err := http.NewRequestWithContext(p.ctx, http.MethodPost, url, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			var resp *http.Response
			resp, err = p.s.cfg.notifyClient.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
				_ = resp.Body.Close()
				d.StatusCode = resp.StatusCode
			}
		}
		if err != nil {
			d.Err = err.Error()
		}
		p.mu.Lock()
		p.deliveries = append(p.deliveries, d)
		p.mu.Unlock()
		if d.StatusCode == http.StatusOK || p.ctx.Err() != nil {
			return
		}
	}
}

// Deliveries returns the push attempts made for transactionID ("" for all),
// in order.
func (s *Server) Deliveries(transactionID string) []Delivery {
	s.push.mu.Lock()
	defer s.push.mu.Unlock()
	var out []Delivery
	for _, d := range s.push.deliveries {
		if transactionID == "" || d.TransactionID == transactionID {
			out = append(out, d)
		}
	}
	return out
}

// WaitPushes waits until no push delivery is in flight (all retries done or
// given up), or ctx ends.
func (s *Server) WaitPushes(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		s.push.mu.Lock()
		n := s.push.inflight
		s.push.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// NextNotification returns the push the bank sends for transactionID's
// payment result, as a server-side *http.Request (feed it to a handler or
// the adapter's HandleNotification). Each call returns a fresh request with
// identical bytes, as a bank resend would be. It returns
// ErrNoNotification while the invoice has no result (unpaid or expired:
// the simulator pushes only card results).
func (s *Server) NextNotification(transactionID string) (*http.Request, error) {
	s.mu.Lock()
	t, ok := s.st.byTxn[transactionID]
	var body []byte
	if ok {
		body = t.pushBody
	}
	s.mu.Unlock()
	if body == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoNotification, transactionID)
	}
	u := s.cfg.notifyURL
	if u == "" {
		u = DefaultNotifyURLForTests
	}
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func base64Random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
