package fts

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestSimplifyChainMatchesAcrossCaseAccentsAndForms(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, `CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='simplify casefold true strip true unicodewords')`)
	rows := []string{
		1: "Un café au lait, s'il vous plaît",
		2: "Die Straße ist lang",
		3: "ﬁne ﬂour for the ﬁnest bread", // ligatures ﬁ ﬂ
		4: "日本語のテキストを検索する",
		5: "party 🎉 time 🇫🇷",
		6: "a naïve résumé",
		7: "ＦＵＬＬＷＩＤＴＨ letters",
	}
	for id, body := range rows {
		if body != "" {
			mustExec(t, c, "INSERT INTO docs(rowid, body) VALUES (?, ?)", id, body)
		}
	}
	for query, want := range map[string][]int64{
		"CAFÉ":         {1},
		"cafe":         {1},
		"Café":         {1},
		"strasse":      {2},
		"STRASSE":      {2},
		"Straße":       {2},
		"fine flour":   {3},
		"ﬁnest":        {3},
		"本":            {4}, // each ideograph is a word of its own
		"日 本":          {4},
		`"テキスト"`:       {4}, // a katakana run is one word
		"🎉":            {5},
		"🇫🇷":           {5},
		"naive resume": {6},
		"fullwidth":    {7},
		"plait":        {1},
		"plaît":        {1},
	} {
		if got := matchIDs(t, c, "docs", query); !slices.Equal(got, want) {
			t.Errorf("MATCH %q = %v, want %v", query, got, want)
		}
	}
}

func TestUnicodeWordsAloneKeepsCaseAndAccents(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, `CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='unicodewords')`)
	mustExec(t, c, "INSERT INTO docs(rowid, body) VALUES (1, 'Café crème'), (2, 'cafe creme')")
	for query, want := range map[string][]int64{"Café": {1}, "cafe": {2}, "crème": {1}, "CAFÉ": nil} {
		if got := matchIDs(t, c, "docs", query); !slices.Equal(got, want) {
			t.Errorf("MATCH %q = %v, want %v", query, got, want)
		}
	}
}

func TestSimplifyOptionsChooseWhatChanges(t *testing.T) {
	c := openMemory(t)
	for _, tc := range []struct {
		tokenize string
		want     string
	}{
		{"simplify unicodewords", "cafe strasse fi"},
		{"simplify casefold true strip true unicodewords", "cafe strasse fi"},
		{"simplify casefold false unicodewords", "Cafe Straße fi"}, // ß is a letter, ﬁ a compatibility form
		{"simplify strip false unicodewords", "café strasse fi"},   // case folding expands ß and ﬁ
		{"simplify casefold 0 strip 0 unicodewords", "Café Straße ﬁ"},
		{"simplify unicode61 remove_diacritics 0", "cafe strasse fi"},
	} {
		args, err := words(tc.tokenize)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := c.Tokenizer(args[0], args[1:])
		if err != nil {
			t.Fatalf("%s: %v", tc.tokenize, err)
		}
		var got []string
		err = tok.Tokenize([]byte("Café Straße ﬁ"), sqlite.TokenizeDocument, func(token []byte, start, end int, _ bool) error {
			got = append(got, string(token))
			return nil
		})
		tok.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: tokens %q, want %q", tc.tokenize, got, tc.want)
		}
	}
}

