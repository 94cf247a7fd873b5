// Package dump writes a database as SQL text and reads such text back.
//
// The text is what the sqlite3 command-line shell's .dump produces in
// spirit: a transaction that recreates the schema (tables, indexes, views,
// triggers, virtual tables and their shadow tables) and every row with its
// rowid, then the user_version and application_id. Loading it into an empty
// database, with the sqlite3 shell or with Restore, gives an identical
// database: the same schema text and the same rows, rowids, blobs and NULLs.
// Two things the sqlite3 shell changes as it loads any dump, its own too: it
// drops a carriage return at the end of each line, so schema text written
// with CR LF line ends (or a literal holding one in a CREATE statement)
// loads without it (row values are written so that they keep theirs, and
// Restore keeps everything); and a shell built without STAT4 refuses the
// sqlite_stat4 rows an ANALYZEd database has.
//
// Dump and Restore work on a *sqlite.Conn and follow its rules: one
// goroutine at a time, cancelled through the context installed with
// Conn.SetContext. With an asqlite.Conn, call them inside Run.
package dump

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/asqlite/asqlite/sqlite"
)

// Options adjust Dump. The zero value dumps the "main" schema.
type Options struct {
	// Schema is the attached database to dump; "" means "main".
	Schema string
}

type object struct {
	typ, name, tbl, sql string
}

