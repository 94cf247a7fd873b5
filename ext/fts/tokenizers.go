package fts

import (
	"fmt"
	"sync"

	"github.com/asqlite/asqlite/sqlite"
)

// Tokenizer names registered by Register.
const (
	// UnicodeWords is the name of the tokenizer that splits text into words
	// by the Unicode word boundary rules (UAX #29, see WordSegments):
	// letters and digits joined as the rules say ("can't", "3.14",
	// "e.g"), each ideograph and kana run its own word, emoji and flags
	// words of their own. Options, as name value pairs in tokenize=:
	//
	//	emoji BOOL    index emoji and flags (default true)
	//	numbers BOOL  index words made only of digits and separators (default true)
	//
	// It leaves case and accents alone: chain it after simplify for that.
	UnicodeWords = "unicodewords"

	// Simplify is the name of the tokenizer that rewrites the tokens of
	// another tokenizer so that spellings a reader treats as one word index
	// as one: case folding ("Straße" and "STRASSE" become "strasse") and
	// stripping of diacritics and compatibility forms ("café" becomes
	// "cafe", the ligature "ﬁ" becomes "fi", fullwidth "ＡＢ" becomes
	// "AB"). Its arguments are options, then the tokenizer to wrap with
	// its own arguments:
	//
	//	tokenize='simplify casefold true strip true unicodewords'
	//
	//	casefold BOOL  fold case (default true)
	//	strip BOOL     strip diacritics and compatibility forms (default true)
	//
	// A token that simplifies to nothing (a lone combining mark) is dropped.
	Simplify = "simplify"
)

// matchFunc is the auxiliary function Table.Search collects match
// information with.
const matchFunc = "asqlite_fts_match"

// registered remembers the connections Register has set up, so that
// calling it again (as Create and Open do) registers nothing twice; a
// connection leaves it when it closes.
var registered sync.Map // *sqlite.Conn → struct{}

// Register makes the package's tokenizers (UnicodeWords and Simplify) and
// the auxiliary function Table.Search uses available on c. Every
// connection that uses an FTS5 table naming these tokenizers in its
// tokenize= option needs them registered before it reads or writes the
// table; Create and Open call Register themselves. Registering again on
// the same connection does nothing.
//
// Register follows the connection's goroutine rule. Its errors are those
// of sqlite.Conn.CreateTokenizer and CreateFTS5Function (FTS5 missing, a
// closed connection).
//
// https://sqlite.org/fts5.html#custom_tokenizers
func Register(c *sqlite.Conn) error {
	if c == nil {
		return misuse("Register: nil connection")
	}
	if _, ok := registered.Load(c); ok {
		return nil
	}
	if err := c.CreateTokenizer(UnicodeWords, newUnicodeWords); err != nil {
		return err
	}
	err := c.CreateTokenizer(Simplify, func(args []string) (sqlite.Tokenizer, error) {
		return newSimplify(c, args)
	})
	if err != nil {
		return err
	}
	if err := c.CreateFTS5Function(matchFunc, matchInfo); err != nil {
		return err
	}
	registered.Store(c, struct{}{})
	c.OnClose(func() { registered.Delete(c) })
	return nil
}

// parseBool reads a tokenizer option's boolean value.
func parseBool(tok, opt, v string) (bool, error) {
	switch v {
	case "true", "1", "on", "yes":
		return true, nil
	case "false", "0", "off", "no":
		return false, nil
	}
	return false, sqlite.Errorf(sqlite.ErrError, "tokenizer %s: option %s needs true or false, not %q", tok, opt, v)
}

func optionError(tok, format string, args ...any) error {
	return sqlite.Errorf(sqlite.ErrError, "tokenizer %s: %s", tok, fmt.Sprintf(format, args...))
}

// unicodeWords is the UnicodeWords tokenizer.
type unicodeWords struct {
	emoji, numbers bool
}

func newUnicodeWords(args []string) (sqlite.Tokenizer, error) {
	t := &unicodeWords{emoji: true, numbers: true}
	if len(args)%2 != 0 {
		return nil, optionError(UnicodeWords, "options come in name value pairs, got %q", args)
	}
	for i := 0; i < len(args); i += 2 {
		var dst *bool
		switch args[i] {
		case "emoji":
			dst = &t.emoji
		case "numbers":
			dst = &t.numbers
		default:
			return nil, optionError(UnicodeWords, "unknown option %q", args[i])
		}
		v, err := parseBool(UnicodeWords, args[i], args[i+1])
		if err != nil {
			return nil, err
		}
		*dst = v
	}
	return t, nil
}

func (t *unicodeWords) Tokenize(text []byte, flags sqlite.TokenizeFlags, emit func(token []byte, start, end int, colocated bool) error) error {
	var err error
	WordSegments(text, func(start, end int, isWord bool) bool {
		if !isWord || !t.keep(text[start:end]) {
			return true
		}
		err = emit(text[start:end], start, end, false)
		return err == nil
	})
	return err
}

// keep applies the options to a word segment.
func (t *unicodeWords) keep(seg []byte) bool {
	if t.emoji && t.numbers {
		return true
	}
	letters, digits, pict := false, false, false
	for _, r := range string(seg) {
		switch wordBreak(r) {
		case wbALetter, wbHebrew, wbKatakana, wbIdeo:
			letters = true
		case wbNumeric:
			digits = true
		case wbPict, wbRegional:
			pict = true
		}
	}
	switch {
	case letters:
		return true
	case digits:
		return t.numbers
	case pict:
		return t.emoji
	}
	return true
}

// simplifyTok is the Simplify tokenizer: a simplifier over another
// tokenizer.
type simplifyTok struct {
	inner *sqlite.FTS5Tokenizer
	s     *simplifier
}

func newSimplify(c *sqlite.Conn, args []string) (sqlite.Tokenizer, error) {
	casefold, strip := true, true
	for len(args) > 0 {
		var dst *bool
		switch args[0] {
		case "casefold":
			dst = &casefold
		case "strip":
			dst = &strip
		}
		if dst == nil {
			break
		}
		if len(args) < 2 {
			return nil, optionError(Simplify, "option %s needs a value", args[0])
		}
		v, err := parseBool(Simplify, args[0], args[1])
		if err != nil {
			return nil, err
		}
		*dst = v
		args = args[2:]
	}
	if len(args) == 0 {
		return nil, optionError(Simplify, "no tokenizer to wrap (as in tokenize='simplify casefold true unicodewords')")
	}
	inner, err := c.Tokenizer(args[0], args[1:])
	if err != nil {
		return nil, err
	}
	return &simplifyTok{inner: inner, s: newSimplifier(casefold, strip)}, nil
}

func (t *simplifyTok) Tokenize(text []byte, flags sqlite.TokenizeFlags, emit func(token []byte, start, end int, colocated bool) error) error {
	return t.inner.Tokenize(text, flags, func(token []byte, start, end int, colocated bool) error {
		out := t.s.apply(token)
		if len(out) == 0 {
			return nil
		}
		return emit(out, start, end, colocated)
	})
}
