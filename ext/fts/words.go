package fts

import (
	"unicode"
	"unicode/utf8"
)

// wb is a Unicode word-break property (UAX #29, table 3), derived from the
// general categories and scripts in package unicode plus the short lists
// the standard names explicitly.
type wb uint8

const (
	wbOther wb = iota
	wbCR
	wbLF
	wbNewline
	wbExtend
	wbZWJ
	wbRegional
	wbFormat
	wbKatakana
	wbHebrew
	wbALetter
	wbSingleQuote
	wbDoubleQuote
	wbMidNumLet
	wbMidLetter
	wbMidNum
	wbNumeric
	wbExtendNumLet
	wbWSegSpace
	wbIdeo // ideographs, kana and other letters no rule joins: one word each
	wbPict // extended pictographic (emoji)
)

// asciiFastPath enables WordSegments' shortcut for ASCII letters and
// digits inside a word; tests turn it off to check it changes nothing.
var asciiFastPath = true

// asciiBreak holds the word-break property of each ASCII character.
var asciiBreak [utf8.RuneSelf]wb

func init() {
	for r := range rune(utf8.RuneSelf) {
		asciiBreak[r] = wordBreakSlow(r)
	}
}

func wordBreak(r rune) wb {
	if r < utf8.RuneSelf {
		return asciiBreak[r]
	}
	return wordBreakSlow(r)
}

func wordBreakSlow(r rune) wb {
	switch r {
	case '\r':
		return wbCR
	case '\n':
		return wbLF
	case '\v', '\f', 0x85, 0x2028, 0x2029:
		return wbNewline
	case 0x200D:
		return wbZWJ
	case 0x200C:
		return wbExtend
	case '\'':
		return wbSingleQuote
	case '"':
		return wbDoubleQuote
	case '.', 0x2018, 0x2019, 0x2024, 0xFE52, 0xFF07, 0xFF0E:
		return wbMidNumLet
	case ':', 0xB7, 0x387, 0x55F, 0x5F4, 0x2027, 0xFE13, 0xFE55, 0xFF1A:
		return wbMidLetter
	case ',', ';', 0x37E, 0x589, 0x60C, 0x60D, 0x66C, 0x7F8, 0x2044, 0xFE10, 0xFE14, 0xFE50, 0xFE54, 0xFF0C, 0xFF1B:
		return wbMidNum
	case 0x66B:
		return wbNumeric
	case 0x202F:
		return wbExtendNumLet
	case 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x309B, 0x309C, 0x30A0, 0x30FC, 0xFF70:
		return wbKatakana
	}
	if r < 0x80 {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return wbALetter
		case '0' <= r && r <= '9':
			return wbNumeric
		case r == '_':
			return wbExtendNumLet
		case r == ' ':
			return wbWSegSpace
		}
		return wbOther
	}
	switch {
	case 0x1F1E6 <= r && r <= 0x1F1FF:
		return wbRegional
	case 0x1F3FB <= r && r <= 0x1F3FF, unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc):
		return wbExtend
	case unicode.Is(unicode.Cf, r):
		return wbFormat
	case unicode.Is(unicode.Katakana, r):
		return wbKatakana
	case unicode.Is(unicode.Hebrew, r) && unicode.IsLetter(r):
		return wbHebrew
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar):
		if unicode.IsLetter(r) {
			return wbIdeo
		}
	case unicode.IsLetter(r), unicode.Is(unicode.Nl, r):
		return wbALetter
	case unicode.Is(unicode.Nd, r):
		return wbNumeric
	case unicode.Is(unicode.Pc, r):
		return wbExtendNumLet
	case unicode.Is(unicode.Zs, r):
		return wbWSegSpace
	case isPictographic(r):
		return wbPict
	}
	return wbOther
}

// isPictographic approximates Extended_Pictographic: the emoji and symbol
// blocks.
func isPictographic(r rune) bool {
	return 0x1F000 <= r && r <= 0x1FAFF || 0x2600 <= r && r <= 0x27BF || 0x2B00 <= r && r <= 0x2BFF ||
		r == 0xA9 || r == 0xAE || 0x2190 <= r && r <= 0x21FF
}

func ahLetter(p wb) bool { return p == wbALetter || p == wbHebrew }

func midNumLetQ(p wb) bool { return p == wbMidNumLet || p == wbSingleQuote }

func ignorable(p wb) bool { return p == wbExtend || p == wbFormat || p == wbZWJ }

