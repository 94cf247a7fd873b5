package sqlite

import (
	"fmt"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// ConflictKind says why a change could not be applied as recorded
// (https://sqlite.org/session/c_changeset_conflict.html).
type ConflictKind int

// Conflict kinds, passed to ApplyOptions.Conflict.
const (
	// ConflictData: the row of an UPDATE or DELETE exists, but its other
	// columns do not hold the values the change expects
	// (SQLITE_CHANGESET_DATA). Change.Conflicting reads the row.
	ConflictData ConflictKind = lib.SQLITE_CHANGESET_DATA
	// ConflictNotFound: the row of an UPDATE or DELETE does not exist
	// (SQLITE_CHANGESET_NOTFOUND).
	ConflictNotFound ConflictKind = lib.SQLITE_CHANGESET_NOTFOUND
	// ConflictDuplicate: an INSERT meets a row with the same primary key
	// (SQLITE_CHANGESET_CONFLICT). Change.Conflicting reads the row.
	ConflictDuplicate ConflictKind = lib.SQLITE_CHANGESET_CONFLICT
	// ConflictConstraint: the change breaks a UNIQUE, CHECK or NOT NULL
	// constraint (SQLITE_CHANGESET_CONSTRAINT).
	ConflictConstraint ConflictKind = lib.SQLITE_CHANGESET_CONSTRAINT
	// ConflictForeignKey: with foreign keys enforced, the changes as a whole
	// leave foreign key violations; reported once, before committing
	// (SQLITE_CHANGESET_FOREIGN_KEY). The Change carries only
	// ForeignKeyConflicts.
	ConflictForeignKey ConflictKind = lib.SQLITE_CHANGESET_FOREIGN_KEY
)

// String returns the kind's name, such as "DATA" or "NOTFOUND".
func (k ConflictKind) String() string {
	switch k {
	case ConflictData:
		return "DATA"
	case ConflictNotFound:
		return "NOTFOUND"
	case ConflictDuplicate:
		return "CONFLICT"
	case ConflictConstraint:
		return "CONSTRAINT"
	case ConflictForeignKey:
		return "FOREIGN_KEY"
	}
	return fmt.Sprintf("ConflictKind(%d)", int(k))
}

// ConflictAction is a conflict handler's decision
// (https://sqlite.org/session/c_changeset_abort.html).
type ConflictAction int

// Conflict handler decisions.
const (
	// ChangesetOmit skips the change and goes on with the next one.
	ChangesetOmit ConflictAction = lib.SQLITE_CHANGESET_OMIT
	// ChangesetReplace, allowed for ConflictData and ConflictDuplicate only,
	// applies the change over the conflicting row (replacing or deleting
	// it). Returned for another kind, it aborts with ErrMisuse.
	ChangesetReplace ConflictAction = lib.SQLITE_CHANGESET_REPLACE
	// ChangesetAbort rolls back every change applied so far and makes
	// ApplyChangeset fail with ErrAbort.
	ChangesetAbort ConflictAction = lib.SQLITE_CHANGESET_ABORT
)

// ApplyOptions tune Conn.ApplyChangeset. The zero value (or nil) applies
// every table and aborts at the first conflict.
type ApplyOptions struct {
	// Filter, when set, is called once for each table the changeset
	// touches; returning false skips that table's changes.
	Filter func(table string) bool

	// Conflict, when set, decides what to do with a change that conflicts
	// with the database. ch is valid only during the call. When nil, every
	// conflict aborts the apply.
	Conflict func(kind ConflictKind, ch *Change) ConflictAction

	// NoSavepoint applies the changes without the enclosing savepoint
	// SQLite normally uses, so that an abort leaves the changes applied
	// before it in place, to be kept or rolled back by the caller's own
	// transaction (SQLITE_CHANGESETAPPLY_NOSAVEPOINT).
	NoSavepoint bool
	// Invert applies the inverse of the changeset
	// (SQLITE_CHANGESETAPPLY_INVERT); not possible with a patchset.
	Invert bool
	// IgnoreNoOp does not report conflicts for changes that would leave
	// the database as it is: deleting a missing row, an update whose new
	// values are already there, an insert of an identical row
	// (SQLITE_CHANGESETAPPLY_IGNORENOOP).
	IgnoreNoOp bool
	// FKNoAction makes foreign key actions (CASCADE, SET NULL, ...) behave
	// as NO ACTION while applying (SQLITE_CHANGESETAPPLY_FKNOACTION).
	FKNoAction bool
	// NoUpdateLoop reports as ConflictConstraint the updates that can only
	// be applied together, such as two rows swapping a UNIQUE value,
	// instead of working out an order (SQLITE_CHANGESETAPPLY_NOUPDATELOOP).
	NoUpdateLoop bool
}

func (o *ApplyOptions) flags() int32 {
	var f int32
	if o.NoSavepoint {
		f |= lib.SQLITE_CHANGESETAPPLY_NOSAVEPOINT
	}
	if o.Invert {
		f |= lib.SQLITE_CHANGESETAPPLY_INVERT
	}
	if o.IgnoreNoOp {
		f |= lib.SQLITE_CHANGESETAPPLY_IGNORENOOP
	}
	if o.FKNoAction {
		f |= lib.SQLITE_CHANGESETAPPLY_FKNOACTION
	}
	if o.NoUpdateLoop {
		f |= lib.SQLITE_CHANGESETAPPLY_NOUPDATELOOP
	}
	return f
}

// applyState is what the trampolines of one ApplyChangeset call share.
type applyState struct {
	c    *Conn
	opts ApplyOptions
	ch   Change

	err        error // a Go callback failed (panicked, or misused an action)
	aborted    bool  // the handler (or its absence) aborted
	abortKind  ConflictKind
	abortTable string
	fkCount    int
}

// applySavepoint guards an apply whose table filter might fail.
const applySavepoint = "asqlite_apply_changeset"

// ApplyChangeset applies a changeset or patchset to the tables of the same
// names in the "main" database of c, the whole of it in one savepoint unless
// opts.NoSavepoint. opts may be nil. Changes to a table that is missing, or
// whose columns or PRIMARY KEY differ from the changeset's, are skipped
// (SQLite only writes a line to its error log about them).
//
// A change that does not fit the database (a row missing, different, or
// already there, or a constraint broken) is a conflict: opts.Conflict
// decides to omit the change, to replace the row, or to abort. Without a
// handler the first conflict aborts. An abort undoes every change applied
// by the call and returns an *Error with code ErrAbort naming the conflict.
//
// The Go callbacks run on the calling goroutine during the call. A callback
// that panics aborts the apply (nothing is applied) and the error wraps
// the panic. A corrupt changeset gives ErrCorrupt; the end of the
// connection's context interrupts the apply (ErrInterrupt).
//
// https://sqlite.org/session/sqlite3changeset_apply.html
func (c *Conn) ApplyChangeset(changeset []byte, opts *ApplyOptions) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := c.ctxErr(); err != nil {
		return applyInterrupted(err)
	}
	st := &applyState{c: c}
	if opts != nil {
		st.opts = *opts
	}
	h := newHandle(st)
	defer freeHandle(h)
	in, err := cmallocBytes(c.tls, changeset)
	if err != nil {
		return err
	}
	defer lib.Xsqlite3_free(c.tls, in)

	var xFilter uintptr
	guard := false
	if st.opts.Filter != nil {
		xFilter = cfunc(applyFilterTrampoline)
		// A filter cannot report failure to SQLite, only skip a table; a
		// savepoint of our own lets a failed filter undo the whole apply.
		if !st.opts.NoSavepoint {
			if err := c.Exec("SAVEPOINT " + applySavepoint); err != nil {
				return err
			}
			guard = true
		}
	}
	rc := lib.Xsqlite3changeset_apply_v2(c.tls, c.db, int32(len(changeset)), in,
		xFilter, cfunc(applyConflictTrampoline), h, 0, 0, st.opts.flags())
	var result error
	switch {
	case st.err != nil && st.err == c.ctxErr():
		result = applyInterrupted(st.err)
	case st.err != nil:
		result = Errorf(ErrAbort, "changeset not applied").because(st.err)
	case rc == lib.SQLITE_OK:
	case st.aborted && (rc == lib.SQLITE_ABORT || rc&0xff == lib.SQLITE_CONSTRAINT):
		// SQLite reports an abort on foreign key violations as
		// SQLITE_CONSTRAINT; both are the handler's abort.
		var msg string
		if st.abortKind == ConflictForeignKey {
			msg = fmt.Sprintf("changeset not applied: it leaves %d foreign key violations", st.fkCount)
		} else {
			msg = fmt.Sprintf("changeset not applied: %s conflict in table %q", st.abortKind, st.abortTable)
		}
		if st.opts.Conflict == nil {
			msg += " (no conflict handler)"
		}
		result = Errorf(ErrAbort, "%s", msg)
	default:
		result = c.errorCode(rc, "")
		if e, ok := result.(*Error); ok {
			switch e.Code.Primary() {
			case ErrCorrupt:
				e.Msg = "applying changeset: changeset is corrupt or truncated"
			case ErrInterrupt:
				e.Msg = "applying changeset: interrupted"
			default:
				e.Msg = "applying changeset: " + e.Msg
			}
		}
	}
	if guard {
		if result == nil {
			result = c.Exec("RELEASE " + applySavepoint)
		}
		if result != nil {
			c.rollback("ROLLBACK TO " + applySavepoint + "; RELEASE " + applySavepoint)
		}
	}
	return result
}

