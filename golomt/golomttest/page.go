package golomttest

import (
	"crypto/subtle"
	"html/template"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type pageKind int

const (
	pagePayment pageKind = iota
	pageSocialPay
	pageConfirmation
)

func (k pageKind) prefix() string {
	switch k {
	case pageSocialPay:
		return "/socialpay/"
	case pageConfirmation:
		return "/confirmation/"
	}
	return "/payment/"
}

func (k pageKind) accepts(kind Kind) bool {
	if k == pageConfirmation {
		return kind == KindConfirmation
	}
	return kind == KindInvoice
}

var texts = map[string]map[string]string{
	"mn": {
		"title": "Голомт банк — Төлбөр төлөх", "confirmTitle": "Голомт банк — Карт бүртгүүлэх",
		"amount": "Дүн", "order": "Гүйлгээний дугаар", "pan": "Картын дугаар", "expiry": "Хүчинтэй хугацаа (MM/YY)",
		"cvv": "CVV", "holder": "Карт эзэмшигчийн нэр", "pay": "Төлөх", "register": "Бүртгүүлэх",
		"expires": "Төлбөр хийх хугацаа", "social": "SocialPay апп-аар QR код уншуулна уу",
		"expired": "Төлбөрийн хугацаа дууссан", "done": "Энэ нэхэмжлэхийн төлбөр аль хэдийн хийгдсэн байна",
		"notfound": "Нэхэмжлэх олдсонгүй", "session": "Хуудасны хугацаа дууссан. Дахин оролдоно уу",
		"redirect": "Дэлгүүр рүү буцаж байна…", "continue": "Үргэлжлүүлэх",
	},
	"en": {
		"title": "Golomt Bank — Payment", "confirmTitle": "Golomt Bank — Card registration",
		"amount": "Amount", "order": "Transaction", "pan": "Card number", "expiry": "Expiry (MM/YY)",
		"cvv": "CVV", "holder": "Card holder name", "pay": "Pay", "register": "Register",
		"expires": "Pay before", "social": "Scan the QR code with the SocialPay app",
		"expired": "This invoice has expired", "done": "This invoice has already been processed",
		"notfound": "Invoice not found", "session": "This page is no longer valid. Please try again",
		"redirect": "Returning to the shop…", "continue": "Continue",
	},
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:28em;margin:2em auto}label{display:block;margin-top:.8em}input{width:100%;padding:.4em}.err{color:#b00}</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Message}}<p id="message" class="{{.MessageClass}}">{{.Message}}</p>{{end}}
{{if .Form}}
<dl>
{{if .Amount}}<dt>{{.T.amount}}</dt><dd id="amount">{{.Amount}} ₮</dd>{{end}}
<dt>{{.T.order}}</dt><dd id="transaction">{{.TransactionID}}</dd>
<dt>{{.T.expires}}</dt><dd id="expires">{{.ExpiresAt}}</dd>
</dl>
{{if .Social}}<p id="socialpay">{{.T.social}}</p><pre>[QR]</pre>{{end}}
<form id="card-form" method="post" action="{{.Action}}" autocomplete="off">
<input type="hidden" name="pageToken" value="{{.PageToken}}">
<label>{{.T.pan}}<input name="cardNumber" inputmode="numeric" required></label>
<label>{{.T.expiry}}<input name="expiry" placeholder="MM/YY" required></label>
<label>{{.T.cvv}}<input name="cvv" type="password" inputmode="numeric" required></label>
<label>{{.T.holder}}<input name="cardHolder" required></label>
<p><button type="submit">{{.Button}}</button></p>
</form>
{{end}}
</body>
</html>
`))

var returnTmpl = template.Must(template.New("return").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body onload="document.forms[0].submit()">
<p>{{.Title}}</p>
<form id="return-form" method="post" action="{{.Action}}">
<input type="hidden" name="invoice" value="{{.Invoice}}">
<input type="hidden" name="status_code" value="{{.StatusCode}}">
<input type="hidden" name="desc" value="{{.Desc}}">
<noscript><button type="submit">{{.Continue}}</button></noscript>
</form>
</body></html>
`))

type pageData struct {
	Lang, Title, Message, MessageClass string
	T                                  map[string]string
	Form, Social                       bool
	Amount, TransactionID, ExpiresAt   string
	Action, PageToken, Button          string
}

func pageLang(r *http.Request) (string, bool) {
	l := strings.ToLower(r.PathValue("lang"))
	_, ok := texts[l]
	return l, ok
}

func (s *Server) renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

func (s *Server) basePage(k pageKind, lang string) pageData {
	t := texts[lang]
	d := pageData{Lang: lang, T: t, Title: t["title"], Button: t["pay"]}
	if k == pageConfirmation {
		d.Title, d.Button = t["confirmTitle"], t["register"]
	}
	return d
}

// formPage fills d for an open invoice.
func (s *Server) formPage(d pageData, k pageKind, lang string, e LedgerEntry, token string) pageData {
	d.Form, d.Social = true, k == pageSocialPay
	d.Amount, d.TransactionID = e.Amount, e.TransactionID
	d.ExpiresAt = e.ExpiresAt.In(ulaanbaatar).Format("2006-01-02 15:04:05")
	d.Action = k.prefix() + lang + "/" + e.Invoice
	d.PageToken = token
	return d
}