func TestUnicodeWordsReportsByteOffsets(t *testing.T) {
	c := openMemory(t)
	tok, err := c.Tokenizer(Simplify, []string{UnicodeWords})
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	text := "Ça va? Très bien, 3.14 😀!"
	var got []string
	err = tok.Tokenize([]byte(text), sqlite.TokenizeDocument, func(token []byte, start, end int, _ bool) error {
		got = append(got, fmt.Sprintf("%s=%s", token, text[start:end]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ca=Ça", "va=va", "tres=Très", "bien=bien", "3.14=3.14", "😀=😀"}
	if !slices.Equal(got, want) {
		t.Errorf("tokens %q, want %q", got, want)
	}
}

func TestUnicodeWordsOptionsDropEmojiAndNumbers(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, `CREATE VIRTUAL TABLE a USING fts5(body, tokenize='unicodewords emoji false');
		CREATE VIRTUAL TABLE b USING fts5(body, tokenize='unicodewords numbers false');
		INSERT INTO a VALUES ('cake 🎂 for 2024');
		INSERT INTO b VALUES ('cake 🎂 for 2024')`)
	for _, tc := range []struct {
		table, query string
		found        bool
	}{{"a", "🎂", false}, {"a", "2024", true}, {"b", "🎂", true}, {"b", "2024", false}, {"b", "cake", true}} {
		if got := len(matchIDs(t, c, tc.table, tc.query)) > 0; got != tc.found {
			t.Errorf("table %s MATCH %q found %v, want %v", tc.table, tc.query, got, tc.found)
		}
	}
}

func TestTokenizerOptionErrorsFailTableCreation(t *testing.T) {
	c := openMemory(t)
	for tokenize, want := range map[string]string{
		"simplify":                             "no tokenizer to wrap",
		"simplify casefold":                    "casefold needs a value",
		"simplify casefold maybe unicodewords": `casefold needs true or false, not "maybe"`,
		"simplify nosuchtokenizer":             "no such tokenizer",
		"unicodewords bogus true":              `unknown option "bogus"`,
		"unicodewords emoji":                   "name value pairs",
	} {
		err := c.Exec(fmt.Sprintf("CREATE VIRTUAL TABLE bad USING fts5(x, tokenize=%s)", quoteString(tokenize)))
		var se *sqlite.Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
			t.Errorf("tokenize=%q: error %v, want an *sqlite.Error mentioning %q", tokenize, err, want)
		}
		if ok, _ := c.TableExists("main", "bad"); ok {
			t.Fatalf("tokenize=%q: table created despite the error", tokenize)
		}
	}
}

func TestRegisterTwiceIsHarmless(t *testing.T) {
	c := openMemory(t) // registers once
	if err := Register(c); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='simplify unicodewords'); INSERT INTO docs VALUES ('Über')`)
	if got := matchIDs(t, c, "docs", "uber"); len(got) != 1 {
		t.Fatalf("MATCH after a second Register: %v", got)
	}
}

func TestRegisterRejectsClosedConnection(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := Register(c); !errors.Is(err, sqlite.ErrClosed) {
		t.Fatalf("Register on a closed connection: %v, want ErrClosed", err)
	}
}

// checkEveryWordFindsItsRow indexes text with the tour's chain and checks
// that each word of it, as written, finds the row.
func checkEveryWordFindsItsRow(t *testing.T, c *sqlite.Conn, text string) {
	mustExec(t, c, "DELETE FROM chain")
	mustExec(t, c, "INSERT INTO chain(rowid, body) VALUES (1, ?)", text)
	WordSegments([]byte(text), func(start, end int, isWord bool) bool {
		word := text[start:end]
		if !isWord || strings.IndexByte(word, 0) >= 0 { // a NUL ends an FTS5 query
			return true
		}
		q := `"` + strings.ReplaceAll(word, `"`, `""`) + `"`
		var toks int
		tok, err := c.Tokenizer(Simplify, []string{UnicodeWords})
		if err != nil {
			t.Fatal(err)
		}
		tok.Tokenize([]byte(word), sqlite.TokenizeQuery, func([]byte, int, int, bool) error { toks++; return nil })
		tok.Close()
		if toks == 0 {
			return true // a word that simplifies to nothing
		}
		if got := matchIDs(t, c, "chain", q); !slices.Equal(got, []int64{1}) {
			t.Fatalf("text %q: word %q finds %v", text, word, got)
		}
		return true
	})
	if err := c.Exec("INSERT INTO chain(chain, rank) VALUES ('integrity-check', 1)"); err != nil {
		t.Fatalf("text %q: %v", text, err)
	}
}

func chainConn(t testing.TB) *sqlite.Conn {
	c := openMemory(t)
	mustExec(t, c, `CREATE VIRTUAL TABLE chain USING fts5(body, tokenize='simplify casefold true strip true unicodewords')`)
	return c
}

var chainSamples = []string{"Crème brûlée", "ﬁnal ＡＢＣ", "Ǆemal Œuvre", "İstanbul ıi", "ΣΊΣΥΦΟΣ", "e\u0301\u0301x", "a\u0301\u200db",
	"日本語 テキスト 한국어", "👩‍👩‍👧 🇫🇷🇩🇪", "3.14 1,000 x_y", "don't ‘quote’", "ᾅ ǰ ŉ", "\u0345", "Ⅻ ①"}

func TestEveryWordFindsItsRow(t *testing.T) {
	c := chainConn(t)
	for _, s := range chainSamples {
		checkEveryWordFindsItsRow(t, c, s)
	}
}

func FuzzTokenizerChain(f *testing.F) {
	for _, s := range chainSamples {
		f.Add(s)
	}
	c := chainConn(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkEveryWordFindsItsRow(t, c, s)
	})
}
