package tour

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/ext/fts"
	"github.com/asqlite/asqlite/ext/fts/ftstest"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "fts", Title: "Full text search", Order: 110, Run: fullTextSearch})
}

// fullTextSearch indexes a generated recipe collection with FTS5 and
// searches it. An fts.Table reads and writes the database in almost every
// method, so all the work runs on the Conn's worker with Run; the Table
// belongs to the worker's connection and is only used inside Run.
func fullTextSearch(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, filepath.Join(t.Dir(), "recipes.db"), nil)
	if err != nil {
		return err
	}
	defer conn.Close()

	// The recipes: 3000 made up by a seeded generator, the same every run.
	if err := conn.Run(ctx, func(sc *sqlite.Conn) error {
		return ftstest.CreateRecipes(sc, "recipes", 1, 3000)
	}); err != nil {
		return err
	}

	// Index them, unless an earlier run did: an external content table
	// over recipes, triggers keeping it in step, and a tokenizer chain
	// that folds case and strips accents from Unicode words.
	var search *fts.Table
	if err := conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
		exists, err := sc.TableExists("main", "search")
		if err != nil {
			return err
		}
		if exists {
			search, err = fts.Open(sc, "search")
			return err
		}
		search, err = fts.Create(sc, "search", &fts.Options{
			Content:  "recipes",
			Triggers: true,
			Tokenize: []string{"simplify", "casefold", "true", "strip", "true", "strip", "true", "unicodewords"},
		})
		return err
	}); err != nil {
		return err
	}
	t.Printf("columns = %v, tokenize = %q\n", search.Columns(), strings.Join(search.Tokenize(), " "))

	var rowCount int64
	if err := conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
		rowCount, err = search.RowCount()
		return err
	}); err != nil {
		return err
	}
	t.Printf("row_count = %d\n", rowCount)

	// Searching happens on the worker too: collect the first matches there.
	searchProcessing := func(query string, limit int) ([]fts.Match, error) {
		var matches []fts.Match
		err := conn.Run(ctx, func(sc *sqlite.Conn) error {
			for m, err := range search.Search(query) {
				if err != nil {
					return err
				}
				matches = append(matches, m)
				if len(matches) >= limit {
					break
				}
			}
			return nil
		})
		return matches, err
	}
	matches, err := searchProcessing("lemon OR guava", 10)
	if err != nil {
		return err
	}
	match := matches[0]
	t.Printf("Match{QueryInfo: {Phrases: %q},\n      RowID: %d,\n      ColumnSize: %v,\n      PhraseColumns: %v}\n",
		match.QueryInfo.Phrases, match.RowID, match.ColumnSize, match.PhraseColumns)

	var name []any
	if err := conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
		name, err = search.RowByID(match.RowID, "name")
		return err
	}); err != nil {
		return err
	}
	t.Printf("First match name is %v\n", name[0])

	// Query suggestion: the column name and three words are misspelled.
	query := "nyme:(minced OR oyl NOT peenut)"
	var suggestion string
	if err := conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
		suggestion, _, err = search.QuerySuggest(query)
		return err
	}); err != nil {
		return err
	}
	t.Printf("%s => %s\n", query, suggestion)

	// The triggers keep the index in step with the recipes table, whoever
	// writes it: here an ordinary Exec through the Conn.
	if _, err := conn.Exec(ctx, `INSERT INTO recipes(name, ingredients, description)
		VALUES ('Tamarind Guava Chutney', '200 g tamarind; 4 guavas; 1 cup sugar', 'Sweet and sour.')`); err != nil {
		return err
	}
	query = "tamarnid"
	if err := conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
		if rowCount, err = search.RowCount(); err != nil {
			return err
		}
		suggestion, _, err = search.QuerySuggest(query)
		return err
	}); err != nil {
		return err
	}
	t.Printf("after one more recipe: row_count = %d, %s => %s\n", rowCount, query, suggestion)
	return nil
}
