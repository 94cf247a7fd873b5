package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Helpers shared by the blob, backup and session tests.

// openConnT opens name (a path, ":memory:", or "" for a file in a fresh
// temporary directory) and closes it when the test ends.
func openConnT(t testing.TB, name string) *Conn {
	t.Helper()
	if name == "" {
		name = filepath.Join(t.TempDir(), "test.db")
	}
	c, err := Open(name, 0)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// execT runs sql or fails the test.
func execT(t testing.TB, c *Conn, sql string, args ...any) {
	t.Helper()
	if err := c.Exec(sql, args...); err != nil {
		t.Fatalf("Exec(%q): %v", sql, err)
	}
}

// queryInt64T returns the first column of the first row of sql.
func queryInt64T(t testing.TB, c *Conn, sql string, args ...any) int64 {
	t.Helper()
	for row, err := range c.Query(sql, args...) {
		if err != nil {
			t.Fatalf("Query(%q): %v", sql, err)
		}
		return row.ColumnInt64(0)
	}
	t.Fatalf("Query(%q): no row", sql)
	return 0
}

// queryBytesT returns the first column of the first row of sql as bytes.
func queryBytesT(t testing.TB, c *Conn, sql string, args ...any) []byte {
	t.Helper()
	for row, err := range c.Query(sql, args...) {
		if err != nil {
			t.Fatalf("Query(%q): %v", sql, err)
		}
		return row.ColumnBytes(0, nil)
	}
	t.Fatalf("Query(%q): no row", sql)
	return nil
}

// dumpSchema describes the content of the database schema of c: every
// table's definition and rows in primary key order, values quoted, so two
// databases have equal dumps exactly when they hold the same data.
func dumpSchema(t testing.TB, c *Conn, schema string) string {
	t.Helper()
	var tables []string
	var sb strings.Builder
	q := fmt.Sprintf("SELECT name, sql FROM %q.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%%' ORDER BY name", schema)
	for row, err := range c.Query(q) {
		if err != nil {
			t.Fatalf("dump schema: %v", err)
		}
		tables = append(tables, row.ColumnText(0))
		fmt.Fprintf(&sb, "%s\n", row.ColumnText(1))
	}
	for _, tbl := range tables {
		var cols []string
		for row, err := range c.Query(fmt.Sprintf("SELECT name FROM pragma_table_info(%s, %s)", sqlQuote(tbl), sqlQuote(schema))) {
			if err != nil {
				t.Fatalf("dump columns: %v", err)
			}
			cols = append(cols, fmt.Sprintf("quote(%q)", row.ColumnText(0)))
		}
		sel := fmt.Sprintf("SELECT %s FROM %q.%q ORDER BY %s", strings.Join(cols, " || ',' || "), schema, tbl, strings.Join(cols, ", "))
		for row, err := range c.Query(sel) {
			if err != nil {
				t.Fatalf("dump rows: %v", err)
			}
			fmt.Fprintf(&sb, "%s: %s\n", tbl, row.ColumnText(0))
		}
	}
	return sb.String()
}

func dumpT(t testing.TB, c *Conn) string { t.Helper(); return dumpSchema(t, c, "main") }

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
