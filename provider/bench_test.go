package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/payment/bench"
)

// A GMO-sized exchange: a form body out, a short key=value answer back.
var (
	benchBody   = []byte("ShopID=tshop00000001&ShopPass=xxxxxxxx&OrderID=order-000000000001&JobCd=AUTH&Amount=1000")
	benchAnswer = "AccessID=0123456789abcdef0123456789abcdef&AccessPass=0123456789abcdef0123456789abcdef"

	benchServer = sync.OnceValue(func() *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/plain;charset=Windows-31J")
			_, _ = io.WriteString(w, benchAnswer)
		}))
	})
)

// benchParallelism × GOMAXPROCS goroutines run in the parallel benchmarks.
const benchParallelism = 32

func benchHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
}

// BenchmarkClient measures Client.Do against a loopback server; compare
// with BenchmarkRawNetHTTP from the same run.
func BenchmarkClient(b *testing.B) {
	srv := benchServer()
	c := NewHTTPClient("bench", Apply())
	hdr := benchHeader()
	do := func() error {
		resp, err := c.Do(context.Background(), &Request{Op: "entry", URL: srv.URL, Header: hdr, Body: benchBody})
		if err != nil {
			return err
		}
		if len(resp.Body) != len(benchAnswer) {
			return fmt.Errorf("body %d bytes", len(resp.Body))
		}
		return nil
	}
	b.Run("sequential", func(b *testing.B) {
		b.ReportAllocs()
		// cpu-ns/op: CPU time of the whole process (client and loopback
		// server) per request, steadier than wall time on a shared machine.
		defer bench.CPUPerOp(b)()
		for b.Loop() {
			if err := do(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(benchParallelism)
		defer bench.CPUPerOp(b)()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := do(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkRawNetHTTP is the baseline: a plain *http.Client with a pool of
// the same size, the body prebuilt, the answer read into memory.
func BenchmarkRawNetHTTP(b *testing.B) {
	srv := benchServer()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: poolMaxIdleConns, MaxIdleConnsPerHost: poolMaxIdleConnsPerHost}}
	hdr := benchHeader()
	do := func() error {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, bytes.NewReader(benchBody))
		if err != nil {
			return err
		}
		req.Header = hdr
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || len(body) != len(benchAnswer) {
			return fmt.Errorf("body %d bytes: %v", len(body), err)
		}
		return nil
	}
	b.Run("sequential", func(b *testing.B) {
		b.ReportAllocs()
		// cpu-ns/op: CPU time of the whole process (client and loopback
		// server) per request, steadier than wall time on a shared machine.
		defer bench.CPUPerOp(b)()
		for b.Loop() {
			if err := do(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(benchParallelism)
		defer bench.CPUPerOp(b)()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := do(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// cannedTransport answers every request from memory, so BenchmarkOverhead
// measures the per-call cost of the client itself, without the network.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, ContentLength: int64(len(benchAnswer)),
		Body: io.NopCloser(strings.NewReader(benchAnswer)), Request: r}, nil
}

// BenchmarkOverhead compares Client.Do with a raw http.Client.Do over the
// same in-memory transport: the difference is what the retry policy,
// tracing, timeout and body handling cost per call.
func BenchmarkOverhead(b *testing.B) {
	const url = "http://gateway.test/payment/EntryTran.idPass"
	hdr := benchHeader()
	c := NewHTTPClient("bench", Apply(WithHTTPClient(&http.Client{Transport: cannedTransport{}})))
	hc := &http.Client{Transport: cannedTransport{}}
	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Do(context.Background(), &Request{Op: "entry", URL: url, Header: hdr, Body: benchBody}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(benchBody))
			if err != nil {
				b.Fatal(err)
			}
			req.Header = hdr
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkInterleaved alternates a Client.Do and a raw http.Client.Do call
// in every iteration against the same server and times each, so that load
// from other processes hits both alike. It reports each side's mean
// latency and their ratio (client/raw); the target is ≤ 1.10.
func BenchmarkInterleaved(b *testing.B) {
	srv := benchServer()
	hdr := benchHeader()
	c := NewHTTPClient("bench", Apply())
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: poolMaxIdleConns, MaxIdleConnsPerHost: poolMaxIdleConnsPerHost}}
	client := func() error {
		resp, err := c.Do(context.Background(), &Request{Op: "entry", URL: srv.URL, Header: hdr, Body: benchBody})
		if err == nil && len(resp.Body) != len(benchAnswer) {
			err = fmt.Errorf("body %d bytes", len(resp.Body))
		}
		return err
	}
	raw := func() error {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, bytes.NewReader(benchBody))
		if err != nil {
			return err
		}
		req.Header = hdr
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && len(body) != len(benchAnswer) {
			err = fmt.Errorf("body %d bytes", len(body))
		}
		return err
	}
	// pair runs both, in alternating order, adding their durations.
	pair := func(i int, tc, tr *time.Duration) error {
		first, second, t1, t2 := client, raw, tc, tr
		if i%2 == 1 {
			first, second, t1, t2 = raw, client, tr, tc
		}
		start := time.Now()
		if err := first(); err != nil {
			return err
		}
		mid := time.Now()
		if err := second(); err != nil {
			return err
		}
		*t1 += mid.Sub(start)
		*t2 += time.Since(mid)
		return nil
	}
	// cpuPair is pair with the process CPU time of each side (client and
	// loopback server) instead of wall time: steadier on a shared machine.
	// Sequential only: in parallel, the sides overlap.
	cpuPair := func(i int, cc, cr *time.Duration) error {
		first, second, c1, c2 := client, raw, cc, cr
		if i%2 == 1 {
			first, second, c1, c2 = raw, client, cr, cc
		}
		u0, _ := bench.CPUTime()
		if err := first(); err != nil {
			return err
		}
		u1, _ := bench.CPUTime()
		if err := second(); err != nil {
			return err
		}
		u2, _ := bench.CPUTime()
		*c1 += u1 - u0
		*c2 += u2 - u1
		return nil
	}
	report := func(b *testing.B, tc, tr time.Duration, n int64) {
		b.ReportMetric(float64(tc)/float64(n), "client-ns/op")
		b.ReportMetric(float64(tr)/float64(n), "raw-ns/op")
		b.ReportMetric(float64(tc)/float64(tr), "client/raw")
	}
	for range 2 * benchParallelism { // warm both pools
		_, _ = client(), raw()
	}
	b.Run("sequential", func(b *testing.B) {
		var tc, tr time.Duration
		i := 0
		for b.Loop() {
			if err := pair(i, &tc, &tr); err != nil {
				b.Fatal(err)
			}
			i++
		}
		report(b, tc, tr, int64(i))
	})
	b.Run("sequential-cpu", func(b *testing.B) {
		var cc, cr time.Duration
		i := 0
		for b.Loop() {
			if err := cpuPair(i, &cc, &cr); err != nil {
				b.Fatal(err)
			}
			i++
		}
		if cr > 0 {
			b.ReportMetric(float64(cc)/float64(i), "client-cpu-ns/op")
			b.ReportMetric(float64(cr)/float64(i), "raw-cpu-ns/op")
			b.ReportMetric(float64(cc)/float64(cr), "client/raw-cpu")
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var mu sync.Mutex
		var tc, tr time.Duration
		var n int64
		b.SetParallelism(benchParallelism)
		b.RunParallel(func(pb *testing.PB) {
			var c, r time.Duration
			var i int64
			for pb.Next() {
				if err := pair(int(i), &c, &r); err != nil {
					b.Error(err)
					return
				}
				i++
			}
			mu.Lock()
			tc, tr, n = tc+c, tr+r, n+i
			mu.Unlock()
		})
		report(b, tc, tr, n)
	})
}
