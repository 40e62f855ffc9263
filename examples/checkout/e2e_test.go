package main

// The browser test: the checkout demo in-process, driven by headless
// Chromium through chromedp. Without Chromium it is skipped, except under
// CI (CI=true), where a missing browser fails the run. Install it with
// `apt-get install -y chromium` (Debian). Screenshots of every final page
// go to testdata/artifacts/ (git-ignored).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt/golomttest"
)

// findChromium returns `chromium` from PATH, else /usr/bin/chromium when
// it exists, else "".
func findChromium(lookPath func(string) (string, error), exists func(string) bool) string {
	if p, err := lookPath("chromium"); err == nil {
		return p
	}
	if exists("/usr/bin/chromium") {
		return "/usr/bin/chromium"
	}
	return ""
}

// underCI reports whether the CI variable is set to true (CI=true, CI=1).
func underCI(getenv func(string) string) bool {
	ci, err := strconv.ParseBool(getenv("CI"))
	return err == nil && ci
}

const noChromium = "no Chromium: looked for `chromium` on PATH and /usr/bin/chromium; " +
	"install it with `apt-get install -y chromium` to run the browser test"

// chromiumPath finds the browser. Without one the test is skipped, or
// fails under CI.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := findChromium(exec.LookPath, func(p string) bool { _, err := os.Stat(p); return err == nil })
	switch {
	case p != "":
		return p
	case underCI(os.Getenv):
		t.Fatal("CI is set: a missing browser is a failure, not a skip: " + noChromium)
	default:
		t.Skip(noChromium)
	}
	return ""
}

func TestFindChromium(t *testing.T) {
	missing := func(string) (string, error) { return "", exec.ErrNotFound }
	tests := []struct {
		name     string
		lookPath func(string) (string, error)
		exists   func(string) bool
		want     string
	}{
		{"on PATH", func(string) (string, error) { return "/opt/bin/chromium", nil }, func(string) bool { return true }, "/opt/bin/chromium"},
		{"only /usr/bin/chromium", missing, func(p string) bool { return p == "/usr/bin/chromium" }, "/usr/bin/chromium"},
		{"none", missing, func(string) bool { return false }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, findChromium(tt.lookPath, tt.exists))
		})
	}
	for _, tt := range []struct {
		ci   string
		want bool
	}{{"true", true}, {"1", true}, {"TRUE", true}, {"", false}, {"false", false}, {"yes", false}} {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			assert.Equal(t, tt.want, underCI(func(string) string { return tt.ci }))
		})
	}
}

// newBrowser starts headless Chromium with a throw-away profile. The
// returned context belongs to the browser; open a tab per flow with
// chromedp.NewContext.
func newBrowser(t *testing.T, execPath string) context.Context {
	t.Helper()
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1100, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	// Start the browser now, so that a broken install fails here.
	require.NoError(t, chromedp.Do(bctx), "starting %s", execPath)
	return bctx
}

// bodyRecorder keeps everything the shop's server receives (URLs and
// bodies), to prove that card numbers never reach it.
type bodyRecorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *bodyRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		b.mu.Lock()
		fmt.Fprintf(&b.buf, "%s %s\n%s\n", r.Method, r.URL, body)
		b.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func (b *bodyRecorder) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tab is one browser tab running a flow.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func newTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(cancelT)
	return &tab{t: t, ctx: ctx}
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, steps...))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(b.t, err, "text of %s", sel)
	return strings.TrimSpace(s)
}

// waitFor evaluates the JavaScript predicate until it is true. Page loads
// in between (which make an evaluation fail) are expected.
func (b *tab) waitFor(what, predicate string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](predicate))
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	b.screenshot("timeout-" + strings.ReplaceAll(what, " ", "-"))
	b.t.Fatalf("timed out waiting for %s (at %s; last error %s)", what, loc, last)
}

// waitOrder waits for the shop's order page showing status.
func (b *tab) waitOrder(status payment.Status) string {
	b.t.Helper()
	b.waitFor("order page showing "+status.String(), fmt.Sprintf(
		`location.pathname.startsWith("/orders/") && document.querySelector("h1 .status") !== null && document.querySelector("h1 .status").dataset.status === %q`,
		status.String()))
	return b.text("#order-id")
}

func (b *tab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join("testdata", "artifacts")
	require.NoError(b.t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, name+".png")
	require.NoError(b.t, os.WriteFile(path, png, 0o644))
	b.t.Logf("screenshot: %s", path)
}

