package bench_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kessai/payment"
	"github.com/kessai/payment/bench"
	"github.com/kessai/payment/gmo"
	"github.com/kessai/payment/gmo/gmotest"
	"github.com/kessai/payment/golomt"
	"github.com/kessai/payment/golomt/golomttest"
	"github.com/kessai/payment/provider"
)

// poolSize is the idle-connection pool per host of provider.NewHTTPClient's
// default transport (and of the raw baseline's transport): the bound on
// connections opened after warm-up in BenchmarkConcurrency.
const poolSize = 256

// seq numbers orders uniquely within the process; every simulator is new
// per benchmark, so this is enough to keep ids unique.
var seq atomic.Int64

// gmoOrder is a GMO OrderID (at most 27 of [A-Za-z0-9-]).
func gmoOrder() string { return "bench-" + strconv.FormatInt(seq.Add(1), 10) }

// golomtOrder is a Golomt transactionId (at most 15 letters and digits).
func golomtOrder() string { return fmt.Sprintf("B%014d", seq.Add(1)) }

// serve runs h on a counting loopback listener until the benchmark ends.
func serve(b *testing.B, ln *bench.Listener, h http.Handler) {
	b.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
}

func listen(b *testing.B) *bench.Listener {
	b.Helper()
	ln, err := bench.Listen()
	if err != nil {
		b.Fatal(err)
	}
	return ln
}

// rawClient is the baseline: a plain net/http client with a pool of the
// same size as the adapter's, sending prebuilt bodies and only reading the
// answers into memory.
type rawClient struct {
	hc     *http.Client
	header http.Header
}

func newRaw(header http.Header) *rawClient {
	return &rawClient{header: header, hc: &http.Client{Transport: &http.Transport{
		MaxIdleConns: 4 * poolSize, MaxIdleConnsPerHost: poolSize, IdleConnTimeout: 90 * time.Second}}}
}

func (r *rawClient) post(url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = r.header
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, out)
	}
	return out, err
}

// pair is one benchmarked operation: setup prepares n calls (not timed) and
// returns the adapter's and the raw client's call i.
type pair func(b *testing.B, n int) (adapter, raw func(i int) error)

