package fts

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

// corpusFixes are misspelled queries and what QuerySuggest must make of
// them on the recipe corpus (3000 rows, seed 1) indexed with the tour's
// tokenizer chain.
var corpusFixes = map[string]string{
	// The tour's query: a column name and three words wrong.
	"nyme:(minced OR oyl NOT peenut)": "name: (minced OR oil NOT peanut)",
	// Misspelled words, operators and structure kept.
	"chiken curry":          "chicken curry",
	"lemmon OR gauva":       "lemon OR guava",
	"gauva jely":            "guava jelly",
	"cinammon":              "cinnamon",
	"tumeric":               "turmeric",
	"worchestershire":       "worcestershire",
	"parmesean":             "parmesan",
	"zuchini AND eggplnt":   "zucchini AND eggplant",
	"pumkin pie":            "pumpkin pie",
	"sesame NOT tahni":      "sesame NOT tahini",
	"NEAR(garlc ginger, 5)": "NEAR(garlic ginger, 5)",
	`"olive oyl" + garlic`:  `"olive oil" + garlic`,
	"ingredients: ^Galric":  "ingredients: ^garlic",
	// Wrong column names.
	"ingredient: garlik":        "ingredients: garlic",
	"descripton: smoky":         "description: smoky",
	"{nam ingredients}: salmom": "{name ingredients}: salmon",
	"-nme: lemon":               "-name: lemon",
	// Words typed apart, and together.
	"pea nut":                       "peanut",
	"Crispy pea nut butter cookies": "Crispy peanut butter cookies",
	"blue berries":                  "blueberries",
	"peanutbutter":                  `"peanut butter"`,
	"oliveoil":                      `"olive oil"`,
	"peanutbuter":                   `"peanut butter"`,
	// Case and accents, with misspellings (the tokenizer folds them
	// itself, so only the misspelling needs fixing).
	"CHOCLATE Cake": "chocolate Cake",
	"Jalapeñno":     "jalapeno",
}

// corpusGood are queries QuerySuggest must leave alone.
var corpusGood = []string{
	"lemon OR guava", "name: (minced OR oil NOT peanut)", "Crème Fraîche", "JALAPEÑO", "jalapeno", "lem*",
	"NEAR(garlic ginger)", "{name description}: ^classic", "Zürich", "味噌汁", "🔥", "xyzzyq",
}

func TestQuerySuggestFixesMisspelledQueriesOnRecipes(t *testing.T) {
	c := openMemory(t)
	tb := recipesTable(t, c, 3000, seedChain)
	for query, want := range corpusFixes {
		got, ok, err := tb.QuerySuggest(query)
		if err != nil || !ok || got != want {
			t.Errorf("QuerySuggest(%q) = %q, %v, %v; want %q", query, got, ok, err, want)
			continue
		}
		// A suggestion is a query FTS5 accepts, made of known words only.
		for _, err := range tb.Search(got) {
			if err != nil {
				t.Fatalf("Search(%q): %v", got, err)
			}
			break
		}
		if again, ok, err := tb.QuerySuggest(got); ok || err != nil {
			t.Errorf("suggestion %q (for %q) is not final: %q, %v", got, query, again, err)
		}
	}
	for _, query := range corpusGood {
		if got, ok, err := tb.QuerySuggest(query); ok || err != nil {
			t.Errorf("QuerySuggest(%q) = %q, %v, %v; want it left alone", query, got, ok, err)
		}
	}
}

func TestQuerySuggestFixesCaseAndAccentsWhenTokenizerKeepsThem(t *testing.T) {
	c := openMemory(t)
	tb := recipesTable(t, c, 1000, []string{"unicodewords"})
	for query, want := range map[string]string{
		"Jalapeno":             "jalapeño",
		"CREME fraiche":        "crème fraîche",
		"Turmeric OR CINNAMON": "turmeric OR cinnamon", // lower case everywhere in the corpus
		"name: (Classic Soup)": "name: (Classic Soup)", // names are capitalised in the corpus
		"Zurich":               "Zürich",
	} {
		got, ok, err := tb.QuerySuggest(query)
		if query == want {
			if ok || err != nil {
				t.Errorf("QuerySuggest(%q) = %q, %v, %v; want it left alone", query, got, ok, err)
			}
			continue
		}
		if err != nil || !ok || got != want {
			t.Errorf("QuerySuggest(%q) = %q, %v, %v; want %q", query, got, ok, err, want)
		}
	}
}

func TestQuerySuggestRejectsBadQueries(t *testing.T) {
	c := openMemory(t)
	tb := recipesTable(t, c, 10, seedChain)
	for _, q := range []string{"", "a (b OR c)", `"open`} {
		var qe *QueryError
		if _, _, err := tb.QuerySuggest(q); !errors.As(err, &qe) {
			t.Errorf("QuerySuggest(%q): %v, want a *QueryError", q, err)
		}
	}
}

