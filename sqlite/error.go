package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// ErrorCode is a SQLite result code, primary or extended
// (https://sqlite.org/rescode.html). It implements error so that the codes
// below work as sentinels: errors.Is(err, sqlite.ErrBusy) reports whether err
// carries SQLITE_BUSY or any of its extended forms, and
// errors.Is(err, sqlite.ErrConstraintUnique) matches that extended code only.
type ErrorCode int

// Primary result codes.
const (
	ErrError      ErrorCode = lib.SQLITE_ERROR
	ErrInternal   ErrorCode = lib.SQLITE_INTERNAL
	ErrPerm       ErrorCode = lib.SQLITE_PERM
	ErrAbort      ErrorCode = lib.SQLITE_ABORT
	ErrBusy       ErrorCode = lib.SQLITE_BUSY
	ErrLocked     ErrorCode = lib.SQLITE_LOCKED
	ErrNoMem      ErrorCode = lib.SQLITE_NOMEM
	ErrReadOnly   ErrorCode = lib.SQLITE_READONLY
	ErrInterrupt  ErrorCode = lib.SQLITE_INTERRUPT
	ErrIOErr      ErrorCode = lib.SQLITE_IOERR
	ErrCorrupt    ErrorCode = lib.SQLITE_CORRUPT
	ErrNotFound   ErrorCode = lib.SQLITE_NOTFOUND
	ErrFull       ErrorCode = lib.SQLITE_FULL
	ErrCantOpen   ErrorCode = lib.SQLITE_CANTOPEN
	ErrProtocol   ErrorCode = lib.SQLITE_PROTOCOL
	ErrEmpty      ErrorCode = lib.SQLITE_EMPTY
	ErrSchema     ErrorCode = lib.SQLITE_SCHEMA
	ErrTooBig     ErrorCode = lib.SQLITE_TOOBIG
	ErrConstraint ErrorCode = lib.SQLITE_CONSTRAINT
	ErrMismatch   ErrorCode = lib.SQLITE_MISMATCH
	ErrMisuse     ErrorCode = lib.SQLITE_MISUSE
	ErrNoLFS      ErrorCode = lib.SQLITE_NOLFS
	ErrAuth       ErrorCode = lib.SQLITE_AUTH
	ErrFormat     ErrorCode = lib.SQLITE_FORMAT
	ErrRange      ErrorCode = lib.SQLITE_RANGE
	ErrNotADB     ErrorCode = lib.SQLITE_NOTADB
)

// Frequently tested extended result codes.
const (
	ErrBusyRecovery         ErrorCode = lib.SQLITE_BUSY_RECOVERY
	ErrBusySnapshot         ErrorCode = lib.SQLITE_BUSY_SNAPSHOT
	ErrBusyTimeout          ErrorCode = lib.SQLITE_BUSY_TIMEOUT
	ErrLockedSharedCache    ErrorCode = lib.SQLITE_LOCKED_SHAREDCACHE
	ErrReadOnlyDBMoved      ErrorCode = lib.SQLITE_READONLY_DBMOVED
	ErrIOErrShortRead       ErrorCode = lib.SQLITE_IOERR_SHORT_READ
	ErrIOErrWrite           ErrorCode = lib.SQLITE_IOERR_WRITE
	ErrCorruptVTab          ErrorCode = lib.SQLITE_CORRUPT_VTAB
	ErrCantOpenIsDir        ErrorCode = lib.SQLITE_CANTOPEN_ISDIR
	ErrConstraintCheck      ErrorCode = lib.SQLITE_CONSTRAINT_CHECK
	ErrConstraintForeignKey ErrorCode = lib.SQLITE_CONSTRAINT_FOREIGNKEY
	ErrConstraintNotNull    ErrorCode = lib.SQLITE_CONSTRAINT_NOTNULL
	ErrConstraintPrimaryKey ErrorCode = lib.SQLITE_CONSTRAINT_PRIMARYKEY
	ErrConstraintUnique     ErrorCode = lib.SQLITE_CONSTRAINT_UNIQUE
	ErrConstraintTrigger    ErrorCode = lib.SQLITE_CONSTRAINT_TRIGGER
	ErrConstraintRowID      ErrorCode = lib.SQLITE_CONSTRAINT_ROWID
)

// Primary returns the primary code of c (its low 8 bits).
func (c ErrorCode) Primary() ErrorCode { return c & 0xff }

// Error returns SQLite's English description of the code.
func (c ErrorCode) Error() string {
	if s := errstr(int32(c)); s != "" {
		return s
	}
	return "sqlite: result code " + strconv.Itoa(int(c))
}

// String returns the code's symbolic name, such as "SQLITE_BUSY".
func (c ErrorCode) String() string { return codeName(c) }

var errstrCache [256]string

func init() {
	tls := libc.NewTLS()
	defer tls.Close()
	for i := range errstrCache {
		errstrCache[i] = gostring(lib.Xsqlite3_errstr(tls, int32(i)))
	}
}

