package sqlite

import (
	"fmt"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// Session records the changes made to the tables of one database of a
// connection, and turns them into a changeset or patchset: a compact binary
// description of the rows inserted, updated and deleted, which another
// database can apply (Conn.ApplyChangeset), which can be inverted to undo
// it, combined with others (Changegroup) or read change by change (Changes).
// See https://sqlite.org/sessionintro.html.
//
// A session records nothing until tables are attached (Attach). Only tables
// with a PRIMARY KEY are recorded, unless SessionOptions.RowIDTables is set.
// Sessions record through SQLite's pre-update hook: the sessions of a
// connection share it, and it cannot be used for anything else while a
// session is open on the connection.
//
// A Session belongs to its Conn and shares its goroutine rule: one goroutine
// at a time. Closing the connection closes its sessions.
//
// https://sqlite.org/session/session.html
type Session struct {
	c      *Conn
	p      uintptr
	schema string
	filter func(table string) bool
	fh     uintptr // handle of the Session for the filter trampoline
	err    error   // a failure of the table filter; makes the output unreliable
}

// SessionOptions configure a Session when it is created.
type SessionOptions struct {
	// RowIDTables records tables that have no PRIMARY KEY too, identifying
	// their rows by rowid (SQLITE_SESSION_OBJCONFIG_ROWID). Changesets
	// recorded so apply only to databases where those rowids match.
	RowIDTables bool
}

// CreateSession starts a session recording changes to the database schema
// of c ("main" when empty). opts may be nil. The session is enabled, records
// direct changes, and has no table attached yet. Sessions use SQLite's
// single pre-update hook, so CreateSession fails with ErrMisuse while a Go
// pre-update hook ([Conn.AddPreUpdateHook]) is installed.
//
// https://sqlite.org/session/sqlite3session_create.html
func (c *Conn) CreateSession(schema string, opts *SessionOptions) (*Session, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.hooks.preupdateOn {
		return nil, Errorf(ErrMisuse, "a pre-update hook is installed on this connection; SQLite has a single pre-update hook, which sessions need")
	}
	if schema == "" {
		schema = "main"
	}
	z, err := cnames(c.tls, &c.buf, false, schema)
	if err != nil {
		return nil, err
	}
	pp := c.tls.Alloc(8)
	defer c.tls.Free(8)
	writePtr(pp, 0)
	if rc := lib.Xsqlite3session_create(c.tls, c.db, z[0], pp); rc != lib.SQLITE_OK {
		return nil, c.errorCode(rc, "")
	}
	s := &Session{c: c, p: readPtr(pp), schema: schema}
	// Track the size of the changeset as changes are recorded, so
	// ChangesetSize can report it; this must happen before any attach.
	if err := s.objectConfig(lib.SQLITE_SESSION_OBJCONFIG_SIZE, true); err != nil {
		lib.Xsqlite3session_delete(c.tls, s.p)
		return nil, err
	}
	if opts != nil && opts.RowIDTables {
		if err := s.objectConfig(lib.SQLITE_SESSION_OBJCONFIG_ROWID, true); err != nil {
			lib.Xsqlite3session_delete(c.tls, s.p)
			return nil, err
		}
	}
	c.own(s)
	return s, nil
}

func (s *Session) objectConfig(op int32, on bool) error {
	p := s.c.tls.Alloc(8)
	defer s.c.tls.Free(8)
	var v int32
	if on {
		v = 1
	}
	writeInt32(p, v)
	if rc := lib.Xsqlite3session_object_config(s.c.tls, s.p, op, p); rc != lib.SQLITE_OK {
		return Errorf(ErrorCode(rc), "configuring session: %s", ErrorCode(rc).Error())
	}
	return nil
}

func (s *Session) check() error {
	if s == nil || s.p == 0 {
		return closedError("session")
	}
	return nil
}

// Attach makes the session record changes to table, or to every table of
// its database (present and future) when table is "". Attaching a table
// that does not exist yet is allowed; its changes are recorded once it does.
// Tables without a PRIMARY KEY are ignored (see SessionOptions.RowIDTables).
//
// https://sqlite.org/session/sqlite3session_attach.html
func (s *Session) Attach(table string) error {
	if err := s.check(); err != nil {
		return err
	}
	z, err := cnames(s.c.tls, &s.c.buf, true, table)
	if err != nil {
		return err
	}
	if rc := lib.Xsqlite3session_attach(s.c.tls, s.p, z[0]); rc != lib.SQLITE_OK {
		return s.c.errorCode(rc, "")
	}
	return nil
}

// SetTableFilter installs f to choose, when a session attached to all tables
// (Attach("")) first sees a change to a table, whether that table is
// recorded: f gets the table name and returns true to record it. A nil f
// removes the filter. f runs on the connection's goroutine while the
// statement making the change runs, and must not use the connection.
//
// If f panics, the table is not recorded and the session is marked failed:
// Changeset, Patchset and Diff then return an error wrapping the panic,
// since the changes they would describe are incomplete.
//
// https://sqlite.org/session/sqlite3session_table_filter.html
func (s *Session) SetTableFilter(f func(table string) bool) {
	if s.check() != nil {
		return
	}
	s.filter = f
	if f == nil {
		lib.Xsqlite3session_table_filter(s.c.tls, s.p, 0, 0)
		return
	}
	if s.fh == 0 {
		s.fh = newHandle(s)
	}
	lib.Xsqlite3session_table_filter(s.c.tls, s.p, cfunc(sessionFilterTrampoline), s.fh)
}

// sessionFilterTrampoline is the C table-filter callback:
// int xFilter(void *pCtx, const char *zTab).
func sessionFilterTrampoline(tls *libc.TLS, pCtx, zTab uintptr) (r int32) {
	s, _ := handleValue(pCtx).(*Session)
	if s == nil || s.filter == nil {
		return 1
	}
	table := gostring(zTab)
	defer func() {
		if p := recover(); p != nil {
			if s.err == nil {
				s.err = fmt.Errorf("session table filter panicked on table %q: %v", table, p)
			}
			r = 0
		}
	}()
	if s.filter(table) {
		return 1
	}
	return 0
}

// SetEnabled turns recording on or off. Changes made while the session is
// disabled are not recorded. https://sqlite.org/session/sqlite3session_enable.html
func (s *Session) SetEnabled(on bool) {
	if s.check() != nil {
		return
	}
	v := int32(0)
	if on {
		v = 1
	}
	lib.Xsqlite3session_enable(s.c.tls, s.p, v)
}

// Enabled reports whether the session is recording.
// https://sqlite.org/session/sqlite3session_enable.html
func (s *Session) Enabled() bool {
	return s.check() == nil && lib.Xsqlite3session_enable(s.c.tls, s.p, -1) != 0
}

// SetIndirect sets whether the changes recorded from now on are marked
// indirect (as made by triggers or foreign key actions rather than by the
// application). Change.Indirect reports the mark.
// https://sqlite.org/session/sqlite3session_indirect.html
func (s *Session) SetIndirect(on bool) {
	if s.check() != nil {
		return
	}
	v := int32(0)
	if on {
		v = 1
	}
	lib.Xsqlite3session_indirect(s.c.tls, s.p, v)
}

// Indirect reports whether changes are being recorded as indirect.
// https://sqlite.org/session/sqlite3session_indirect.html
func (s *Session) Indirect() bool {
	return s.check() == nil && lib.Xsqlite3session_indirect(s.c.tls, s.p, -1) != 0
}

// IsEmpty reports whether the session has recorded no change. A change
// undone later (a row inserted then deleted) may still count as recorded.
// https://sqlite.org/session/sqlite3session_isempty.html
func (s *Session) IsEmpty() bool {
	return s.check() != nil || lib.Xsqlite3session_isempty(s.c.tls, s.p) != 0
}

// MemoryUsed returns the bytes of heap memory the session uses.
// https://sqlite.org/session/sqlite3session_memory_used.html
func (s *Session) MemoryUsed() int64 {
	if s.check() != nil {
		return 0
	}
	return lib.Xsqlite3session_memory_used(s.c.tls, s.p)
}

// ChangesetSize returns an upper bound of the size in bytes of the changeset
// Changeset would return now, without building it.
// https://sqlite.org/session/sqlite3session_changeset_size.html
func (s *Session) ChangesetSize() int64 {
	if s.check() != nil {
		return 0
	}
	return lib.Xsqlite3session_changeset_size(s.c.tls, s.p)
}

// Changeset returns the changes recorded so far as a changeset: for each
// row changed, its primary key and its old and new values. The session
// keeps recording; later calls describe all changes since it was created.
// An empty session gives an empty changeset.
//
// https://sqlite.org/session/sqlite3session_changeset.html
func (s *Session) Changeset() ([]byte, error) {
	return s.output(lib.Xsqlite3session_changeset, "changeset")
}

// Patchset returns the changes recorded so far as a patchset: like a
// changeset, but an UPDATE carries only the primary key and the new values
// of changed columns, and a DELETE only the primary key. It is smaller, can
// be applied and combined, but not inverted, and its conflicts are detected
// less precisely.
//
// https://sqlite.org/session/sqlite3session_patchset.html
func (s *Session) Patchset() ([]byte, error) {
	return s.output(lib.Xsqlite3session_patchset, "patchset")
}

func (s *Session) output(f func(*libc.TLS, uintptr, uintptr, uintptr) int32, what string) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.failed()
	}
	tls := s.c.tls
	out := tls.Alloc(16)
	defer tls.Free(16)
	writeInt32(out, 0)
	writePtr(out+8, 0)
	rc := f(tls, s.p, out, out+8)
	data := takeCBytes(tls, readPtr(out+8), int(readInt32(out)))
	if rc != lib.SQLITE_OK {
		e := s.c.errorCode(rc, "").(*Error)
		e.Msg = "building " + what + ": " + e.Code.Error()
		return nil, e
	}
	return data, nil
}