// runPair runs the three sub-benchmarks of an operation:
//
//   - adapter and raw: each alone, with allocations and CPU time per call
//     (of the whole process: the loopback simulator is included, in both);
//   - interleaved: both in one loop, in alternating order, reporting the
//     mean latency of each and adapter/raw, the figure to read, and
//     adapter/raw-cpu, the ratio of the process CPU time spent on each
//     side. Load from other processes falls on both sides alike, so the
//     ratios are steady where absolute times are not.
func runPair(b *testing.B, setup pair) {
	for _, side := range []string{"adapter", "raw"} {
		b.Run(side, func(b *testing.B) {
			call, raw := setup(b, b.N)
			if side == "raw" {
				call = raw
			}
			b.ReportAllocs()
			b.ResetTimer()
			defer bench.CPUPerOp(b)()
			for i := 0; i < b.N; i++ {
				if err := call(i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		adapter, raw := setup(b, b.N)
		// Wall and CPU time of each side; the CPU time is the process's
		// (client and simulator), read around each call.
		var ta, tr, ca, cr time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			first, second, t1, t2, c1, c2 := adapter, raw, &ta, &tr, &ca, &cr
			if i%2 == 1 {
				first, second, t1, t2, c1, c2 = raw, adapter, &tr, &ta, &cr, &ca
			}
			cpu0, _ := bench.CPUTime()
			start := time.Now()
			if err := first(i); err != nil {
				b.Fatal(err)
			}
			mid := time.Now()
			cpu1, _ := bench.CPUTime()
			if err := second(i); err != nil {
				b.Fatal(err)
			}
			end := time.Now()
			cpu2, _ := bench.CPUTime()
			*t1 += mid.Sub(start)
			*t2 += end.Sub(mid)
			*c1 += cpu1 - cpu0
			*c2 += cpu2 - cpu1
		}
		b.ReportMetric(float64(ta.Nanoseconds())/float64(b.N), "adapter-ns/op")
		b.ReportMetric(float64(tr.Nanoseconds())/float64(b.N), "raw-ns/op")
		b.ReportMetric(float64(ta)/float64(tr), "adapter/raw")
		if cr > 0 {
			b.ReportMetric(float64(ca)/float64(cr), "adapter/raw-cpu")
		}
	})
}

// ---- GMO ----

var gmoForm = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

type gmoEnv struct {
	sim *gmotest.Server
	ln  *bench.Listener
	url string
	p   *gmo.Provider
	raw *rawClient
}

func newGMO(b *testing.B, cfg func(*gmo.Config)) *gmoEnv {
	b.Helper()
	ln := listen(b)
	sim := gmotest.NewHandler(gmotest.WithPublicURL(ln.URL()), gmotest.WithTokenLifetime(24*time.Hour))
	b.Cleanup(sim.Close)
	serve(b, ln, sim.Handler())
	c := gmo.Config{ShopID: gmotest.DefaultShopID, ShopPass: payment.NewSecret(gmotest.DefaultShopPass)}
	if cfg != nil {
		cfg(&c)
	}
	p, err := gmo.New(c, provider.WithBaseURL(ln.URL()))
	if err != nil {
		b.Fatal(err)
	}
	return &gmoEnv{sim: sim, ln: ln, url: ln.URL(), p: p, raw: newRaw(gmoForm)}
}

func (e *gmoEnv) api(name string) string { return e.url + "/payment/" + name + ".idPass" }

func (e *gmoEnv) token(b *testing.B) string {
	t, err := e.sim.IssueToken(gmotest.CardApprove, "203012", "", "")
	if err != nil {
		b.Fatal(err)
	}
	return t
}

const gmoShop = "ShopID=" + gmotest.DefaultShopID + "&ShopPass=" + gmotest.DefaultShopPass

// entryBody is EntryTran as the adapter sends it (default TdFlag 2).
func entryBody(order, job string) []byte {
	return []byte(gmoShop + "&OrderID=" + order + "&JobCd=" + job + "&Amount=1000&TdFlag=2")
}

// execBody is ExecTran for a card token, as the adapter sends it.
func execBody(entryReply []byte, order, tok string) ([]byte, error) {
	id, pass, ok := bytes.Cut(entryReply, []byte("&AccessPass="))
	if !ok || !bytes.HasPrefix(id, []byte("AccessID=")) {
		return nil, fmt.Errorf("entrytran: %s", entryReply)
	}
	out := make([]byte, 0, 256)
	out = append(out, id...)
	out = append(out, "&AccessPass="...)
	out = append(out, pass...)
	out = append(out, "&OrderID="+order+"&Method=1&PayTimes=&Token="+tok+"&RetUrl=https%3A%2F%2Fshop.example%2Freturn"...)
	return out, nil
}

// rawCharge is a charge by the raw client: EntryTran, then ExecTran with
// the AccessID/AccessPass cut from the answer. It returns them.
func (e *gmoEnv) rawCharge(order, job, tok string) (accessID, accessPass string, err error) {
	r, err := e.raw.post(e.api("EntryTran"), entryBody(order, job))
	if err != nil {
		return "", "", err
	}
	exec, err := execBody(r, order, tok)
	if err != nil {
		return "", "", err
	}
	x, err := e.raw.post(e.api("ExecTran"), exec)
	if err != nil {
		return "", "", err
	}
	if !bytes.HasPrefix(x, []byte("ACS=0&")) {
		return "", "", fmt.Errorf("exectran: %s", x)
	}
	id, pass, _ := bytes.Cut(r, []byte("&AccessPass="))
	return string(bytes.TrimPrefix(id, []byte("AccessID="))), string(pass), nil
}

type gmoOrderState struct{ order, accessID, accessPass string }

// charged makes n orders through the raw client (setup, not timed).
func (e *gmoEnv) charged(b *testing.B, n int, job string) []gmoOrderState {
	out := make([]gmoOrderState, n)
	for i := range out {
		o := gmoOrder()
		id, pass, err := e.rawCharge(o, job, e.token(b))
		if err != nil {
			b.Fatal(err)
		}
		out[i] = gmoOrderState{o, id, pass}
	}
	return out
}

func gmoSearchBody(order string) []byte { return []byte(gmoShop + "&OrderID=" + order) }

func gmoAlterBody(o gmoOrderState, job string, amount bool) []byte {
	s := gmoShop + "&AccessID=" + o.accessID + "&AccessPass=" + o.accessPass + "&JobCd=" + job
	if amount {
		s += "&Amount=1000"
	}
	return []byte(s)
}

func gmoCharge(e *gmoEnv) pair {
	return func(b *testing.B, n int) (func(int) error, func(int) error) {
		ctx := context.Background()
		type call struct{ order, tok string }
		a, r := make([]call, n), make([]call, n)
		for i := range n {
			a[i] = call{gmoOrder(), e.token(b)}
			r[i] = call{gmoOrder(), e.token(b)}
		}
		entries := make([][]byte, n)
		for i := range entries {
			entries[i] = entryBody(r[i].order, "CAPTURE")
		}
		adapter := func(i int) error {
			pay, err := e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: a[i].order,
				Amount: payment.MoneyFromMinor(1000, payment.JPY), ReturnURL: "https://shop.example/return"})
			if err != nil {
				return err
			}
			got, err := e.p.Confirm(ctx, payment.ConfirmRequest{Ref: pay.Ref,
				Method: &payment.PaymentMethod{CardToken: payment.NewSecret(a[i].tok)}})
			if err == nil && got.Status != payment.StatusCaptured {
				err = fmt.Errorf("status %v", got.Status)
			}
			return err
		}
		raw := func(i int) error {
			reply, err := e.raw.post(e.api("EntryTran"), entries[i])
			if err != nil {
				return err
			}
			exec, err := execBody(reply, r[i].order, r[i].tok)
			if err != nil {
				return err
			}
			x, err := e.raw.post(e.api("ExecTran"), exec)
			if err == nil && !bytes.HasPrefix(x, []byte("ACS=0&")) {
				err = fmt.Errorf("exectran: %s", x)
			}
			return err
		}
		return adapter, raw
	}
}

