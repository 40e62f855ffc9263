package bench_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/kessai/payment/bench"
)

// Count the connections a client opens to a server.
func ExampleListener() {
	ln, err := bench.Listen()
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for range 3 {
		resp, err := c.Get(ln.URL())
		if err != nil {
			panic(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	fmt.Println("connections opened:", ln.Accepted())
	// Output: connections opened: 1
}
