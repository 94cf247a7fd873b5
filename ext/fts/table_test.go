package fts

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestCreateFromContentTableIndexesExistingRows(t *testing.T) {
	c := openMemory(t)
	tb := recipesTable(t, c, 500, seedChain)
	if got := tb.Columns(); !slices.Equal(got, []string{"name", "ingredients", "description"}) {
		t.Fatalf("columns %q: the content table's, without its INTEGER PRIMARY KEY", got)
	}
	n, err := tb.RowCount()
	if err != nil || n != 500 {
		t.Fatalf("RowCount = %d, %v; want 500", n, err)
	}
	if err := tb.IntegrityCheck(); err != nil {
		t.Fatalf("index out of step with its content: %v", err)
	}
}

func TestTriggersKeepIndexInStepWithContentTable(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, "CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT, secret TEXT)")
	tb, err := Create(c, "notes_fts", &Options{Content: "notes", Columns: []string{"title", "body"}, Triggers: true, Tokenize: seedChain})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "INSERT INTO notes VALUES (1, 'Shopping', 'buy Guavas', 'x'), (2, 'Work', 'finish report', 'y')")
	if got := matchIDs(t, c, "notes_fts", "guavas"); !slices.Equal(got, []int64{1}) {
		t.Fatalf("after INSERT: %v", got)
	}
	mustExec(t, c, "UPDATE notes SET body = 'buy lemons' WHERE id = 1")
	if got := matchIDs(t, c, "notes_fts", "guavas"); len(got) != 0 {
		t.Fatalf("after UPDATE the old text still matches: %v", got)
	}
	if got := matchIDs(t, c, "notes_fts", "lemons"); !slices.Equal(got, []int64{1}) {
		t.Fatalf("after UPDATE: %v", got)
	}
	mustExec(t, c, "UPDATE notes SET secret = 'z'") // a column not indexed
	mustExec(t, c, "DELETE FROM notes WHERE id = 2")
	if got := matchIDs(t, c, "notes_fts", "report"); len(got) != 0 {
		t.Fatalf("after DELETE: %v", got)
	}
	if err := tb.IntegrityCheck(); err != nil {
		t.Fatalf("index out of step: %v", err)
	}
	if n, _ := tb.RowCount(); n != 1 {
		t.Fatalf("RowCount = %d, want 1", n)
	}
}

func TestTriggersFollowContentRowIDColumn(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, "CREATE TABLE docs(doc_id INTEGER NOT NULL UNIQUE, body TEXT)")
	tb, err := Create(c, "docs_fts", &Options{Content: "docs", ContentRowID: "doc_id", Triggers: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := tb.Columns(); !slices.Equal(got, []string{"body"}) {
		t.Fatalf("columns %q, want [body]", got)
	}
	mustExec(t, c, "INSERT INTO docs VALUES (77, 'hello there')")
	if got := matchIDs(t, c, "docs_fts", "hello"); !slices.Equal(got, []int64{77}) {
		t.Fatalf("rowid is not the content_rowid column: %v", got)
	}
	if v, err := tb.RowByID(77, "body"); err != nil || v[0] != "hello there" {
		t.Fatalf("RowByID = %v, %v", v, err)
	}
}

func TestWithoutTriggersIndexGoesStaleUntilRebuild(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, "CREATE TABLE docs(body TEXT); INSERT INTO docs VALUES ('alpha')")
	tb, err := Create(c, "docs_fts", &Options{Content: "docs"})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "INSERT INTO docs VALUES ('beta')")
	if got := matchIDs(t, c, "docs_fts", "beta"); len(got) != 0 {
		t.Fatalf("indexed without triggers: %v", got)
	}
	err = tb.IntegrityCheck()
	if !errors.Is(err, sqlite.ErrCorrupt) {
		t.Fatalf("IntegrityCheck of a stale index: %v, want ErrCorrupt", err)
	}
	if err := tb.Rebuild(); err != nil {
		t.Fatal(err)
	}
	if got := matchIDs(t, c, "docs_fts", "beta"); !slices.Equal(got, []int64{2}) {
		t.Fatalf("after Rebuild: %v", got)
	}
	if err := tb.IntegrityCheck(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenReadsTheDeclaration(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, `CREATE TABLE "doc store"(doc_id INTEGER PRIMARY KEY, title, [body text])`)
	mustExec(t, c, `CREATE VIRTUAL TABLE "my tab" USING fts5(
		title, -- a comment, with a comma
		[body text] UNINDEXED,
		content="doc store", content_rowid='doc_id',
		tokenize = "simplify casefold 1 'unicodewords' emoji 0",
		prefix='2 3', detail=column)`)
	tb, err := Open(c, "MY TAB")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Name() != "my tab" || tb.Schema() != "main" {
		t.Errorf("name %q schema %q: want the name as declared", tb.Name(), tb.Schema())
	}
	if got := tb.Columns(); !slices.Equal(got, []string{"title", "body text"}) {
		t.Errorf("columns %q", got)
	}
	if tb.Content() != "doc store" || tb.contentRowID != "doc_id" || tb.Contentless() {
		t.Errorf("content %q rowid %q contentless %v", tb.Content(), tb.contentRowID, tb.Contentless())
	}
	if got := tb.Tokenize(); !slices.Equal(got, []string{"simplify", "casefold", "1", "unicodewords", "emoji", "0"}) {
		t.Errorf("tokenize %q", got)
	}
	if tb.detail != "column" || !tb.unindexed[1] || tb.unindexed[0] {
		t.Errorf("detail %q unindexed %v", tb.detail, tb.unindexed)
	}
}

