// Package fts helps with SQLite's FTS5 full-text search: Go tokenizers,
// a table helper, and spelling correction of queries.
//
// Tokenizers. Register makes two tokenizers available on a connection,
// for use in an FTS5 table's tokenize= option alone or in a chain:
// UnicodeWords splits text into words by the Unicode word boundary rules
// (UAX #29), so that "can't", "3.14", each Chinese or Japanese ideograph
// and each emoji are words; Simplify folds case and strips diacritics and
// compatibility forms from the tokens of the tokenizer it wraps:
//
//	CREATE VIRTUAL TABLE search USING fts5(name, body,
//	    tokenize='simplify casefold true strip true unicodewords')
//
// finds "Café" for "CAFE" and "Straße" for "strasse".
//
// Tables. Create makes an FTS5 table — over an external content table
// with triggers keeping it in step, with a tokenizer chain, prefix
// indexes and a detail level — and Open reads an existing one's
// declaration. A Table searches (Search yields each match best first with
// its column sizes and the columns each phrase occurs in), returns rows by
// rowid, counts rows, and rebuilds, optimizes and checks the index.
//
// Query suggestion. Table.QuerySuggest corrects a query against the
// words the table has indexed: wrong column names, words typed apart or
// together, wrong case or accents, and misspellings (replaced by the
// nearest indexed word, preferring frequent ones), keeping the query's
// structure: "nyme:(minced OR oyl NOT peenut)" becomes
// "name: (minced OR oil NOT peanut)". Its parser follows FTS5's query
// grammar exactly (see the tests comparing it with FTS5).
//
// Concurrency. Everything here works on a *sqlite.Conn and follows its
// rule: one goroutine at a time. With asqlite.Conn or asqlite.DB, use a
// Table inside Run, Read or Write, on the connection it was opened on.
//
// https://sqlite.org/fts5.html
package fts
