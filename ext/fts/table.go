package fts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// Table is an FTS5 table on one connection: its declaration (columns,
// content table, tokenizer) and the operations on it — search with match
// information, rows by id, query suggestion against the indexed
// vocabulary, and maintenance.
//
// A Table follows its connection's goroutine rule: use it from one
// goroutine at a time, the one using the connection (with asqlite.Conn,
// inside Run). It caches the table's vocabulary for QuerySuggest and
// notices changes to the index, by this or any other connection. It holds
// no resources beyond the connection's: there is nothing to close.
//
// https://sqlite.org/fts5.html
type Table struct {
	conn   *sqlite.Conn
	schema string
	name   string

	columns      []string
	unindexed    []bool
	content      string // external content table, "" for none
	contentless  bool
	contentRowID string
	tokenize     []string
	detail       string

	vocab      *vocabulary
	vocabStamp [2]int64
}

// Options describe an FTS5 table for Create. The zero value (with Columns
// set) is a plain FTS5 table with the default tokenizer.
//
// https://sqlite.org/fts5.html#fts5_table_creation_and_initialization
type Options struct {
	// Schema is the database to create the table in: "main" when empty.
	Schema string

	// Columns are the table's columns. With Content and no Columns, the
	// columns are those of the content table, except the one holding its
	// rowid (ContentRowID, or an INTEGER PRIMARY KEY).
	Columns []string
	// Unindexed names columns stored but not indexed.
	Unindexed []string

	// Content names a table (or view) of the same schema holding the text
	// (external content): the FTS5 table indexes it but stores only the
	// index. Create indexes the rows already in it.
	Content string
	// ContentRowID is the content table's column holding the rowid: "rowid"
	// (which includes an INTEGER PRIMARY KEY) when empty.
	ContentRowID string
	// Triggers, with Content, creates triggers on the content table that
	// keep the index in step with every INSERT, UPDATE and DELETE.
	Triggers bool
	// Contentless stores no text at all (content=''): searches find rowids,
	// RowByID has nothing to return.
	Contentless bool
	// ContentlessDelete lets a contentless table delete and update rows.
	ContentlessDelete bool

	// Tokenize is the tokenizer and its arguments, one word each, such as
	// {"simplify", "casefold", "true", "strip", "true", "unicodewords"}
	// (see Simplify, UnicodeWords) or {"porter", "unicode61"}. Empty means
	// FTS5's default, unicode61.
	Tokenize []string
	// Prefix lists prefix lengths, in characters, to build indexes for:
	// {2, 3} makes "ab*" and "abc*" queries fast.
	Prefix []int
	// Detail is how much the index records: "full" (the default),
	// "column" (no positions: no phrase or NEAR queries) or "none".
	Detail string
}

