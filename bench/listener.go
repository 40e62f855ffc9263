package bench

import (
	"net"
	"sync/atomic"
)

// Listener is a net.Listener that counts the connections it accepts and
// how many of them are still open. Put it under a simulator's server to
// see whether a client reuses its keep-alive connections (few accepts) or
// churns (an accept per request, sockets piling up in TIME_WAIT).
type Listener struct {
	net.Listener
	accepted atomic.Int64
	open     atomic.Int64
}

// Listen listens on a free loopback TCP port.
func Listen() (*Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return Wrap(ln), nil
}

// Wrap counts the connections ln accepts.
func Wrap(ln net.Listener) *Listener { return &Listener{Listener: ln} }

// URL is "http://" followed by the listening address.
func (l *Listener) URL() string { return "http://" + l.Addr().String() }

// Accept accepts and counts a connection.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	l.open.Add(1)
	return &conn{Conn: c, l: l}, nil
}

// Accepted is the number of connections accepted so far.
func (l *Listener) Accepted() int64 { return l.accepted.Load() }

// Open is the number of accepted connections not yet closed by the server.
func (l *Listener) Open() int64 { return l.open.Load() }

type conn struct {
	net.Conn
	l      *Listener
	closed atomic.Bool
}

func (c *conn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.l.open.Add(-1)
	}
	return c.Conn.Close()
}