func errstr(rc int32) string {
	// sqlite3_errstr only distinguishes primary codes (and a few extended
	// ones that share their primary's text), so the table is enough.
	return errstrCache[rc&0xff]
}

// Error is an error reported by SQLite, or by this package on SQLite's behalf
// (misuse of a closed connection, a value of an unsupported type, ...).
//
// Code is the extended result code; [ErrorCode.Primary] gives the primary
// one.
// Msg is the connection's message (sqlite3_errmsg) at the time of the error.
// SQL and Offset, when known, locate the error in the statement text
// (Offset is -1 when SQLite did not point at a byte). An Error caused by the
// end of a context wraps that context's error, so
// errors.Is(err, context.Canceled) holds as well as
// errors.Is(err, [ErrInterrupt]).
type Error struct {
	Code   ErrorCode
	Msg    string
	SQL    string
	Offset int
	cause  error
}

// Error formats the error as "sqlite: <message> (<CODE>)" followed by the
// position in the SQL text when known.
func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" {
		msg = e.Code.Error()
	}
	s := "sqlite: " + msg + " (" + e.Code.String() + ")"
	if e.SQL != "" {
		sql := e.SQL
		if len(sql) > 200 {
			sql = sql[:200] + "…"
		}
		if e.Offset >= 0 {
			s += fmt.Sprintf(" at byte %d of %q", e.Offset, sql)
		} else {
			s += fmt.Sprintf(" in %q", sql)
		}
	}
	// A Go callback's error usually is SQLite's message already; say it once.
	if e.cause != nil {
		if cs := e.cause.Error(); !strings.Contains(msg, cs) {
			s += ": " + cs
		}
	}
	return s
}

// Is reports whether target is an ErrorCode matching e: a primary code matches
// every extended code built on it, an extended code only itself.
func (e *Error) Is(target error) bool {
	c, ok := target.(ErrorCode)
	if !ok {
		return false
	}
	if c == c.Primary() {
		return e.Code.Primary() == c
	}
	return e.Code == c
}

// Unwrap returns the error that caused this one, such as the context error
// that interrupted a statement, or the error a Go callback returned.
func (e *Error) Unwrap() error { return e.cause }

// Errorf builds an Error with code and a message formatted as fmt.Errorf
// does, for errors raised on SQLite's behalf (by this package, or by
// packages built on it). A %w verb makes the Error wrap that operand.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Msg: err.Error(), Offset: -1, cause: errors.Unwrap(err)}
}

// in locates e in the statement sql, at byte offset (-1: nowhere in
// particular).
func (e *Error) in(sql string, offset int) *Error {
	e.SQL, e.Offset = sql, offset
	return e
}

// because makes e wrap cause without repeating it in the message (Error
// appends it).
func (e *Error) because(cause error) *Error {
	e.cause = cause
	return e
}

// ErrNoRows is wrapped by errors reporting that a query meant to return a
// row returned none; the packages built on this one (asqlite.ErrNoRows is
// this value) report it too, so one errors.Is test covers all of them.
var ErrNoRows = errors.New("sqlite: no rows in result set")

// ErrClosed is reported (wrapped in an *Error with code ErrMisuse) by every
// method of a closed Conn, Stmt or other object.
var ErrClosed = errors.New("sqlite: use of closed object")

func closedError(what string) error {
	return Errorf(ErrMisuse, "%s is closed", what).because(ErrClosed)
}

