package sqlite

import (
	"fmt"
	"slices"
	"strconv"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// This file holds the data change and transaction hooks (update, commit,
// rollback, WAL) and what every hook shares: the per-connection state, the
// way a trampoline finds its connection, and panic recovery.
//
// Every hook registered with the engine gets the connection's handle as its
// user-data pointer, so no hook allocates a handle of its own and Close has
// nothing to free but the Go closures.

// hookState holds the Go callbacks registered on a connection.
type hookState struct {
	update    hookList[func(op Op, schema, table string, rowid int64)]
	commit    hookList[func() (rollback bool)]
	rollback  hookList[func()]
	preupdate hookList[func(u *PreUpdate)]
	wal       hookList[func(schema string, pages int) error]
	walAuto   int  // wal_autocheckpoint interval to restore when the WAL hook is removed
	walOn     bool // our WAL hook is installed
	auth      func(a AuthAction) AuthResult

	// which trampolines are installed (see syncTxHooks)
	updateOn, preupdateOn, commitOn, rollbackOn bool

	// veto is the error of a data change hook that panicked: the
	// transaction holding the change must not commit.
	veto error

	busy busyState
	prog progressState
	tr   traceState

	names hookNames // schema and table names seen by hooks
}

// release forgets every callback. Close calls it after the engine
// connection is closed, so nothing can call them any more.
func (h *hookState) release() {
	h.busy.stop()
	*h = hookState{}
}

// hookList holds the Go functions sharing one of SQLite's hook slots, in
// the order they were added. The slice is replaced, never modified in
// place, so a trampoline going through it is unaffected by changes its
// callbacks make.
type hookList[F any] struct {
	entries []*hookEntry[F]
}

type hookEntry[F any] struct {
	fn      F
	removed bool
}

// add adds fn and returns the function removing it, which reports whether
// it did (false after the first call).
func (l *hookList[F]) add(fn F) (remove func() bool) {
	e := &hookEntry[F]{fn: fn}
	l.entries = append(slices.Clip(l.entries), e)
	return func() bool {
		if e.removed {
			return false
		}
		e.removed = true
		l.entries = slices.DeleteFunc(slices.Clone(l.entries), func(x *hookEntry[F]) bool { return x == e })
		return true
	}
}

func (l *hookList[F]) empty() bool { return len(l.entries) == 0 }

// each calls f with each function registered when it starts and still
// registered, oldest first, until f returns false.
func (l *hookList[F]) each(f func(F) bool) {
	for _, e := range l.entries {
		if !e.removed && !f(e.fn) {
			return
		}
	}
}

// addHook adds fn to l and returns the function removing it; sync installs
// or removes the trampoline as l changes. It is the body of every AddXHook.
func addHook[F any](c *Conn, l *hookList[F], fn F, isNil bool, sync func()) (remove func(), err error) {
	if err := c.check(); err != nil {
		return func() {}, err
	}
	if isNil {
		return func() {}, Errorf(ErrMisuse, "adding a nil hook function")
	}
	r := l.add(fn)
	sync()
	return func() {
		if r() && c.db != 0 {
			sync()
		}
	}, nil
}

// hookConn returns the connection whose handle the engine passed to a
// trampoline, or nil if it is gone.
func hookConn(arg uintptr) *Conn {
	c, _ := handleValue(arg).(*Conn)
	if c == nil || c.db == 0 {
		return nil
	}
	return c
}

// hookPanicked turns a value recovered from hook into the error reported:
// a *PanicError (with the value and stack) wrapped with the hook's name.
func hookPanicked(hook string, v any) error { return fmt.Errorf("%s: %w", hook, recoverAs(v)) }

// Op is the kind of row change reported by the update and pre-update hooks
// (https://sqlite.org/c3ref/c_alter_table.html).
type Op int

// Row change kinds.
const (
	OpInsert Op = lib.SQLITE_INSERT
	OpDelete Op = lib.SQLITE_DELETE
	OpUpdate Op = lib.SQLITE_UPDATE
)

// String returns "INSERT", "DELETE" or "UPDATE".
func (op Op) String() string {
	switch op {
	case OpInsert:
		return "INSERT"
	case OpDelete:
		return "DELETE"
	case OpUpdate:
		return "UPDATE"
	}
	return "Op(" + strconv.Itoa(int(op)) + ")"
}

// AddUpdateHook adds fn to the functions called for every row inserted,
// deleted or updated in a rowid table, after the change, with the schema
// ("main", "temp", an attached name), the table and the row's rowid, and
// returns the function removing it. Changes to WITHOUT ROWID tables, and
// rows deleted by truncation or replaced by REPLACE conflict resolution,
// are not reported (see https://sqlite.org/c3ref/update_hook.html).
//
// fn runs on the goroutine driving the connection, inside the statement; it
// must not run SQL that modifies the database. The context of the call that
// triggered it is [Conn.Context].
//
// If fn panics, the panic is recovered, the statement is interrupted and the
// transaction holding the change will not commit: the caller's error wraps
// a [*PanicError] holding the panic value.
//
// https://sqlite.org/c3ref/update_hook.html
func (c *Conn) AddUpdateHook(fn func(op Op, schema, table string, rowid int64)) (remove func(), err error) {
	return addHook(c, &c.hooks.update, fn, fn == nil, c.syncTxHooks)
}

func updateTrampoline(tls *libc.TLS, arg uintptr, op int32, zDb, zTab uintptr, rowid int64) {
	c := hookConn(arg)
	if c == nil {
		return
	}
	defer c.recoverChange("update hook")
	schema, table := c.hooks.names.get(zDb), c.hooks.names.get(zTab)
	c.hooks.update.each(func(fn func(Op, string, string, int64)) bool {
		fn(Op(op), schema, table, rowid)
		return true
	})
}

// recoverChange recovers the panic of a hook that observes a row change.
// SQLite gives such hooks no way to fail the statement, so the statement is
// interrupted (failing it if SQLite checks before it ends) and the
// transaction is vetoed (its commit fails if the interrupt came too late).
// Either way the caller's error wraps the panic.
func (c *Conn) recoverChange(hook string) {
	v := recover()
	if v == nil {
		return
	}
	err := hookPanicked(hook, v)
	c.setCallbackError(err)
	c.hooks.veto = err
	c.syncTxHooks()
	lib.Xsqlite3_interrupt(c.tls, c.db)
}

// AddCommitHook adds fn to the functions called when a transaction is
// about to commit, and returns the function removing it. If a function
// returns true the commit becomes a rollback (the functions added after it
// are not called) and the statement that was committing (COMMIT, or the
// statement of an implicit transaction) fails with ErrConstraint
// (SQLITE_CONSTRAINT_COMMITHOOK).
//
// fn must not run SQL on the connection. A panic in fn is recovered and
// treated as a rollback; the caller's error wraps a [*PanicError] holding
// the panic value.
//
// https://sqlite.org/c3ref/commit_hook.html
func (c *Conn) AddCommitHook(fn func() (rollback bool)) (remove func(), err error) {
	return addHook(c, &c.hooks.commit, fn, fn == nil, c.syncTxHooks)
}

// AddRollbackHook adds fn to the functions called when a transaction is
// rolled back, explicitly or after an error (not when Close discards an
// open transaction), and returns the function removing it.
//
// fn must not run SQL on the connection. A panic in fn is recovered; a
// rollback cannot fail, so the panic becomes the cause of the error of the
// statement that was rolling back when that statement fails (an error that
// rolled the transaction back). When it succeeds (an explicit ROLLBACK)
// the panic is dropped: made the cause of a later, unrelated error, it
// would mislead.
//
// https://sqlite.org/c3ref/commit_hook.html
func (c *Conn) AddRollbackHook(fn func()) (remove func(), err error) {
	return addHook(c, &c.hooks.rollback, fn, fn == nil, c.syncTxHooks)
}

// syncTxHooks installs or removes the trampolines of the data change and
// transaction hooks. The commit and rollback ones also run while a data
// change hook is installed, because its panic vetoes the transaction.
func (c *Conn) syncTxHooks() {
	h := &c.hooks
	if on := !h.update.empty(); on != h.updateOn {
		h.updateOn = on
		if on {
			lib.Xsqlite3_update_hook(c.tls, c.db, cfunc(updateTrampoline), c.handle)
		} else {
			lib.Xsqlite3_update_hook(c.tls, c.db, 0, 0)
		}
	}
	if on := !h.preupdate.empty(); on != h.preupdateOn {
		h.preupdateOn = on
		if on {
			lib.Xsqlite3_preupdate_hook(c.tls, c.db, cfunc(preupdateTrampoline), c.handle)
		} else {
			lib.Xsqlite3_preupdate_hook(c.tls, c.db, 0, 0)
		}
	}
	watch := h.updateOn || h.preupdateOn || h.veto != nil
	if on := !h.commit.empty() || watch; on != h.commitOn {
		h.commitOn = on
		if on {
			lib.Xsqlite3_commit_hook(c.tls, c.db, cfunc(commitTrampoline), c.handle)
		} else {
			lib.Xsqlite3_commit_hook(c.tls, c.db, 0, 0)
		}
	}
	if on := !h.rollback.empty() || watch; on != h.rollbackOn {
		h.rollbackOn = on
		if on {
			lib.Xsqlite3_rollback_hook(c.tls, c.db, cfunc(rollbackTrampoline), c.handle)
		} else {
			lib.Xsqlite3_rollback_hook(c.tls, c.db, 0, 0)
		}
	}
}

func commitTrampoline(tls *libc.TLS, arg uintptr) (rc int32) {
	c := hookConn(arg)
	if c == nil {
		return 0
	}
	if err := c.hooks.veto; err != nil {
		c.hooks.veto = nil
		c.setCallbackError(err)
		return 1
	}
	defer func() {
		if v := recover(); v != nil {
			c.setCallbackError(hookPanicked("commit hook", v))
			rc = 1
		}
	}()
	c.hooks.commit.each(func(fn func() bool) bool {
		if fn() {
			rc = 1
		}
		return rc == 0
	})
	return rc
}

func rollbackTrampoline(tls *libc.TLS, arg uintptr) {
	c := hookConn(arg)
	if c == nil {
		return
	}
	c.hooks.veto = nil // the vetoed transaction is gone
	defer func() {
		if v := recover(); v != nil {
			c.setCallbackError(hookPanicked("rollback hook", v))
		}
	}()
	c.hooks.rollback.each(func(fn func()) bool {
		fn()
		return true
	})
}

// AddWALHook adds fn to the functions called after each commit on a
// database in WAL mode, with the schema committed to and the number of
// pages in its write-ahead log, and returns the function removing it. If a
// function returns an error (or panics) the functions added after it are
// not called and the committing statement fails with an [*Error]
// (SQLITE_ERROR) wrapping it, although the transaction is committed.
//
// SQLite has a single WAL hook, which its automatic checkpointing also uses:
// while a function is added no automatic checkpoint happens, so fn should
// checkpoint when pages grows (PRAGMA wal_checkpoint). Removing the last
// function restores automatic checkpoints at the interval in effect before
// the first was added. PRAGMA wal_autocheckpoint replaces the hook.
//
// https://sqlite.org/c3ref/wal_hook.html
func (c *Conn) AddWALHook(fn func(schema string, pages int) error) (remove func(), err error) {
	return addHook(c, &c.hooks.wal, fn, fn == nil, c.syncWAL)
}

// syncWAL installs or removes the WAL trampoline.
func (c *Conn) syncWAL() {
	h := &c.hooks
	if !h.wal.empty() {
		if !h.walOn {
			h.walAuto = c.walAutoCheckpoint()
			h.walOn = true
		}
		// Installed again each time: PRAGMA wal_autocheckpoint replaces it.
		lib.Xsqlite3_wal_hook(c.tls, c.db, cfunc(walTrampoline), c.handle)
	} else if h.walOn {
		h.walOn = false
		lib.Xsqlite3_wal_autocheckpoint(c.tls, c.db, int32(h.walAuto))
	}
}

func walTrampoline(tls *libc.TLS, arg, db, zDb uintptr, pages int32) (rc int32) {
	c := hookConn(arg)
	if c == nil {
		return lib.SQLITE_OK
	}
	defer func() {
		if v := recover(); v != nil {
			c.setCallbackError(hookPanicked("WAL hook", v))
			rc = lib.SQLITE_ERROR
		}
	}()
	schema := c.hooks.names.get(zDb)
	var err error
	c.hooks.wal.each(func(fn func(string, int) error) bool {
		err = fn(schema, int(pages))
		return err == nil
	})
	if err == nil {
		return lib.SQLITE_OK
	}
	c.setCallbackError(err)
	code := CodeOf(err)
	if code == 0 || code == lib.SQLITE_ROW || code == lib.SQLITE_DONE {
		code = ErrError
	}
	return int32(code)
}

// walAutoCheckpoint reads PRAGMA wal_autocheckpoint without going through
// the package's statements, so no error or callback state is touched.
func (c *Conn) walAutoCheckpoint() int {
	const def = 1000 // SQLITE_DEFAULT_WAL_AUTOCHECKPOINT
	z := cstring(c.tls, "PRAGMA wal_autocheckpoint")
	if z == 0 {
		return def
	}
	defer lib.Xsqlite3_free(c.tls, z)
	pp := c.tls.Alloc(8)
	defer c.tls.Free(8)
	if lib.Xsqlite3_prepare_v2(c.tls, c.db, z, -1, pp, 0) != lib.SQLITE_OK {
		return def
	}
	s := readPtr(pp)
	defer lib.Xsqlite3_finalize(c.tls, s)
	if lib.Xsqlite3_step(c.tls, s) != lib.SQLITE_ROW {
		return def
	}
	return int(lib.Xsqlite3_column_int(c.tls, s, 0))
}

// hookNames turns the C strings hooks receive (schema and table names,
// mostly the same few) into Go strings without allocating each time. An
// entry is reused only if the bytes at the address still spell it.
type hookNames struct {
	p    [8]uintptr
	s    [8]string
	next int
}

func (k *hookNames) get(p uintptr) string {
	if p == 0 {
		return ""
	}
	for i, q := range k.p {
		if q == p && hookNameIs(p, k.s[i]) {
			return k.s[i]
		}
	}
	s := gostring(p)
	k.p[k.next], k.s[k.next] = p, s
	k.next = (k.next + 1) % len(k.p)
	return s
}

// hookNameIs reports whether the C string at p is s. It stops reading at the
// first difference, so it never reads past the C string's terminator.
func hookNameIs(p uintptr, s string) bool {
	b := cbytes(p, len(s)+1)
	for i := range len(s) {
		if b[i] != s[i] {
			return false
		}
	}
	return b[len(s)] == 0
}
