package bench

import (
	"io"
	"net/http"
	"testing"
	"time"
)

func TestListenerCounts(t *testing.T) {
	ln, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	get := func(c *http.Client) {
		t.Helper()
		resp, err := c.Get(ln.URL())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	tests := []struct {
		name      string
		keepAlive bool
		requests  int
		want      int64 // connections accepted by this case
	}{
		{"keep-alive reuses one connection", true, 5, 1},
		{"no keep-alive dials per request", false, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &http.Transport{DisableKeepAlives: !tt.keepAlive}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			before := ln.Accepted()
			for range tt.requests {
				get(c)
			}
			if got := ln.Accepted() - before; got != tt.want {
				t.Errorf("accepted %d connections, want %d", got, tt.want)
			}
		})
	}
	// Without keep-alive the server closes each connection after answering.
	deadline := time.Now().Add(2 * time.Second)
	for ln.Open() > 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if open := ln.Open(); open > 1 {
		t.Errorf("%d connections still open, want at most the keep-alive one", open)
	}
}
