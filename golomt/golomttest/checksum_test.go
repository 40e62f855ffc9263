package golomttest_test

import (
	"net/http"
	"testing"

	"github.com/kessai/payment/golomt/golomttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vectors from golomt-protocol.md §2.
func TestChecksumVectors(t *testing.T) {
	tests := []struct {
		name, key, want string
		parts           []string
	}{
		{"published invoice vector", "testSecret", "6b4f750465b22b536e329870d3119983a132922f7bea9ec9097637c4ab3f0eb8",
			[]string{"helloworld1", "2000", "GET", "https://uwish.travel"}},
		{"invoice two decimals", "testSecret", "370dd17a8f7e7771f720083867c9c5234c683bce0186ac8513ced6cacd7ef191",
			[]string{"helloworld1", "2000.00", "GET", "https://uwish.travel"}},
		{"invoice golomt-js", "test-secret-key", "cd05de75919a82d251694ad1b179e40894c846a55e5a94e89cc196be51708499",
			[]string{"txn-001", "1500.00", "POST", "https://example.com/callback"}},
		{"invoice response", "testSecret", "242cdea334989a298410997fd056913ad1719ceae4ad312878267cc29ae4d0a3",
			[]string{"d7fb2858-df36-469e-b40d-2815fe9215cf", "test12345"}},
		{"inquiry request", "testSecret", "08a252bf4642078f5f538d3b802d71fc974a2cad5fbdd90eaba78dbeacbd9b56",
			[]string{"test000001", "test000001"}},
		{"inquiry response no token", "testSecret", "cff90a52046111b52ff2dfca7dd4d3f2a920fb923e2a7c0fc5b8f69098733598",
			[]string{"test000001", "000", "1"}},
		{"inquiry response token", "testSecret", "df6e8392536a411c1fe67fb31a918d1d6523c12510bf4f05125731e9dd24c1af",
			[]string{"test000001", "000", "1", "tok_abc123"}},
		{"inquiry null errorCode", "testSecret", "38011afec926521fcf8fcde409a921475c0011a8b07edb419288149a31bc6acb",
			[]string{"test000001", "", "1"}},
		{"pay request", "testSecret", "20357c1d3205a867f2448496c0728a86922fe14469ada8bf67d18c0b7935ab52",
			[]string{"1.00", "R749P918K873", "tok_abc123"}},
		{"pay response", "testSecret", "bed2253f3f3d5fee9bf2c933f88cfcca39c4b4769bbc198f3b679894d4780023",
			[]string{"R749P918K873", "000", "1.00"}},
		{"confirmation sdk variant", "testSecret", "b499270766683008e8d9edc6fc954f694deaf6bc26bbdd7478f0517122086885",
			[]string{"test12345", "GET", "https://example.com/cb"}},
		{"get token response", "testSecret", "66c8ad856286cd596116d809d689034e30bee90d4a7eff8f7ebb92b25b0584e2",
			[]string{"test12345", "tok_abc123"}},
		{"settlement request", "testSecret", "eb4cca3cd0d5f6582f02bf8590d31d9267fa2586c771ae6669fa5b6a46a226a8",
			[]string{"000000000087050", "tok_abc123"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, golomttest.Checksum(tt.key, tt.parts...))
		})
	}
}

// The simulator verifies request checksums with the bank's formulas: the
// published vector, sent verbatim, is accepted; one changed byte is not.
func TestServerVerifiesPublishedVector(t *testing.T) {
	srv := golomttest.NewServer(golomttest.WithCredentials("tkn", "testSecret"))
	defer srv.Close()
	body := map[string]string{
		"amount": "2000", "callback": "https://uwish.travel", "genToken": "N", "returnType": "GET",
		"transactionId": "helloworld1", "checksum": "6b4f750465b22b536e329870d3119983a132922f7bea9ec9097637c4ab3f0eb8",
	}
	code, resp := call(t, srv, "/api/invoice", body)
	require.Equal(t, http.StatusOK, code, string(resp))
	m := decode(t, resp)
	assert.Equal(t, golomttest.Checksum("testSecret", str(m, "invoice"), "helloworld1"), str(m, "checksum"))

	body["transactionId"] = "helloworld2"
	code, resp = call(t, srv, "/api/invoice", body)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "Invalid checksum.", str(decode(t, resp), "message"))

	// "2000.00" is a different string, so the "2000" checksum does not fit it.
	body["transactionId"], body["amount"] = "helloworld1b", "2000.00"
	code, _ = call(t, srv, "/api/invoice", body)
	assert.Equal(t, http.StatusBadRequest, code)

	code, resp = call(t, srv, "/api/pay", map[string]string{
		"amount": "1.00", "transactionId": "R749P918K873", "token": "tok_abc123", "lang": "MN",
		"checksum": "20357c1d3205a867f2448496c0728a86922fe14469ada8bf67d18c0b7935ab52",
	})
	// the checksum is right; the token is unknown to this bank
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "Token not found.", str(decode(t, resp), "message"))
}
