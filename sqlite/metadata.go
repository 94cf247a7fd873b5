package sqlite

import (
	"strings"

	lib "modernc.org/sqlite/lib"
)

// ColumnMeta describes a column of a table as declared in the schema.
//
// https://sqlite.org/c3ref/table_column_metadata.html
type ColumnMeta struct {
	DeclType      string // declared type ("" when none was given)
	Collation     string // collating sequence ("BINARY" by default)
	NotNull       bool   // declared NOT NULL
	PrimaryKey    bool   // part of the PRIMARY KEY
	AutoIncrement bool   // an INTEGER PRIMARY KEY AUTOINCREMENT
}

// ColumnMetadata describes column of table in schema ("" searches temp,
// then main, then attached databases, as SQL name resolution does). For the
// rowid ("rowid", "oid" or "_rowid_") of a table that does not declare an
// INTEGER PRIMARY KEY it reports type INTEGER, collation BINARY and primary
// key.
//
// Errors: an *Error (code ErrError) naming the table and column when there
// is no such table or column (views are not tables here); ErrMisuse for an
// empty table or column name; ErrClosed (wrapped) on a closed connection;
// the error SQLite reports when it cannot read the schema.
//
// https://sqlite.org/c3ref/table_column_metadata.html
func (c *Conn) ColumnMetadata(schema, table, column string) (ColumnMeta, error) {
	if err := c.check(); err != nil {
		return ColumnMeta{}, err
	}
	if table == "" || column == "" {
		return ColumnMeta{}, Errorf(ErrMisuse, "column metadata needs a table and a column name")
	}
	var meta ColumnMeta
	out := c.tls.Alloc(32)
	defer c.tls.Free(32)
	rc := c.tableColumnMetadata(schema, table, column, out, out+8, out+16, out+20, out+24)
	if rc != lib.SQLITE_OK {
		return meta, c.errorCode(rc, "")
	}
	meta.DeclType = gostring(readPtr(out))
	meta.Collation = gostring(readPtr(out + 8))
	meta.NotNull = readInt32(out+16) != 0
	meta.PrimaryKey = readInt32(out+20) != 0
	meta.AutoIncrement = readInt32(out+24) != 0
	return meta, nil
}

// TableExists reports whether schema ("" for any database) holds a table
// named table (ordinary, virtual or WITHOUT ROWID; not a view). Names
// compare case-insensitively, as in SQL.
//
// Errors: ErrMisuse for an empty table name; ErrClosed (wrapped) on a
// closed connection; the error SQLite reports when it cannot read the
// schema (such as ErrNotADB).
//
// https://sqlite.org/c3ref/table_column_metadata.html
func (c *Conn) TableExists(schema, table string) (bool, error) {
	if err := c.check(); err != nil {
		return false, err
	}
	if table == "" {
		return false, Errorf(ErrMisuse, "table name is empty")
	}
	rc := c.tableColumnMetadata(schema, table, "", 0, 0, 0, 0, 0)
	switch {
	case rc == lib.SQLITE_OK:
		return true, nil
	case rc == lib.SQLITE_ERROR && strings.HasPrefix(gostring(lib.Xsqlite3_errmsg(c.tls, c.db)), "no such table"):
		return false, nil
	}
	return false, c.errorCode(rc, "")
}

// tableColumnMetadata calls sqlite3_table_column_metadata; an empty schema
// or column is passed as NULL.
func (c *Conn) tableColumnMetadata(schema, table, column string, pType, pColl, pNotNull, pPK, pAuto uintptr) int32 {
	// The three names need C strings at once, so they go in one buffer.
	var b strings.Builder
	b.WriteString(schema)
	b.WriteByte(0)
	b.WriteString(table)
	b.WriteByte(0)
	b.WriteString(column)
	p := c.buf.cstr(c.tls, b.String())
	if p == 0 {
		return lib.SQLITE_NOMEM
	}
	zSchema, zTable, zColumn := p, p+uintptr(len(schema)+1), p+uintptr(len(schema)+len(table)+2)
	if schema == "" {
		zSchema = 0
	}
	if column == "" {
		zColumn = 0
	}
	return lib.Xsqlite3_table_column_metadata(c.tls, c.db, zSchema, zTable, zColumn, pType, pColl, pNotNull, pPK, pAuto)
}
