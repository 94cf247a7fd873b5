package fts

import (
	"encoding/binary"
	"fmt"
	"iter"

	"github.com/asqlite/asqlite/sqlite"
)

// Match is one row found by Table.Search, with what the query matched in
// it.
type Match struct {
	// RowID is the row's rowid (the content table's, for external content).
	RowID int64
	// ColumnSize is the number of tokens in each column of the row.
	ColumnSize []int
	// PhraseColumns lists, for each phrase of the query (numbered as in
	// QueryInfo.Phrases), the columns of the row it occurs in, in
	// increasing order.
	PhraseColumns [][]int
	// QueryInfo describes the query; every Match of one search shares it.
	QueryInfo QueryInfo
}

// QueryInfo describes a full-text query as FTS5 understood it.
type QueryInfo struct {
	// Phrases holds the tokens of each phrase of the query, in the order
	// the phrases appear, as the table's tokenizer made them: the query
	// "Lemon OR guava" on a table folding case has phrases [lemon] and
	// [guava].
	Phrases [][]string
}

// String formats the match on one line, like
// "rowid 42: column sizes [3 24 5], phrase columns [[1] [0 2]], phrases [[lemon] [guava]]".
func (m Match) String() string {
	return fmt.Sprintf("rowid %d: column sizes %v, phrase columns %v, phrases %v", m.RowID, m.ColumnSize, m.PhraseColumns, m.QueryInfo.Phrases)
}

// Search runs the full-text query on the table and yields the matching
// rows best first (by rank: BM25 unless the table was configured
// otherwise), each with its match information, gathered in the same pass
// by an auxiliary function. Stop the loop to stop searching. The query
// uses FTS5's syntax (https://sqlite.org/fts5.html#full_text_query_syntax).
//
// Errors are yielded once, ending the iteration: a bad query is SQLite's
// *sqlite.Error ("fts5: syntax error near ..."); see QuerySuggest for
// fixing queries that find nothing.
//
// https://sqlite.org/fts5.html#custom_auxiliary_functions
func (t *Table) Search(query string) iter.Seq2[Match, error] {
	return func(yield func(Match, error) bool) {
		if err := Register(t.conn); err != nil {
			yield(Match{}, err)
			return
		}
		col := quoteIdent(t.name)
		q := fmt.Sprintf("SELECT rowid, %s(%s) FROM %s WHERE %s MATCH ? ORDER BY rank", matchFunc, col, t.qname(), col)
		var info *QueryInfo
		for row, err := range t.conn.Query(q, query) {
			if err != nil {
				yield(Match{}, err)
				return
			}
			m, err := decodeMatch(row.ColumnRawBytes(1), info)
			if err != nil {
				yield(Match{}, err)
				return
			}
			m.RowID = row.ColumnInt64(0)
			info = &m.QueryInfo
			if !yield(m, nil) {
				return
			}
		}
	}
}

// matchInfo is the auxiliary function Search calls for each row. Its
// result is a blob of varints: the query's phrases (count, then for each
// its token count and tokens as length and bytes), the row's column sizes
// (count, sizes), and the columns holding each phrase (count, then for
// each phrase its column count and columns).
func matchInfo(x *sqlite.FTS5Context, fc *sqlite.FuncContext, _ []sqlite.Value) error {
	buf := make([]byte, 0, 64)
	put := func(v int) { buf = binary.AppendUvarint(buf, uint64(v)) }
	np := x.PhraseCount()
	put(np)
	for p := range np {
		n := x.PhraseSize(p)
		put(n)
		for i := range n {
			tok, err := x.QueryToken(p, i)
			if err != nil {
				return err
			}
			put(len(tok))
			buf = append(buf, tok...)
		}
	}
	nc := x.ColumnCount()
	put(nc)
	for col := range nc {
		size, err := x.ColumnSize(col)
		if err != nil {
			return err
		}
		put(size)
	}
	put(np)
	var cols []int
	for p := range np {
		cols = cols[:0]
		for col, err := range x.PhraseColumns(p) {
			if err != nil {
				return err
			}
			cols = append(cols, col)
		}
		put(len(cols))
		for _, col := range cols {
			put(col)
		}
	}
	fc.ResultBytes(buf)
	return nil
}

// decodeMatch reads what matchInfo wrote. When info is not nil the
// query's phrases are taken from it (they are the same for every row).
func decodeMatch(b []byte, info *QueryInfo) (Match, error) {
	bad := false
	get := func() int {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > uint64(len(b))+1<<20 {
			bad = true
			b = nil
			return 0
		}
		b = b[n:]
		return int(v)
	}
	var m Match
	np := get()
	phrases := make([][]string, 0, min(np, 64))
	for range np {
		n := get()
		var toks []string
		for range n {
			l := get()
			if l > len(b) {
				bad = true
				break
			}
			toks = append(toks, string(b[:l]))
			b = b[l:]
		}
		phrases = append(phrases, toks)
	}
	if info != nil {
		m.QueryInfo = *info
	} else {
		m.QueryInfo.Phrases = phrases
	}
	nc := get()
	m.ColumnSize = make([]int, 0, min(nc, 1024))
	for range nc {
		m.ColumnSize = append(m.ColumnSize, get())
	}
	np = get()
	m.PhraseColumns = make([][]int, 0, min(np, 64))
	for range np {
		n := get()
		cols := make([]int, 0, min(n, 1024))
		for range n {
			cols = append(cols, get())
		}
		m.PhraseColumns = append(m.PhraseColumns, cols)
	}
	if bad || len(b) != 0 {
		return Match{}, sqlite.Errorf(sqlite.ErrCorrupt, "fts: malformed match information")
	}
	return m, nil
}
