package fts

import (
	"errors"
	"fmt"

	"github.com/asqlite/asqlite/sqlite"
)

// QuerySuggest returns a corrected version of query when some of its
// words are not in the table's index and a likely intended query can be
// made from words that are, and false when query needs no correction (or
// none was found). It fixes, in this order of preference:
//
//   - column filters naming no column ("nyme:" → "name:");
//   - words typed apart ("pea nut" → "peanut") and together
//     ("peanutbutter" → "peanut butter");
//   - words differing from an indexed token only by case or accents, when
//     the tokenizer keeps those ("Jalapeno" → "jalapeño");
//   - misspelled words, replaced by the closest indexed token by edit
//     distance (at most 1 for words of up to 4 letters, 2 for longer),
//     preferring the token in most rows.
//
// Words are tokenized with the table's own tokenizer, so "OLIVE" is known
// to a table that folds case; prefix terms ("lem*") are left alone. The
// suggestion is printed in FTS5 syntax, operators and grouping kept:
// "nyme:(minced OR oyl NOT peenut)" becomes
// "name: (minced OR oil NOT peanut)".
//
// The vocabulary comes from an fts5vocab table over the index (created
// once in the temp schema) and is cached by the Table until the database
// changes.
//
// Errors: a *QueryError for a query FTS5 would reject (see parseQuery for
// the exact rules); SQLite's when the vocabulary or the tokenizer cannot
// be read.
//
// https://sqlite.org/fts5.html#the_fts5vocab_virtual_table_module
func (t *Table) QuerySuggest(query string) (string, bool, error) {
	if _, err := parseQuery(query); err != nil {
		return "", false, err
	}
	vocab, err := t.vocabulary()
	if err != nil {
		return "", false, err
	}
	tok, err := t.conn.Tokenizer(t.tokenizerName())
	if err != nil {
		return "", false, err
	}
	defer tok.Close()
	var tokErr error
	s := &suggester{
		vocab:   vocab,
		columns: t.columns,
		tokenize: func(text string) []string {
			var out []string
			err := tok.Tokenize([]byte(text), sqlite.TokenizeQuery, func(token []byte, _, _ int, colocated bool) error {
				if !colocated {
					out = append(out, string(token))
				}
				return nil
			})
			if err != nil && tokErr == nil {
				tokErr = err
			}
			return out
		},
	}
	out, ok, err := s.suggest(query)
	if err == nil {
		err = tokErr
	}
	if err != nil {
		return "", false, err
	}
	return out, ok, nil
}

// tokenizerName returns the table's tokenizer name and arguments for
// sqlite.Conn.Tokenizer.
func (t *Table) tokenizerName() (string, []string) {
	if len(t.tokenize) == 0 {
		return "", nil
	}
	return t.tokenize[0], t.tokenize[1:]
}

// stamp identifies the state of the database as far as this connection
// can tell: data_version changes when another connection commits,
// total_changes when this one changes rows.
func (t *Table) stamp() ([2]int64, error) {
	var v int64
	for row, err := range t.conn.Query("PRAGMA " + quoteIdent(t.schema) + ".data_version") {
		if err != nil {
			return [2]int64{}, err
		}
		v = row.ColumnInt64(0)
	}
	return [2]int64{v, t.conn.TotalChanges()}, nil
}

// vocabulary returns the tokens of the index with the number of rows each
// is in, read again when the database changed since the last time.
func (t *Table) vocabulary() (*vocabulary, error) {
	st, err := t.stamp()
	if err != nil {
		return nil, err
	}
	if t.vocab != nil && st == t.vocabStamp {
		return t.vocab, nil
	}
	vt, err := t.vocabTable()
	if err != nil {
		return nil, err
	}
	docs := map[string]int{}
	for row, err := range t.conn.Query("SELECT term, doc FROM temp." + quoteIdent(vt)) {
		if err != nil {
			return nil, err
		}
		docs[row.ColumnText(0)] = row.ColumnInt(1)
	}
	t.vocab, t.vocabStamp = newVocabulary(docs), st
	return t.vocab, nil
}

// vocabTable creates, once per connection, the fts5vocab table over the
// index in the temp schema, and returns its name. The temp schema is
// private to the connection and never part of the database file, so a
// connection with PRAGMA query_only on (like the readers of asqlite.DB)
// lifts it for that one statement.
func (t *Table) vocabTable() (string, error) {
	// The schema's length makes the name unambiguous: "a_b" in main and
	// "b" in main_a would otherwise share one.
	vt := fmt.Sprintf("asqlite_fts_vocab_%d_%s_%s", len(t.schema), t.schema, t.name)
	for _, err := range t.conn.Query("SELECT 1 FROM temp.sqlite_schema WHERE name = ?", vt) {
		if err != nil {
			return "", err
		}
		return vt, nil
	}
	create := fmt.Sprintf("CREATE VIRTUAL TABLE IF NOT EXISTS temp.%s USING fts5vocab(%s, %s, 'row')",
		quoteIdent(vt), quoteIdent(t.schema), quoteIdent(t.name))
	err := t.conn.Exec(create)
	if !errors.Is(err, sqlite.ErrReadOnly) {
		return vt, err
	}
	if on, qerr := t.conn.ReadPragma("query_only"); qerr != nil || on != "1" {
		return vt, err
	}
	if err := t.conn.Exec("PRAGMA query_only = 0"); err != nil {
		return vt, err
	}
	err = t.conn.Exec(create)
	if rerr := t.conn.Exec("PRAGMA query_only = 1"); err == nil {
		err = rerr
	}
	return vt, err
}
