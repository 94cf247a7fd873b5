package fts

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestSearchYieldsMatchInfoBestFirst(t *testing.T) {
	c := openMemory(t)
	tb, err := Create(c, "docs", &Options{Columns: []string{"title", "body", "tags"}, Tokenize: seedChain})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `INSERT INTO docs(rowid, title, body, tags) VALUES
		(1, 'Guava Jelly', 'Boil the guavas with sugar and LEMON juice until set', 'preserves guava'),
		(2, 'Lemon tart', 'A crisp pastry filled with lemon curd, lemon zest and cream', 'baking'),
		(3, 'Toast', 'Bread, toasted', 'breakfast')`)
	var got []Match
	for m, err := range tb.Search("Lemon OR guava") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 2 {
		t.Fatalf("%d matches, want 2", len(got))
	}
	want := map[int64]Match{
		1: {RowID: 1, ColumnSize: []int{2, 10, 2}, PhraseColumns: [][]int{{1}, {0, 2}}},
		2: {RowID: 2, ColumnSize: []int{2, 11, 1}, PhraseColumns: [][]int{{0, 1}, {}}},
	}
	for _, m := range got {
		w := want[m.RowID]
		w.QueryInfo = QueryInfo{Phrases: [][]string{{"lemon"}, {"guava"}}}
		if !reflect.DeepEqual(m, w) {
			t.Errorf("match %v\nwant  %v", m, w)
		}
	}
	// Rank order is FTS5's own.
	var ranked []int64
	for row, err := range c.Query("SELECT rowid FROM docs WHERE docs MATCH 'Lemon OR guava' ORDER BY rank") {
		if err != nil {
			t.Fatal(err)
		}
		ranked = append(ranked, row.ColumnInt64(0))
	}
	if got[0].RowID != ranked[0] || got[1].RowID != ranked[1] {
		t.Errorf("order %d %d, FTS5's rank order %v", got[0].RowID, got[1].RowID, ranked)
	}
}

func TestSearchPhrasesAndPrefixes(t *testing.T) {
	c := openMemory(t)
	tb, err := Create(c, "docs", &Options{Columns: []string{"body"}, Tokenize: seedChain})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `INSERT INTO docs VALUES ('Crème fraîche on toast')`)
	for m, err := range tb.Search(`"CREME fraiche" + on AND toa*`) {
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"creme", "fraiche", "on"}, {"toa"}}
		if !reflect.DeepEqual(m.QueryInfo.Phrases, want) || !reflect.DeepEqual(m.PhraseColumns, [][]int{{0}, {0}}) {
			t.Fatalf("phrases %q columns %v, want %q [[0] [0]]", m.QueryInfo.Phrases, m.PhraseColumns, want)
		}
		return
	}
	t.Fatal("no match")
}

func TestSearchStopsWhenLoopBreaksAndConnectionStaysUsable(t *testing.T) {
	c := openMemory(t)
	tb := recipesTable(t, c, 300, seedChain)
	n := 0
	for _, err := range tb.Search("salt") {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	// The statement was reset: the table can be written (no open read
	// statement keeps a transaction going) and searched again.
	mustExec(t, c, "INSERT INTO recipes(name) VALUES ('Salt Crust Fish')")
	if !c.AutoCommit() {
		t.Fatal("a transaction is still open after breaking out of Search")
	}
	total := 0
	for _, err := range tb.Search("name: salt") {
		if err != nil {
			t.Fatal(err)
		}
		total++
	}
	if total != 1 {
		t.Fatalf("%d matches for name: salt, want 1", total)
	}
}

func TestSearchBadQueryIsAnError(t *testing.T) {
	c := openMemory(t)
	tb, err := Create(c, "docs", &Options{Columns: []string{"body"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"a (b OR c)", "nope: x", `"open`} {
		var got error
		for _, err := range tb.Search(q) {
			got = err
		}
		if !errors.Is(got, sqlite.ErrError) {
			t.Errorf("Search(%q): %v, want an SQLite error", q, got)
		}
	}
}

func TestSearchContentlessTable(t *testing.T) {
	c := openMemory(t)
	tb, err := Create(c, "docs", &Options{Columns: []string{"a", "b"}, Contentless: true, ContentlessDelete: true})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "INSERT INTO docs(rowid, a, b) VALUES (10, 'one two', 'two three four')")
	var ids []int64
	for m, err := range tb.Search("two") {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.RowID)
		if !slices.Equal(m.ColumnSize, []int{2, 3}) || !reflect.DeepEqual(m.PhraseColumns, [][]int{{0, 1}}) {
			t.Fatalf("match %v", m)
		}
	}
	if !slices.Equal(ids, []int64{10}) {
		t.Fatalf("ids %v", ids)
	}
	mustExec(t, c, "DELETE FROM docs WHERE rowid = 10")
	if n, _ := tb.RowCount(); n != 0 {
		t.Fatalf("RowCount after delete = %d", n)
	}
}

func TestDecodeMatchRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {1}, {0, 3, 1}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {1, 1, 200, 'a'}, {0, 0, 0, 7}} {
		if _, err := decodeMatch(b, nil); !errors.Is(err, sqlite.ErrCorrupt) {
			t.Errorf("decodeMatch(%v): %v, want ErrCorrupt", b, err)
		}
	}
	if _, err := decodeMatch([]byte{0, 0, 0}, nil); err != nil {
		t.Errorf("empty match info: %v", err)
	}
}
