package gmotest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// note is one result notification.
type note struct {
	orderID string
	status  string
	errInfo string
	pairs   []kv
	taken   bool // returned by NextNotification

	// background delivery
	attempts int
	next     time.Time
	inFlight bool
	done     bool
}

const defaultNotifyURL = "http://merchant.invalid/notify"

// addNote records a notification for t's current state. errInfo is set for
// failures (declines, 3-D Secure failures).
func (s *Server) addNote(t *tran, now time.Time, errInfo string) {
	n := &note{orderID: t.orderID, status: t.status, errInfo: errInfo, next: now}
	errCode := ""
	if errInfo != "" {
		errCode = errClass(errInfo)
	}
	n.pairs = []kv{
		{"ShopID", s.cfg.creds.ShopID}, {"ShopPass", strings.Repeat("*", 10)},
		{"AccessID", t.accessID}, {"AccessPass", strings.Repeat("*", 32)},
		{"OrderID", t.orderID}, {"Status", t.status}, {"JobCd", t.jobCd},
		{"Amount", strconv.FormatInt(t.amount, 10)}, {"Tax", strconv.FormatInt(t.tax, 10)},
		{"Currency", "JPN"}, {"Forward", t.forward}, {"Method", t.method}, {"PayTimes", t.payTimes},
		{"TranID", t.tranID}, {"Approve", t.approve}, {"TranDate", t.tranDate},
		{"ErrCode", errCode}, {"ErrInfo", errInfo}, {"PayType", t.payType},
	}
	if t.multi != nil {
		n.pairs = append(n.pairs, t.multi.noteFields(t)...)
	}
	t.notes = append(t.notes, n)
	s.notes = append(s.notes, n)
}

// pingNote is a connectivity check.
func (s *Server) pingNote(now time.Time) *note {
	return &note{status: "", errInfo: "E00000000", next: now, pairs: []kv{
		{"ShopID", s.cfg.creds.ShopID}, {"ShopPass", strings.Repeat("*", 10)},
		{"AccessID", ""}, {"AccessPass", ""}, {"OrderID", ""}, {"Status", ""}, {"JobCd", ""},
		{"Amount", ""}, {"Tax", ""}, {"Currency", ""}, {"Forward", ""}, {"Method", ""}, {"PayTimes", ""},
		{"TranID", ""}, {"Approve", ""}, {"TranDate", ""},
		{"ErrCode", "E00"}, {"ErrInfo", "E00000000"}, {"PayType", ""},
	}}
}

func (s *Server) notifyTarget() string {
	if s.cfg.notifyURL != "" {
		return s.cfg.notifyURL
	}
	return defaultNotifyURL
}

// request builds the HTTP request GMO would send for n: a form POST whose
// values are percent-encoded cp932 bytes.
func (s *Server) request(ctx context.Context, n *note) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.notifyTarget(), strings.NewReader(encodeForm(n.pairs)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// NextNotification builds the next result notification GMO would send for
// orderID (the oldest not yet taken by NextNotification), exactly as it
// goes on the wire: a form POST with cp932 values to the notify URL (or
// http://merchant.invalid/notify). It fails when there is none.
func (s *Server) NextNotification(orderID string) (*http.Request, error) {
	s.mu.Lock()
	t := s.orders[orderID]
	var n *note
	if t != nil {
		for _, x := range t.notes {
			if !x.taken {
				x.taken = true
				n = x
				break
			}
		}
	}
	s.mu.Unlock()
	if t == nil {
		return nil, errors.New("gmotest: unknown order " + orderID)
	}
	if n == nil {
		return nil, errors.New("gmotest: no pending notification for order " + orderID)
	}
	return s.request(context.Background(), n)
}

// PingNotification builds a connectivity-check notification
// (ErrCode=E00, ErrInfo=E00000000, every other field empty).
func (s *Server) PingNotification() (*http.Request, error) {
	return s.request(context.Background(), s.pingNote(s.Now()))
}

// Deliveries returns the background delivery attempts made so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.delivs...)
}

// poke wakes the notifier.
func (s *Server) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// start launches background delivery when a notify URL is set.
func (s *Server) start() {
	if s.cfg.notifyURL == "" {
		return
	}
	if s.cfg.pingFirst {
		s.mu.Lock()
		s.notes = append(s.notes, s.pingNote(s.Now()))
		s.mu.Unlock()
	}
	s.wg.Add(1)
	go s.notifier()
}

// notifier delivers due notifications, oldest first, and schedules resends
// on simulator time: the first attempt at once, then every notifyInterval
// up to notifyMax resends, until the merchant answers "0".
func (s *Server) notifier() {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.done
		cancel()
	}()
	for {
		s.mu.Lock()
		now := s.Now()
		var due *note
		var earliest time.Time
		for _, n := range s.notes {
			if n.done || n.inFlight {
				continue
			}
			if !n.next.After(now) {
				due = n
				break
			}
			if earliest.IsZero() || n.next.Before(earliest) {
				earliest = n.next
			}
		}
		if due != nil {
			due.inFlight = true
		}
		s.mu.Unlock()
		if due != nil {
			s.deliver(ctx, due)
			select {
			case <-s.done:
				return
			default:
			}
			continue
		}
		wait := time.Hour
		if !earliest.IsZero() {
			// Simulator time may be a manual clock: look again soon.
			wait = min(earliest.Sub(now), 50*time.Millisecond)
		}
		t := time.NewTimer(wait)
		select {
		case <-s.done:
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// deliver makes one attempt.
func (s *Server) deliver(ctx context.Context, n *note) {
	d := Delivery{OrderID: n.orderID, Status: n.status, ErrInfo: n.errInfo, At: s.Now()}
	req, err := s.request(ctx, n)
	if err == nil {
		var resp *http.Response
		resp, err = s.cfg.notifyClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			_ = resp.Body.Close()
			d.Answer = strings.TrimSpace(string(b))
			d.OK = resp.StatusCode == http.StatusOK && d.Answer == "0"
		}
	}
	if err != nil {
		d.Err = err.Error()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n.inFlight = false
	n.attempts++
	d.Attempt = n.attempts
	s.delivs = append(s.delivs, d)
	switch {
	case d.OK:
		n.done = true
	case n.attempts > s.cfg.notifyMax:
		n.done = true // retries exhausted; GMO mails an error report
	default:
		// The interval counts from the attempt, not from when its answer
		// was read (with a manual clock the two can differ).
		n.next = d.At.Add(s.cfg.notifyInterval)
	}
}