func TestQuerySuggestSeesNewWordsFromThisConnection(t *testing.T) {
	c := openMemory(t)
	tb := recipesTable(t, c, 200, seedChain)
	if got, ok, _ := tb.QuerySuggest("tamarnid"); ok {
		t.Fatalf("suggestion %q before the word exists", got)
	}
	mustExec(t, c, "INSERT INTO recipes(name, ingredients) VALUES ('Tamarind Chutney', '1 cup tamarind')")
	if got, ok, err := tb.QuerySuggest("tamarnid"); err != nil || got != "tamarind" {
		t.Fatalf("after insert: %q, %v, %v; want tamarind", got, ok, err)
	}
	mustExec(t, c, "DELETE FROM recipes WHERE name = 'Tamarind Chutney'")
	if got, ok, _ := tb.QuerySuggest("tamarnid"); ok {
		t.Fatalf("suggestion %q after the word was deleted", got)
	}
}

func TestQuerySuggestSeesNewWordsFromOtherConnections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recipes.db")
	open := func() *sqlite.Conn {
		c, err := sqlite.Open(path, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a, b := open(), open()
	tbA := recipesTable(t, a, 200, seedChain)
	if got, ok, _ := tbA.QuerySuggest("tamarnid"); ok {
		t.Fatalf("suggestion %q before the word exists", got)
	}
	if err := Register(b); err != nil {
		t.Fatal(err)
	}
	mustExec(t, b, "INSERT INTO recipes(name) VALUES ('Tamarind Chutney')")
	if got, _, err := tbA.QuerySuggest("tamarnid"); err != nil || got != "tamarind" {
		t.Fatalf("after another connection's insert: %q, %v; want tamarind", got, err)
	}
}

func TestVocabularyIsCachedUntilTheDatabaseChanges(t *testing.T) {
	c := openMemory(t)
	tb := recipesTable(t, c, 100, seedChain)
	if _, _, err := tb.QuerySuggest("lemmon"); err != nil {
		t.Fatal(err)
	}
	v1 := tb.vocab
	if _, _, err := tb.QuerySuggest("gauva"); err != nil {
		t.Fatal(err)
	}
	if tb.vocab != v1 {
		t.Fatal("vocabulary read again although nothing changed")
	}
	mustExec(t, c, "UPDATE recipes SET name = 'x' WHERE id = 1")
	if _, _, err := tb.QuerySuggest("gauva"); err != nil {
		t.Fatal(err)
	}
	if tb.vocab == v1 {
		t.Fatal("vocabulary not read again after a change")
	}
}

func TestQuerySuggestWorksOnReadOnlyConnections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recipes.db")
	w, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	recipesTable(t, w, 100, seedChain)
	ro, err := sqlite.Open("file:"+path+"?mode=ro", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	qo, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer qo.Close()
	mustExec(t, qo, "PRAGMA query_only = 1")
	for name, c := range map[string]*sqlite.Conn{"mode=ro": ro, "query_only": qo} {
		tb, err := Open(c, "search")
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := tb.QuerySuggest("lemmon"); err != nil || got != "lemon" {
			t.Errorf("%s: QuerySuggest = %q, %v", name, got, err)
		}
	}
	if on, _ := qo.ReadPragma("query_only"); on != "1" {
		t.Fatalf("query_only left at %s", on)
	}
	if err := qo.Exec("INSERT INTO recipes(name) VALUES ('x')"); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Fatalf("query_only connection wrote: %v", err)
	}
}

// FuzzQuerySuggest checks that a suggestion is always a query FTS5
// accepts (apart from column names nothing resembles) and is final.
func FuzzQuerySuggest(f *testing.F) {
	for q := range corpusFixes {
		f.Add(q)
	}
	for _, q := range corpusGood {
		f.Add(q)
	}
	c := openMemory(f)
	tb := recipesTable(f, c, 200, seedChain)
	f.Fuzz(func(t *testing.T, q string) {
		got, ok, err := tb.QuerySuggest(q)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("QuerySuggest(%q): %v", q, err)
			}
			return
		}
		if !ok {
			return
		}
		for _, err := range tb.Search(got) {
			if err != nil && !strings.Contains(err.Error(), "no such column") {
				t.Fatalf("suggestion %q for %q: %v", got, q, err)
			}
			break
		}
		if again, ok, err := tb.QuerySuggest(got); ok || err != nil {
			t.Fatalf("suggestion %q for %q is not final: %q, %v", got, q, again, err)
		}
	})
}