// gmoAlter benchmarks an operation the adapter sends as SearchTrade (to
// read the order's state, which picks the job) followed by AlterTran; the
// raw client sends the same two requests, prebuilt.
func gmoAlter(e *gmoEnv, setupJob, rawJob string, amount bool, op func(context.Context, payment.PaymentRef) (*payment.Payment, error), want payment.Status) pair {
	return func(b *testing.B, n int) (func(int) error, func(int) error) {
		ctx := context.Background()
		a, r := e.charged(b, n, setupJob), e.charged(b, n, setupJob)
		search, alter := make([][]byte, n), make([][]byte, n)
		for i, o := range r {
			search[i], alter[i] = gmoSearchBody(o.order), gmoAlterBody(o, rawJob, amount)
		}
		adapter := func(i int) error {
			got, err := op(ctx, gmo.Ref(a[i].order, a[i].accessID))
			if err == nil && got.Status != want {
				err = fmt.Errorf("status %v", got.Status)
			}
			return err
		}
		raw := func(i int) error {
			if _, err := e.raw.post(e.api("SearchTrade"), search[i]); err != nil {
				return err
			}
			x, err := e.raw.post(e.api("AlterTran"), alter[i])
			if err == nil && bytes.Contains(x, []byte("ErrCode=")) {
				err = fmt.Errorf("altertran: %s", x)
			}
			return err
		}
		return adapter, raw
	}
}

// gmoPool is the number of orders repeated read-only operations cycle
// through.
const gmoPool = 64

