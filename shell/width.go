package shell

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// oneColumn counts every character as one column, as sqlite3 does.
func oneColumn(rune) int { return 1 }

// runeWidth is the number of terminal columns r takes: two for wide and
// fullwidth East Asian characters, none for combining marks and
// zero-width formatting characters, one for the others.
func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

func displayWidth(z string, rw func(rune) int) int {
	n := 0
	for _, r := range z {
		n += rw(r)
	}
	return n
}

// cutToWidth returns the longest prefix of z at most wd columns wide.
func cutToWidth(z string, wd int, rw func(rune) int) string {
	n := 0
	for i, r := range z {
		if n+rw(r) > wd {
			return z[:i]
		}
		n += rw(r)
	}
	return z
}

// The functions below measure with rw: runeWidth or oneColumn.

// displayLine returns the first display line of z, as displayLineTail.
func displayLine(z string, maxWidth int, rw func(rune) int) (string, bool) {
	line, _, more := displayLineTail(z, maxWidth, rw, false)
	return line, more
}

// displayLineTail cuts the first display line from z: up to a control
// character (a newline ends a line; "\r\n" counts as one) or maxWidth
// columns (0: no limit), with tabs expanded to the next multiple of 8;
// with wordWrap, a line cut at maxWidth ends after a space or between a
// word and punctuation when one is in its second half. It returns the
// line, what follows for the next line, and whether there is a next line.
func displayLineTail(z string, maxWidth int, runeWidth func(rune) int, wordWrap bool) (line, tail string, more bool) {
	if maxWidth <= 0 {
		maxWidth = 1000000
	}
	n, i := 0, 0
	full := false // stopped at maxWidth
	for i < len(z) {
		if n >= maxWidth {
			full = true
			break
		}
		c := z[i]
		if c == '\t' {
			for {
				n++
				if n&7 == 0 || n >= maxWidth {
					break
				}
			}
			i++
			continue
		}
		if c < ' ' {
			break
		}
		r, size := utf8.DecodeRuneInString(z[i:])
		rw := runeWidth(r)
		if n+rw > maxWidth && n > 0 {
			// A character wider than the whole line still takes one.
			full = true
			break
		}
		n += rw
		i += size
	}
	k := i // the line is z[:k]
	if full && wordWrap {
		k = i
		for k > i/2 && !isSpace(z[k-1]) {
			k--
		}
		if k <= i/2 {
			for k = i; k > i/2; k-- {
				if isAlnum(z[k-1]) != isAlnum(z[k]) && z[k]&0xc0 != 0x80 {
					break
				}
			}
		}
		if k <= i/2 {
			k = i
		} else {
			for i = k; i < len(z) && z[i] == ' '; i++ {
			}
		}
	}
	line = expandTabs(z[:k], maxWidth, runeWidth)
	switch {
	case i >= len(z):
		return line, "", false
	case full && z[i] >= ' ':
		return line, z[i:], true
	case z[i] == '\r' && i+1 < len(z) && z[i+1] == '\n':
		return line, z[i+2:], i+2 < len(z)
	case i+1 >= len(z):
		return line, "", false
	}
	return line, z[i+1:], true
}

// expandTabs returns z, which holds no other control character, with
// each tab replaced by spaces up to the next multiple of 8 columns (or
// maxWidth).
func expandTabs(z string, maxWidth int, runeWidth func(rune) int) string {
	if !strings.Contains(z, "\t") {
		return z
	}
	var b strings.Builder
	n := 0
	for _, r := range z {
		if r != '\t' {
			n += runeWidth(r)
			b.WriteRune(r)
			continue
		}
		for {
			n++
			b.WriteByte(' ')
			if n&7 == 0 || n >= maxWidth {
				break
			}
		}
	}
	return b.String()
}

func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