func TestCreateWritesWhatOpenReads(t *testing.T) {
	c := openMemory(t)
	opts := &Options{
		Columns:   []string{"a b", `quo"te`, "plain"},
		Unindexed: []string{"plain"},
		Tokenize:  []string{"simplify", "strip", "false", "unicode61", "tokenchars", "-'"},
		Prefix:    []int{2, 4},
		Detail:    "full",
	}
	if _, err := Create(c, "odd", opts); err != nil {
		t.Fatal(err)
	}
	tb, err := Open(c, "odd")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tb.Columns(), opts.Columns) || !slices.Equal(tb.Tokenize(), opts.Tokenize) || !tb.unindexed[2] {
		t.Fatalf("read back columns %q tokenize %q unindexed %v", tb.Columns(), tb.Tokenize(), tb.unindexed)
	}
	mustExec(t, c, `INSERT INTO odd VALUES ('rock-n-roll don''t', 'x', 'y')`)
	if got := matchIDs(t, c, "odd", `"rock-n-roll" AND "don't" AND ro*`); len(got) != 1 {
		t.Fatalf("tokenchars or prefix not applied: %v", got)
	}
}

func TestOpenRejectsWhatIsNotAnFTS5Table(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, "CREATE TABLE plain(x); CREATE VIRTUAL TABLE v USING fts5vocab(plain, row)")
	for _, name := range []string{"nope", "plain", "v"} {
		_, err := Open(c, name)
		var se *sqlite.Error
		if !errors.As(err, &se) {
			t.Errorf("Open(%q): %v, want an *sqlite.Error", name, err)
		}
	}
}

func TestCreateRejectsContradictoryOptions(t *testing.T) {
	c := openMemory(t)
	for _, o := range []*Options{
		{},
		{Columns: []string{"a"}, Content: "x", Contentless: true},
		{Columns: []string{"a"}, Triggers: true},
		{Columns: []string{"a"}, ContentlessDelete: true},
		{Columns: []string{"a"}, Detail: "most"},
		{Columns: []string{"a"}, Prefix: []int{0}},
		{Columns: []string{"a"}, Unindexed: []string{"b"}},
	} {
		if _, err := Create(c, "t", o); !errors.Is(err, sqlite.ErrMisuse) {
			t.Errorf("Create(%+v): %v, want ErrMisuse", o, err)
		}
	}
}

func TestCreateFailureLeavesNothingBehind(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, "CREATE TABLE docs(body); INSERT INTO docs VALUES ('x')")
	_, err := Create(c, "docs_fts", &Options{Content: "docs", Triggers: true, Tokenize: []string{"nosuchtokenizer"}})
	if err == nil {
		t.Fatal("Create with an unknown tokenizer succeeded")
	}
	var n int
	for row, err := range c.Query("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'docs_fts%'") {
		if err != nil {
			t.Fatal(err)
		}
		n = row.ColumnInt(0)
	}
	if n != 0 {
		t.Fatalf("%d schema objects left behind", n)
	}
	if _, err := Create(c, "docs", &Options{Columns: []string{"x"}}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Create over an existing table: %v", err)
	}
}

