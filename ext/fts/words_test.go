package fts

import (
	"slices"
	"strings"
	"testing"
)

func segments(s string) (all, words []string) {
	WordSegments([]byte(s), func(start, end int, isWord bool) bool {
		all = append(all, s[start:end])
		if isWord {
			words = append(words, s[start:end])
		}
		return true
	})
	return all, words
}

func TestWordSegmentsFollowUAX29(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"The quick (“brown”) fox can’t jump 32.3 feet, right?", "The|quick|brown|fox|can’t|jump|32.3|feet|right"},
		{"e.g. U.S.A. 1,000.50 a_b x1y2", "e.g|U.S.A|1,000.50|a_b|x1y2"},
		{"café naïve résumé", "café|naïve|résumé"},
		{"日本語のテキスト", "日|本|語|の|テキスト"},
		{"don't 'quoted'", "don't|quoted"},
		{"שלום עולם", "שלום|עולם"},
		{"emoji 👍🏽 here 🇫🇷🇩🇪", "emoji|👍🏽|here|🇫🇷|🇩🇪"},
		{"line1\r\nline2", "line1|line2"},
		{"", ""},
		{"   ", ""},
		{"Straße ΟΔΥΣΣΕΥΣ", "Straße|ΟΔΥΣΣΕΥΣ"},
	} {
		_, words := segments(tc.in)
		if got := strings.Join(words, "|"); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWordSegmentsCoverTheText(t *testing.T) {
	for _, s := range []string{"a b", "x.y:z 1,2 'q' \r\n\n", "invalid \xff utf8 \xc3", "e\u0301 ab\u200dcd"} {
		all, _ := segments(s)
		if strings.Join(all, "") != s {
			t.Errorf("%q: segments %q do not cover the text", s, all)
		}
	}
}

// segmentsWithoutFastPath segments s with the ASCII shortcut off.
func segmentsWithoutFastPath(s string) [][3]int {
	asciiFastPath = false
	defer func() { asciiFastPath = true }()
	return segmentList(s)
}

func segmentList(s string) [][3]int {
	var out [][3]int
	WordSegments([]byte(s), func(start, end int, isWord bool) bool {
		w := 0
		if isWord {
			w = 1
		}
		out = append(out, [3]int{start, end, w})
		return true
	})
	return out
}

func FuzzWordSegments(f *testing.F) {
	for _, s := range []string{"hello world", "can't 3.14", "日本語", "\xff\xfe", "👍🏽🇫🇷", "a\u0301b1.2x_y:z", "שa'b", "x\u200db", "ab\u00adcd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got strings.Builder
		last := 0
		WordSegments([]byte(s), func(start, end int, isWord bool) bool {
			if start != last || end <= start {
				t.Fatalf("bad segment [%d,%d) after %d", start, end, last)
			}
			last = end
			got.WriteString(s[start:end])
			return true
		})
		if got.String() != s {
			t.Fatalf("segments do not cover %q", s)
		}
		if fast, slow := segmentList(s), segmentsWithoutFastPath(s); !slices.Equal(fast, slow) {
			t.Fatalf("%q: ASCII fast path gives %v, the rules %v", s, fast, slow)
		}
	})
}
