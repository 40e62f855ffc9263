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
// HMAC states are pooled: hmac.Reset restores the keyed state without
// re-hashing the key, so a checksum costs two SHA-256 compressions of the
// message and one allocation (the returned string).
type signer struct {
	pool sync.Pool // of hash.Hash (hmac.New(sha256.New, key))
}

func newSigner(key []byte) *signer {
	k := append([]byte(nil), key...)
	s := &signer{}
	s.pool.New = func() any { return hmac.New(sha256.New, k) }
	return s
}

// sum writes the raw MAC of values into out.
func (s *signer) sum(out *[sha256.Size]byte, values ...string) {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	for _, v := range values {
		// io.StringWriter is not implemented by hmac; the conversion
		// does not escape, so it does not allocate.
		h.Write([]byte(v))
	}
	h.Sum(out[:0])
	s.pool.Put(h)
}

// checksum returns the lowercase hex checksum of values.
func (s *signer) checksum(values ...string) string {
	var mac [sha256.Size]byte
	s.sum(&mac, values...)
	var buf [2 * sha256.Size]byte
	hex.Encode(buf[:], mac[:])
	return string(buf[:])
}

// verify reports whether got is the checksum of values, in constant time.
// got must be 64 hex digits; the bank writes lowercase, upper case is
// accepted too (it decodes to the same MAC, so it proves the same thing).
func (s *signer) verify(got string, values ...string) bool {
	var want [sha256.Size]byte
	s.sum(&want, values...)
	var have [sha256.Size]byte
	if len(got) != 2*sha256.Size {
		return false
	}
	if _, err := hex.Decode(have[:], []byte(got)); err != nil {
		return false
	}
	return hmac.Equal(want[:], have[:])
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
