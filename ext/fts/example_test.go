package fts_test

import (
	"fmt"
	"log"

	"github.com/asqlite/asqlite/ext/fts"
	"github.com/asqlite/asqlite/ext/fts/ftstest"
	"github.com/asqlite/asqlite/sqlite"
)

// The package's tokenizers chain like FTS5's own: simplify folds case and
// strips accents from the words unicodewords finds.
func ExampleRegister() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := fts.Register(c); err != nil {
		log.Fatal(err)
	}
	err = c.Exec(`CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='simplify casefold true strip true unicodewords');
		INSERT INTO docs VALUES ('Café de Flore'), ('Die Straße'), ('東京の天気 ☀️');`)
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range []string{"CAFE", "strasse", "京", "☀️"} {
		for row, err := range c.Query("SELECT body FROM docs WHERE docs MATCH ?", q) {
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("%s: %s\n", q, row.ColumnText(0))
		}
	}
	// Output:
	// CAFE: Café de Flore
	// strasse: Die Straße
	// 京: 東京の天気 ☀️
	// ☀️: 東京の天気 ☀️
}

// Create indexes a content table and, with Triggers, keeps the index in
// step with it.
func ExampleCreate() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	err = c.Exec(`CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT);
		INSERT INTO notes VALUES (1, 'Groceries', 'Lemons, guavas, rice');`)
	if err != nil {
		log.Fatal(err)
	}
	t, err := fts.Create(c, "notes_fts", &fts.Options{
		Content:  "notes", // columns: title and body (id is the rowid)
		Triggers: true,
		Tokenize: []string{"simplify", "unicodewords"},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Exec(`INSERT INTO notes VALUES (2, 'Recipe', 'Guava jelly: guavas, sugar, lemon')`); err != nil {
		log.Fatal(err)
	}
	n, err := t.RowCount()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("columns", t.Columns(), "rows", n)
	for m, err := range t.Search("guavas") {
		if err != nil {
			log.Fatal(err)
		}
		title, err := t.RowByID(m.RowID, "title")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.RowID, title[0])
	}
	// Output:
	// columns [title body] rows 2
	// 1 Groceries
	// 2 Recipe
}

// Search yields each matching row with what matched where.
func ExampleTable_Search() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	t, err := fts.Create(c, "docs", &fts.Options{Columns: []string{"name", "ingredients"}, Tokenize: []string{"simplify", "unicodewords"}})
	if err != nil {
		log.Fatal(err)
	}
	err = c.Exec(`INSERT INTO docs VALUES ('Guava Jelly', '2 lb guava, 1 LEMON, sugar'), ('Lemonade', 'lemon, water, sugar')`)
	if err != nil {
		log.Fatal(err)
	}
	for m, err := range t.Search("lemon OR guava") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m)
	}
	// Output:
	// rowid 1: column sizes [2 6], phrase columns [[1] [0 1]], phrases [[lemon] [guava]]
	// rowid 2: column sizes [1 3], phrase columns [[1] []], phrases [[lemon] [guava]]
}

// QuerySuggest corrects column names and words against what the table has
// indexed.
func ExampleTable_QuerySuggest() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := ftstest.CreateRecipes(c, "recipes", 1, 2000); err != nil {
		log.Fatal(err)
	}
	t, err := fts.Create(c, "search", &fts.Options{Content: "recipes", Triggers: true,
		Tokenize: []string{"simplify", "casefold", "true", "strip", "true", "unicodewords"}})
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range []string{"nyme:(minced OR oyl NOT peenut)", "chiken curry", "peanutbutter", "lemon OR guava"} {
		s, ok, err := t.QuerySuggest(q)
		if err != nil {
			log.Fatal(err)
		}
		if !ok {
			s = "(no change)"
		}
		fmt.Printf("%s => %s\n", q, s)
	}
	// Output:
	// nyme:(minced OR oyl NOT peenut) => name: (minced OR oil NOT peanut)
	// chiken curry => chicken curry
	// peanutbutter => "peanut butter"
	// lemon OR guava => (no change)
}

func ExampleWordSegments() {
	text := []byte("Don't stop: 3.5 km in Zürich 🚲!")
	fts.WordSegments(text, func(start, end int, isWord bool) bool {
		if isWord {
			fmt.Printf("[%s]", text[start:end])
		}
		return true
	})
	fmt.Println()
	// Output:
	// [Don't][stop][3.5][km][in][Zürich][🚲]
}
