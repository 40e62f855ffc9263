package paymenttest

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/kessai/payment"
)

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p>Order {{.OrderID}}: {{.Amount}}</p>
<p><a id="pass" href="{{.Pass}}">{{.PassText}}</a></p>
<p><a id="fail" href="{{.Fail}}">{{.FailText}}</a></p>
</body></html>`))

// Handler serves the simulated pages NextAction URLs point to:
//
//	GET /challenge?ref=…&id=…  the 3-D Secure style challenge
//	GET /pay?ref=…&id=…        the hosted payment page
//
// Each page has two links, "pass" and "fail"; following one completes the
// action as [Provider.CompleteAction] does and redirects (303) to the
// payment's return URL with the return values in the query. Set
// Config.PageURL to the server's URL so the NextAction URLs lead here.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, kind := range []string{"challenge", "pay"} {
		mux.HandleFunc("GET /"+kind, func(w http.ResponseWriter, r *http.Request) { p.servePage(w, r, kind) })
		mux.HandleFunc("GET /"+kind+"/complete", p.serveComplete)
	}
	return mux
}

// pageInfo is what a page shows, copied out under the lock.
type pageInfo struct {
	ref                        payment.PaymentRef
	orderID, amount, returnURL string
}

func (p *Provider) pending(r *http.Request) (pageInfo, bool) {
	q := r.URL.Query()
	p.mu.Lock()
	defer p.mu.Unlock()
	rec := p.byRef[payment.PaymentRef(q.Get("ref"))]
	if rec == nil || rec.challenge == "" || q.Get("id") != rec.challenge || rec.status != payment.StatusRequiresAction || rec.result != 0 {
		return pageInfo{}, false
	}
	return pageInfo{ref: rec.ref, orderID: rec.orderID, amount: rec.amount.String(), returnURL: rec.returnURL}, true
}

func (p *Provider) servePage(w http.ResponseWriter, r *http.Request, kind string) {
	info, ok := p.pending(r)
	if !ok {
		http.Error(w, "no such pending action", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	link := func(result string) string {
		v := url.Values{"ref": {q.Get("ref")}, "id": {q.Get("id")}, "result": {result}}
		return "/" + kind + "/complete?" + v.Encode()
	}
	data := struct{ Title, OrderID, Amount, Pass, Fail, PassText, FailText string }{
		Title: "paymenttest 3-D Secure", OrderID: info.orderID, Amount: info.amount,
		Pass: link("pass"), Fail: link("fail"), PassText: "Authenticate", FailText: "Fail authentication",
	}
	if kind == "pay" {
		data.Title, data.PassText, data.FailText = "paymenttest payment page", "Pay", "Pay with a declined card"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTmpl.Execute(w, data)
}

func (p *Provider) serveComplete(w http.ResponseWriter, r *http.Request) {
	info, ok := p.pending(r)
	if !ok {
		http.Error(w, "no such pending action", http.StatusNotFound)
		return
	}
	ret, err := p.CompleteAction(info.ref, r.URL.Query().Get("result") == "pass")
	if err != nil {
		http.Error(w, "action already completed", http.StatusConflict)
		return
	}
	u, err := url.Parse(info.returnURL)
	if err != nil || info.returnURL == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("done; no return URL"))
		return
	}
	q := u.Query()
	for k, vs := range ret.Values {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