// payGMO opens the card page from the shop and pays with pan.
func (b *tab) payGMO(shopURL, pan, capture string) {
	b.t.Helper()
	b.do(chromedp.Navigate(shopURL))
	b.do(chromedp.Click(chromedp.CSS("#pay-gmo")))
	b.waitFor("card form", `document.querySelector("#card-number") !== null`)
	b.do(
		// Let chromedp's own DOM mirror catch up with the new document
		// before it resolves nodes ("Could not find node with given id"
		// was seen once under load without this).
		chromedp.WaitReady(chromedp.CSS("#pay")),
		chromedp.WaitVisible(chromedp.CSS("#card-number")),
		chromedp.SendKeys(chromedp.CSS("#card-number"), pan),
		chromedp.SendKeys(chromedp.CSS("#card-expiry"), "12/30"),
		chromedp.SendKeys(chromedp.CSS("#card-cvc"), "123"),
		chromedp.SendKeys(chromedp.CSS("#card-holder"), "TARO YAMADA"),
		chromedp.SetValue(chromedp.CSS("#capture"), capture),
		chromedp.Click(chromedp.CSS("#pay")),
	)
}

// payGolomt starts a Golomt payment and types card on the bank's page.
func (b *tab) payGolomt(shopURL string, card golomttest.Card) {
	b.t.Helper()
	b.do(chromedp.Navigate(shopURL))
	b.do(chromedp.Click(chromedp.CSS("#pay-golomt")))
	b.waitFor("Golomt hosted page", `document.querySelector("#card-form input[name=cardNumber]") !== null`)
	b.do(
		chromedp.SendKeys(chromedp.CSS(`#card-form input[name=cardNumber]`), card.Number),
		chromedp.SendKeys(chromedp.CSS(`#card-form input[name=expiry]`), card.Expiry),
		chromedp.SendKeys(chromedp.CSS(`#card-form input[name=cvv]`), card.CVC),
		chromedp.SendKeys(chromedp.CSS(`#card-form input[name=cardHolder]`), card.Holder),
		chromedp.Click(chromedp.CSS(`#card-form button[type=submit]`)),
	)
}

func waitNotifications(t *testing.T, a *app, id string, n int) order {
	t.Helper()
	var o order
	require.Eventually(t, func() bool {
		o, _ = a.Shop.orders.get(id)
		return o.Notifications >= n
	}, 10*time.Second, 20*time.Millisecond, "order %s: %d notification(s) expected", id, n)
	return o
}

