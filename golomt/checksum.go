package golomt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"

	"github.com/kessai/payment"
)

// signer computes and verifies Golomt checksums: HMAC-SHA256 keyed with the
// merchant's checksum key over the listed values concatenated without
// separators, written as 64 lowercase hex digits (golomt-protocol.md §2).
//
// HMAC states are pooled with a scratch buffer: hmac.Reset restores the
// keyed state without re-hashing the key, the values are concatenated into
// the buffer and hashed with one Write, so a checksum allocates only the
// returned string and a verification nothing.
type signer struct {
	pool sync.Pool // of *macState
}

type macState struct {
	h   hash.Hash // hmac.New(sha256.New, key)
	buf []byte
	sum [sha256.Size]byte
}

func newSigner(key []byte) *signer {
	k := append([]byte(nil), key...)
	s := &signer{}
	s.pool.New = func() any { return &macState{h: hmac.New(sha256.New, k), buf: make([]byte, 0, 256)} }
	return s
}

// mac returns the raw MAC of values.
func (s *signer) mac(values ...string) [sha256.Size]byte {
	st := s.pool.Get().(*macState)
	st.buf = st.buf[:0]
	for _, v := range values {
		st.buf = append(st.buf, v...)
	}
	st.h.Reset()
	st.h.Write(st.buf)
	st.h.Sum(st.sum[:0])
	out := st.sum
	if cap(st.buf) > 4096 {
		st.buf = make([]byte, 0, 256) // do not pin a huge buffer
	}
	s.pool.Put(st)
	return out
}

// checksum returns the lowercase hex checksum of values.
func (s *signer) checksum(values ...string) string {
	mac := s.mac(values...)
	var buf [2 * sha256.Size]byte
	hex.Encode(buf[:], mac[:])
	return string(buf[:])
}

// verify reports whether got is the checksum of values, in constant time.
// got must be 64 hex digits; the bank writes lowercase, upper case is
// accepted too (it decodes to the same MAC, so it proves the same thing).
func (s *signer) verify(got string, values ...string) bool {
	want := s.mac(values...)
	if len(got) != 2*sha256.Size {
		return false
	}
	var have [sha256.Size]byte
	for i := range have {
		hi, ok1 := unhex(got[2*i])
		lo, ok2 := unhex(got[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		have[i] = hi<<4 | lo
	}
	return hmac.Equal(want[:], have[:])
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Checksum returns the Golomt checksum of values under key: HMAC-SHA256
// over the values concatenated without separators, as 64 lowercase hex
// digits. Pass "" for a null or absent value. It is exported for tests and
// tools that craft messages; the provider computes every checksum itself.
func Checksum(key payment.Secret, values ...string) string {
	m := hmac.New(sha256.New, []byte(key.Reveal()))
	for _, v := range values {
		m.Write([]byte(v))
	}
	return hex.EncodeToString(m.Sum(nil))
}