// Create creates an FTS5 table named name as opts describes, with the
// content table's triggers when asked for, and indexes the content
// table's existing rows; all in one transaction (a savepoint when one is
// open), so a failure leaves nothing behind. It registers the package's
// tokenizers first (see Register).
//
// Errors: SQLite's when the table exists, a column or the content table is
// unknown, or the tokenizer is; an *sqlite.Error with code ErrMisuse for
// options that contradict each other.
//
// https://sqlite.org/fts5.html#fts5_table_creation_and_initialization
func Create(c *sqlite.Conn, name string, opts *Options) (*Table, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := Register(c); err != nil {
		return nil, err
	}
	o := *opts
	if o.Schema == "" {
		o.Schema = "main"
	}
	if name == "" {
		return nil, misuse("Create: empty table name")
	}
	if o.Contentless && o.Content != "" {
		return nil, misuse("Create %s: Contentless and Content exclude each other", name)
	}
	if o.Triggers && o.Content == "" {
		return nil, misuse("Create %s: Triggers needs a Content table", name)
	}
	if o.ContentlessDelete && !o.Contentless {
		return nil, misuse("Create %s: ContentlessDelete needs Contentless", name)
	}
	switch o.Detail {
	case "", "full", "column", "none":
	default:
		return nil, misuse("Create %s: Detail must be full, column or none, not %q", name, o.Detail)
	}
	for _, p := range o.Prefix {
		if p < 1 || p > 999 {
			return nil, misuse("Create %s: prefix length %d out of range 1-999", name, p)
		}
	}
	var t *Table
	err := c.Tx(sqlite.Deferred, func() error {
		cols := o.Columns
		if len(cols) == 0 {
			if o.Content == "" {
				return misuse("Create %s: no columns", name)
			}
			var err error
			if cols, err = contentColumns(c, o.Schema, o.Content, o.ContentRowID); err != nil {
				return err
			}
		}
		unindexed := map[string]bool{}
		for _, u := range o.Unindexed {
			if !slices.Contains(cols, u) {
				return misuse("Create %s: unindexed column %q is not one of the columns", name, u)
			}
			unindexed[u] = true
		}
		var options [][2]string
		switch {
		case o.Contentless:
			options = append(options, [2]string{"content", ""})
			if o.ContentlessDelete {
				options = append(options, [2]string{"contentless_delete", "1"})
			}
		case o.Content != "":
			options = append(options, [2]string{"content", o.Content})
			if o.ContentRowID != "" {
				options = append(options, [2]string{"content_rowid", o.ContentRowID})
			}
		}
		if len(o.Tokenize) > 0 {
			options = append(options, [2]string{"tokenize", joinWords(o.Tokenize)})
		}
		if len(o.Prefix) > 0 {
			options = append(options, [2]string{"prefix", joinInts(o.Prefix)})
		}
		if o.Detail != "" {
			options = append(options, [2]string{"detail", o.Detail})
		}
		if err := c.Exec(buildDecl(o.Schema, name, cols, unindexed, options)); err != nil {
			return err
		}
		var err error
		if t, err = OpenSchema(c, o.Schema, name); err != nil {
			return err
		}
		if o.Triggers {
			if err := t.createTriggers(); err != nil {
				return err
			}
		}
		if o.Content != "" {
			return t.Rebuild()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Open returns the FTS5 table name of the main database, reading its
// declaration (columns, content table, tokenizer). It registers the
// package's tokenizers first (see Register).
//
// Errors: an *sqlite.Error with code ErrError when there is no such table
// or it is not an FTS5 table; SQLite's when the schema cannot be read.
func Open(c *sqlite.Conn, name string) (*Table, error) {
	return OpenSchema(c, "main", name)
}

// OpenSchema is Open for a table of the given database ("main", "temp" or
// an attached one).
func OpenSchema(c *sqlite.Conn, schema, name string) (*Table, error) {
	if err := Register(c); err != nil {
		return nil, err
	}
	var sql string
	found := false
	q := "SELECT name, sql FROM " + quoteIdent(schema) + ".sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE"
	for row, err := range c.Query(q, name) {
		if err != nil {
			return nil, err
		}
		name, sql, found = row.ColumnText(0), row.ColumnText(1), true
	}
	if !found {
		return nil, sqlite.Errorf(sqlite.ErrError, "fts: no table %s.%s", schema, name)
	}
	d, err := parseDecl(sql)
	if err != nil {
		return nil, sqlite.Errorf(sqlite.ErrError, "fts: %s.%s: %v", schema, name, err)
	}
	t := &Table{conn: c, schema: schema, name: name, columns: d.columns, unindexed: d.unindexed, detail: "full"}
	if v, ok := d.options["content"]; ok {
		if v[len(v)-1] == "" {
			t.contentless = true
		} else {
			t.content = v[len(v)-1]
		}
	}
	t.contentRowID = d.option("content_rowid")
	if t.contentRowID == "" {
		t.contentRowID = "rowid"
	}
	if tok := d.option("tokenize"); tok != "" {
		if t.tokenize, err = words(tok); err != nil {
			return nil, sqlite.Errorf(sqlite.ErrError, "fts: %s.%s: tokenize: %v", schema, name, err)
		}
	}
	if v := d.option("detail"); v != "" {
		t.detail = strings.ToLower(v)
	}
	return t, nil
}

func misuse(format string, args ...any) error {
	return sqlite.Errorf(sqlite.ErrMisuse, "fts: "+format, args...)
}

// contentColumns lists the columns of the content table, without the one
// holding the rowid.
func contentColumns(c *sqlite.Conn, schema, table, rowidCol string) ([]string, error) {
	type col struct {
		name, typ string
		pk        int
	}
	var all []col
	for row, err := range c.Query("SELECT name, type, pk FROM pragma_table_info(?, ?)", table, schema) {
		if err != nil {
			return nil, err
		}
		all = append(all, col{row.ColumnText(0), row.ColumnText(1), row.ColumnInt(2)})
	}
	if len(all) == 0 {
		return nil, sqlite.Errorf(sqlite.ErrError, "fts: no content table %s.%s", schema, table)
	}
	if strings.EqualFold(rowidCol, "rowid") {
		rowidCol = ""
	}
	pks := 0
	for _, cl := range all {
		if cl.pk > 0 {
			pks++
		}
	}
	var out []string
	for _, cl := range all {
		isRowid := strings.EqualFold(cl.name, rowidCol) ||
			rowidCol == "" && pks == 1 && cl.pk == 1 && strings.EqualFold(cl.typ, "INTEGER")
		if !isRowid {
			out = append(out, cl.name)
		}
	}
	return out, nil
}

// createTriggers creates the triggers that keep an external content
// index in step with its content table.
func (t *Table) createTriggers() error {
	cols := make([]string, len(t.columns))
	for i, col := range t.columns {
		cols[i] = quoteIdent(col)
	}
	list := strings.Join(cols, ", ")
	values := func(prefix string) string {
		v := make([]string, len(t.columns))
		for i, col := range cols {
			v[i] = prefix + "." + col
		}
		return strings.Join(v, ", ")
	}
	rid := quoteIdent(t.contentRowID)
	if t.contentRowID == "rowid" {
		rid = "rowid"
	}
	name, content := quoteIdent(t.name), quoteIdent(t.content)
	ins := fmt.Sprintf("INSERT INTO %s(rowid, %s) VALUES (new.%s, %s);", name, list, rid, values("new"))
	del := fmt.Sprintf("INSERT INTO %s(%s, rowid, %s) VALUES ('delete', old.%s, %s);", name, name, list, rid, values("old"))
	trigger := func(suffix, event, body string) string {
		return fmt.Sprintf("CREATE TRIGGER %s.%s AFTER %s ON %s BEGIN %s END;",
			quoteIdent(t.schema), quoteIdent(t.name+"_"+suffix), event, content, body)
	}
	return t.conn.Exec(trigger("insert", "INSERT", ins) + trigger("delete", "DELETE", del) + trigger("update", "UPDATE", del+" "+ins))
}

// Name returns the table's name.
func (t *Table) Name() string { return t.name }

// Schema returns the database holding the table ("main", ...).
func (t *Table) Schema() string { return t.schema }

// Columns returns the table's columns, in order.
func (t *Table) Columns() []string { return slices.Clone(t.columns) }

// Content returns the external content table, or "" when the table keeps
// its own text (or none, see Contentless).
func (t *Table) Content() string { return t.content }

// Contentless reports whether the table stores no text (content=”).
func (t *Table) Contentless() bool { return t.contentless }

// Tokenize returns the table's tokenizer and its arguments, as declared
// (nil for the default).
func (t *Table) Tokenize() []string { return slices.Clone(t.tokenize) }

// qname is the table's schema-qualified, quoted name.
func (t *Table) qname() string { return quoteIdent(t.schema) + "." + quoteIdent(t.name) }

// command runs one of FTS5's special INSERT commands.
func (t *Table) command(cmd string, rank ...any) error {
	col := quoteIdent(t.name)
	if len(rank) > 0 {
		return t.conn.Exec(fmt.Sprintf("INSERT INTO %s(%s, rank) VALUES (?, ?)", t.qname(), col), cmd, rank[0])
	}
	return t.conn.Exec(fmt.Sprintf("INSERT INTO %s(%s) VALUES (?)", t.qname(), col), cmd)
}

// Rebuild discards the index and builds it again from the content: the
// repair for an external content table that got out of step with its
// content table. https://sqlite.org/fts5.html#the_rebuild_command
func (t *Table) Rebuild() error { return t.command("rebuild") }

// Optimize merges the index's segments into one, making searches faster
// until more rows change. https://sqlite.org/fts5.html#the_optimize_command
func (t *Table) Optimize() error { return t.command("optimize") }

// IntegrityCheck checks the index, and for tables with content (stored or
// external) that it matches the content. A problem is an *sqlite.Error
// with code ErrCorrupt (ErrCorruptVTab).
// https://sqlite.org/fts5.html#the_integrity_check_command
func (t *Table) IntegrityCheck() error {
	if t.contentless {
		return t.command("integrity-check")
	}
	return t.command("integrity-check", 1)
}

// RowCount returns the number of rows in the index, as FTS5 counts them
// for ranking. For an external content table it can differ from the
// content table's count when the two are out of step.
// https://sqlite.org/fts5.html#xRowCount
func (t *Table) RowCount() (int64, error) {
	// FTS5 keeps the count at the start of its "averages" record, id 1 of
	// the %_data table, as a varint.
	q := fmt.Sprintf("SELECT block FROM %s.%s WHERE id = 1", quoteIdent(t.schema), quoteIdent(t.name+"_data"))
	for row, err := range t.conn.Query(q) {
		if err != nil {
			return 0, err
		}
		n, _ := getVarint(row.ColumnRawBytes(0))
		return int64(n), nil
	}
	return 0, nil
}

// getVarint decodes an SQLite varint: big-endian groups of 7 bits with a
// continuation bit, the ninth byte contributing all 8 of its bits.
func getVarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 9; i++ {
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return v, len(b)
}

// RowByID returns the values of the given columns (all of them when none
// are named) of row rowid, read through the FTS5 table: from its own
// content, or from the external content table. Values are int64, float64,
// string, []byte or nil.
//
// Errors: one wrapping sqlite.ErrNoRows when there is no such row; an
// *sqlite.Error with code ErrError for a column the table does not have,
// or for a contentless table, which has no values to return.
func (t *Table) RowByID(rowid int64, columns ...string) ([]any, error) {
	if t.contentless {
		return nil, sqlite.Errorf(sqlite.ErrError, "fts: %s is contentless: it keeps no row values", t.name)
	}
	if len(columns) == 0 {
		columns = t.columns
	}
	sel := make([]string, len(columns))
	for i, col := range columns {
		j := slices.IndexFunc(t.columns, func(c string) bool { return strings.EqualFold(c, col) })
		if j < 0 {
			return nil, sqlite.Errorf(sqlite.ErrError, "fts: %s has no column %q", t.name, col)
		}
		sel[i] = quoteIdent(t.columns[j])
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE rowid = ?", strings.Join(sel, ", "), t.qname())
	for row, err := range t.conn.Query(q, rowid) {
		if err != nil {
			return nil, err
		}
		out := make([]any, len(sel))
		for i := range out {
			out[i] = row.ColumnValue(i)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s has no row %d", sqlite.ErrNoRows, t.name, rowid)
}