func TestRowByID(t *testing.T) {
	c := openMemory(t)
	tb, err := Create(c, "docs", &Options{Columns: []string{"title", "body"}})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "INSERT INTO docs(rowid, title, body) VALUES (5, 'Hi', NULL)")
	got, err := tb.RowByID(5)
	if err != nil || !slices.Equal(got, []any{"Hi", nil}) {
		t.Fatalf("RowByID(5) = %v, %v", got, err)
	}
	if got, err := tb.RowByID(5, "BODY", "title"); err != nil || !slices.Equal(got, []any{nil, "Hi"}) {
		t.Fatalf("RowByID(5, BODY, title) = %v, %v", got, err)
	}
	if _, err := tb.RowByID(6); !errors.Is(err, sqlite.ErrNoRows) {
		t.Fatalf("missing row: %v, want sqlite.ErrNoRows", err)
	}
	if _, err := tb.RowByID(5, "nope"); !errors.Is(err, sqlite.ErrError) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown column: %v", err)
	}
	cl, err := Create(c, "bare", &Options{Columns: []string{"x"}, Contentless: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.RowByID(1); !errors.Is(err, sqlite.ErrError) {
		t.Fatalf("contentless RowByID: %v", err)
	}
}

func TestRowCountOptimizeAndEmptyTable(t *testing.T) {
	c := openMemory(t)
	tb, err := Create(c, "docs", &Options{Columns: []string{"body"}, Prefix: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := tb.RowCount(); err != nil || n != 0 {
		t.Fatalf("empty RowCount = %d, %v", n, err)
	}
	for i := range 300 {
		mustExec(t, c, "INSERT INTO docs VALUES (?)", strings.Repeat("word ", i%7+1)+"extra")
	}
	mustExec(t, c, "DELETE FROM docs WHERE rowid % 3 = 0")
	if n, err := tb.RowCount(); err != nil || n != 200 {
		t.Fatalf("RowCount = %d, %v; want 200", n, err)
	}
	if err := tb.Optimize(); err != nil {
		t.Fatal(err)
	}
	if got := matchIDs(t, c, "docs", "ex*"); len(got) != 200 {
		t.Fatalf("after Optimize: %d rows", len(got))
	}
	if err := tb.IntegrityCheck(); err != nil {
		t.Fatal(err)
	}
}

func TestDeclarationParsing(t *testing.T) {
	d, err := parseDecl(`CREATE VIRTUAL TABLE x USING fts5(a, "b""c" UNINDEXED, [d], ` + "`e`" + `, tokenize='porter ''unicode61'' remove_diacritics 2', prefix=2, prefix = 3)`)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.columns, []string{"a", `b"c`, "d", "e"}) || !slices.Equal(d.unindexed, []bool{false, true, false, false}) {
		t.Fatalf("columns %q %v", d.columns, d.unindexed)
	}
	tok, _ := words(d.option("tokenize"))
	if !slices.Equal(tok, []string{"porter", "unicode61", "remove_diacritics", "2"}) {
		t.Fatalf("tokenize %q", tok)
	}
	if !slices.Equal(d.options["prefix"], []string{"2", "3"}) {
		t.Fatalf("prefix %q", d.options["prefix"])
	}
	for _, bad := range []string{"CREATE TABLE x(a)", "CREATE VIRTUAL TABLE x USING rtree(a, b, c)", "CREATE VIRTUAL TABLE x USING fts5(a b c)",
		"CREATE VIRTUAL TABLE x USING fts5('a' = 1)", "CREATE VIRTUAL TABLE x USING fts5(a", "CREATE VIRTUAL TABLE x USING fts5()"} {
		if _, err := parseDecl(bad); err == nil {
			t.Errorf("parseDecl(%q) accepted", bad)
		}
	}
}

func TestTablesInAttachedDatabase(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, "ATTACH ':memory:' AS other; CREATE TABLE other.notes(body TEXT); CREATE TABLE main.notes(body TEXT)")
	tb, err := Create(c, "notes_fts", &Options{Schema: "other", Content: "notes", Triggers: true, Tokenize: seedChain})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "INSERT INTO other.notes VALUES ('Guavas are ripe'); INSERT INTO main.notes VALUES ('lemons')")
	var ids []int64
	for m, err := range tb.Search("guavas") {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.RowID)
	}
	if !slices.Equal(ids, []int64{1}) {
		t.Fatalf("Search in other: %v", ids)
	}
	again, err := OpenSchema(c, "other", "notes_fts")
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := again.QuerySuggest("gauvas"); err != nil || got != "guavas" {
		t.Fatalf("QuerySuggest = %q, %v", got, err)
	}
	if _, err := Open(c, "notes_fts"); err == nil {
		t.Fatal("Open found the table in main")
	}
}