func TestBrowserCheckout(t *testing.T) {
	execPath := chromiumPath(t)
	began := time.Now()
	rec := &bodyRecorder{}
	a, err := start(context.Background(), config{
		Addr: "127.0.0.1:0", GMOSimAddr: "127.0.0.1:0", GolomtSimAddr: "127.0.0.1:0",
		Quiet: true, wrapShop: rec.wrap,
	}, nil)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	browser := newBrowser(t, execPath)
	t.Logf("browser up after %v", time.Since(began))

	t.Run("GMO frictionless payment, then a partial refund", func(t *testing.T) {
		b := newTab(t, browser)
		b.payGMO(a.ShopURL, gmotest.CardApprove, "auto")
		id := b.waitOrder(payment.StatusCaptured)

		b.do(chromedp.SendKeys(chromedp.CSS("#refund-amount"), "500"), chromedp.Click(chromedp.CSS("#refund-partial")))
		b.waitOrder(payment.StatusPartiallyRefunded)
		assert.Equal(t, "¥500", b.text("#refunded"))
		assert.Contains(t, b.text("#card"), "1111", "the last four digits, never the number")
		b.screenshot("gmo-frictionless")

		e, ok := a.GMOSim.Ledger(id)
		require.True(t, ok, "GMO ledger has %s", id)
		assert.Equal(t, 1, e.Charges, "charged once")
		assert.Equal(t, int64(1500), e.Amount+e.Refunded, "ledger amount after the partial refund")
		assert.Equal(t, int64(500), e.Refunded)
		assert.Equal(t, 1, e.Refunds)
		assert.Equal(t, "************1111", e.CardNo)
	})

	t.Run("GMO 3-D Secure challenge, manual capture", func(t *testing.T) {
		b := newTab(t, browser)
		b.payGMO(a.ShopURL, gmotest.CardChallenge, "manual")
		b.waitFor("3-D Secure challenge page", `document.querySelector("#challenge button[value=pass]") !== null`)
		b.screenshot("gmo-3ds-challenge-page")
		b.do(chromedp.Click(chromedp.CSS("#challenge button[value=pass]")))
		id := b.waitOrder(payment.StatusAuthorized)
		e, ok := a.GMOSim.Ledger(id)
		require.True(t, ok)
		assert.Equal(t, "AUTH", e.Status)
		assert.Equal(t, int64(1500), e.Authorized)

		b.do(chromedp.Click(chromedp.CSS("#capture")))
		b.waitOrder(payment.StatusCaptured)
		assert.Equal(t, "¥1,500", b.text("#captured"))
		b.screenshot("gmo-3ds-challenge")

		e, _ = a.GMOSim.Ledger(id)
		assert.Equal(t, "SALES", e.Status)
		assert.Equal(t, 1, e.Charges)
		assert.Equal(t, 1, e.Sales)
		assert.Equal(t, int64(1500), e.Captured)
	})

	t.Run("Golomt hosted page payment", func(t *testing.T) {
		b := newTab(t, browser)
		b.payGolomt(a.ShopURL, golomttest.CardApproved)
		id := b.waitOrder(payment.StatusCaptured)
		assert.Equal(t, "₮35,000.00", b.text("#captured"))
		assert.Contains(t, b.text("#card"), "0003")
		o := waitNotifications(t, a, id, 1)
		assert.Equal(t, payment.StatusCaptured, o.Payment.Status)
		b.do(chromedp.Navigate(a.ShopURL + "/orders/" + id)) // show the notification in the history
		b.waitOrder(payment.StatusCaptured)
		b.screenshot("golomt-hosted")

		e, ok := a.GolomtSim.Ledger(id)
		require.True(t, ok)
		assert.Equal(t, golomttest.StatePaid, e.State)
		assert.Equal(t, golomttest.CodeApproved, e.ErrorCode)
		assert.Equal(t, "35000.00", e.Amount)
		assert.Equal(t, 1, e.Charges)
	})

	t.Run("Golomt decline", func(t *testing.T) {
		b := newTab(t, browser)
		b.payGolomt(a.ShopURL, golomttest.CardDeclined)
		id := b.waitOrder(payment.StatusFailed)
		assert.Contains(t, b.text("#gateway-code"), golomttest.CodeDeclined)
		waitNotifications(t, a, id, 1)
		b.screenshot("golomt-decline")

		e, ok := a.GolomtSim.Ledger(id)
		require.True(t, ok)
		assert.Equal(t, golomttest.StateDeclined, e.State)
		assert.Equal(t, golomttest.CodeDeclined, e.ErrorCode)
		assert.Zero(t, e.Charges)
	})

	t.Run("GMO konbini: voucher, paid at the store, captured by GMO's notification", func(t *testing.T) {
		b := newTab(t, browser)
		b.do(chromedp.Navigate(a.ShopURL))
		b.do(chromedp.Click(chromedp.CSS("#pay-konbini")))
		b.waitFor("konbini form", `document.querySelector("#voucher-form #Chain") !== null`)
		// Latin letters in the katakana field: the adapter's field error is
		// shown next to the field and the form keeps what was typed.
		b.do(
			chromedp.SetValue(chromedp.CSS("#Chain"), gmo.ChainFamilyMart),
			chromedp.SendKeys(chromedp.CSS("#CustomerName"), "山田 太郎"),
			chromedp.SendKeys(chromedp.CSS("#CustomerKana"), "Yamada Taro"),
			chromedp.SendKeys(chromedp.CSS("#Phone"), "090-1234-5678"),
			chromedp.Click(chromedp.CSS("#get-voucher")),
		)
		b.waitFor("field error", `document.querySelector("#CustomerKana.invalid + .field-error") !== null`)
		assert.Contains(t, b.text("#CustomerKana.invalid + .field-error"), "only full-width katakana")
		b.screenshot("konbini-field-error")
		b.do(
			chromedp.Clear(chromedp.CSS("#CustomerKana")),
			chromedp.SendKeys(chromedp.CSS("#CustomerKana"), "ヤマダ タロウ"),
			chromedp.Click(chromedp.CSS("#get-voucher")),
		)
		id := b.waitOrder(payment.StatusPending)
		assert.Contains(t, b.text("#voucher-chain"), "FamilyMart")
		assert.Regexp(t, `^\d+$`, b.text("#voucher-conf"))
		assert.NotEmpty(t, b.text("#voucher-receipt"))
		assert.True(t, strings.HasSuffix(b.text("#voucher-deadline"), "23:59:59 JST"), b.text("#voucher-deadline"))
		b.screenshot("konbini-voucher")

		b.do(chromedp.Click(chromedp.CSS("#sim-pay")))
		// The shop is told by GMO's PAYSUCCESS notification; the page
		// reloads by itself.
		b.waitOrder(payment.StatusCaptured)
		assert.Equal(t, "¥1,500", b.text("#captured"))
		o := waitNotifications(t, a, id, 2) // REQSUCCESS, PAYSUCCESS
		assert.Equal(t, payment.StatusCaptured, o.Payment.Status)
		b.screenshot("konbini-paid")

		e, ok := a.GMOSim.Ledger(id)
		require.True(t, ok)
		assert.Equal(t, "PAYSUCCESS", e.Status)
		assert.Equal(t, 1, e.Paid)
		assert.Equal(t, int64(1500), e.Captured)
	})

	// Letting the deadline pass expires this voucher only (the GMO
	// simulator's clock stays).
	t.Run("GMO Pay-easy: voucher, deadline passes, expired by GMO's notification", func(t *testing.T) {
		b := newTab(t, browser)
		b.do(chromedp.Navigate(a.ShopURL))
		b.do(chromedp.Click(chromedp.CSS("#pay-payeasy")))
		b.waitFor("Pay-easy form", `document.querySelector("#voucher-form #CustomerKana") !== null`)
		b.do(
			chromedp.SendKeys(chromedp.CSS("#CustomerName"), "Hanako Sato"), // widened to full-width
			chromedp.SendKeys(chromedp.CSS("#CustomerKana"), "さとう はなこ"),     // hiragana becomes katakana
			chromedp.SendKeys(chromedp.CSS("#Phone"), "03-9876-5432"),
			chromedp.SetValue(chromedp.CSS("#DeadlineDays"), "7"),
			chromedp.Click(chromedp.CSS("#get-voucher")),
		)
		id := b.waitOrder(payment.StatusPending)
		assert.NotEmpty(t, b.text("#voucher-customer"))
		assert.NotEmpty(t, b.text("#voucher-bank"))
		assert.NotEmpty(t, b.text("#voucher-conf"))
		b.screenshot("payeasy-voucher")

		b.do(chromedp.Click(chromedp.CSS("#sim-expire")))
		b.waitOrder(payment.StatusExpired)
		b.screenshot("payeasy-expired")
		e, ok := a.GMOSim.Ledger(id)
		require.True(t, ok)
		assert.Equal(t, "EXPIRED", e.Status)
		assert.Zero(t, e.Paid)
		assert.True(t, a.GMOSim.Now().Before(e.PaymentTerm), "the simulator's clock did not move")
	})

	t.Run("GMO through payment.Open and token.js, as with real credentials", func(t *testing.T) {
		// The real-gateway wiring (-gmo URL, the card page loading token.js
		// and calling Multipayment.getToken) against a simulator standing in
		// for GMO's sandbox, as with paysim.
		sim := gmotest.NewServer()
		t.Cleanup(sim.Close)
		cr := sim.Credentials()
		cfg := config{
			Addr: "127.0.0.1:0", GolomtSimAddr: "127.0.0.1:0", Quiet: true, wrapShop: rec.wrap,
			GMOURL:     "gmo://" + cr.ShopID + ":" + cr.ShopPass + "@?base_url=" + url.QueryEscape(sim.URL()),
			GMOTokenJS: sim.URL() + "/ext/js/token.js",
		}
		require.NoError(t, cfg.validate())
		alt, err := start(context.Background(), cfg, nil)
		require.NoError(t, err)
		t.Cleanup(alt.Close)
		require.Nil(t, alt.GMOSim)

		b := newTab(t, browser)
		b.payGMO(alt.ShopURL, gmotest.CardApprove, "auto")
		id := b.waitOrder(payment.StatusCaptured)
		b.screenshot("gmo-token-js")
		e, ok := sim.Ledger(id)
		require.True(t, ok)
		assert.Equal(t, "CAPTURE", e.Status)
		assert.Equal(t, 1, e.Charges)
	})

	t.Run("the shop never saw a card number and logged no secret", func(t *testing.T) {
		b := newTab(t, browser)
		b.do(chromedp.Navigate(a.ShopURL))
		b.waitFor("shop page", `document.querySelector("#orders") !== null`)
		b.screenshot("shop-after")
		seen := rec.String()
		require.Contains(t, seen, "POST /pay/card")
		require.Contains(t, seen, "token=")
		var log strings.Builder
		for _, e := range a.Events.recent(0) {
			log.WriteString(e.Msg + " " + e.Fields + "\n")
		}
		for _, pan := range []string{gmotest.CardApprove, gmotest.CardChallenge, golomttest.CardApproved.Number, golomttest.CardDeclined.Number} {
			assert.NotContains(t, seen, pan, "the shop's server received a card number")
			assert.NotContains(t, log.String(), pan, "the event log has a card number")
		}
		assert.NotContains(t, log.String(), golomttest.DefaultSecret)
		assert.NotContains(t, log.String(), gmotest.DefaultShopPass)
	})
	t.Logf("browser flows took %v", time.Since(began).Round(time.Millisecond))
}
