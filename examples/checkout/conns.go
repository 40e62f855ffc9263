package main

import (
	"net"
	"net/http"
	"sync"
)

// connTracker remembers connections that have not sent a request yet.
// Browsers open such connections ahead of time; http.Server.Shutdown
// waits up to 5 s for them, so Close closes them first. No request is in
// flight on them.
type connTracker struct {
	mu    sync.Mutex
	fresh map[net.Conn]struct{}
}

// track is an http.Server.ConnState hook.
func (c *connTracker) track(conn net.Conn, st http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fresh == nil {
		c.fresh = map[net.Conn]struct{}{}
	}
	if st == http.StateNew {
		c.fresh[conn] = struct{}{}
	} else {
		delete(c.fresh, conn)
	}
}

// closeFresh closes the connections that never sent a request.
func (c *connTracker) closeFresh() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for conn := range c.fresh {
		_ = conn.Close()
	}
	clear(c.fresh)
}
