package sqlite

import (
	"strings"

	lib "modernc.org/sqlite/lib"
)

// DeserializeFlags tune Deserialize.
//
// https://sqlite.org/c3ref/c_deserialize_freeonclose.html
type DeserializeFlags uint

// DeserializeReadOnly makes the deserialized database read-only: writes to
// it fail with ErrReadOnly.
const DeserializeReadOnly DeserializeFlags = lib.SQLITE_DESERIALIZE_READONLY

// Serialize returns a copy of the database schema ("main" when empty; or
// "temp", or the name of an attached database) as the bytes its database
// file would hold. An empty main or attached database serializes as a
// valid database of one page; a temp database not used yet as no bytes. It reads a consistent state: inside a transaction it includes that
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
	idx := c.schemaIndex(schema)
	if idx < 0 {
		return nil, Errorf(ErrError, "serialize: no such database: %s", schema)
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
			return nil, Errorf(ErrNoMem, "serialize %s: out of memory for %d bytes", schema, n)
		}
		if n == 0 || idx == 1 {
			// Nothing written yet (temp is not even opened before use).
			return []byte{}, nil
		}
		if rc := lib.Xsqlite3_errcode(c.tls, c.db); rc != lib.SQLITE_OK {
			return nil, c.errorCode(rc, "")
		}
		return nil, Errorf(ErrError, "serialize %s: cannot read the database", schema)
	}
	defer lib.Xsqlite3_free(c.tls, p)
	return append([]byte(nil), cbytes(p, int(n))...), nil
}

// Deserialize replaces the database schema ("main" when empty, or the name
// of an attached database; not "temp") with an in-memory database holding
// a copy of data, the bytes of a database file (such as Serialize
// returned). The copy is owned by the connection: it grows as the database
// is written to and is freed when the schema is detached or the connection
// closes. data itself is not retained. An image in WAL mode is loaded in
// rollback-journal mode, since an in-memory database cannot use WAL.
//
// Deserialize checks that data is a database whose schema can be read
// before it replaces anything, because SQLite cannot recover a connection
// holding an unreadable image (every later statement fails, DETACH
// included). Bytes that are not a database fail with ErrNotADB, an
// unreadable schema with ErrCorrupt (or the code SQLite reports), and the
// connection keeps its database. Damage beyond the schema is found when it
// is read, as with a file. An empty data is an empty database.
//
// Other errors: ErrError when there is no such schema, or it is "temp";
// ErrMisuse for unknown flags; ErrClosed (wrapped) on a closed connection;
// the error SQLite reports when the schema is in use (a transaction or
// running statement on it).
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
		return Errorf(ErrMisuse, "deserialize: unknown flags %#x", uint(flags&^DeserializeReadOnly))
	}
	switch i := c.schemaIndex(schema); {
	case i < 0:
		return Errorf(ErrError, "deserialize: no such database: %s", schema)
	case i == 1:
		return Errorf(ErrError, "deserialize: cannot replace the temp database")
	}
	p := lib.Xsqlite3_malloc64(c.tls, uint64(max(len(data), 1)))
	if p == 0 {
		return Errorf(ErrNoMem, "deserialize %s: out of memory for %d bytes", schema, len(data))
	}
	img := cbytes(p, len(data))
	copy(img, data)
	if len(img) >= 20 && img[18] == 2 && img[19] == 2 {
		img[18], img[19] = 1, 1 // WAL mode: read and write versions 2
	}
	if err := c.checkImage(p, len(data)); err != nil {
		lib.Xsqlite3_free(c.tls, p)
		return err
	}
	z := c.buf.cstr(c.tls, schema)
	// SQLite takes ownership of p even when it fails (FREEONCLOSE).
	rc := lib.Xsqlite3_deserialize(c.tls, c.db, z, p, int64(len(data)), int64(len(data)),
		uint32(flags)|lib.SQLITE_DESERIALIZE_FREEONCLOSE|lib.SQLITE_DESERIALIZE_RESIZEABLE)
	if rc != lib.SQLITE_OK {
		return c.errorCode(rc, "")
	}
	return nil
}

// checkImage loads the schema of the database image of n bytes at p in a
// scratch connection, read-only and without taking ownership of p.
func (c *Conn) checkImage(p uintptr, n int) error {
	if n == 0 {
		return nil
	}
	if n < 100 || string(cbytes(p, 16)) != "SQLite format 3\x00" {
		return Errorf(ErrNotADB, "deserialize: data is not a database")
	}
	out := c.tls.Alloc(8)
	defer c.tls.Free(8)
	name := c.buf.cstr(c.tls, ":memory:")
	rc := lib.Xsqlite3_open_v2(c.tls, name, out, lib.SQLITE_OPEN_READWRITE|lib.SQLITE_OPEN_NOMUTEX, 0)
	db := readPtr(out)
	defer lib.Xsqlite3_close_v2(c.tls, db)
	if rc == lib.SQLITE_OK {
		rc = lib.Xsqlite3_deserialize(c.tls, db, 0, p, int64(n), int64(n), lib.SQLITE_DESERIALIZE_READONLY)
	}
	if rc == lib.SQLITE_OK {
		rc = lib.Xsqlite3_exec(c.tls, db, c.buf.cstr(c.tls, "SELECT 1 FROM sqlite_schema LIMIT 1"), 0, 0, 0)
	}
	if rc != lib.SQLITE_OK {
		code := ErrorCode(rc)
		msg := code.Error()
		if db != 0 {
			code = ErrorCode(lib.Xsqlite3_extended_errcode(c.tls, db))
			msg = gostring(lib.Xsqlite3_errmsg(c.tls, db))
		}
		if code.Primary() == ErrCantOpen {
			// What SQLite reports for a header it cannot use.
			code = ErrCorrupt
		}
		return Errorf(code, "deserialize: %s", msg)
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
