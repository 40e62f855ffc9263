package gmo

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kessai/payment"
)

// cp932 bytes of ClientField1 in the recorded ExecTran (gmo-protocol.md
// §1.1): ～－￠￡￢－∥①.
var recordedCP932 = []byte{0x81, 0x60, 0x81, 0x7C, 0x81, 0x91, 0x81, 0x92, 0x81, 0xCA, 0x81, 0x7C, 0x81, 0x61, 0x87, 0x40}

func TestParseResponse(t *testing.T) {
	cp932Body := append([]byte("ACS=0&OrderID=1366160239&Forward=2a99662&Method=1&PayTimes=&Approve=6683187&TranID=1304171007111111111111196238&TranDate=20130417101014&CheckString=dc826f1b1bc71beda38374d44d37e1d3&ClientField1="),
		recordedCP932...)
	cp932Body = append(cp932Body, 0x82, 0xD9, 0x82, 0xB0, 0x82, 0xD9, 0x82, 0xB0) // ほげほげ
	cp932Body = append(cp932Body, []byte("hogehoge&ClientField2=&ClientField3=")...)

	tests := []struct {
		name string
		body []byte
		want map[string]string
	}{
		{
			name: "entrytran success (recorded)",
			body: []byte("AccessID=3618be802c7ac572414274731e50cb6c&AccessPass=4099664bd4b110800e09805539d1d7b5"),
			want: map[string]string{"AccessID": "3618be802c7ac572414274731e50cb6c", "AccessPass": "4099664bd4b110800e09805539d1d7b5"},
		},
		{
			name: "exectran success with nulls echoed (recorded)",
			body: []byte("ACS=0&OrderID=1362106991&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString=2d8fa5d3a220a34161d18a87e9cbfd75&ClientField1=client_field1&ClientField2=null&ClientField3=null"),
			want: map[string]string{"ACS": "0", "PayTimes": "", "TranID": "1303011202111111111111198895", "ClientField2": "null", "CheckString": "2d8fa5d3a220a34161d18a87e9cbfd75"},
		},
		{
			name: "cp932 client field (recorded bytes)",
			body: cp932Body,
			want: map[string]string{"ClientField1": "～－￠￡￢－∥①ほげほげhogehoge", "ClientField3": "", "Approve": "6683187"},
		},
		{
			name: "3ds2 redirect url keeps &t= (sandbox shape)",
			body: []byte("ACS=2&RedirectUrl=https://pt01.mul-pay.jp/payment/Tds2StubCallback.idPass?transId=5b0c9a0e-3f1d-4a38-9e0c-1f4c2a7d9b11&t=9f86d081884c7d659a2feaa0c55ad015"),
			want: map[string]string{"ACS": "2", "RedirectUrl": "https://pt01.mul-pay.jp/payment/Tds2StubCallback.idPass?transId=5b0c9a0e-3f1d-4a38-9e0c-1f4c2a7d9b11&t=9f86d081884c7d659a2feaa0c55ad015"},
		},
		{
			name: "3ds2 redirect url, production shape, lower-case key",
			body: []byte("acs=2&redirectUrl=https://manage.tds2gw.gmopg.jp/api/v2/brw/callback?transId=abc&t=def&x=1\r\n"),
			want: map[string]string{"ACS": "2", "RedirectUrl": "https://manage.tds2gw.gmopg.jp/api/v2/brw/callback?transId=abc&t=def&x=1"},
		},
		{
			name: "3ds1 acs url with query and base64 pareq",
			body: []byte("ACS=1&AcsUrl=https://acs.example/auth?a=1&b=2&PaReq=eJxVUk1v2zAM/Sur+0Q=&MD=9e6c3b46f7fd03ac22693b335286e622"),
			want: map[string]string{"ACS": "1", "ACSUrl": "https://acs.example/auth?a=1&b=2", "PaReq": "eJxVUk1v2zAM/Sur+0Q=", "MD": "9e6c3b46f7fd03ac22693b335286e622"},
		},
		{
			name: "line pay token with + and / is not form-decoded (recorded)",
			body: []byte("Start=1&AccessID=2352c8be3fd34b2e75ce3fd2b19c1cd2&Token=5eUT14IYmsZRnCs/S/RYxKrphuf29PTylubWI8BbbUuwBS7yYvxSiC0zeMVH+O4F&StartURL=https://<HOST>/payment/LinepayStart.idPass"),
			want: map[string]string{"Token": "5eUT14IYmsZRnCs/S/RYxKrphuf29PTylubWI8BbbUuwBS7yYvxSiC0zeMVH+O4F", "StartURL": "https://<HOST>/payment/LinepayStart.idPass"},
		},
		{
			name: "value with = splits on the first only",
			body: []byte("A=b=c==&B="),
			want: map[string]string{"A": "b=c==", "B": ""},
		},
		{
			name: "search trade unprocessed (recorded), trailing CRLF",
			body: []byte("OrderID=1362106772&Status=UNPROCESSED&ProcessDate=20130301115932&JobCd=AUTH&AccessID=3618be802c7ac572414274731e50cb6c&AccessPass=4099664bd4b110800e09805539d1d7b5&ItemCode=0000990&Amount=100&Tax=0&SiteID=&MemberID=&CardNo=&Expire=&Method=&PayTimes=&Forward=&TranID=&Approve=&ClientField1=&ClientField2=&ClientField3=\r\n"),
			want: map[string]string{"Status": "UNPROCESSED", "Amount": "100", "ClientField3": "", "jobcd": "AUTH"},
		},
		{
			name: "member (recorded) keeps spaces",
			body: []byte("MemberID=1362106992&MemberName=John Smith&DeleteFlag=0"),
			want: map[string]string{"MemberName": "John Smith"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseResponse(tt.body)
			require.NoError(t, err)
			for k, v := range tt.want {
				got, ok := r.lookup(k)
				assert.True(t, ok, "key %s present", k)
				assert.Equal(t, v, got, "key %s", k)
			}
			assert.Nil(t, r.errorCodes())
		})
	}
}

