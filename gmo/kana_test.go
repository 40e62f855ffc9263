package gmo

import (
	"errors"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"github.com/kessai/payment"
)

func TestFullWidthText(t *testing.T) {
	tests := []struct {
		in, want string
		kana     bool
		ok       bool
	}{
		{"山田 太郎", "山田\u3000太郎", false, true},
		{"ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ\u3000タロウ", true, true},
		{"ﾊﾟﾋﾟﾌﾟ", "パピプ", true, true},
		{"やまだ", "ヤマダ", true, true},
		{"ヴァイオリン", "ヴァイオリン", true, true},
		{"Taro-1", "Ｔａｒｏ－１", false, true},
		{"山田〜", "山田～", false, true},
		{"  山田  ", "山田", false, true},
		{"", "", false, false},
		{"山田", "", true, false},   // kanji in kana
		{"ヤマダ・", "", true, false}, // middle dot is not allowed in kana
		{"山田①", "", false, false}, // NEC row 13
		{"髙橋", "", false, false},  // IBM extension
		{"€", "", false, false},
		{"山\xff", "", false, false},
		{string(make([]rune, 0)) + "一二三四五六七八九十一二三四五六七八九十", "一二三四五六七八九十一二三四五六七八九十", false, true},
		{"一二三四五六七八九十一二三四五六七八九十一", "", false, false}, // 21 characters = 42 bytes
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := fullWidthText("confirm", "F", tt.in, 40, tt.kana)
			if !tt.ok {
				if !errors.Is(err, payment.ErrInvalidRequest) {
					t.Fatalf("fullWidthText(%q) = %q, %v; want ErrInvalidRequest", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("fullWidthText(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzFullWidthText: accepted text is at most 40 bytes of double-byte JIS
// X 0208 in cp932; anything else is ErrInvalidRequest, never a panic.
func FuzzFullWidthText(f *testing.F) {
	for _, s := range []string{"山田 太郎", "ﾔﾏﾀﾞ", "やまだ", "髙", "①", "A", "ｰ", "\u3099"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, kana bool) {
		got, err := fullWidthText("confirm", "F", s, 40, kana)
		if err != nil {
			if !errors.Is(err, payment.ErrInvalidRequest) {
				t.Fatalf("error %v is not ErrInvalidRequest", err)
			}
			return
		}
		if !utf8.ValidString(got) || got == "" {
			t.Fatalf("accepted %q as %q", s, got)
		}
		raw, err := japanese.ShiftJIS.NewEncoder().String(got)
		if err != nil || len(raw) > 40 || len(raw) != 2*utf8.RuneCountInString(got) {
			t.Fatalf("accepted %q as %q: cp932 %x (%v)", s, got, raw, err)
		}
		for i := 0; i < len(raw); i += 2 {
			if !jisX0208Lead(raw[i]) {
				t.Fatalf("accepted %q with lead byte %#x", s, raw[i])
			}
		}
		if kana {
			for _, r := range got {
				if !(r >= 'ァ' && r <= 'ヶ' || r == 'ー' || r == '\u3000') {
					t.Fatalf("kana %q accepted as %q", s, got)
				}
			}
		}
	})
}
