package gmo

import (
	"strings"
	"sync"

	"github.com/kessai/payment"
)

// Ref formats the PaymentRef of a GMO transaction: "gmo:<OrderID>:<AccessID>".
// It never contains the AccessPass, so it may be stored and logged.
func Ref(orderID, accessID string) payment.PaymentRef {
	return payment.PaymentRef("gmo:" + orderID + ":" + accessID)
}

// ParseRef splits a PaymentRef made by this package into the OrderID and
// AccessID, validating both. The refs of konbini and Pay-easy payments
// ("gmo:<OrderID>:<AccessID>:konbini" / ":payeasy") fail with
// payment.ErrUnsupported: only Confirm, Inquire, Void and notifications
// take them.
func ParseRef(ref payment.PaymentRef) (orderID, accessID string, err error) {
	rest, ok := strings.CutPrefix(string(ref), "gmo:")
	if !ok {
		return "", "", payment.InvalidRequest(providerName, "ref", "Ref", "not a gmo payment reference")
	}
	orderID, accessID, ok = strings.Cut(rest, ":")
	if isVoucherRef(ref) {
		// Reached only by calls that have no voucher path (Capture,
		// Refund): GMO has no capture or refund for these payments.
		return "", "", payment.Unsupported(providerName, "ref", "konbini and pay-easy payments have no capture or refund at GMO")
	}
	if !ok || checkOrderID(orderID) != nil || !isLowerHex32(accessID) {
		return "", "", payment.InvalidRequest(providerName, "ref", "Ref", "malformed gmo payment reference")
	}
	return orderID, accessID, nil
}

// MaxOrderIDLen is GMO's OrderID limit.
const MaxOrderIDLen = 27

// MaxAmount is the largest card amount GMO accepts (7 digits).
const MaxAmount = 9_999_999

func checkOrderID(id string) error {
	if id == "" {
		return payment.InvalidRequest(providerName, "create", "OrderID", "order id is empty")
	}
	if len(id) > MaxOrderIDLen {
		return payment.InvalidRequest(providerName, "create", "OrderID", "order id is longer than 27 characters")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return payment.InvalidRequest(providerName, "create", "OrderID", "order id may contain only a-z, A-Z, 0-9 and '-'")
		}
	}
	return nil
}

func isLowerHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// entry is what the provider remembers about a transaction it registered.
type entry struct {
	orderID    string
	accessPass payment.Secret
	jobCd      string // AUTH or CAPTURE
	amount     int64  // amount registered with EntryTran (the original amount)
	returnURL  string // CreatePaymentRequest.ReturnURL
	// captured records that the transaction was captured (JobCd CAPTURE,
	// or a Capture): GMO's SearchTrade shows VOID both for a voided
	// authorization and for a same-day voided sale (a refund).
	captured bool
}

// passCache is a bounded AccessID → entry map with FIFO eviction, safe for
// concurrent use. A nil *passCache (cache disabled) remembers nothing.
type passCache struct {
	mu    sync.Mutex
	m     map[string]entry
	ring  []string
	next  int
	limit int
}

func newPassCache(limit int) *passCache {
	if limit <= 0 {
		return nil
	}
	return &passCache{m: make(map[string]entry), ring: make([]string, 0, min(limit, 1024)), limit: limit}
}

func (c *passCache) get(accessID string) (entry, bool) {
	if c == nil {
		return entry{}, false
	}
	c.mu.Lock()
	e, ok := c.m[accessID]
	c.mu.Unlock()
	return e, ok
}

// put stores e. An existing entry keeps its original amount and return URL
// unless e sets them.
func (c *passCache) put(accessID string, e entry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[accessID]; ok {
		if e.amount == 0 || (old.amount > e.amount) {
			e.amount = old.amount
		}
		if e.returnURL == "" {
			e.returnURL = old.returnURL
		}
		if e.jobCd == "" {
			e.jobCd = old.jobCd
		}
		e.captured = e.captured || old.captured
		c.m[accessID] = e
		return
	}
	if len(c.ring) < c.limit {
		c.ring = append(c.ring, accessID)
	} else {
		delete(c.m, c.ring[c.next])
		c.ring[c.next] = accessID
		c.next = (c.next + 1) % c.limit
	}
	c.m[accessID] = e
}

// markCaptured records that accessID was captured.
func (c *passCache) markCaptured(accessID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if e, ok := c.m[accessID]; ok {
		e.captured = true
		c.m[accessID] = e
	}
	c.mu.Unlock()
}

// wasCaptured reports whether the cache knows accessID was captured.
func (c *passCache) wasCaptured(accessID string) bool {
	e, ok := c.get(accessID)
	return ok && (e.captured || e.jobCd == "CAPTURE")
}