func TestParseResponseMalformed(t *testing.T) {
	for _, body := range []string{"", "\r\n", "garbage", "=x", "A=1&garbage"} {
		t.Run(body, func(t *testing.T) {
			_, err := parseResponse([]byte(body))
			assert.ErrorIs(t, err, errMalformed)
		})
	}
}

func TestResponseErrorCodes(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []codePair
	}{
		{"two codes (recorded)", "ErrCode=E01|E01&ErrInfo=E01050002|E01060006",
			[]codePair{{"E01", "E01050002"}, {"E01", "E01060006"}}},
		{"six codes (recorded)", "ErrCode=E01|E01|E01|E01|E01|E01&ErrInfo=E01090008|E01100008|E01110002|E01170011|E01170006|E01180006",
			[]codePair{{"E01", "E01090008"}, {"E01", "E01100008"}, {"E01", "E01110002"}, {"E01", "E01170011"}, {"E01", "E01170006"}, {"E01", "E01180006"}}},
		{"token error (recorded)", "ErrCode=EX1&ErrInfo=EX1000301", []codePair{{"EX1", "EX1000301"}}},
		{"card company decline", "ErrCode=G02&ErrInfo=42G020000", []codePair{{"G02", "42G020000"}}},
		{"lists of different length are padded", "ErrCode=E01|E01&ErrInfo=E01050002", []codePair{{"E01", "E01050002"}, {"E01", "unknown"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseResponse([]byte(tt.body))
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.errorCodes())
		})
	}
}

func TestColumns(t *testing.T) {
	r, err := parseResponse([]byte("CardSeq=0|1|2&DefaultFlag=0|1|0&CardName=||&CardNo=*************111|*************444|*************222&Expire=2912|3001|3102&HolderName=A|B|C&DeleteFlag=0|0|0"))
	require.NoError(t, err)
	cards := parseCards(r)
	require.Len(t, cards, 3)
	assert.Equal(t, Card{Seq: "1", Default: true, Number: "*************444", Expire: "3001", Holder: "B"}, cards[1])
	assert.Equal(t, "2", cards[2].Seq)
}

