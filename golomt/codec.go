package golomt

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// This file is the wire codec. Requests are JSON objects whose values are
// all JSON strings; responses and pushes are JSON objects read into jstr
// fields, which keep the exact string the bank sent (checksums are verified
// over those raw strings, never over re-formatted values) and tell null and
// absent apart.

// invoiceRequest is POST /api/invoice.
type invoiceRequest struct {
	Amount         string `json:"amount"`
	Callback       string `json:"callback"`
	Checksum       string `json:"checksum"`
	GenToken       string `json:"genToken"`
	ReturnType     string `json:"returnType"`
	TransactionID  string `json:"transactionId"`
	SocialDeeplink string `json:"socialDeeplink,omitempty"`
}

// txnRequest is POST /api/inquiry, /api/check and /api/get/token.
type txnRequest struct {
	TransactionID string `json:"transactionId"`
	Checksum      string `json:"checksum"`
}

// payRequest is POST /api/pay.
type payRequest struct {
	Amount        string `json:"amount"`
	Checksum      string `json:"checksum"`
	TransactionID string `json:"transactionId"`
	Lang          string `json:"lang"`
	Token         string `json:"token"`
}

// confirmationRequest is POST /api/confirmation (card registration).
type confirmationRequest struct {
	Callback      string `json:"callback"`
	Checksum      string `json:"checksum"`
	ReturnType    string `json:"returnType"`
	TransactionID string `json:"transactionId"`
}

// settlementRequest is POST /api/getSettlementDetails.
type settlementRequest struct {
	Checksum   string `json:"checksum"`
	Token      string `json:"token"`
	MerchantID string `json:"merchantId"`
}

// jstr is a JSON string field as received: S holds the exact decoded text,
// Null is set for JSON null, Set for any value present. Anything other
// than a string or null is a decoding error: the bank's fields are typed
// String, and a number or object where a string belongs is not a message
// we can verify.
type jstr struct {
	S    string
	Set  bool
	Null bool
}

var errNotString = errors.New("value is not a JSON string")

// UnmarshalJSON implements json.Unmarshaler. encoding/json has validated
// the syntax before calling it.
func (j *jstr) UnmarshalJSON(b []byte) error {
	j.Set = true
	switch {
	case len(b) == 4 && string(b) == "null":
		j.Null, j.S = true, ""
		return nil
	case len(b) < 2 || b[0] != '"':
		return errNotString
	}
	inner := b[1 : len(b)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		j.S = string(inner)
		return nil
	}
	return json.Unmarshal(b, &j.S)
}

// invoiceResponse is the answer of /api/invoice and /api/confirmation.
type invoiceResponse struct {
	Checksum       jstr `json:"checksum"`
	TransactionID  jstr `json:"transactionId"`
	Invoice        jstr `json:"invoice"`
	SocialDeeplink jstr `json:"socialDeeplink"`
}

// result is the answer of /api/inquiry, /api/check, /api/pay and
// /api/get/token, and the push body: the same fields in different subsets.
type result struct {
	Status        jstr `json:"status"`
	Amount        jstr `json:"amount"`
	Bank          jstr `json:"bank"`
	BankCode      jstr `json:"bankCode"`
	ErrorDesc     jstr `json:"errorDesc"`
	Checksum      jstr `json:"checksum"`
	ErrorCode     jstr `json:"errorCode"`
	CardHolder    jstr `json:"cardHolder"`
	TransactionID jstr `json:"transactionId"`
	CardNumber    jstr `json:"cardNumber"`
	Token         jstr `json:"token"`
}

// errorEnvelope is the bank's error body on 400/500:
// {timestamp, status, error, message, path}. Its fields are read
// leniently (see decodeEnvelope).
type errorEnvelope struct {
	Status  int    `json:"status"`
	Error   string `json:"error"`
	Message string `json:"message"`
	Path    string `json:"path"`
}