func (s *Session) failed() error {
	return Errorf(ErrError, "session is incomplete").because(s.err)
}

// Diff records into the session the changes that would make table in the
// database fromSchema of the same connection (attached with ATTACH) equal to
// the same table in the session's database, attaching the table if needed.
// The session's changeset then updates fromSchema's copy to match. Both
// tables must have the same columns and PRIMARY KEY, or Diff fails with
// ErrSchema; a table that is missing or has no PRIMARY KEY is skipped
// without error.
//
// https://sqlite.org/session/sqlite3session_diff.html
func (s *Session) Diff(fromSchema, table string) error {
	if err := s.check(); err != nil {
		return err
	}
	if s.err != nil {
		return s.failed()
	}
	if fromSchema == "" || table == "" {
		return Errorf(ErrMisuse, "Diff needs a schema and a table name")
	}
	z, err := cnames(s.c.tls, &s.c.buf, false, fromSchema, table)
	if err != nil {
		return err
	}
	tls := s.c.tls
	pz := tls.Alloc(8)
	defer tls.Free(8)
	writePtr(pz, 0)
	rc := lib.Xsqlite3session_diff(tls, s.p, z[0], z[1], pz)
	msg := ""
	if p := readPtr(pz); p != 0 {
		msg = gostring(p)
		lib.Xsqlite3_free(tls, p)
	}
	if rc != lib.SQLITE_OK {
		if msg == "" {
			msg = ErrorCode(rc).Error()
		}
		return Errorf(ErrorCode(rc), "diff of %s.%s against %s.%s: %s", fromSchema, table, s.schema, table, msg)
	}
	return nil
}

// Close deletes the session. Closing a closed Session does nothing.
// https://sqlite.org/session/sqlite3session_delete.html
func (s *Session) Close() error {
	if s == nil || s.p == 0 {
		return nil
	}
	lib.Xsqlite3session_delete(s.c.tls, s.p)
	s.p = 0
	freeHandle(s.fh)
	s.fh = 0
	s.filter = nil
	s.c.disown(s)
	return nil
}
