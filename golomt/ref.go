package golomt

import (
	"strconv"
	"strings"

	"github.com/kessai/payment"
)

// ref is what a PaymentRef carries. Its text form is
//
//	golomt:<kind>:<transactionId>:<invoice>:<amount>:<created>
//
// kind is "invoice" (hosted page) or "pay" (token payment); invoice is the
// bank's invoice UUID ("" for token payments and for refs built from a
// push); amount is the exact amount string sent to the bank ("" when not
// known); created is the Unix time CreatePayment ran (0 when not known).
// Nothing in it is secret.
type ref struct {
	kind    string
	txn     string
	invoice string
	amount  string
	created int64
}

const (
	kindInvoice = "invoice"
	kindPay     = "pay"
)

func (r ref) String() string {
	var b strings.Builder
	b.Grow(len(Name) + len(r.kind) + len(r.txn) + len(r.invoice) + len(r.amount) + 16)
	b.WriteString(Name)
	b.WriteByte(':')
	b.WriteString(r.kind)
	b.WriteByte(':')
	b.WriteString(r.txn)
	b.WriteByte(':')
	b.WriteString(r.invoice)
	b.WriteByte(':')
	b.WriteString(r.amount)
	b.WriteByte(':')
	b.WriteString(strconv.FormatInt(r.created, 10))
	return b.String()
}

func (r ref) paymentRef() payment.PaymentRef { return payment.PaymentRef(r.String()) }

// parseRef parses a PaymentRef made by this package.
func parseRef(op string, pr payment.PaymentRef) (ref, error) {
	bad := func(msg string) (ref, error) { return ref{}, payment.InvalidRequest(Name, op, "Ref", msg) }
	s := string(pr)
	if len(s) > 512 {
		return bad("payment ref too long")
	}
	var parts [6]string
	rest := s
	for i := range parts {
		var ok bool
		if i == len(parts)-1 {
			parts[i], ok = rest, !strings.Contains(rest, ":")
		} else {
			parts[i], rest, ok = strings.Cut(rest, ":")
		}
		if !ok {
			return bad("not a golomt payment ref")
		}
	}
	if parts[0] != Name {
		return bad("not a golomt payment ref")
	}
	r := ref{kind: parts[1], txn: parts[2], invoice: parts[3], amount: parts[4]}
	if r.kind != kindInvoice && r.kind != kindPay {
		return bad("unknown payment ref kind")
	}
	if !validWireID(r.txn, 256) {
		return bad("bad transaction id in payment ref")
	}
	if r.invoice != "" && !validWireID(r.invoice, 64) {
		return bad("bad invoice id in payment ref")
	}
	if r.amount != "" && !plainAmount(r.amount) {
		return bad("bad amount in payment ref")
	}
	c, err := strconv.ParseInt(parts[5], 10, 64)
	if err != nil || c < 0 || strconv.FormatInt(c, 10) != parts[5] {
		return bad("bad time in payment ref")
	}
	r.created = c
	return r, nil
}

// validWireID reports whether s is a non-empty id of at most max
// characters of [A-Za-z0-9_-]: safe in a URL path, a log and a ref.
func validWireID(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// plainAmount reports whether s is an amount as this package writes it:
// 1–16 digits, optionally a dot and 1–2 digits (ParseMoney accepts it as
// MNT).
func plainAmount(s string) bool {
	intPart, frac, dot := strings.Cut(s, ".")
	if intPart == "" || len(intPart) > 16 || (dot && (frac == "" || len(frac) > 2)) {
		return false
	}
	for _, part := range [2]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false
			}
		}
	}
	return true
}