// applyFilterTrampoline is the C table-filter callback of
// sqlite3changeset_apply_v2: int xFilter(void *pCtx, const char *zTab).
func applyFilterTrampoline(tls *libc.TLS, pCtx, zTab uintptr) (r int32) {
	st, _ := handleValue(pCtx).(*applyState)
	if st == nil || st.opts.Filter == nil {
		return 1
	}
	if st.err != nil {
		return 0
	}
	table := gostring(zTab)
	defer func() {
		if p := recover(); p != nil {
			st.err = applyPanicError(fmt.Sprintf("changeset table filter panicked on table %q", table), p)
			r = 0
		}
	}()
	if st.opts.Filter(table) {
		return 1
	}
	return 0
}

// applyConflictTrampoline is the C conflict callback of
// sqlite3changeset_apply_v2:
// int xConflict(void *pCtx, int eConflict, sqlite3_changeset_iter *p).
func applyConflictTrampoline(tls *libc.TLS, pCtx uintptr, eConflict int32, pIter uintptr) (r int32) {
	st, _ := handleValue(pCtx).(*applyState)
	if st == nil || st.err != nil {
		return lib.SQLITE_CHANGESET_ABORT
	}
	kind := ConflictKind(eConflict)
	ch := &st.ch
	*ch = Change{tls: tls, it: pIter, kind: kind}
	defer func() { ch.it = 0 }()
	if kind == ConflictForeignKey {
		// The iterator carries nothing but the violation count.
		st.fkCount = ch.ForeignKeyConflicts()
	} else if err := ch.load(); err != nil {
		st.err = err
		return lib.SQLITE_CHANGESET_ABORT
	}
	if err := st.c.ctxErr(); err != nil {
		// The context ended: stop at this conflict rather than wait for
		// the interrupt to reach a statement.
		st.err = err
		return lib.SQLITE_CHANGESET_ABORT
	}
	abort := func() int32 {
		st.aborted, st.abortKind, st.abortTable = true, kind, ch.Table
		return lib.SQLITE_CHANGESET_ABORT
	}
	if st.opts.Conflict == nil {
		return abort()
	}
	defer func() {
		if p := recover(); p != nil {
			st.err = applyPanicError(fmt.Sprintf("conflict handler panicked on a %s conflict in table %q", kind, ch.Table), p)
			r = lib.SQLITE_CHANGESET_ABORT
		}
	}()
	switch act := st.opts.Conflict(kind, ch); act {
	case ChangesetOmit:
		return lib.SQLITE_CHANGESET_OMIT
	case ChangesetReplace:
		if kind == ConflictData || kind == ConflictDuplicate {
			return lib.SQLITE_CHANGESET_REPLACE
		}
		st.err = Errorf(ErrMisuse, "conflict handler returned ChangesetReplace for a %s conflict in table %q (allowed for DATA and CONFLICT only)", kind, ch.Table)
		return lib.SQLITE_CHANGESET_ABORT
	case ChangesetAbort:
		return abort()
	default:
		st.err = Errorf(ErrMisuse, "conflict handler returned unknown ConflictAction %d", int(act))
		return lib.SQLITE_CHANGESET_ABORT
	}
}

func applyInterrupted(cause error) error {
	return Errorf(ErrInterrupt, "applying changeset: interrupted").because(cause)
}

// applyPanicError turns a recovered panic value into an error that keeps an
// error value reachable through errors.Is/As.
func applyPanicError(what string, p any) error {
	return fmt.Errorf("%s: %w", what, recoverAs(p))
}
