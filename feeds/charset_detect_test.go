package feeds

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestUndeclaredCharsets parses feeds that name no charset (no XML
// declaration encoding, no Content-Type charset) in the legacy charsets
// still served: every title must come out as written, not as mojibake.
func TestUndeclaredCharsets(t *testing.T) {
	tests := []struct {
		name string
		enc  encoding.Encoding
		text string
	}{
		{"EUC-JP", japanese.EUCJP, "東京の天気は晴れです。新しい技術のニュースをお届けします。"},
		{"Shift_JIS", japanese.ShiftJIS, "東京の天気は晴れです。新しい技術のニュースをお届けします。"},
		{"GB2312", simplifiedchinese.GBK, "中国移动今天宣布，将在全国范围内部署第五代移动通信网络。"},
		{"EUC-KR", korean.EUCKR, "삼성전자는 오늘 새로운 스마트폰을 발표했습니다. 다음 달에 출시될 예정입니다."},
		{"KOI8-R", charmap.KOI8R, "Сегодня компания объявила о запуске новой сети пятого поколения в Москве."},
		{"TIS-620", charmap.Windows874, "วันนี้บริษัทประกาศเปิดตัวเครือข่ายห้าจีในกรุงเทพมหานครและเชียงใหม่"},
		{"windows-1255", charmap.Windows1255, "החברה הודיעה היום על השקת רשת הדור החמישי בתל אביב ובירושלים."},
		// Latin-1 whose bytes hold what would be UTF-8 sequences: "Ã©" is
		// \xc3\xa9, valid UTF-8 for "é", but this feed means "Ã©".
		{"Latin-1 with UTF-8-like bytes", charmap.Windows1252, "Déjà vu à Besançon: « Ã© » et dou» — où?"},
		// "é»ƒ" is \xe9\xbb\x83, valid UTF-8 for the ideograph U+9EC3.
		{"Latin-1 with a UTF-8 ideograph by accident", charmap.Windows1252, "Bientôt é»ƒ: dou» et naïve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := tt.enc.NewEncoder().Bytes([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			body := "<rss version=\"2.0\"><channel><title>T</title><link>https://e.example/</link><item><title>" +
				string(enc) + "</title><link>https://e.example/1</link><description>" + string(enc) +
				"</description></item></channel></rss>"
			for _, decl := range []string{"", `<?xml version="1.0"?>` + "\n"} {
				f, err := Parse([]byte(decl+body), "https://e.example/feed", "application/rss+xml")
				if err != nil {
					t.Fatal(err)
				}
				docs, _ := f.Documents("s", fetchedAt)
				if len(docs) != 1 || docs[0].Title != tt.text {
					t.Errorf("declaration %q: got %q, want %q", strings.TrimSpace(decl), docs[0].Title, tt.text)
				}
			}
		})
	}
}

// TestMixedUTF8Repair: a UTF-8 feed with a windows-1252 quote pasted in
// keeps its UTF-8 and gets its quote.
func TestMixedUTF8Repair(t *testing.T) {
	body := "<rss version=\"2.0\"><channel><title>T</title><item><title>Caf\u00e9 \x93cr\u00e8me\x94 na\u00efve \u00e9t\u00e9</title>" +
		"<link>https://e.example/1</link></item></channel></rss>"
	f, err := Parse([]byte(body), "https://e.example/feed", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Items[0].Title, "Café “crème” naïve été"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
}
