package golomttest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Message names one signed message; its checksum formula is an ordered list
// of JSON field names whose values are concatenated.
type Message string

// Signed messages and their default formulas (golomt-protocol.md §2).
const (
	MsgInvoiceRequest       Message = "invoice-request"       // transactionId+amount+returnType+callback
	MsgInvoiceResponse      Message = "invoice-response"      // invoice+transactionId
	MsgInquiryRequest       Message = "inquiry-request"       // transactionId+transactionId
	MsgInquiryResponse      Message = "inquiry-response"      // transactionId+errorCode+amount+token
	MsgPush                 Message = "push"                  // transactionId+errorCode+amount+token
	MsgCheckRequest         Message = "check-request"         // transactionId+transactionId
	MsgCheckResponse        Message = "check-response"        // transactionId+errorCode+amount+token
	MsgPayRequest           Message = "pay-request"           // amount+transactionId+token
	MsgPayResponse          Message = "pay-response"          // transactionId+errorCode+amount
	MsgConfirmationRequest  Message = "confirmation-request"  // transactionId+returnType+callback (UNCERTAIN)
	MsgConfirmationResponse Message = "confirmation-response" // invoice+transactionId
	MsgGetTokenRequest      Message = "gettoken-request"      // transactionId+transactionId (UNCERTAIN)
	MsgGetTokenResponse     Message = "gettoken-response"     // transactionId+token (UNCERTAIN)
	MsgSettlementRequest    Message = "settlement-request"    // merchantId+token
)

func defaultFormulas() map[Message][]string {
	return map[Message][]string{
		MsgInvoiceRequest:       {"transactionId", "amount", "returnType", "callback"},
		MsgInvoiceResponse:      {"invoice", "transactionId"},
		MsgInquiryRequest:       {"transactionId", "transactionId"},
		MsgInquiryResponse:      {"transactionId", "errorCode", "amount", "token"},
		MsgPush:                 {"transactionId", "errorCode", "amount", "token"},
		MsgCheckRequest:         {"transactionId", "transactionId"},
		MsgCheckResponse:        {"transactionId", "errorCode", "amount", "token"},
		MsgPayRequest:           {"amount", "transactionId", "token"},
		MsgPayResponse:          {"transactionId", "errorCode", "amount"},
		MsgConfirmationRequest:  {"transactionId", "returnType", "callback"},
		MsgConfirmationResponse: {"invoice", "transactionId"},
		MsgGetTokenRequest:      {"transactionId", "transactionId"},
		MsgGetTokenResponse:     {"transactionId", "token"},
		MsgSettlementRequest:    {"merchantId", "token"},
	}
}

// Checksum returns the Golomt checksum of values: HMAC-SHA256 keyed with
// key over the values concatenated without separators, as lowercase hex.
// Pass "" for a null or absent value (it then adds nothing).
func Checksum(key string, values ...string) string {
	m := hmac.New(sha256.New, []byte(key))
	for _, v := range values {
		_, _ = m.Write([]byte(v))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns the checksum of values under the simulator's merchant key,
// for tests that craft their own messages.
func (s *Server) Sign(values ...string) string { return Checksum(s.cfg.secret, values...) }

// sum computes message m's checksum over the named fields of vals.
func (s *Server) sum(m Message, vals map[string]string) string {
	f := s.cfg.formulas[m]
	parts := make([]string, len(f))
	for i, name := range f {
		parts[i] = vals[name]
	}
	return Checksum(s.cfg.secret, parts...)
}

// verify reports whether got is m's checksum over vals, in constant time.
// Case matters: the bank's hex is lowercase.
func (s *Server) verify(m Message, vals map[string]string, got string) bool {
	want := s.sum(m, vals)
	return hmac.Equal([]byte(want), []byte(got))
}
