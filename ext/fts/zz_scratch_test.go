package fts

import (
	"testing"
	"time"

	"github.com/asqlite/asqlite/ext/fts/ftstest"
	"github.com/asqlite/asqlite/sqlite"
)

func TestZZScratch(t *testing.T) {
	c, _ := sqlite.Open(":memory:", 0)
	defer c.Close()
	start := time.Now()
	if err := ftstest.CreateRecipes(c, "recipes", 1, 3000); err != nil {
		t.Fatal(err)
	}
	t.Log("corpus", time.Since(start))
	start = time.Now()
	tb, err := Create(c, "search", &Options{Content: "recipes", Triggers: true, Tokenize: []string{"simplify", "casefold", "true", "strip", "true", "strip", "true", "unicodewords"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("index", time.Since(start))
	for row := range c.Query("SELECT sql FROM sqlite_schema") {
		t.Log(row.ColumnText(0))
	}
	t.Log(tb.RowCount())
	n := 0
	for m, err := range tb.Search("lemon OR guava") {
		if err != nil {
			t.Fatal(err)
		}
		t.Log(m)
		v, err := tb.RowByID(m.RowID, "name")
		t.Log(v, err)
		if n++; n > 3 {
			break
		}
	}
	for _, q := range []string{"nyme:(minced OR oyl NOT peenut)", "peanutbuter", "chiken curry", "jalapeno", "JALAPEÑO", "creme fraiche", "olive oyl", "pea nut", "lemmon", "gauva jely", "Quebec"} {
		s, ok, err := tb.QuerySuggest(q)
		t.Logf("%q => %q %v %v", q, s, ok, err)
	}
	for r := range c.Query("SELECT * FROM recipes LIMIT 5") {
		t.Log(r.ColumnText(1), "|", r.ColumnText(2), "|", r.ColumnText(3))
	}
}
