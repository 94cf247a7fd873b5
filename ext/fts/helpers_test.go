package fts

import (
	"testing"

	"github.com/asqlite/asqlite/ext/fts/ftstest"
	"github.com/asqlite/asqlite/sqlite"
)

// seedChain is the tokenizer chain of the tour: fold case, strip accents,
// split by Unicode word rules.
var seedChain = []string{"simplify", "casefold", "true", "strip", "true", "unicodewords"}

func openMemory(t testing.TB) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := Register(c); err != nil {
		t.Fatal(err)
	}
	return c
}

func mustExec(t testing.TB, c *sqlite.Conn, sql string, args ...any) {
	t.Helper()
	if err := c.Exec(sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// matchIDs runs a MATCH query and returns the rowids found, in rowid order.
func matchIDs(t testing.TB, c *sqlite.Conn, table, query string) []int64 {
	t.Helper()
	var ids []int64
	for row, err := range c.Query("SELECT rowid FROM "+quoteIdent(table)+" WHERE "+quoteIdent(table)+" MATCH ? ORDER BY rowid", query) {
		if err != nil {
			t.Fatalf("MATCH %q: %v", query, err)
		}
		ids = append(ids, row.ColumnInt64(0))
	}
	return ids
}

// recipesTable creates the recipe corpus (n rows) and an FTS5 table
// "search" over it with tokenizer chain tok and triggers.
func recipesTable(t testing.TB, c *sqlite.Conn, n int, tok []string) *Table {
	t.Helper()
	if err := ftstest.CreateRecipes(c, "recipes", 1, n); err != nil {
		t.Fatal(err)
	}
	tb, err := Create(c, "search", &Options{Content: "recipes", Triggers: true, Tokenize: tok})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}
