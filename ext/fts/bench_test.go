package fts

import (
	"testing"

	"github.com/asqlite/asqlite/ext/fts/ftstest"
)

// BenchmarkRebuild measures indexing the recipe corpus (3000 rows) with
// FTS5's unicode61 and with the Go chain simplify+unicodewords, as bytes
// of text indexed per second.
func BenchmarkRebuild(b *testing.B) {
	size := 0
	for _, r := range ftstest.Recipes(1, 3000) {
		size += len(r.Name) + len(r.Ingredients) + len(r.Description)
	}
	for _, bc := range []struct {
		name string
		tok  []string
	}{{"unicode61", nil}, {"unicodewords", []string{"unicodewords"}}, {"simplify+unicodewords", seedChain}} {
		b.Run(bc.name, func(b *testing.B) {
			c := openMemory(b)
			tb := recipesTable(b, c, 3000, bc.tok)
			b.SetBytes(int64(size))
			for b.Loop() {
				if err := tb.Rebuild(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearch measures the first 10 matches of the tour's query, with
// their match information, against the same query in plain SQL returning
// rowids only.
func BenchmarkSearch(b *testing.B) {
	c := openMemory(b)
	tb := recipesTable(b, c, 3000, seedChain)
	b.Run("Search", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for _, err := range tb.Search("lemon OR guava") {
				if err != nil {
					b.Fatal(err)
				}
				if n++; n == 10 {
					break
				}
			}
		}
	})
	b.Run("SQL", func(b *testing.B) {
		for b.Loop() {
			for _, err := range c.Query("SELECT rowid FROM search WHERE search MATCH ? ORDER BY rank LIMIT 10", "lemon OR guava") {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkQuerySuggest measures a suggestion with the vocabulary cached
// (the usual case) and with it read again each time (after a change).
func BenchmarkQuerySuggest(b *testing.B) {
	c := openMemory(b)
	tb := recipesTable(b, c, 3000, seedChain)
	const q = "nyme:(minced OR oyl NOT peenut)"
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := tb.QuerySuggest(q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reload", func(b *testing.B) {
		for b.Loop() {
			tb.vocab = nil
			if _, _, err := tb.QuerySuggest(q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