// settlementResponse is the answer of /api/getSettlementDetails.
type settlementResponse struct {
	Content  *[]settlementRow `json:"content"`
	Pageable struct {
		First         bool  `json:"first"`
		Last          bool  `json:"last"`
		TotalPages    int   `json:"totalPages"`
		TotalElements int64 `json:"totalElements"`
	} `json:"pageable"`
}

type settlementRow struct {
	ID              int64 `json:"id"`
	MerchantID      jstr  `json:"merchantId"`
	TerminalID      jstr  `json:"terminalId"`
	BatchNumber     jstr  `json:"batchNumber"`
	InvoiceNumber   jstr  `json:"invoiceNumber"`
	CardNumber      jstr  `json:"cardNumber"`
	Token           jstr  `json:"token"`
	Amount          jstr  `json:"amount"`
	MerchantInvoice jstr  `json:"merchantInvoice"`
	RespCode        jstr  `json:"respCode"`
	RespDesc        jstr  `json:"respDesc"`
	TranTime        jstr  `json:"tranTime"`
	TranDate        jstr  `json:"tranDate"`
	SysReference    jstr  `json:"sysReference"`
	ApprovalCode    jstr  `json:"approvalCode"`
	FreeText1       jstr  `json:"freeText1"`
	FreeText2       jstr  `json:"freeText2"`
	FreeText3       jstr  `json:"freeText3"`
	RequestDate     jstr  `json:"requestDate"`
	ReversedDate    jstr  `json:"reversedDate"`
	CheckedDate     jstr  `json:"checkedDate"`
	TransferStatus  jstr  `json:"transferStatus"`
}

var errNotObject = errors.New("body is not a JSON object")

// decodeObject decodes a JSON object body into v. Unknown fields are
// ignored; anything but one object (an array, a string, trailing data) and
// any field of the wrong type is an error.
func decodeObject(body []byte, v any) error {
	switch v := v.(type) {
	case *result:
		if scanFlat(body, v.field) {
			return nil
		}
		*v = result{}
	case *invoiceResponse:
		if scanFlat(body, v.field) {
			return nil
		}
		*v = invoiceResponse{}
	}
	return decodeSlow(body, v)
}

// decodeSlow is decodeObject through encoding/json.
func decodeSlow(body []byte, v any) error {
	t := bytes.TrimLeft(body, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return errNotObject
	}
	return json.Unmarshal(body, v)
}

// decodeEnvelope reads an error envelope, tolerating a status written as
// a string. It reports false when body is not one.
func decodeEnvelope(body []byte) (errorEnvelope, bool) {
	var raw struct {
		Status  json.RawMessage `json:"status"`
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
		Path    json.RawMessage `json:"path"`
	}
	if decodeObject(body, &raw) != nil {
		return errorEnvelope{}, false
	}
	var e errorEnvelope
	str := func(m json.RawMessage) string {
		var s string
		if json.Unmarshal(m, &s) == nil {
			return s
		}
		return ""
	}
	e.Error, e.Message, e.Path = str(raw.Error), str(raw.Message), str(raw.Path)
	if json.Unmarshal(raw.Status, &e.Status) != nil {
		var s string
		if json.Unmarshal(raw.Status, &s) == nil {
			for _, c := range []byte(s) {
				if c < '0' || c > '9' || e.Status > 1000 {
					e.Status = 0
					break
				}
				e.Status = e.Status*10 + int(c-'0')
			}
		}
	}
	return e, e.Error != "" || e.Message != "" || e.Status != 0
}

// looksHTML reports whether a body is an HTML page (a proxy, a login page
// or an IP allow-list refusal) rather than the bank's JSON.
func looksHTML(contentType string, body []byte) bool {
	if bytes.HasPrefix(bytes.TrimLeft([]byte(contentType), " "), []byte("text/html")) {
		return true
	}
	t := bytes.TrimLeft(body, " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '<'
}
