package sqlite

import (
	"bytes"
	"fmt"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// collation is the user data of one registered collation.
type collation struct {
	conn *Conn
	name string
	cmp  func(a, b string) int
}

// CreateCollation registers cmp as the collating sequence name (used as
// COLLATE name in SQL), replacing any collation of that name on this
// connection. A nil cmp removes it.
//
// cmp compares two texts and returns a negative number, zero or a positive
// number as a sorts before, equal to or after b. It must define a total
// order (consistent and transitive): indexes built with it depend on that.
// It runs on the goroutine stepping the statement; a and b are copies the
// function may keep.
//
// A collation cannot report an error to SQLite. If cmp panics, that
// comparison falls back to BINARY order (byte-wise, so an index sees one
// consistent order for the values involved) and the connection is
// interrupted: the running statement stops at SQLite's next interrupt check
// (any further row or loop step) and fails like any interrupted statement
// (a write is rolled back; inside an explicit transaction SQLite rolls the
// whole transaction back), and its *Error
// (code ErrInterrupt) wraps a *PanicError naming the collation. A statement
// that completes without another check (a single-row INSERT, say) succeeds
// with the BINARY comparison. The connection stays usable.
//
// Errors: ErrMisuse for an empty name, one longer than 255 bytes or holding
// a NUL byte; ErrClosed (wrapped) on a closed connection; ErrBusy when it
// would replace a collation of the same name while a statement is running
// (SQLite cannot replace one then; a new name is fine).
//
// https://sqlite.org/c3ref/create_collation.html
func (c *Conn) CreateCollation(name string, cmp func(a, b string) int) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := checkName("collation", name); err != nil {
		return err
	}
	z := c.buf.cstr(c.tls, name)
	if z == 0 {
		return Errorf(ErrNoMem, "out of memory registering collation %s", name)
	}
	var rc int32
	if cmp == nil {
		rc = lib.Xsqlite3_create_collation_v2(c.tls, c.db, z, lib.SQLITE_UTF8, 0, 0, 0)
	} else {
		h := newHandle(&collation{conn: c, name: name, cmp: cmp})
		c.funcs.add(h)
		rc = lib.Xsqlite3_create_collation_v2(c.tls, c.db, z, lib.SQLITE_UTF8, h,
			cfunc(collationTrampoline), cfunc(funcDestroyTrampoline))
		if rc != lib.SQLITE_OK {
			// Unlike for functions, SQLite does not run the destructor
			// when registering a collation fails.
			c.funcs.drop(h)
		}
	}
	if rc != lib.SQLITE_OK {
		return c.errorCode(rc, "")
	}
	return nil
}

func collationTrampoline(tls *libc.TLS, h uintptr, n1 int32, p1 uintptr, n2 int32, p2 uintptr) (r int32) {
	a, b := cbytes(p1, int(n1)), cbytes(p2, int(n2))
	coll, _ := handleValue(h).(*collation)
	if coll == nil {
		return int32(bytes.Compare(a, b))
	}
	defer func() {
		if p := recover(); p != nil {
			c := coll.conn
			c.setCallbackError(fmt.Errorf("collation %s: %w", coll.name, recoverAs(p)))
			if c.db != 0 {
				lib.Xsqlite3_interrupt(tls, c.db)
			}
			r = int32(bytes.Compare(a, b))
		}
	}()
	switch v := coll.cmp(string(a), string(b)); {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}
