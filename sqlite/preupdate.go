package sqlite

import (
	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// PreUpdate describes a row change that is about to happen, as the
// pre-update hook sees it (https://sqlite.org/c3ref/preupdate_blobwrite.html).
//
// A PreUpdate, and every Value read from it, is valid only during the call
// of the hook that received it; afterwards its methods report an error.
type PreUpdate struct {
	// Op is the kind of change.
	Op Op
	// Schema and Table name the table changed ("main", "temp", or an
	// attached schema).
	Schema, Table string
	// OldRowID is the rowid of the row before an UPDATE or DELETE, and
	// NewRowID its rowid after an INSERT or UPDATE. Otherwise, and for
	// WITHOUT ROWID tables, they are undefined.
	OldRowID, NewRowID int64

	c     *Conn
	valid bool
}

// Count returns the number of columns in the row being changed.
func (u *PreUpdate) Count() int {
	if !u.valid {
		return 0
	}
	return int(lib.Xsqlite3_preupdate_count(u.c.tls, u.c.db))
}

// Depth returns 0 when the change is made directly by a statement, 1 when
// it is made by a trigger that statement fired, 2 by a trigger fired by
// that trigger, and so on.
func (u *PreUpdate) Depth() int {
	if !u.valid {
		return 0
	}
	return int(lib.Xsqlite3_preupdate_depth(u.c.tls, u.c.db))
}

// BlobWrite returns the column being written by incremental blob I/O
// (sqlite3_blob_write), in which case Op is OpDelete and the row is not
// actually deleted; it returns -1 for ordinary changes.
func (u *PreUpdate) BlobWrite() int {
	if !u.valid {
		return -1
	}
	return int(lib.Xsqlite3_preupdate_blobwrite(u.c.tls, u.c.db))
}

// Conn returns the connection making the change.
func (u *PreUpdate) Conn() *Conn { return u.c }

// Old returns the value of column i before an UPDATE or DELETE. It fails
// with ErrMisuse for an INSERT or outside the hook, and with ErrRange for a
// column index out of range.
func (u *PreUpdate) Old(i int) (Value, error) {
	if u.valid && u.Op == OpInsert {
		return Value{}, Errorf(ErrMisuse, "pre-update: no old values for an INSERT")
	}
	return u.value(i, lib.Xsqlite3_preupdate_old)
}

// New returns the value of column i after an INSERT or UPDATE. It fails
// with ErrMisuse for a DELETE or outside the hook, and with ErrRange for a
// column index out of range.
func (u *PreUpdate) New(i int) (Value, error) {
	if u.valid && u.Op == OpDelete {
		return Value{}, Errorf(ErrMisuse, "pre-update: no new values for a DELETE")
	}
	return u.value(i, lib.Xsqlite3_preupdate_new)
}

func (u *PreUpdate) value(i int, get func(*libc.TLS, uintptr, int32, uintptr) int32) (Value, error) {
	if !u.valid {
		return Value{}, Errorf(ErrMisuse, "pre-update: used outside its hook")
	}
	if n := u.Count(); i < 0 || i >= n {
		return Value{}, Errorf(ErrRange, "pre-update: column %d out of range [0,%d)", i, n)
	}
	c := u.c
	pp := c.tls.Alloc(8)
	defer c.tls.Free(8)
	writePtr(pp, 0)
	if rc := get(c.tls, c.db, int32(i), pp); rc != lib.SQLITE_OK {
		return Value{}, Errorf(ErrorCode(rc), "pre-update: reading column %d: %s", i, ErrorCode(rc).Error())
	}
	return Value{tls: c.tls, p: readPtr(pp)}, nil
}

// AddPreUpdateHook adds fn to the functions called before each row of a
// rowid or WITHOUT ROWID table is inserted, deleted or updated, with the
// values before and after the change (Old and New), and returns the
// function removing it.
//
// fn runs inside the statement, on the goroutine driving the connection,
// with the triggering call's context in [Conn.Context]. It must not run SQL
// that modifies the database. If fn panics, the panic is recovered, the
// statement is interrupted and the transaction will not commit; the
// caller's error wraps a [*PanicError] holding the panic value.
//
// SQLite has a single pre-update hook, which the session extension also
// uses: while a [Session] is open on the connection, adding a function
// fails with ErrMisuse (and [Conn.CreateSession] fails while one is added).
//
// https://sqlite.org/c3ref/preupdate_blobwrite.html
func (c *Conn) AddPreUpdateHook(fn func(u *PreUpdate)) (remove func(), err error) {
	if c.check() == nil && fn != nil {
		if err := c.preupdateFree(); err != nil {
			return func() {}, err
		}
	}
	return addHook(c, &c.hooks.preupdate, fn, fn == nil, c.syncTxHooks)
}

// preupdateFree reports whether SQLite's pre-update hook is free for Go
// hooks: no Session is using it.
func (c *Conn) preupdateFree() error {
	if c.hasSession() {
		return Errorf(ErrMisuse, "a Session is recording changes on this connection; SQLite has a single pre-update hook")
	}
	return nil
}

func preupdateTrampoline(tls *libc.TLS, arg, db uintptr, op int32, zDb, zTab uintptr, key1, key2 int64) {
	c := hookConn(arg)
	if c == nil {
		return
	}
	u := &PreUpdate{Op: Op(op), Schema: c.hooks.names.get(zDb), Table: c.hooks.names.get(zTab),
		OldRowID: key1, NewRowID: key2, c: c, valid: true}
	defer func() { u.valid = false }()
	defer c.recoverChange("pre-update hook")
	c.hooks.preupdate.each(func(fn func(*PreUpdate)) bool {
		fn(u)
		return true
	})
}