func gmoSearch(e *gmoEnv) pair {
	return func(b *testing.B, n int) (func(int) error, func(int) error) {
		ctx := context.Background()
		orders := e.charged(b, gmoPool, "CAPTURE")
		search := make([][]byte, len(orders))
		for i, o := range orders {
			search[i] = gmoSearchBody(o.order)
		}
		adapter := func(i int) error {
			o := orders[i%len(orders)]
			got, err := e.p.Inquire(ctx, gmo.Ref(o.order, o.accessID))
			if err == nil && got.Status != payment.StatusCaptured {
				err = fmt.Errorf("status %v", got.Status)
			}
			return err
		}
		raw := func(i int) error {
			x, err := e.raw.post(e.api("SearchTrade"), search[i%len(search)])
			if err == nil && !bytes.Contains(x, []byte("Status=CAPTURE")) {
				err = fmt.Errorf("searchtrade: %s", x)
			}
			return err
		}
		return adapter, raw
	}
}

// gmoNotes returns the result notification of each of the pool's orders,
// as bytes: a repeated notification is harmless, so deliveries cycle.
func gmoNotes(b *testing.B, e *gmoEnv) (orders []gmoOrderState, bodies [][]byte, header http.Header) {
	orders = e.charged(b, gmoPool, "CAPTURE")
	for _, o := range orders {
		req, err := e.sim.NextNotification(o.order)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
		header = req.Header
	}
	return orders, bodies, header
}

// gmoNotify: the adapter's HandleNotification (parse, then SearchTrade to
// authenticate) against a raw SearchTrade of the same order. The adapter's
// requests are built before the timer starts.
func gmoNotify(e *gmoEnv) pair {
	return func(b *testing.B, n int) (func(int) error, func(int) error) {
		ctx := context.Background()
		orders, bodies, header := gmoNotes(b, e)
		reqs := make([]*http.Request, n)
		for i := range reqs {
			reqs[i] = notifyRequest(bodies[i%len(bodies)], header)
		}
		search := make([][]byte, len(orders))
		for i, o := range orders {
			search[i] = gmoSearchBody(o.order)
		}
		adapter := func(i int) error {
			got, err := e.p.HandleNotification(ctx, reqs[i])
			if err == nil && !got.Verified {
				err = errors.New("not verified")
			}
			return err
		}
		raw := func(i int) error {
			_, err := e.raw.post(e.api("SearchTrade"), search[i%len(search)])
			return err
		}
		return adapter, raw
	}
}

func notifyRequest(body []byte, header http.Header) *http.Request {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://merchant.invalid/notify", bytes.NewReader(body))
	req.Header = header.Clone()
	req.ContentLength = int64(len(body))
	return req
}

// BenchmarkGMO: full charge (EntryTran + ExecTran), capture and refund
// (SearchTrade + AlterTran SALES / VOID), SearchTrade (Inquire) and a
// result notification (parse + SearchTrade), each against its raw
// net/http baseline.
func BenchmarkGMO(b *testing.B) {
	e := newGMO(b, nil)
	b.Run("charge", func(b *testing.B) { runPair(b, gmoCharge(e)) })
	b.Run("capture", func(b *testing.B) {
		runPair(b, gmoAlter(e, "AUTH", "SALES", true, func(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
			return e.p.Capture(ctx, payment.CaptureRequest{Ref: ref})
		}, payment.StatusCaptured))
	})
	b.Run("refund", func(b *testing.B) {
		runPair(b, gmoAlter(e, "CAPTURE", "VOID", false, func(ctx context.Context, ref payment.PaymentRef) (*payment.Payment, error) {
			return e.p.Refund(ctx, payment.RefundRequest{Ref: ref})
		}, payment.StatusRefunded))
	})
	b.Run("searchtrade", func(b *testing.B) { runPair(b, gmoSearch(e)) })
	b.Run("notification", func(b *testing.B) { runPair(b, gmoNotify(e)) })
}

// ---- Golomt ----

const golomtCallback = "https://shop.example/golomt/return"

type golomtEnv struct {
	sim *golomttest.Server
	ln  *bench.Listener
	url string
	key payment.Secret
	p   *golomt.Provider
	raw *rawClient
}