// CodeOf returns the extended result code carried by err: the Code of an
// *Error or the ErrorCode itself, ErrInterrupt for a context error, 0 for nil
// and ErrError otherwise.
func CodeOf(err error) ErrorCode {
	if err == nil {
		return 0
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		var e *Error
		if errors.As(err, &e) {
			return e.Code
		}
		return ErrInterrupt
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var c ErrorCode
	if errors.As(err, &c) {
		return c
	}
	return ErrError
}

var codeNames = map[ErrorCode]string{}

func init() {
	for _, n := range []struct {
		c ErrorCode
		s string
	}{
		{0, "SQLITE_OK"}, {ErrError, "SQLITE_ERROR"}, {ErrInternal, "SQLITE_INTERNAL"},
		{ErrPerm, "SQLITE_PERM"}, {ErrAbort, "SQLITE_ABORT"}, {ErrBusy, "SQLITE_BUSY"},
		{ErrLocked, "SQLITE_LOCKED"}, {ErrNoMem, "SQLITE_NOMEM"}, {ErrReadOnly, "SQLITE_READONLY"},
		{ErrInterrupt, "SQLITE_INTERRUPT"}, {ErrIOErr, "SQLITE_IOERR"}, {ErrCorrupt, "SQLITE_CORRUPT"},
		{ErrNotFound, "SQLITE_NOTFOUND"}, {ErrFull, "SQLITE_FULL"}, {ErrCantOpen, "SQLITE_CANTOPEN"},
		{ErrProtocol, "SQLITE_PROTOCOL"}, {ErrEmpty, "SQLITE_EMPTY"}, {ErrSchema, "SQLITE_SCHEMA"},
		{ErrTooBig, "SQLITE_TOOBIG"}, {ErrConstraint, "SQLITE_CONSTRAINT"}, {ErrMismatch, "SQLITE_MISMATCH"},
		{ErrMisuse, "SQLITE_MISUSE"}, {ErrNoLFS, "SQLITE_NOLFS"}, {ErrAuth, "SQLITE_AUTH"},
		{ErrFormat, "SQLITE_FORMAT"}, {ErrRange, "SQLITE_RANGE"}, {ErrNotADB, "SQLITE_NOTADB"},
		{lib.SQLITE_NOTICE, "SQLITE_NOTICE"}, {lib.SQLITE_WARNING, "SQLITE_WARNING"},
		{lib.SQLITE_ROW, "SQLITE_ROW"}, {lib.SQLITE_DONE, "SQLITE_DONE"},
		{ErrBusyRecovery, "SQLITE_BUSY_RECOVERY"}, {ErrBusySnapshot, "SQLITE_BUSY_SNAPSHOT"},
		{ErrBusyTimeout, "SQLITE_BUSY_TIMEOUT"}, {ErrLockedSharedCache, "SQLITE_LOCKED_SHAREDCACHE"},
		{ErrReadOnlyDBMoved, "SQLITE_READONLY_DBMOVED"}, {lib.SQLITE_READONLY_ROLLBACK, "SQLITE_READONLY_ROLLBACK"},
		{lib.SQLITE_READONLY_CANTLOCK, "SQLITE_READONLY_CANTLOCK"}, {lib.SQLITE_READONLY_RECOVERY, "SQLITE_READONLY_RECOVERY"},
		{lib.SQLITE_READONLY_DIRECTORY, "SQLITE_READONLY_DIRECTORY"}, {lib.SQLITE_READONLY_CANTINIT, "SQLITE_READONLY_CANTINIT"},
		{ErrIOErrShortRead, "SQLITE_IOERR_SHORT_READ"}, {ErrIOErrWrite, "SQLITE_IOERR_WRITE"},
		{lib.SQLITE_IOERR_READ, "SQLITE_IOERR_READ"}, {lib.SQLITE_IOERR_FSYNC, "SQLITE_IOERR_FSYNC"},
		{lib.SQLITE_IOERR_NOMEM, "SQLITE_IOERR_NOMEM"}, {lib.SQLITE_IOERR_TRUNCATE, "SQLITE_IOERR_TRUNCATE"},
		{ErrCorruptVTab, "SQLITE_CORRUPT_VTAB"}, {lib.SQLITE_CORRUPT_SEQUENCE, "SQLITE_CORRUPT_SEQUENCE"},
		{lib.SQLITE_CORRUPT_INDEX, "SQLITE_CORRUPT_INDEX"},
		{ErrCantOpenIsDir, "SQLITE_CANTOPEN_ISDIR"}, {lib.SQLITE_CANTOPEN_FULLPATH, "SQLITE_CANTOPEN_FULLPATH"},
		{lib.SQLITE_CANTOPEN_NOTEMPDIR, "SQLITE_CANTOPEN_NOTEMPDIR"},
		{ErrConstraintCheck, "SQLITE_CONSTRAINT_CHECK"}, {ErrConstraintForeignKey, "SQLITE_CONSTRAINT_FOREIGNKEY"},
		{ErrConstraintNotNull, "SQLITE_CONSTRAINT_NOTNULL"}, {ErrConstraintPrimaryKey, "SQLITE_CONSTRAINT_PRIMARYKEY"},
		{ErrConstraintUnique, "SQLITE_CONSTRAINT_UNIQUE"}, {ErrConstraintTrigger, "SQLITE_CONSTRAINT_TRIGGER"},
		{ErrConstraintRowID, "SQLITE_CONSTRAINT_ROWID"}, {lib.SQLITE_CONSTRAINT_FUNCTION, "SQLITE_CONSTRAINT_FUNCTION"},
		{lib.SQLITE_CONSTRAINT_VTAB, "SQLITE_CONSTRAINT_VTAB"}, {lib.SQLITE_CONSTRAINT_COMMITHOOK, "SQLITE_CONSTRAINT_COMMITHOOK"},
		{lib.SQLITE_CONSTRAINT_DATATYPE, "SQLITE_CONSTRAINT_DATATYPE"}, {lib.SQLITE_CONSTRAINT_PINNED, "SQLITE_CONSTRAINT_PINNED"},
		{lib.SQLITE_ABORT_ROLLBACK, "SQLITE_ABORT_ROLLBACK"}, {lib.SQLITE_AUTH_USER, "SQLITE_AUTH_USER"},
	} {
		codeNames[n.c] = n.s
	}
}

func codeName(c ErrorCode) string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	if s, ok := codeNames[c.Primary()]; ok {
		return fmt.Sprintf("%s (extended %d)", s, int(c))
	}
	return "SQLITE_" + strconv.Itoa(int(c))
}
