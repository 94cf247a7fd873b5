package sqlite

import (
	"strings"

	lib "modernc.org/sqlite/lib"
)

// DeserializeFlags tune Deserialize
// (https://sqlite.org/c3ref/c_deserialize_freeonclose.html).
type DeserializeFlags uint

// DeserializeReadOnly makes the deserialized database read-only: writes to
// it fail with ErrReadOnly.
const DeserializeReadOnly DeserializeFlags = lib.SQLITE_DESERIALIZE_READONLY

// Serialize returns a copy of the database schema ("main" when empty; or
// "temp", or the name of an attached database) as the bytes its database
// file would hold. An empty database serializes as a valid database of one
// page. It reads a consistent state: inside a transaction it includes that
// transaction's changes.
//
// Errors: ErrError naming the schema when there is no such database;
// ErrClosed (wrapped) on a closed connection; the error SQLite reports when
// it cannot read the database (such as ErrNotADB).
//
// https://sqlite.org/c3ref/serialize.html
func (c *Conn) Serialize(schema string) ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if schema == "" {
		schema = "main"
	}
	if c.schemaIndex(schema) < 0 {
		return nil, errorf(ErrError, "serialize: no such database: %s", schema)
	}
	size := c.tls.Alloc(8)
	defer c.tls.Free(8)
	// An in-memory database (one that was deserialized, for example) is
	// contiguous and read in place; any other is copied out page by page.
	z := c.buf.cstr(c.tls, schema)
	if p := lib.Xsqlite3_serialize(c.tls, c.db, z, size, lib.SQLITE_SERIALIZE_NOCOPY); p != 0 {
		return append([]byte(nil), cbytes(p, int(readInt64(size)))...), nil
	}
	if n := readInt64(size); n == 0 {
		return []byte{}, nil
	}
	z = c.buf.cstr(c.tls, schema)
	p := lib.Xsqlite3_serialize(c.tls, c.db, z, size, 0)
	n := readInt64(size)
	if p == 0 {
		if n > 0 {
			return nil, errorf(ErrNoMem, "serialize %s: out of memory for %d bytes", schema, n)
		}
		if n == 0 {
			return []byte{}, nil
		}
		if rc := lib.Xsqlite3_errcode(c.tls, c.db); rc != lib.SQLITE_OK {
			return nil, c.errorCode(rc, "")
		}
		return nil, errorf(ErrError, "serialize %s: cannot read the database", schema)
	}
	defer lib.Xsqlite3_free(c.tls, p)
	return append([]byte(nil), cbytes(p, int(n))...), nil
}

// Deserialize replaces the database schema ("main" when empty, or the name
// of an attached database; not "temp") with an in-memory database holding
// a copy of data, the bytes of a database file (such as Serialize
// returned). The copy is owned by the connection: it grows as the database
// is written to and is freed when the schema is detached or the connection
// closes. data itself is not retained.
//
// Deserialize does not check data: bytes that are not a database make the
// first statement using the schema fail with ErrNotADB (or ErrCorrupt).
//
// Errors: ErrError when there is no such schema, or it is "temp";
// ErrClosed (wrapped) on a closed connection; the error SQLite reports when
// the schema is in use (a transaction or running statement on it).
//
// https://sqlite.org/c3ref/deserialize.html
func (c *Conn) Deserialize(schema string, data []byte, flags DeserializeFlags) error {
	if err := c.check(); err != nil {
		return err
	}
	if schema == "" {
		schema = "main"
	}
	if flags&^DeserializeReadOnly != 0 {
		return errorf(ErrMisuse, "deserialize: unknown flags %#x", uint(flags&^DeserializeReadOnly))
	}
	switch i := c.schemaIndex(schema); {
	case i < 0:
		return errorf(ErrError, "deserialize: no such database: %s", schema)
	case i == 1:
		return errorf(ErrError, "deserialize: cannot replace the temp database")
	}
	p := lib.Xsqlite3_malloc64(c.tls, uint64(max(len(data), 1)))
	if p == 0 {
		return errorf(ErrNoMem, "deserialize %s: out of memory for %d bytes", schema, len(data))
	}
	copy(cbytes(p, len(data)), data)
	z := c.buf.cstr(c.tls, schema)
	// SQLite takes ownership of p even when it fails (FREEONCLOSE).
	rc := lib.Xsqlite3_deserialize(c.tls, c.db, z, p, int64(len(data)), int64(len(data)),
		uint32(flags)|lib.SQLITE_DESERIALIZE_FREEONCLOSE|lib.SQLITE_DESERIALIZE_RESIZEABLE)
	if rc != lib.SQLITE_OK {
		return c.errorCode(rc, "")
	}
	return nil
}

// schemaIndex returns the index of the attached database named schema
// (0 for main, 1 for temp), or -1. Names compare case-insensitively, as
// in SQL.
func (c *Conn) schemaIndex(schema string) int {
	for i := int32(0); ; i++ {
		p := lib.Xsqlite3_db_name(c.tls, c.db, i)
		if p == 0 {
			return -1
		}
		if strings.EqualFold(gostring(p), schema) {
			return int(i)
		}
	}
}