func newGolomt(b *testing.B) *golomtEnv {
	b.Helper()
	ln := listen(b)
	sim := golomttest.NewHandler()
	sim.SetBaseURL(ln.URL())
	b.Cleanup(sim.Close)
	serve(b, ln, sim.Handler())
	key := payment.NewSecret(sim.Secret())
	p, err := golomt.New(golomt.Config{BearerToken: payment.NewSecret(sim.BearerToken()), ChecksumKey: key},
		provider.WithBaseURL(ln.URL()))
	if err != nil {
		b.Fatal(err)
	}
	raw := newRaw(http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + sim.BearerToken()}})
	return &golomtEnv{sim: sim, ln: ln, url: ln.URL(), key: key, p: p, raw: raw}
}

func (e *golomtEnv) invoiceBody(id string) []byte {
	return []byte(`{"amount":"1500.00","callback":"` + golomtCallback + `","checksum":"` +
		golomt.Checksum(e.key, id, "1500.00", "GET", golomtCallback) + `","genToken":"N","returnType":"GET","transactionId":"` + id + `"}`)
}

func (e *golomtEnv) inquiryBody(id string) []byte {
	return []byte(`{"checksum":"` + golomt.Checksum(e.key, id, id) + `","transactionId":"` + id + `"}`)
}

func (e *golomtEnv) payBody(id, tok string) []byte {
	return []byte(`{"amount":"1500.00","checksum":"` + golomt.Checksum(e.key, "1500.00", id, tok) +
		`","lang":"MN","token":"` + tok + `","transactionId":"` + id + `"}`)
}

var mnt1500 = payment.MustParseMoney("1500", "MNT")

func golomtInvoice(e *golomtEnv) pair {
	return func(b *testing.B, n int) (func(int) error, func(int) error) {
		ctx := context.Background()
		ids, bodies := make([]string, n), make([][]byte, n)
		for i := range n {
			ids[i] = golomtOrder()
			bodies[i] = e.invoiceBody(golomtOrder())
		}
		adapter := func(i int) error {
			got, err := e.p.CreatePayment(ctx, payment.CreatePaymentRequest{OrderID: ids[i], Amount: mnt1500, ReturnURL: golomtCallback})
			if err == nil && got.Status != payment.StatusRequiresAction {
				err = fmt.Errorf("status %v", got.Status)
			}
			return err
		}
		raw := func(i int) error {
			_, err := e.raw.post(e.url+"/api/invoice", bodies[i])
			return err
		}
		return adapter, raw
	}
}

const golomtPool = 64

// invoices creates n invoices through the adapter (setup, not timed).
func (e *golomtEnv) invoices(b *testing.B, n int) []*payment.Payment {
	out := make([]*payment.Payment, n)
	for i := range out {
		p, err := e.p.CreatePayment(context.Background(), payment.CreatePaymentRequest{OrderID: golomtOrder(), Amount: mnt1500, ReturnURL: golomtCallback})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = p
	}
	return out
}

func golomtInquiry(e *golomtEnv) pair {
	return func(b *testing.B, n int) (func(int) error, func(int) error) {
		ctx := context.Background()
		pays := e.invoices(b, golomtPool)
		bodies := make([][]byte, len(pays))
		for i, p := range pays {
			bodies[i] = e.inquiryBody(p.OrderID)
		}
		adapter := func(i int) error {
			got, err := e.p.Inquire(ctx, pays[i%len(pays)].Ref)
			if err == nil && got.Status != payment.StatusRequiresAction {
				err = fmt.Errorf("status %v", got.Status)
			}
			return err
		}
		raw := func(i int) error {
			_, err := e.raw.post(e.url+"/api/inquiry", bodies[i%len(bodies)])
			return err
		}
		return adapter, raw
	}
}

// golomtPushes pays a pool of invoices on the simulator's card page and
// returns their pushes as bytes (a repeated push is harmless).
func golomtPushes(b *testing.B, e *golomtEnv, n int) (ids []string, bodies [][]byte, header http.Header) {
	ctx := context.Background()
	for _, p := range e.invoices(b, n) {
		if _, err := e.sim.PayInvoice(ctx, p.NextAction.URL, golomttest.CardApproved); err != nil {
			b.Fatal(err)
		}
		req, err := e.sim.NextNotification(p.OrderID)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			b.Fatal(err)
		}
		ids, bodies, header = append(ids, p.OrderID), append(bodies, body), req.Header
	}
	return ids, bodies, header
}

