package golomttest

import (
	"strconv"
	"strings"
	"time"
)

// Test cards. Any expiry date in the future works unless noted; a card
// whose typed expiry is before the simulator's current month is answered
// "300" whatever its number.
var (
	// CardApproved is approved: errorCode "000" (Амжилттай).
	CardApproved = Card{Number: "9496250000000003", Expiry: "12/30", CVC: "123", Holder: "GOLOMT TEST"}
	// CardExpired is answered "300" (Картын хугацаа дууссан), the code the
	// bank documents.
	CardExpired = Card{Number: "9496250000000011", Expiry: "12/30", CVC: "123", Holder: "GOLOMT TEST"}
	// CardInsufficientFunds is answered "051" (invented code).
	CardInsufficientFunds = Card{Number: "9496250000000029", Expiry: "12/30", CVC: "123", Holder: "GOLOMT TEST"}
	// CardDeclined is answered "005", do not honour (invented code).
	CardDeclined = Card{Number: "9496250000000037", Expiry: "12/30", CVC: "123", Holder: "GOLOMT TEST"}
)

// Result codes and descriptions the simulator answers. Only "000" and
// "300" come from the bank's documentation; the others are invented.
const (
	CodeApproved          = "000"
	CodeCardExpired       = "300"
	CodeInsufficientFunds = "051" // invented
	CodeDeclined          = "005" // invented
	CodeUnknownCard       = "014" // invented: card number not on the test list
)

var codeDesc = map[string]string{
	CodeApproved:          "Амжилттай",
	CodeCardExpired:       "Картын хугацаа дууссан",
	CodeInsufficientFunds: "Үлдэгдэл хүрэлцэхгүй",
	CodeDeclined:          "Гүйлгээ зөвшөөрөгдөөгүй",
	CodeUnknownCard:       "Картын дугаар буруу",
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cardFormError returns a message for a card a browser form would refuse
// to submit, or "".
func cardFormError(c Card) string {
	pan := digits(c.Number)
	if len(pan) < 12 || len(pan) > 19 || strings.Trim(c.Number, "0123456789 ") != "" {
		return "Картын дугаар буруу / invalid card number"
	}
	if _, _, ok := parseExpiry(c.Expiry); !ok {
		return "Хугацаа буруу / invalid expiry (MM/YY)"
	}
	if cvc := c.CVC; len(cvc) < 3 || len(cvc) > 4 || digits(cvc) != cvc {
		return "CVV буруу / invalid CVV"
	}
	if strings.TrimSpace(c.Holder) == "" {
		return "Карт эзэмшигчийн нэр / card holder required"
	}
	return ""
}

func parseExpiry(e string) (month, year int, ok bool) {
	mm, yy, found := strings.Cut(strings.TrimSpace(e), "/")
	if !found || len(mm) != 2 || len(yy) != 2 {
		return 0, 0, false
	}
	m, err1 := strconv.Atoi(mm)
	y, err2 := strconv.Atoi(yy)
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return 0, 0, false
	}
	return m, 2000 + y, true
}

// cardResult decides what the bank answers for card at now.
func cardResult(c Card, now time.Time) (code, desc string) {
	code = CodeUnknownCard
	switch digits(c.Number) {
	case CardApproved.Number:
		code = CodeApproved
	case CardExpired.Number:
		code = CodeCardExpired
	case CardInsufficientFunds.Number:
		code = CodeInsufficientFunds
	case CardDeclined.Number:
		code = CodeDeclined
	}
	if m, y, ok := parseExpiry(c.Expiry); ok && code == CodeApproved {
		// Valid through the end of the expiry month (Ulaanbaatar time).
		end := time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, ulaanbaatar)
		if !now.Before(end) {
			code = CodeCardExpired
		}
	}
	return code, codeDesc[code]
}

// maskPAN masks like the bank: first 6, six stars, last 4 for 16 digits
// (generally: first 6, stars, last 4).
func maskPAN(pan string) string {
	d := digits(pan)
	if len(d) < 10 {
		return strings.Repeat("*", len(d))
	}
	return d[:6] + strings.Repeat("*", len(d)-10) + d[len(d)-4:]
}

var ulaanbaatar = time.FixedZone("ULAT", 8*3600)
