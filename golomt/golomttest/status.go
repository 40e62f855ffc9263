package golomttest

import (
	"html/template"
	"net/http"
)

var statusTmpl = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>golomttest — ledger</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}</style>
</head><body>
<h1>Golomt simulator ledger</h1>
<p>{{len .Entries}} transactions, {{.Requests}} requests, now {{.Now}}</p>
<table id="ledger">
<tr><th>transactionId</th><th>kind</th><th>invoice</th><th>amount</th><th>state</th><th>errorCode</th><th>errorDesc</th><th>card</th><th>charges</th><th>refunds</th><th>created</th><th>expires</th></tr>
{{range .Entries}}<tr><td>{{.TransactionID}}</td><td>{{.Kind}}</td><td>{{if .Invoice}}<a href="{{$.Base}}/payment/en/{{.Invoice}}">{{.Invoice}}</a>{{end}}</td><td>{{.Amount}}</td><td>{{.State}}</td><td>{{.ErrorCode}}</td><td>{{.ErrorDesc}}</td><td>{{.CardNumber}}</td><td>{{.Charges}}</td><td>{{.Refunds}}</td><td>{{.CreatedAt.Format "2006-01-02 15:04:05Z07:00"}}</td><td>{{if not .ExpiresAt.IsZero}}{{.ExpiresAt.Format "15:04:05"}}{{end}}</td></tr>
{{end}}</table>
</body></html>
`))

// StatusHandler serves an HTML page listing the ledger (also mounted at
// GET /_sim/status on Handler). Card tokens are not shown.
func (s *Server) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		_ = statusTmpl.Execute(w, map[string]any{
			"Entries":  s.Ledgers(),
			"Requests": s.Requests(),
			"Now":      s.Now().UTC().Format("2006-01-02 15:04:05Z"),
			"Base":     "",
		})
	})
}