// golomtPush: push verification (checksum, then /api/inquiry to confirm)
// against a raw /api/inquiry of the same transaction.
func golomtPush(e *golomtEnv) pair {
	return func(b *testing.B, n int) (func(int) error, func(int) error) {
		ctx := context.Background()
		ids, bodies, header := golomtPushes(b, e, 16)
		reqs := make([]*http.Request, n)
		for i := range reqs {
			reqs[i] = notifyRequest(bodies[i%len(bodies)], header)
		}
		inq := make([][]byte, len(ids))
		for i, id := range ids {
			inq[i] = e.inquiryBody(id)
		}
		adapter := func(i int) error {
			got, err := e.p.HandleNotification(ctx, reqs[i])
			if err == nil && (!got.Verified || got.Status != payment.StatusCaptured) {
				err = fmt.Errorf("verified %v status %v", got.Verified, got.Status)
			}
			return err
		}
		raw := func(i int) error {
			_, err := e.raw.post(e.url+"/api/inquiry", inq[i%len(inq)])
			return err
		}
		return adapter, raw
	}
}

func golomtPay(e *golomtEnv) pair {
	return func(b *testing.B, n int) (func(int) error, func(int) error) {
		ctx := context.Background()
		tok := e.sim.SaveCard(golomttest.CardApproved)
		secret := payment.NewSecret(tok)
		ids, bodies := make([]string, n), make([][]byte, n)
		for i := range n {
			ids[i] = golomtOrder()
			bodies[i] = e.payBody(golomtOrder(), tok)
		}
		adapter := func(i int) error {
			got, err := e.p.PayWithToken(ctx, golomt.TokenPaymentRequest{OrderID: ids[i], Amount: mnt1500, Token: secret})
			if err == nil && got.Status != payment.StatusCaptured {
				err = fmt.Errorf("status %v", got.Status)
			}
			return err
		}
		raw := func(i int) error {
			x, err := e.raw.post(e.url+"/api/pay", bodies[i])
			if err == nil && !bytes.Contains(x, []byte(`"errorCode":"000"`)) {
				err = fmt.Errorf("pay: %s", x)
			}
			return err
		}
		return adapter, raw
	}
}

// BenchmarkGolomt: invoice (CreatePayment), inquiry, push verification
// and pay-by-token, each against its raw net/http baseline.
func BenchmarkGolomt(b *testing.B) {
	e := newGolomt(b)
	b.Run("invoice", func(b *testing.B) { runPair(b, golomtInvoice(e)) })
	b.Run("inquiry", func(b *testing.B) { runPair(b, golomtInquiry(e)) })
	b.Run("push", func(b *testing.B) { runPair(b, golomtPush(e)) })
	b.Run("pay", func(b *testing.B) { runPair(b, golomtPay(e)) })
}

// ---- concurrency ----

var concurrencyLevels = []int{1, 8, 64, 256, 512}

