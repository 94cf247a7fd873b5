package sqlite

import (
	"errors"
	"testing"
)

func TestColumnMetadataDescribesDeclaredColumns(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, `CREATE TABLE t(
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		name TEXT NOT NULL COLLATE NOCASE,
		n,
		price DECIMAL(10, 2)
	)`)
	mustExec(t, c, "CREATE TABLE plain(a, b)")
	mustExec(t, c, "CREATE TABLE wr(k TEXT, v, PRIMARY KEY (k, v)) WITHOUT ROWID")
	for _, tc := range []struct {
		table, column string
		want          ColumnMeta
	}{
		{"t", "id", ColumnMeta{DeclType: "INTEGER", Collation: "BINARY", PrimaryKey: true, AutoIncrement: true}},
		{"t", "name", ColumnMeta{DeclType: "TEXT", Collation: "NOCASE", NotNull: true}},
		{"t", "n", ColumnMeta{Collation: "BINARY"}},
		{"t", "price", ColumnMeta{DeclType: "DECIMAL(10, 2)", Collation: "BINARY"}},
		{"T", "NAME", ColumnMeta{DeclType: "TEXT", Collation: "NOCASE", NotNull: true}},
		{"t", "rowid", ColumnMeta{DeclType: "INTEGER", Collation: "BINARY", PrimaryKey: true, AutoIncrement: true}},
		{"plain", "rowid", ColumnMeta{DeclType: "INTEGER", Collation: "BINARY", PrimaryKey: true}},
		{"wr", "k", ColumnMeta{DeclType: "TEXT", Collation: "BINARY", NotNull: true, PrimaryKey: true}},
	} {
		got, err := c.ColumnMetadata("", tc.table, tc.column)
		if err != nil {
			t.Errorf("%s.%s: %v", tc.table, tc.column, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s.%s = %+v, want %+v", tc.table, tc.column, got, tc.want)
		}
	}
	if m, err := c.ColumnMetadata("main", "t", "name"); err != nil || m.Collation != "NOCASE" {
		t.Errorf("with schema main: %+v, %v", m, err)
	}
	// Without a schema, temp is searched before main.
	mustExec(t, c, "CREATE TEMP TABLE t(temponly INT)")
	if m, err := c.ColumnMetadata("", "t", "temponly"); err != nil || m.DeclType != "INT" {
		t.Errorf("temp shadowing main: %+v, %v", m, err)
	}
}

func TestColumnMetadataErrors(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE t(a); CREATE VIEW v AS SELECT a FROM t; CREATE TABLE wr(k PRIMARY KEY) WITHOUT ROWID")
	for _, tc := range []struct{ schema, table, column string }{
		{"", "t", "nosuch"},
		{"", "nosuch", "a"},
		{"", "v", "a"},
		{"temp", "t", "a"},
		{"nosuch", "t", "a"},
		{"", "wr", "rowid"},
	} {
		_, err := c.ColumnMetadata(tc.schema, tc.table, tc.column)
		if CodeOf(err) != ErrError {
			t.Errorf("ColumnMetadata(%q, %q, %q) err = %v, want SQLITE_ERROR", tc.schema, tc.table, tc.column, err)
		}
	}
	if _, err := c.ColumnMetadata("", "", "a"); CodeOf(err) != ErrMisuse {
		t.Errorf("empty table: %v", err)
	}
	if _, err := c.ColumnMetadata("", "t", ""); CodeOf(err) != ErrMisuse {
		t.Errorf("empty column: %v", err)
	}
	c.Close()
	if _, err := c.ColumnMetadata("", "t", "a"); !errors.Is(err, ErrClosed) {
		t.Errorf("closed conn: %v", err)
	}
}

func TestTableExists(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, `CREATE TABLE t(a);
		CREATE VIEW v AS SELECT a FROM t;
		CREATE VIRTUAL TABLE ft USING fts5(body);
		CREATE TEMP TABLE tmp(x);
		ATTACH ':memory:' AS aux;
		CREATE TABLE aux.other(y)`)
	for _, tc := range []struct {
		schema, table string
		want          bool
	}{
		{"", "t", true},
		{"main", "t", true},
		{"", "T", true},
		{"temp", "t", false},
		{"", "v", false},
		{"", "ft", true},
		{"", "tmp", true},
		{"temp", "tmp", true},
		{"", "other", true},
		{"aux", "other", true},
		{"main", "other", false},
		{"", "nosuch", false},
		{"nosuch", "t", false},
		{"", "sqlite_schema", true},
	} {
		got, err := c.TableExists(tc.schema, tc.table)
		if err != nil || got != tc.want {
			t.Errorf("TableExists(%q, %q) = %v, %v, want %v", tc.schema, tc.table, got, err, tc.want)
		}
	}
	if _, err := c.TableExists("", ""); CodeOf(err) != ErrMisuse {
		t.Errorf("empty name: %v", err)
	}
	c.Close()
	if _, err := c.TableExists("", "t"); !errors.Is(err, ErrClosed) {
		t.Errorf("closed conn: %v", err)
	}
}