// WordSegments calls fn with the start and end byte offsets of each segment
// of text between Unicode word boundaries (UAX #29), spaces and punctuation
// included, in order. isWord reports whether the segment holds a letter, a
// number or a pictograph. It stops when fn returns false.
func WordSegments(text []byte, fn func(start, end int, isWord bool) bool) {
	// props holds, for the current position, the property of the last
	// non-ignorable rune before it and the one before that (WB4 makes
	// Extend, Format and ZWJ transparent after the first rune of a word).
	start := 0
	var prev, prevprev wb = wbOther, wbOther
	prevRaw := wbOther
	riCount := 0
	isWord := false
	for i := 0; i < len(text); {
		if c := text[i]; asciiFastPath && c < utf8.RuneSelf && i > start && prevRaw == prev && (ahLetter(prev) || prev == wbNumeric) {
			// Fast path: inside a word, an ASCII letter or digit never
			// starts a new one (WB5, WB8-WB10).
			if p := asciiBreak[c]; p == wbALetter || p == wbNumeric {
				prevprev, prev, prevRaw, riCount = prev, p, p, 0
				i++
				continue
			}
		}
		r, size := utf8.DecodeRune(text[i:])
		p := wordBreak(r)
		if i == start {
			prev, prevprev, prevRaw, riCount = p, wbOther, p, 0
			if p == wbRegional {
				riCount = 1
			}
			isWord = p == wbALetter || p == wbHebrew || p == wbNumeric || p == wbKatakana || p == wbIdeo || p == wbPict || p == wbRegional
			i += size
			continue
		}
		if !breakBetween(text, i, prevprev, prev, prevRaw, p, riCount) {
			if !ignorable(p) || prevRaw == wbCR || prevRaw == wbLF || prevRaw == wbNewline {
				prevprev, prev = prev, p
			}
			if p == wbRegional {
				riCount++
			} else if !ignorable(p) {
				riCount = 0
			}
			prevRaw = p
			isWord = isWord || p == wbALetter || p == wbHebrew || p == wbNumeric || p == wbKatakana || p == wbIdeo || p == wbPict
			i += size
			continue
		}
		if !fn(start, i, isWord) {
			return
		}
		start = i
	}
	if start < len(text) {
		fn(start, len(text), isWord)
	}
}

// breakBetween applies rules WB3 to WB999 to the boundary before the rune
// at text[i] with property next.
func breakBetween(text []byte, i int, before2, before, raw, next wb, riCount int) bool {
	switch {
	case raw == wbCR && next == wbLF: // WB3
		return false
	case raw == wbCR || raw == wbLF || raw == wbNewline: // WB3a
		return true
	case next == wbCR || next == wbLF || next == wbNewline: // WB3b
		return true
	case raw == wbZWJ && next == wbPict: // WB3c
		return false
	case raw == wbWSegSpace && next == wbWSegSpace: // WB3d
		return false
	case ignorable(next): // WB4
		return false
	}
	after := lookahead(text, i)
	switch {
	case ahLetter(before) && ahLetter(next): // WB5
		return false
	case ahLetter(before) && (next == wbMidLetter || midNumLetQ(next)) && ahLetter(after): // WB6
		return false
	case ahLetter(before2) && (before == wbMidLetter || midNumLetQ(before)) && ahLetter(next): // WB7
		return false
	case before == wbHebrew && next == wbSingleQuote: // WB7a
		return false
	case before == wbHebrew && next == wbDoubleQuote && after == wbHebrew: // WB7b
		return false
	case before2 == wbHebrew && before == wbDoubleQuote && next == wbHebrew: // WB7c
		return false
	case before == wbNumeric && next == wbNumeric, ahLetter(before) && next == wbNumeric, before == wbNumeric && ahLetter(next): // WB8-10
		return false
	case before2 == wbNumeric && (before == wbMidNum || midNumLetQ(before)) && next == wbNumeric: // WB11
		return false
	case before == wbNumeric && (next == wbMidNum || midNumLetQ(next)) && after == wbNumeric: // WB12
		return false
	case before == wbKatakana && next == wbKatakana: // WB13
		return false
	case (ahLetter(before) || before == wbNumeric || before == wbKatakana || before == wbExtendNumLet) && next == wbExtendNumLet: // WB13a
		return false
	case before == wbExtendNumLet && (ahLetter(next) || next == wbNumeric || next == wbKatakana): // WB13b
		return false
	case before == wbRegional && next == wbRegional && riCount%2 == 1: // WB15, WB16
		return false
	}
	return true // WB999
}

// lookahead returns the property of the first non-ignorable rune after the
// one at text[i].
func lookahead(text []byte, i int) wb {
	_, size := utf8.DecodeRune(text[i:])
	for j := i + size; j < len(text); {
		r, n := utf8.DecodeRune(text[j:])
		if p := wordBreak(r); !ignorable(p) {
			return p
		}
		j += n
	}
	return wbOther
}