// Dump writes the database as SQL text to w. It reads inside one
// transaction, so the dump is a consistent snapshot even while other
// connections write.
func Dump(conn *sqlite.Conn, w io.Writer, opts *Options) (err error) {
	if w == nil {
		return errors.New("dump: nil writer")
	}
	schema := "main"
	if opts != nil && opts.Schema != "" {
		schema = opts.Schema
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	d := &dumper{conn: conn, w: bw, schema: quoteIdent(schema)}
	err = conn.Tx(sqlite.Deferred, func() error { return d.dump() })
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	return nil
}

type dumper struct {
	conn     *sqlite.Conn
	w        *bufio.Writer
	schema   string // quoted
	writable bool   // PRAGMA writable_schema is on in the output
	line     []byte // reused buffer for one INSERT
}

func (d *dumper) dump() error {
	kinds := map[string]string{} // table name -> table_list type (table, virtual, shadow)
	withoutRowid := map[string]bool{}
	for row, err := range d.conn.Query("SELECT name, type, wr FROM pragma_table_list WHERE schema = ?", unquote(d.schema)) {
		if err != nil {
			return err
		}
		kinds[row.ColumnText(0)] = row.ColumnText(1)
		withoutRowid[row.ColumnText(0)] = row.ColumnBool(2)
	}
	var objects []object
	for row, err := range d.conn.Query("SELECT type, name, tbl_name, sql FROM " + d.schema + ".sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid") {
		if err != nil {
			return err
		}
		objects = append(objects, object{row.ColumnText(0), row.ColumnText(1), row.ColumnText(2), row.ColumnText(3)})
	}

	d.printf("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
	var sequence, stats []object
	for _, o := range objects {
		if o.typ != "table" {
			continue
		}
		switch {
		case o.name == "sqlite_sequence":
			sequence = append(sequence, o)
			continue
		case strings.HasPrefix(o.name, "sqlite_stat"):
			stats = append(stats, o)
			continue
		case strings.HasPrefix(o.name, "sqlite_"):
			continue
		}
		if kinds[o.name] == "virtual" {
			// Registering the table in the schema, as the sqlite3 shell
			// does, keeps its shadow tables exactly as they were instead
			// of letting the module create fresh ones.
			if !d.writable {
				d.printf("PRAGMA writable_schema=ON;\n")
				d.writable = true
			}
			d.printf("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table',%s,%s,0,%s);\n",
				quoteText(o.name), quoteText(o.tbl), textLiteral(o.sql))
			continue
		}
		d.printf("%s;\n", o.sql)
		if err := d.rows(o.name, !withoutRowid[o.name]); err != nil {
			return err
		}
	}
	for _, o := range sequence {
		d.printf("DELETE FROM sqlite_sequence;\n")
		if err := d.rows(o.name, false); err != nil {
			return err
		}
	}
	if len(stats) > 0 {
		d.printf("ANALYZE sqlite_schema;\n")
		for _, o := range stats {
			if err := d.rows(o.name, false); err != nil {
				return err
			}
		}
	}
	// Views before triggers: an INSTEAD OF trigger needs its view.
	for _, typ := range []string{"index", "view", "trigger"} {
		for _, o := range objects {
			if o.typ != typ || kinds[o.tbl] == "shadow" || kinds[o.tbl] == "virtual" && typ == "index" {
				continue
			}
			d.printf("%s;\n", o.sql)
		}
	}
	if d.writable {
		// RESET, not OFF: it also makes the loading connection reread the
		// schema, so the virtual tables the dump wrote into sqlite_schema
		// work on it at once.
		d.printf("PRAGMA writable_schema=RESET;\n")
	}
	for _, p := range []string{"user_version", "application_id"} {
		var v int64
		for row, err := range d.conn.Query("PRAGMA " + d.schema + "." + p) {
			if err != nil {
				return err
			}
			v = row.ColumnInt64(0)
		}
		if v != 0 {
			d.printf("PRAGMA %s=%d;\n", p, v)
		}
	}
	d.printf("COMMIT;\n")
	return nil
}

func (d *dumper) printf(format string, args ...any) { fmt.Fprintf(d.w, format, args...) }

// rows writes an INSERT for every row of table, with the rowid when
// withRowid is set and some name for it is not taken by a column.
func (d *dumper) rows(table string, withRowid bool) error {
	var cols []string
	for row, err := range d.conn.Query("SELECT name, hidden FROM pragma_table_xinfo(?, ?)", table, unquote(d.schema)) {
		if err != nil {
			return err
		}
		if h := row.ColumnInt(1); h == 2 || h == 3 { // generated columns are computed, not stored by INSERT
			continue
		}
		cols = append(cols, row.ColumnText(0))
	}
	rowid := ""
	if withRowid {
		for _, alias := range []string{"rowid", "_rowid_", "oid"} {
			taken := false
			for _, c := range cols {
				if strings.EqualFold(c, alias) {
					taken = true
				}
			}
			if !taken {
				rowid = alias
				break
			}
		}
	}
	var sel, head strings.Builder
	sel.WriteString("SELECT ")
	head.WriteString("INSERT INTO " + quoteIdent(table) + "(")
	n := 0
	if rowid != "" {
		sel.WriteString(rowid)
		head.WriteString(rowid)
		n++
	}
	for _, c := range cols {
		if n > 0 {
			sel.WriteString(",")
			head.WriteString(",")
		}
		sel.WriteString(quoteIdent(c))
		head.WriteString(quoteIdent(c))
		n++
	}
	if n == 0 {
		return nil
	}
	head.WriteString(") VALUES(")
	sel.WriteString(" FROM " + d.schema + "." + quoteIdent(table))
	if rowid != "" {
		sel.WriteString(" ORDER BY " + rowid)
	}
	prefix := head.String()
	for row, err := range d.conn.Query(sel.String()) {
		if err != nil {
			return err
		}
		b := append(d.line[:0], prefix...)
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendLiteral(b, row, i)
		}
		b = append(b, ");\n"...)
		d.line = b
		if _, err := d.w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// appendLiteral appends column i of the current row as an SQL literal that
// reads back as the same value and storage class.
func appendLiteral(b []byte, row *sqlite.Stmt, i int) []byte {
	switch row.ColumnType(i) {
	case sqlite.Null:
		return append(b, "NULL"...)
	case sqlite.Integer:
		return strconv.AppendInt(b, row.ColumnInt64(i), 10)
	case sqlite.Float:
		return appendFloat(b, row.ColumnFloat(i))
	case sqlite.Blob:
		return appendHex(append(b, "X'"...), row.ColumnRawBytes(i))
	}
	t := row.ColumnRawBytes(i)
	// Hex keeps what text cannot carry: NULs, invalid UTF-8, and carriage
	// returns, which the sqlite3 shell drops before line feeds.
	if !utf8.Valid(t) || bytes.IndexByte(t, 0) >= 0 || bytes.IndexByte(t, '\r') >= 0 {
		b = appendHex(append(b, "CAST(X'"...), t)
		return append(b, " AS TEXT)"...)
	}
	b = append(b, '\'')
	for _, c := range t {
		if c == '\'' {
			b = append(b, '\'')
		}
		b = append(b, c)
	}
	return append(b, '\'')
}

func appendHex(b, v []byte) []byte {
	const hex = "0123456789abcdef"
	for _, c := range v {
		b = append(b, hex[c>>4], hex[c&15])
	}
	return append(b, '\'')
}

// appendFloat writes f so SQLite parses it back to the same float64: the
// shortest exact form, always with a point or exponent so it is not read as
// an integer, and 1e999 for infinity.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "1e999"...)
	case math.IsInf(f, -1):
		return append(b, "-1e999"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	if !strings.ContainsAny(string(b[start:]), ".eEn") {
		b = append(b, ".0"...)
	}
	return b
}

// quoteIdent quotes an identifier for SQL text.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// unquote reverses quoteIdent.
func unquote(s string) string {
	return strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`), `""`, `"`)
}

// quoteText quotes a string literal.
func quoteText(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// textLiteral is quoteText, or hex for text holding a carriage return,
// which the sqlite3 shell would drop before a line feed.
func textLiteral(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return quoteText(s)
	}
	return string(appendHex([]byte("CAST(X'"), []byte(s))) + " AS TEXT)"
}

// ErrNotEmpty is returned by Restore when the target database already has
// tables, views, indexes or triggers.
var ErrNotEmpty = errors.New("dump: restore target is not empty")

// Restore reads SQL text (a dump, or any script) from r and runs it on conn,
// one complete statement at a time. The target must be empty. On error it
// rolls back the transaction the script opened and reports the line where
// the failing statement starts.
func Restore(conn *sqlite.Conn, r io.Reader) error {
	if r == nil {
		return errors.New("dump: restore: nil reader")
	}
	var n int64
	for row, err := range conn.Query("SELECT count(*) FROM sqlite_schema") {
		if err != nil {
			return fmt.Errorf("dump: restore: %w", err)
		}
		n = row.ColumnInt64(0)
	}
	if n > 0 {
		return ErrNotEmpty
	}
	err := run(conn, r)
	if err != nil {
		if !conn.AutoCommit() {
			conn.Exec("ROLLBACK")
		}
		// A dump that failed after turning writable_schema on leaves
		// it on otherwise.
		conn.Exec("PRAGMA writable_schema=RESET")
	}
	return err
}

func run(conn *sqlite.Conn, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var stmt strings.Builder
	line, startLine := 0, 0
	for {
		text, readErr := br.ReadString('\n')
		if readErr != nil && readErr != io.EOF {
			return fmt.Errorf("dump: restore: reading line %d: %w", line+1, readErr)
		}
		if text != "" {
			line++
			if stmt.Len() > 0 || strings.TrimSpace(text) != "" {
				if stmt.Len() == 0 {
					startLine = line
				}
				stmt.WriteString(text)
				// Only a line with a semicolon can end a statement:
				// checking every line would rescan a long value (text of
				// many lines) once per line.
				if strings.IndexByte(text, ';') >= 0 && sqlite.Complete(stmt.String()) {
					if err := conn.Exec(stmt.String()); err != nil {
						return fmt.Errorf("dump: restore: statement at line %d: %w", startLine, err)
					}
					stmt.Reset()
				}
			}
		}
		if readErr == io.EOF {
			break
		}
	}
	if strings.TrimSpace(stmt.String()) != "" {
		if err := conn.Exec(stmt.String()); err != nil {
			return fmt.Errorf("dump: restore: statement at line %d: %w", startLine, err)
		}
	}
	return nil
}