// closedMessage is the text of a page whose invoice takes no more input.
func closedMessage(t map[string]string, st State) string {
	if st == StateExpired {
		return t["expired"]
	}
	return t["done"]
}

func (s *Server) pageGET(k pageKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang, ok := pageLang(r)
		if !ok {
			http.NotFound(w, r)
			return
		}
		d := s.basePage(k, lang)
		s.mu.Lock()
		t, found := s.st.byInvoice[r.PathValue("invoice")]
		if found && !k.accepts(t.Kind) {
			found = false
		}
		var e LedgerEntry
		var token string
		if found {
			s.refreshLocked(t, s.Now())
			e, token = t.LedgerEntry, t.pageToken
		}
		s.mu.Unlock()
		switch {
		case !found:
			d.Message, d.MessageClass = d.T["notfound"], "err"
			s.renderPage(w, http.StatusNotFound, d)
		case e.State != StateCreated:
			d.Message, d.MessageClass = closedMessage(d.T, e.State), "err"
			s.renderPage(w, http.StatusOK, d)
		default:
			s.renderPage(w, http.StatusOK, s.formPage(d, k, lang, e, token))
		}
	}
}

func (s *Server) pagePOST(k pageKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang, ok := pageLang(r)
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, faulty := s.takeFault(APIPage)
		if faulty && f.Kind == FaultDropBeforeProcess {
			dropConnection(w)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		if faulty && !s.applyFaultBefore(w, r, f) {
			return
		}
		s.serveWithFaultAfter(w, r, f, func(w http.ResponseWriter) { s.submit(w, r, k, lang) })
	}
}

// submit processes a card form: at most once per invoice, whatever the
// browser resends.
func (s *Server) submit(w http.ResponseWriter, r *http.Request, k pageKind, lang string) {
	d := s.basePage(k, lang)
	card := Card{
		Number: r.PostForm.Get("cardNumber"), Expiry: r.PostForm.Get("expiry"),
		CVC: r.PostForm.Get("cvv"), Holder: strings.TrimSpace(r.PostForm.Get("cardHolder")),
	}
	now := s.Now()
	s.mu.Lock()
	t, found := s.st.byInvoice[r.PathValue("invoice")]
	if found && !k.accepts(t.Kind) {
		found = false
	}
	if !found {
		s.mu.Unlock()
		d.Message, d.MessageClass = d.T["notfound"], "err"
		s.renderPage(w, http.StatusNotFound, d)
		return
	}
	s.refreshLocked(t, now)
	if t.State != StateCreated {
		st := t.State
		s.mu.Unlock()
		d.Message, d.MessageClass = closedMessage(d.T, st), "err"
		s.renderPage(w, http.StatusOK, d)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("pageToken")), []byte(t.pageToken)) != 1 {
		s.mu.Unlock()
		d.Message, d.MessageClass = d.T["session"], "err"
		s.renderPage(w, http.StatusBadRequest, d)
		return
	}
	if msg := cardFormError(card); msg != "" {
		e, token := t.LedgerEntry, t.pageToken
		s.mu.Unlock()
		d = s.formPage(d, k, lang, e, token)
		d.Message, d.MessageClass = msg, "err"
		s.renderPage(w, http.StatusOK, d)
		return
	}
	code, desc := cardResult(card, now)
	t.ErrorCode, t.ErrorDesc = code, desc
	t.CardNumber, t.CardHolder = maskPAN(card.Number), card.Holder
	t.UpdatedAt = now
	t.pageToken = ""
	t.State = StateDeclined
	if t.Kind == KindConfirmation {
		// The bank verifies the card with a random small charge and refunds
		// it 1–2 minutes later.
		t.Amount = strconv.Itoa(10 + rand.IntN(90))
	}
	if code == CodeApproved {
		t.State = StatePaid
		s.recordChargeLocked(t, now)
		if t.GenToken {
			t.Token = randomHex(32)
			s.st.tokens[t.Token] = storedCard{card: card, holder: card.Holder}
		}
		if t.Kind == KindConfirmation {
			t.refundAt = now.Add(90 * time.Second)
		}
	}
	e := t.LedgerEntry
	if t.Kind == KindInvoice {
		t.pushBody = s.pushFor(e)
	}
	body := t.pushBody
	s.mu.Unlock()
	if body != nil {
		s.push.enqueue(e.TransactionID, body)
	}
	s.returnToMerchant(w, r, d, e)
}

// returnToMerchant sends the browser to the callback with invoice (the
// merchant's transactionId), status_code and desc: a 302 for GET and
// MOBILE, an auto-submitting form for POST.
func (s *Server) returnToMerchant(w http.ResponseWriter, r *http.Request, d pageData, e LedgerEntry) {
	if e.ReturnType == "POST" {
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_ = returnTmpl.Execute(w, map[string]string{
			"Title": d.T["redirect"], "Continue": d.T["continue"], "Action": e.Callback,
			"Invoice": e.TransactionID, "StatusCode": e.ErrorCode, "Desc": e.ErrorDesc,
		})
		return
	}
	sep := "?"
	if strings.Contains(e.Callback, "?") {
		sep = "&"
	}
	loc := e.Callback + sep + "invoice=" + url.QueryEscape(e.TransactionID) +
		"&status_code=" + url.QueryEscape(e.ErrorCode) + "&desc=" + url.QueryEscape(e.ErrorDesc)
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}