// runConcurrent runs n calls of do on w goroutines after a warm-up round
// of w concurrent calls (which opens the connections), and reports
// payments per second and the connections the simulator's listener
// accepted (conns-opened) and saw closed again (conns-closed) after the
// warm-up. With check, more than poolSize opened fails the benchmark (the
// raw baseline, a plain http.Transport with no cap on connections per
// host, is only reported: above poolSize callers it churns).
func runConcurrent(b *testing.B, ln *bench.Listener, w int, do func(i int) error, check bool) {
	var wg sync.WaitGroup
	for i := range w { // warm-up: indices n .. n+w-1
		wg.Go(func() {
			if err := do(b.N + i); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	before, openBefore := ln.Accepted(), ln.Open()
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	for range w {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				if err := do(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	conns := ln.Accepted() - before
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "payments/s")
	b.ReportMetric(float64(conns), "conns-opened")
	b.ReportMetric(float64(ln.Open()), "conns-open")
	// Opened and closed again during the run: churn (the pool growing
	// towards the concurrency is not).
	b.ReportMetric(float64(conns-(ln.Open()-openBefore)), "conns-closed")
	if check && conns > poolSize {
		b.Errorf("%d connections opened after warm-up with %d callers: more than the pool of %d", conns, w, poolSize)
	}
}

// BenchmarkConcurrency: 1, 8, 64, 256 and 512 callers charging concurrently
// through the adapters (GMO EntryTran + ExecTran, Golomt pay-by-token) and
// through the raw client; payments/s and connections opened after warm-up,
// counted at the simulator's listener.
func BenchmarkConcurrency(b *testing.B) {
	for _, w := range concurrencyLevels {
		b.Run("gmo-charge/c="+strconv.Itoa(w), func(b *testing.B) {
			for _, side := range []string{"adapter", "raw"} {
				b.Run(side, func(b *testing.B) {
					e := newGMO(b, nil)
					adapter, raw := gmoCharge(e)(b, b.N+w)
					do := adapter
					if side == "raw" {
						do = raw
					}
					runConcurrent(b, e.ln, w, do, side == "adapter")
				})
			}
		})
		b.Run("golomt-pay/c="+strconv.Itoa(w), func(b *testing.B) {
			for _, side := range []string{"adapter", "raw"} {
				b.Run(side, func(b *testing.B) {
					e := newGolomt(b)
					adapter, raw := golomtPay(e)(b, b.N+w)
					do := adapter
					if side == "raw" {
						do = raw
					}
					runConcurrent(b, e.ln, w, do, side == "adapter")
				})
			}
		})
	}
}

// ---- notification throughput ----

// notifyServer serves payment.NotificationHandler for p on its own
// counting listener and returns its URL and a counter of handled
// notifications.
func notifyServer(b *testing.B, p payment.Provider) (url string, handled *atomic.Int64) {
	handled = new(atomic.Int64)
	ln := listen(b)
	serve(b, ln, payment.NotificationHandler(p, func(context.Context, *payment.Notification) error {
		handled.Add(1)
		return nil
	}))
	return ln.URL(), handled
}

// deliver posts the bodies round-robin from w goroutines, b.N in all, and
// reports notifications/s and the connections the adapter opened to the
// simulator after a warm-up round of w concurrent deliveries.
func deliver(b *testing.B, w int, url string, bodies [][]byte, header http.Header, handled *atomic.Int64, sim *bench.Listener) {
	sender := newRaw(header)
	var wg sync.WaitGroup
	for i := range w { // warm-up: w concurrent deliveries open the connections
		wg.Go(func() {
			if _, err := sender.post(url, bodies[i%len(bodies)]); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	handled.Store(0)
	before, openBefore := sim.Accepted(), sim.Open()
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	for range w {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				if _, err := sender.post(url, bodies[i%len(bodies)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if got := handled.Load(); got != int64(b.N) {
		b.Errorf("handled %d notifications, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "notifications/s")
	conns := sim.Accepted() - before
	b.ReportMetric(float64(conns), "conns-opened")
	b.ReportMetric(float64(conns-(sim.Open()-openBefore)), "conns-closed")
	if conns > poolSize {
		b.Errorf("%d connections opened to the simulator after warm-up: more than the pool of %d", conns, poolSize)
	}
}

// BenchmarkNotify: notification handling throughput, each delivery an
// HTTP POST to payment.NotificationHandler, which verifies it with the
// gateway (GMO SearchTrade, Golomt checksum + /api/inquiry), with 1, 16
// and 64 concurrent deliveries.
func BenchmarkNotify(b *testing.B) {
	for _, w := range []int{1, 16, 64} {
		b.Run("gmo/c="+strconv.Itoa(w), func(b *testing.B) {
			e := newGMO(b, nil)
			_, bodies, header := gmoNotes(b, e)
			url, handled := notifyServer(b, e.p)
			deliver(b, w, url, bodies, header, handled, e.ln)
		})
		b.Run("golomt/c="+strconv.Itoa(w), func(b *testing.B) {
			e := newGolomt(b)
			_, bodies, header := golomtPushes(b, e, 16)
			url, handled := notifyServer(b, e.p)
			deliver(b, w, url, bodies, header, handled, e.ln)
		})
	}
}
