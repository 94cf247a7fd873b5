package fts

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// simplifier rewrites tokens so that spellings a reader treats as the same
// word index the same way: case folding ("Straße" → "strasse"), and
// stripping diacritics and compatibility forms ("café" → "cafe",
// "ﬁle" → "file", fullwidth "ＡＢ" → "ab" with folding).
// A simplifier is used by one goroutine at a time (the Caser is stateful).
type simplifier struct {
	casefold, strip bool
	folder          cases.Caser
	buf             []byte
}

func newSimplifier(casefold, strip bool) *simplifier {
	return &simplifier{casefold: casefold, strip: strip, folder: cases.Fold()}
}

// apply returns the simplified form of tok, valid until the next call.
func (s *simplifier) apply(tok []byte) []byte {
	if isASCII(tok) {
		if !s.casefold {
			return tok
		}
		s.buf = append(s.buf[:0], tok...)
		for i, c := range s.buf {
			if 'A' <= c && c <= 'Z' {
				s.buf[i] = c + 'a' - 'A'
			}
		}
		return s.buf
	}
	out := tok
	if s.strip {
		out = stripMarks(norm.NFKD.Bytes(out))
	}
	if s.casefold {
		s.folder.Reset()
		out = s.folder.Bytes(out)
	}
	if s.strip {
		out = norm.NFC.Bytes(out)
	}
	return out
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// stripMarks removes nonspacing marks (the diacritics NFKD split off).
func stripMarks(b []byte) []byte {
	out := b[:0]
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if !unicode.Is(unicode.Mn, r) {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}