func TestFormEncode(t *testing.T) {
	tests := []struct {
		name, val, want string
	}{
		{"ascii", "abcXYZ019-_.~", "K=abcXYZ019-_.~"},
		{"reserved bytes", "a&b=c+d/e%f g", "K=a%26b%3Dc%2Bd%2Fe%25f+g"},
		{"cp932 round trip bytes (recorded)", "～－￠￡￢－∥①ほげほげhogehoge",
			"K=%81%60%81%7C%81%91%81%92%81%CA%81%7C%81a%87%40%82%D9%82%B0%82%D9%82%B0hogehoge"},
		{"look-alikes are mapped", "〜−‖¢£¬", "K=%81%60%81%7C%81a%81%91%81%92%81%CA"},
		{"nec special and ibm kanji", "①髙", "K=%87%40%EE%E0"},
		{"empty is left out", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f form
			f.add("K", tt.val)
			require.NoError(t, f.err)
			assert.Equal(t, tt.want, string(f.buf))
		})
	}
}

func TestFormEncodeRejects(t *testing.T) {
	for _, v := range []string{"price €5", "😀", "ok\xffbad", "한국어"} {
		t.Run(v, func(t *testing.T) {
			var f form
			f.add("ClientField1", "x")
			f.add("MemberName", v)
			f.add("After", "y")
			require.Error(t, f.err)
			assert.ErrorIs(t, f.err, payment.ErrInvalidRequest)
			var pe *payment.Error
			require.True(t, errors.As(f.err, &pe))
			assert.Equal(t, "MemberName", pe.Field)
			assert.NotContains(t, string(f.buf), "After", "nothing is added after an error")
		})
	}
}

func TestFormNeverSendsNull(t *testing.T) {
	var f form
	f.add("ClientField2", "")
	f.add("OrderID", "o-1")
	f.add("ClientField3", "")
	assert.Equal(t, "OrderID=o-1", string(f.buf))
	assert.NotContains(t, string(f.buf), "null")
}

func TestEncodeCP932(t *testing.T) {
	b, err := encodeCP932("ClientField1", "～－￠￡￢－∥①")
	require.NoError(t, err)
	assert.Equal(t, recordedCP932, b)
	assert.Equal(t, "～－￠￡￢－∥①", decodeCP932(b))
}

func TestTenantName(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"ascii", "Kessai Shop", "S2Vzc2FpIFNob3A=", true},
		{"japanese 13 chars = 26 bytes", "決済テストショップ店舗名前", "", false},
		{"japanese 9 chars = 18 bytes (python euc_jp)", "決済テストショップ", "t+i60aXGpbmlyKW3peelw6XX", true},
		{"too long", strings.Repeat("a", 26), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := encodeTenantName(tt.in)
			if !tt.ok {
				assert.ErrorIs(t, err, payment.ErrInvalidRequest)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCheckString(t *testing.T) {
	fields := []string{"1362106991", "2a99662", "1", "", "6416276", "1303011202111111111111198895", "20130301120312"}
	sum := md5.Sum([]byte(strings.Join(fields, "") + "shoppass1"))
	want := hex.EncodeToString(sum[:])
	var got [32]byte
	checkString(&got, "shoppass1", fields...)
	assert.Equal(t, want, string(got[:]))

	body := "ACS=0&OrderID=1362106991&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString="
	r, err := parseResponse([]byte(body + want))
	require.NoError(t, err)
	assert.True(t, verifyCheckString(r, payment.NewSecret("shoppass1")), "lower case")
	r, _ = parseResponse([]byte(body + strings.ToUpper(want)))
	assert.True(t, verifyCheckString(r, payment.NewSecret("shoppass1")), "upper case hex accepted")
	assert.False(t, verifyCheckString(r, payment.NewSecret("otherpass")), "other shop pass")
	r, _ = parseResponse([]byte(strings.Replace(body, "Approve=6416276", "Approve=6416277", 1) + want))
	assert.False(t, verifyCheckString(r, payment.NewSecret("shoppass1")), "tampered field")
	r, _ = parseResponse([]byte(body + want[:31]))
	assert.False(t, verifyCheckString(r, payment.NewSecret("shoppass1")), "short")
	r, _ = parseResponse([]byte(strings.TrimSuffix(body, "&CheckString=")))
	assert.False(t, verifyCheckString(r, payment.NewSecret("shoppass1")), "missing")
}

func TestIsACSBody(t *testing.T) {
	assert.True(t, isACSBody("ACS=2&RedirectUrl=x"))
	assert.True(t, isACSBody("OrderID=1&acs=1&ACSUrl=x"))
	assert.False(t, isACSBody("ACS=0&OrderID=1"))
	assert.False(t, isACSBody("ACS=21&x=y"))
	assert.False(t, isACSBody("XACS=2"))
}
