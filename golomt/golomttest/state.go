package golomttest

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Default result of an invoice that expired unpaid (invented code, see doc).
const (
	DefaultExpiredCode = "101"
	DefaultExpiredDesc = "Төлбөрийн хугацаа дууссан"
)

type txn struct {
	LedgerEntry
	pageToken      string // one-time nonce of the hosted page's form
	socialDeeplink string
	payAmount      string    // /api/pay: the re-formatted amount echoed
	refundAt       time.Time // confirmation: when the verification charge is refunded
	settledAt      time.Time // when money moved (for the settlement report)
	settleID       int
	sysRef         string
	approval       string
	pushBody       []byte // the push of the result (invoice payments)
}

type storedCard struct {
	card   Card
	holder string
}

type state struct {
	byTxn     map[string]*txn
	byInvoice map[string]*txn
	tokens    map[string]storedCard
	order     []*txn
	settleSeq int
}

func newState() *state {
	return &state{byTxn: map[string]*txn{}, byInvoice: map[string]*txn{}, tokens: map[string]storedCard{}, settleSeq: 2184719}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// refreshLocked applies time: expiry of unpaid invoices and the delayed
// refund of card-registration charges. s.mu must be held.
func (s *Server) refreshLocked(t *txn, now time.Time) {
	if t.State == StateCreated && !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		t.State = StateExpired
		t.ErrorCode, t.ErrorDesc = s.cfg.expiredCode, ""
		if t.ErrorCode != "" {
			t.ErrorDesc = s.cfg.expiredDesc
		}
		t.UpdatedAt = t.ExpiresAt
	}
	if !t.refundAt.IsZero() && t.Refunds == 0 && !now.Before(t.refundAt) {
		t.Refunds = 1
		t.UpdatedAt = t.refundAt
	}
}

// recordCharge marks money moving for t. s.mu must be held.
func (s *Server) recordChargeLocked(t *txn, now time.Time) {
	t.Charges++
	s.st.settleSeq++
	t.settleID = s.st.settleSeq
	t.settledAt = now
	t.sysRef = randomDigits(12)
	t.approval = randomDigits(6)
}

// Ledger returns the record of transactionID.
func (s *Server) Ledger(transactionID string) (LedgerEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.st.byTxn[transactionID]
	if !ok {
		return LedgerEntry{}, false
	}
	s.refreshLocked(t, s.Now())
	return t.LedgerEntry, true
}

// Ledgers returns every record in creation order.
func (s *Server) Ledgers() []LedgerEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	out := make([]LedgerEntry, 0, len(s.st.order))
	for _, t := range s.st.order {
		s.refreshLocked(t, now)
		out = append(out, t.LedgerEntry)
	}
	return out
}

// Expire ends transactionID's invoice lifetime now, as if its page timer ran
// out. It reports false when there is no such unpaid invoice.
func (s *Server) Expire(transactionID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.st.byTxn[transactionID]
	now := s.Now()
	if !ok {
		return false
	}
	s.refreshLocked(t, now)
	if t.State != StateCreated {
		return false
	}
	t.ExpiresAt = now
	s.refreshLocked(t, now)
	return true
}

// SaveCard stores card at the bank as if a customer had paid with it using
// genToken=Y, and returns its token for /api/pay. Token payments then
// behave like that card on the hosted page (test cards decline as usual).
func (s *Server) SaveCard(card Card) string {
	tok := randomHex(32)
	s.mu.Lock()
	s.st.tokens[tok] = storedCard{card: card, holder: card.Holder}
	s.mu.Unlock()
	return tok
}

// InvoiceOf returns the bank invoice id of transactionID.
func (s *Server) InvoiceOf(transactionID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.st.byTxn[transactionID]
	if !ok || t.Invoice == "" {
		return "", false
	}
	return t.Invoice, true
}

// PageURL returns the hosted card page of an invoice, lang "mn" or "en".
func (s *Server) PageURL(invoice, lang string) string {
	return s.URL() + "/payment/" + lang + "/" + invoice
}
