package golomt

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checksumVectors are golomt-protocol.md §2: the published library vector
// and the self-computed table.
var checksumVectors = []struct {
	name   string
	key    string
	values []string
	want   string
}{
	{"published mnpay vector (integer amount)", "testSecret", []string{"helloworld1", "2000", "GET", "https://uwish.travel"},
		"6b4f750465b22b536e329870d3119983a132922f7bea9ec9097637c4ab3f0eb8"},
	{"#1 two decimals", "testSecret", []string{"helloworld1", "2000.00", "GET", "https://uwish.travel"},
		"370dd17a8f7e7771f720083867c9c5234c683bce0186ac8513ced6cacd7ef191"},
	{"#1 golomt-js", "test-secret-key", []string{"txn-001", "1500.00", "POST", "https://example.com/callback"},
		"cd05de75919a82d251694ad1b179e40894c846a55e5a94e89cc196be51708499"},
	{"#2 invoice response", "testSecret", []string{"d7fb2858-df36-469e-b40d-2815fe9215cf", "test12345"},
		"242cdea334989a298410997fd056913ad1719ceae4ad312878267cc29ae4d0a3"},
	{"#3/#6 inquiry and check request", "testSecret", []string{"test000001", "test000001"},
		"08a252bf4642078f5f538d3b802d71fc974a2cad5fbdd90eaba78dbeacbd9b56"},
	{"#4/#5 no token", "testSecret", []string{"test000001", "000", "1", ""},
		"cff90a52046111b52ff2dfca7dd4d3f2a920fb923e2a7c0fc5b8f69098733598"},
	{"#4/#5 token", "testSecret", []string{"test000001", "000", "1", "tok_abc123"},
		"df6e8392536a411c1fe67fb31a918d1d6523c12510bf4f05125731e9dd24c1af"},
	{"#4 null errorCode", "testSecret", []string{"test000001", "", "1", ""},
		"38011afec926521fcf8fcde409a921475c0011a8b07edb419288149a31bc6acb"},
	{"#8 pay request", "testSecret", []string{"1.00", "R749P918K873", "tok_abc123"},
		"20357c1d3205a867f2448496c0728a86922fe14469ada8bf67d18c0b7935ab52"},
	{"#9 pay response", "testSecret", []string{"R749P918K873", "000", "1.00"},
		"bed2253f3f3d5fee9bf2c933f88cfcca39c4b4769bbc198f3b679894d4780023"},
	{"#10 SDK variant", "testSecret", []string{"test12345", "GET", "https://example.com/cb"},
		"b499270766683008e8d9edc6fc954f694deaf6bc26bbdd7478f0517122086885"},
	{"#13 get token response", "testSecret", []string{"test12345", "tok_abc123"},
		"66c8ad856286cd596116d809d689034e30bee90d4a7eff8f7ebb92b25b0584e2"},
	{"#14 settlement", "testSecret", []string{"000000000087050", "tok_abc123"},
		"eb4cca3cd0d5f6582f02bf8590d31d9267fa2586c771ae6669fa5b6a46a226a8"},
}

func TestChecksumVectors(t *testing.T) {
	for _, tt := range checksumVectors {
		t.Run(tt.name, func(t *testing.T) {
			s := newSigner([]byte(tt.key))
			assert.Equal(t, tt.want, s.checksum(tt.values...), "pooled signer")
			assert.Equal(t, tt.want, Checksum(paymentSecret(tt.key), tt.values...), "exported Checksum")
			// The concatenation has no separators: one joined value is the same.
			assert.Equal(t, tt.want, s.checksum(strings.Join(tt.values, "")), "joined")
			assert.True(t, s.verify(tt.want, tt.values...), "verify lowercase")
			assert.True(t, s.verify(strings.ToUpper(tt.want), tt.values...), "verify uppercase hex")
		})
	}
}

// TestChecksumPublishedVectorIsIntegerAmount pins the bug the issue names:
// the published vector hashes "2000", so a client that sends "2000.00"
// with it has a body/checksum mismatch.
func TestChecksumPublishedVectorIsIntegerAmount(t *testing.T) {
	s := newSigner([]byte("testSecret"))
	assert.NotEqual(t, s.checksum("helloworld1", "2000", "GET", "https://uwish.travel"),
		s.checksum("helloworld1", "2000.00", "GET", "https://uwish.travel"))
}

func TestChecksumVerifyRefuses(t *testing.T) {
	s := newSigner([]byte("testSecret"))
	good := s.checksum("test000001", "000", "1", "")
	tests := []struct {
		name   string
		got    string
		values []string
	}{
		{"tampered amount", good, []string{"test000001", "000", "2", ""}},
		{"tampered code", good, []string{"test000001", "300", "1", ""}},
		{"other key", newSigner([]byte("otherSecret")).checksum("test000001", "000", "1", ""), []string{"test000001", "000", "1", ""}},
		{"empty", "", []string{"test000001", "000", "1", ""}},
		{"truncated", good[:63], []string{"test000001", "000", "1", ""}},
		{"too long", good + "0", []string{"test000001", "000", "1", ""}},
		{"not hex", strings.Repeat("zz", 32), []string{"test000001", "000", "1", ""}},
		{"base64 of the mac", "z+0KUgRhEbUv8t/KfdTT8qkgp5I+eiB8xbj2kJhzNZg=", []string{"test000001", "000", "1", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.False(t, s.verify(tt.got, tt.values...))
		})
	}
	require.True(t, s.verify(good, "test000001", "000", "1", ""))
}

func TestChecksumConcurrent(t *testing.T) {
	s := newSigner([]byte("testSecret"))
	done := make(chan bool)
	for range 8 {
		go func() {
			ok := true
			for range 200 {
				ok = ok && s.checksum("test000001", "test000001") == "08a252bf4642078f5f538d3b802d71fc974a2cad5fbdd90eaba78dbeacbd9b56"
			}
			done <- ok
		}()
	}
	for range 8 {
		assert.True(t, <-done)
	}
}
