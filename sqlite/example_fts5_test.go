package sqlite_test

import (
	"bytes"
	"fmt"
	"log"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/asqlite/asqlite/sqlite"
)

// fieldsTokenizer splits text into runs of letters and digits, lowercased,
// and adds the synonyms of a word as colocated tokens when indexing.
type fieldsTokenizer struct {
	synonyms map[string][]string
}

func (t fieldsTokenizer) Tokenize(text []byte, flags sqlite.TokenizeFlags, emit func(token []byte, start, end int, colocated bool) error) error {
	start := -1
	for i := 0; i <= len(text); {
		r, size := utf8.DecodeRune(text[i:])
		if i < len(text) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if start < 0 {
				start = i
			}
			i += size
			continue
		}
		if start >= 0 {
			word := bytes.ToLower(text[start:i])
			if err := emit(word, start, i, false); err != nil {
				return err
			}
			if flags&sqlite.TokenizeDocument != 0 {
				for _, syn := range t.synonyms[string(word)] {
					if err := emit([]byte(syn), start, i, true); err != nil {
						return err
					}
				}
			}
			start = -1
		}
		i += max(size, 1)
	}
	return nil
}

func ExampleConn_CreateTokenizer() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	err = c.CreateTokenizer("fields", func(args []string) (sqlite.Tokenizer, error) {
		return fieldsTokenizer{synonyms: map[string][]string{"first": {"1st"}}}, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	err = c.Exec(`CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='fields');
		INSERT INTO docs(body) VALUES ('The FIRST snow'), ('Snowfall, at last');`)
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range []string{"snow", "1st", "snowf*"} {
		for row, err := range c.Query("SELECT highlight(docs, 0, '[', ']') FROM docs WHERE docs MATCH ?", q) {
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("%s: %s\n", q, row.ColumnText(0))
		}
	}
	// Output:
	// snow: The FIRST [snow]
	// 1st: The [FIRST] snow
	// snowf*: [Snowfall], at last
}

// stopWords wraps the tokenizer named by its arguments and drops some of
// its tokens.
type stopWords struct {
	inner *sqlite.FTS5Tokenizer
	stop  map[string]bool
}

func (s stopWords) Tokenize(text []byte, flags sqlite.TokenizeFlags, emit func(token []byte, start, end int, colocated bool) error) error {
	return s.inner.Tokenize(text, flags, func(token []byte, start, end int, colocated bool) error {
		if s.stop[string(token)] {
			return nil
		}
		return emit(token, start, end, colocated)
	})
}

func ExampleConn_Tokenizer() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	// tokenize='stopwords porter unicode61' builds stopWords over porter
	// over unicode61: the arguments name the tokenizer to wrap.
	err = c.CreateTokenizer("stopwords", func(args []string) (sqlite.Tokenizer, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("stopwords: no tokenizer to wrap")
		}
		inner, err := c.Tokenizer(args[0], args[1:])
		if err != nil {
			return nil, err
		}
		return stopWords{inner: inner, stop: map[string]bool{"the": true, "of": true}}, nil
	})
	if err != nil {
		log.Fatal(err)
	}

	// Go code can use any tokenizer directly, too.
	tok, err := c.Tokenizer("stopwords", []string{"porter", "unicode61"})
	if err != nil {
		log.Fatal(err)
	}
	defer tok.Close()
	var tokens []string
	err = tok.Tokenize([]byte("The Joy of Cooking"), sqlite.TokenizeDocument, func(token []byte, start, end int, colocated bool) error {
		tokens = append(tokens, fmt.Sprintf("%s[%d:%d]", token, start, end))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Join(tokens, " "))
	// Output:
	// joi[4:7] cook[11:18]
}

func ExampleConn_CreateFTS5Function() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	// hits(t) lists where the query's phrases occur in the row, as
	// phrase@column:offset, and the row's size in tokens.
	err = c.CreateFTS5Function("hits", func(x *sqlite.FTS5Context, fc *sqlite.FuncContext, args []sqlite.Value) error {
		n, err := x.InstCount()
		if err != nil {
			return err
		}
		var hits []string
		for i := range n {
			h, err := x.Inst(i)
			if err != nil {
				return err
			}
			hits = append(hits, fmt.Sprintf("%d@%d:%d", h.Phrase, h.Column, h.Offset))
		}
		size, err := x.ColumnSize(-1)
		if err != nil {
			return err
		}
		fc.ResultText(fmt.Sprintf("%s of %d tokens", strings.Join(hits, " "), size))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	err = c.Exec(`CREATE VIRTUAL TABLE recipes USING fts5(title, steps);
		INSERT INTO recipes VALUES ('Tomato soup', 'Roast the tomato, then blend the tomato with stock'),
		                           ('Bread', 'Knead, rest, bake');`)
	if err != nil {
		log.Fatal(err)
	}
	for row, err := range c.Query("SELECT title, hits(recipes) FROM recipes WHERE recipes MATCH 'tomato OR blend' ORDER BY rank") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %s\n", row.ColumnText(0), row.ColumnText(1))
	}
	// Output:
	// Tomato soup: 0@0:0 0@1:2 1@1:4 0@1:6 of 11 tokens
}
