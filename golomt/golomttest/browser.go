package golomttest

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
)

// ErrNoCardForm is returned by PayInvoice when the page shows no card form
// (expired, already paid, unknown invoice) or refuses the card's format.
var ErrNoCardForm = errors.New("golomttest: page shows no card form")

var (
	formRE    = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	inputRE   = regexp.MustCompile(`<input\b([^>]*)>`)
	attrRE    = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"`)
	messageRE = regexp.MustCompile(`(?s)<p id="message"[^>]*>(.*?)</p>`)
)

type htmlForm struct {
	attrs  map[string]string
	values url.Values
}

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// findForm returns the form with the given id in an HTML page.
func findForm(page, id string) (htmlForm, bool) {
	for _, f := range formRE.FindAllStringSubmatch(page, -1) {
		fa := attrs(f[1])
		if fa["id"] != id {
			continue
		}
		vals := url.Values{}
		for _, in := range inputRE.FindAllStringSubmatch(f[2], -1) {
			ia := attrs(in[1])
			if ia["name"] != "" {
				vals.Set(ia["name"], ia["value"])
			}
		}
		return htmlForm{attrs: fa, values: vals}, true
	}
	return htmlForm{}, false
}

func pageMessage(page string) string {
	if m := messageRE.FindStringSubmatch(page); m != nil {
		return html.UnescapeString(strings.TrimSpace(m[1]))
	}
	return ""
}

// browser returns an HTTP client that does not follow redirects and talks
// to the listener, or in-process to the handler for NewHandler.
func (s *Server) browser() *http.Client {
	var rt http.RoundTripper = handlerTransport{s.handler}
	if s.ts != nil {
		rt = s.ts.Client().Transport
	}
	return &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// handlerTransport serves requests with a handler, in-process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	sreq := httptest.NewRequestWithContext(req.Context(), req.Method, req.URL.String(), req.Body)
	sreq.Header = req.Header.Clone()
	rec := httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("golomttest: connection dropped: %v", p)
		}
	}()
	t.h.ServeHTTP(rec, sreq)
	return rec.Result(), nil
}

// PayInvoice plays the customer's browser: it opens pageURL (a hosted card,
// SocialPay or card-registration page; a path like "/payment/en/<invoice>"
// is resolved against the simulator), types card into the form and submits
// it. It returns the request the browser would then make to the merchant's
// callback (GET with query for returnType GET/MOBILE, POST form for POST),
// not sent, as a server-side request to feed to a handler.
//
// A declined card is not an error: the callback request carries its
// status_code. The error matches ErrNoCardForm when the page shows no form
// (expired, already paid) or rejects the typed card's format.
func (s *Server) PayInvoice(ctx context.Context, pageURL string, card Card) (*http.Request, error) {
	base, err := url.Parse(s.URL() + "/")
	if err != nil || s.URL() == "" {
		base, _ = url.Parse("http://golomttest.invalid/")
	}
	page, err := base.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("golomttest: page url: %w", err)
	}
	c := s.browser()
	body, status, _, err := fetch(ctx, c, http.MethodGet, page.String(), nil)
	if err != nil {
		return nil, err
	}
	form, ok := findForm(body, "card-form")
	if !ok {
		return nil, fmt.Errorf("%w (HTTP %d): %s", ErrNoCardForm, status, pageMessage(body))
	}
	action, err := page.Parse(form.attrs["action"])
	if err != nil {
		return nil, fmt.Errorf("golomttest: form action: %w", err)
	}
	vals := form.values
	vals.Set("cardNumber", card.Number)
	vals.Set("expiry", card.Expiry)
	vals.Set("cvv", card.CVC)
	vals.Set("cardHolder", card.Holder)
	body, status, hdr, err := fetch(ctx, c, http.MethodPost, action.String(), vals)
	if err != nil {
		return nil, err
	}
	switch {
	case status == http.StatusFound || status == http.StatusSeeOther || status == http.StatusMovedPermanently:
		loc, err := action.Parse(hdr.Get("Location"))
		if err != nil {
			return nil, fmt.Errorf("golomttest: redirect location: %w", err)
		}
		return httptest.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil), nil
	case status == http.StatusOK:
		if ret, ok := findForm(body, "return-form"); ok {
			target, err := action.Parse(ret.attrs["action"])
			if err != nil {
				return nil, fmt.Errorf("golomttest: return form action: %w", err)
			}
			r := httptest.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(ret.values.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r, nil
		}
	}
	return nil, fmt.Errorf("%w (HTTP %d after submit): %s", ErrNoCardForm, status, pageMessage(body))
}

func fetch(ctx context.Context, c *http.Client, method, u string, form url.Values) (string, int, http.Header, error) {
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return "", 0, nil, fmt.Errorf("golomttest: %w", err)
	}
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, nil, fmt.Errorf("golomttest: browser: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", 0, nil, fmt.Errorf("golomttest: browser: %w", err)
	}
	return string(b), resp.StatusCode, resp.Header, nil
}
