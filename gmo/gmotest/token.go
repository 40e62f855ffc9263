package gmotest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

type token struct {
	c      card
	issued time.Time
	used   bool
}

// TokenError is a tokenizer refusal. Code is token.js's resultCode
// (100-series: input errors, 9xx: system).
type TokenError struct{ Code string }

func (e *TokenError) Error() string { return "gmotest: tokenizer: resultCode " + e.Code }

// lookupToken finds a usable token or answers its EX1 code.
func (s *Server) lookupToken(v string, now time.Time) (*token, string) {
	t := s.tokens[v]
	switch {
	case t == nil:
		return nil, "EX1000301"
	case t.used:
		return nil, "EX1000302"
	case now.Sub(t.issued) >= s.cfg.tokenTTL:
		return nil, "EX1000303"
	}
	return t, ""
}

// tokenCheck validates tokenizer input; the codes follow token.js.
func tokenCheck(pan, expire, cvc, holder string) string {
	switch {
	case pan == "":
		return "100"
	case !isDigits(pan):
		return "101"
	case len(pan) < 10 || len(pan) > 16:
		return "102"
	case expire == "":
		return "110"
	case !isDigits(expire):
		return "111"
	case len(expire) != 6:
		return "112"
	}
	if m, _ := strconv.Atoi(expire[4:]); m < 1 || m > 12 {
		return "113"
	}
	switch {
	case cvc != "" && !isDigits(cvc):
		return "121"
	case cvc != "" && (len(cvc) < 3 || len(cvc) > 4):
		return "122"
	case len(holder) > 50:
		return "131"
	}
	return ""
}

// IssueToken tokenizes a card as GMO's token.js would (expire is YYYYMM).
// The token is single-use and expires after the token lifetime (30
// minutes by default). Bad input gives a *TokenError.
func (s *Server) IssueToken(pan, expireYYYYMM, cvc, holder string) (string, error) {
	if code := tokenCheck(pan, expireYYYYMM, cvc, holder); code != "" {
		return "", &TokenError{Code: code}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked(pan, expireYYYYMM, cvc, holder), nil
}

func (s *Server) issueLocked(pan, expire, cvc, holder string) string {
	v := randAlnum(64)
	s.tokens[v] = &token{c: card{pan: pan, expire: expire[2:], cvc: cvc, holder: holder}, issued: s.Now()}
	return v
}

// tokenRequest is the sim-mode tokenizer body: plain JSON instead of GMO's
// RSA-encrypted Encrypted field.
type tokenRequest struct {
	CardNo       string `json:"cardNo"`
	Expire       string `json:"expire"`
	SecurityCode string `json:"securityCode"`
	HolderName   string `json:"holderName"`
	TokenNumber  string `json:"tokenNumber"`
	ShopID       string `json:"shopID"`
}

type tokenAnswer struct {
	ResultCode  []string     `json:"resultCode"`
	TokenObject *tokenObject `json:"tokenObject,omitempty"`
}

type tokenObject struct {
	Token             []string `json:"token"`
	ToBeExpiredAt     string   `json:"toBeExpiredAt"`
	MaskedCardNo      string   `json:"maskedCardNo"`
	IsSecurityCodeSet bool     `json:"isSecurityCodeSet"`
}

// serveGetToken stands in for GMO's token endpoint. Deviation: it takes
// the card as plain JSON (no RSA, no KeyHash).
func (s *Server) serveGetToken(w http.ResponseWriter, r *http.Request) {
	s.countRequest("getToken")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	f, faulty := s.popFault("getToken")
	if faulty {
		if f.Delay > 0 {
			time.Sleep(f.Delay)
		}
		if s.faultBefore(w, f) {
			return
		}
	}
	answer := func(a tokenAnswer) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_ = json.NewEncoder(w).Encode(a)
	}
	if r.Method != http.MethodPost {
		answer(tokenAnswer{ResultCode: []string{"901"}})
		return
	}
	var req tokenRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
		answer(tokenAnswer{ResultCode: []string{"901"}})
		return
	}
	if req.ShopID != "" && req.ShopID != s.cfg.creds.ShopID {
		answer(tokenAnswer{ResultCode: []string{"502"}})
		return
	}
	if code := tokenCheck(req.CardNo, req.Expire, req.SecurityCode, req.HolderName); code != "" {
		answer(tokenAnswer{ResultCode: []string{code}})
		return
	}
	n := 1
	if req.TokenNumber != "" {
		var err error
		if n, err = strconv.Atoi(req.TokenNumber); err != nil || n < 1 || n > 10 {
			answer(tokenAnswer{ResultCode: []string{"141"}})
			return
		}
	}
	s.mu.Lock()
	obj := &tokenObject{
		ToBeExpiredAt:     s.Now().Add(s.cfg.tokenTTL).In(jst).Format("2006-01-02-15-04-05"),
		MaskedCardNo:      maskTokenPAN(req.CardNo),
		IsSecurityCodeSet: req.SecurityCode != "",
	}
	for i := 0; i < n; i++ {
		obj.Token = append(obj.Token, s.issueLocked(req.CardNo, req.Expire, req.SecurityCode, req.HolderName))
	}
	s.mu.Unlock()
	answer(tokenAnswer{ResultCode: []string{"000"}, TokenObject: obj})
}

// maskTokenPAN is token.js's mask: first 6 and last 4 digits.
func maskTokenPAN(pan string) string {
	if len(pan) < 11 {
		return maskPAN(pan)
	}
	b := []byte(pan)
	for i := 6; i < len(b)-4; i++ {
		b[i] = '*'
	}
	return string(b)
}

// serveTokenJS is a stand-in for token.js: Multipayment.init(shopID) and
// Multipayment.getToken(card, callbackName) against this simulator.
func (s *Server) serveTokenJS(w http.ResponseWriter, r *http.Request) {
	s.countRequest("")
	w.Header().Set("Content-Type", "text/javascript; charset=UTF-8")
	_, _ = io.WriteString(w, tokenScript)
}

const tokenScript = `// gmotest stand-in for GMO's token.js (sim mode: the card travels as plain JSON).
(function () {
  var src = document.currentScript ? document.currentScript.src : "";
  var base = src ? src.replace(/\/ext\/js\/token\.js.*$/, "") : "";
  var shop = "";
  window.Multipayment = {
    init: function (shopID) { shop = shopID; },
    getToken: function (c, callback) {
      var cb = typeof callback === "function" ? callback : window[callback];
      fetch(base + "/ext/api/credit/getToken", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          cardNo: c.cardno || "", expire: c.expire || "", securityCode: c.securitycode || "",
          holderName: c.holdername || "", tokenNumber: String(c.tokennumber || "1"), shopID: shop
        })
      }).then(function (r) { return r.json(); }).then(function (a) {
        var res = { resultCode: a.resultCode[0] };
        if (a.tokenObject) {
          res.tokenObject = {
            token: a.tokenObject.token.length === 1 ? a.tokenObject.token[0] : a.tokenObject.token,
            toBeExpiredAt: a.tokenObject.toBeExpiredAt, maskedCardNo: a.tokenObject.maskedCardNo,
            isSecurityCodeSet: a.tokenObject.isSecurityCodeSet
          };
        }
        cb(res);
      }, function () { cb({ resultCode: "901" }); });
    }
  };
})();
`
