package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// OpenFlags choose how Open opens a database
// (https://sqlite.org/c3ref/c_open_autoproxy.html).
type OpenFlags int

// Flags for Open. OpenReadWrite|OpenCreate|OpenURI is the default used when no
// access flag is given.
const (
	OpenReadOnly     OpenFlags = lib.SQLITE_OPEN_READONLY
	OpenReadWrite    OpenFlags = lib.SQLITE_OPEN_READWRITE
	OpenCreate       OpenFlags = lib.SQLITE_OPEN_CREATE
	OpenURI          OpenFlags = lib.SQLITE_OPEN_URI
	OpenMemory       OpenFlags = lib.SQLITE_OPEN_MEMORY
	OpenNoMutex      OpenFlags = lib.SQLITE_OPEN_NOMUTEX
	OpenFullMutex    OpenFlags = lib.SQLITE_OPEN_FULLMUTEX
	OpenSharedCache  OpenFlags = lib.SQLITE_OPEN_SHAREDCACHE
	OpenPrivateCache OpenFlags = lib.SQLITE_OPEN_PRIVATECACHE
	OpenNoFollow     OpenFlags = lib.SQLITE_OPEN_NOFOLLOW
)

// Conn is one SQLite database connection (https://sqlite.org/c3ref/sqlite3.html).
//
// A Conn is not safe for concurrent use: one goroutine at a time may call its
// methods (asqlite.Conn wraps a Conn in a goroutine of its own for callers
// that need that). The exceptions are [Conn.Interrupt], which any goroutine
// may call at any time, and the context installed with [Conn.SetContext],
// whose end interrupts whatever the connection is running.
//
// [Conn.Close] releases everything the connection owns: its statements,
// hooks, functions and the engine's memory.
type Conn struct {
	tls    *libc.TLS
	db     uintptr
	handle uintptr // identifies the Conn to hook trampolines
	buf    scratch // for C strings needed only during one engine call
	sqlbuf scratch // SQL text being prepared; callbacks may run meanwhile

	inPrepare bool // a prepare is running (callbacks may prepare again)

	ctx   context.Context
	done  <-chan struct{}
	stopf func() bool
	// noIntr: the context's end does not call sqlite3_interrupt (see
	// SetInterruptOnDone).
	noIntr bool

	// intr guards interrupting from other goroutines against Close.
	intr struct {
		sync.Mutex
		tls *libc.TLS
		db  uintptr
		gen uint64
	}

	stmts   map[*Stmt]struct{} // open statements, finalized by Close
	cache   stmtCache
	hooks   hookState
	funcs   funcState
	onClose []func()
	ownMu   sync.Mutex
	owned   map[closer]struct{} // blobs, backups and sessions to close first

	// cbErr is the error a Go callback (function, hook, virtual table)
	// returned or panicked with while SQLite was running it; the statement
	// error that follows wraps it.
	cbErr    error
	depth    int     // nesting of Step calls (Go callbacks may run statements)
	stepping uintptr // the statement the innermost Step runs; 0: none

	savepoints int // nesting depth of Tx savepoints

	closeErr error // what Close returned, returned again by later calls
}

// Open opens the database named by name, which may be a file path, a URI
// (file:x.db?mode=ro, https://sqlite.org/uri.html), ":memory:" or "" for a
// private temporary database. When flags holds no access mode,
// OpenReadWrite|OpenCreate is used; OpenURI is always added. Each connection
// is driven by one goroutine at a time, so the engine's own mutex is off
// (OpenNoMutex) unless OpenFullMutex is given.
//
// Extended result codes are enabled, so errors carry them.
//
// https://sqlite.org/c3ref/open.html
func Open(name string, flags OpenFlags) (*Conn, error) {
	if flags&(OpenReadOnly|OpenReadWrite) == 0 {
		flags |= OpenReadWrite | OpenCreate
	}
	flags |= OpenURI
	if flags&OpenFullMutex == 0 {
		flags |= OpenNoMutex
	}
	tls := libc.NewTLS()
	c := &Conn{tls: tls, ctx: context.Background(), stmts: make(map[*Stmt]struct{})}
	zName := cstring(tls, name)
	if zName == 0 {
		tls.Close()
		return nil, Errorf(ErrNoMem, "out of memory opening %q", name)
	}
	defer lib.Xsqlite3_free(tls, zName)
	pdb := tls.Alloc(8)
	defer tls.Free(8)
	rc := lib.Xsqlite3_open_v2(tls, zName, pdb, int32(flags), 0)
	c.db = readPtr(pdb)
	if rc != lib.SQLITE_OK {
		err := Errorf(ErrorCode(rc), "%s", ErrorCode(rc).Error())
		if c.db != 0 {
			err.Code = ErrorCode(lib.Xsqlite3_extended_errcode(tls, c.db))
			err.Msg = gostring(lib.Xsqlite3_errmsg(tls, c.db))
			lib.Xsqlite3_close_v2(tls, c.db)
		}
		err.Msg = "opening " + quote(name) + ": " + err.Msg
		if err.Code.Primary() == ErrCantOpen {
			if dir, serr := missingDir(name); serr != nil {
				err.Msg = "opening " + quote(name) + ": directory " + quote(dir) + " does not exist"
				err.cause = serr
			}
		}
		tls.Close()
		return nil, err
	}
	lib.Xsqlite3_extended_result_codes(tls, c.db, 1)
	c.intr.db = c.db
	c.handle = newHandle(c)
	c.cache.init(defaultCacheSize)
	return c, nil
}

// missingDir returns the directory that should hold the database file
// name and the error saying it does not exist, or a nil error when it exists
// or name names no file. SQLite only says it cannot open the file.
func missingDir(name string) (string, error) {
	path := name
	if rest, ok := strings.CutPrefix(name, "file:"); ok {
		path, _, _ = strings.Cut(rest, "?")
		path, _, _ = strings.Cut(path, "#")
		if host, ok := strings.CutPrefix(path, "//"); ok {
			// file://host/path: SQLite accepts only an empty host or localhost.
			_, path, _ = strings.Cut(host, "/")
			path = "/" + path
		}
		if p, err := url.PathUnescape(path); err == nil {
			path = p
		}
	}
	if path == "" || path == ":memory:" {
		return "", nil
	}
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return dir, err
	}
	return "", nil
}

func quote(s string) string {
	if s == "" {
		return `""`
	}
	return "\"" + s + "\""
}

// Close finalizes every statement the connection owns, unregisters its
// functions and hooks, and closes it. Closing a closed Conn does nothing and
// returns the first Close's error again. Statements of a closed Conn report
// ErrClosed.
//
// https://sqlite.org/c3ref/close.html
func (c *Conn) Close() error {
	if c == nil {
		return nil
	}
	if c.db == 0 {
		return c.closeErr
	}
	c.SetContext(context.Background())
	c.intr.Lock()
	c.intr.db = 0
	if c.intr.tls != nil {
		c.intr.tls.Close()
		c.intr.tls = nil
	}
	c.intr.Unlock()

	for i := len(c.onClose) - 1; i >= 0; i-- {
		c.onClose[i]()
	}
	c.onClose = nil
	c.cache.clear()
	for s := range c.stmts {
		s.finalize()
	}
	// Statements the engine prepared for itself (FTS5 keeps some inside its
	// virtual tables) belong to their owners, which finalize them as
	// sqlite3_close_v2 disconnects them.
	rc := lib.Xsqlite3_close_v2(c.tls, c.db)
	var err error
	if rc != lib.SQLITE_OK {
		err = c.errorCode(rc, "")
	}
	c.db = 0
	c.hooks.release()
	c.funcs.release()
	freeHandle(c.handle)
	c.handle = 0
	c.buf.free(c.tls)
	c.sqlbuf.free(c.tls)
	c.tls.Close()
	c.tls = nil
	c.closeErr = err
	return err
}

// closed reports whether the connection was closed, as an error to return.
func (c *Conn) check() error {
	if c == nil || c.db == 0 {
		return closedError("connection")
	}
	return nil
}

// SetContext installs ctx as the context of the work that follows on the
// connection and returns the previous one. While ctx is installed:
//
//   - when ctx ends, running SQL is interrupted (sqlite3_interrupt) and the
//     statement fails with an *Error that wraps ctx.Err(), so both
//     errors.Is(err, context.Canceled) and errors.Is(err, ErrInterrupt) hold;
//   - a statement is not started once ctx has ended;
//   - Go functions, hooks and virtual tables called by SQLite get ctx from
//     their FuncContext or Conn.Context, so they can stop early too;
//   - the busy handler stops waiting when ctx ends.
//
// A nil ctx means context.Background(). SetContext itself is cheap (one
// context.AfterFunc registration), so installing a context per call is the
// intended use. The connection stays usable after ctx ends: installing a
// live context lets the next statement run normally.
func (c *Conn) SetContext(ctx context.Context) context.Context {
	old := c.ctx
	if c.stopf != nil {
		c.stopf()
		c.stopf = nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	c.ctx = ctx
	c.done = ctx.Done()
	c.intr.Lock()
	c.intr.gen++
	gen := c.intr.gen
	c.intr.Unlock()
	if c.done != nil && c.db != 0 && !c.noIntr {
		c.stopf = context.AfterFunc(ctx, func() { c.interrupt(gen) })
	}
	return old
}

// SetInterruptOnDone chooses whether the end of the context installed with
// SetContext interrupts running SQL with sqlite3_interrupt, as it does by
// default. It applies to the contexts installed after it.
//
// sqlite3_interrupt stays in force until no statement of the connection is
// running, so while a statement is open between two steps (a paused
// iteration), one context's end also fails that statement and those that
// start meanwhile. A program that keeps statements of several contexts open
// at once turns it off and stops SQL with a progress handler that checks
// the context of the work running now (AddProgressHandler). The context
// still keeps statements from starting, ends busy waits, and is what
// callbacks see.
func (c *Conn) SetInterruptOnDone(on bool) { c.noIntr = !on }

// Context returns the context installed by SetContext, never nil.
func (c *Conn) Context() context.Context { return c.ctx }

// interrupt interrupts the connection if the context generation gen is still
// the installed one, so a context that ends late never interrupts the work of
// the one that replaced it.
func (c *Conn) interrupt(gen uint64) {
	c.intr.Lock()
	defer c.intr.Unlock()
	if c.intr.db == 0 || (gen != 0 && gen != c.intr.gen) {
		return
	}
	if c.intr.tls == nil {
		c.intr.tls = libc.NewTLS()
	}
	lib.Xsqlite3_interrupt(c.intr.tls, c.intr.db)
}

// Interrupt makes the SQL running on the connection stop as soon as possible
// with ErrInterrupt. It is safe to call from any goroutine, even while the
// connection is closing.
//
// https://sqlite.org/c3ref/interrupt.html
func (c *Conn) Interrupt() { c.interrupt(0) }

// ctxErr returns the installed context's error if it has ended.
func (c *Conn) ctxErr() error {
	if c.done == nil {
		return nil
	}
	select {
	case <-c.done:
		return c.ctx.Err()
	default:
		return nil
	}
}

// errorCode builds the *Error for result code rc, reading the connection's
// message. sql, when not empty, is the statement it concerns. If the context
// has ended and rc is an interrupt, the error wraps the context's error.
func (c *Conn) errorCode(rc int32, sql string) error {
	e := (&Error{Code: ErrorCode(rc)}).in(sql, -1)
	if c.db != 0 {
		if ext := lib.Xsqlite3_extended_errcode(c.tls, c.db); ext&0xff == rc&0xff {
			e.Code = ErrorCode(ext)
		}
		e.Msg = gostring(lib.Xsqlite3_errmsg(c.tls, c.db))
		if sql != "" {
			e.Offset = int(lib.Xsqlite3_error_offset(c.tls, c.db))
		}
	}
	// An interrupt surfaces as SQLITE_INTERRUPT from a running statement
	// but as SQLITE_ERROR "interrupted" from the parser (a prepare, or a
	// virtual table declaring its schema).
	if e.Code.Primary() == ErrInterrupt || e.Msg == "interrupted" {
		e.cause = c.ctxErr()
	}
	if cerr := c.takeCallbackError(); cerr != nil && e.cause == nil {
		e.cause = cerr
	}
	return e
}

// Changes returns the number of rows changed by the most recent INSERT,
// UPDATE or DELETE. https://sqlite.org/c3ref/changes.html
func (c *Conn) Changes() int64 {
	if c.db == 0 {
		return 0
	}
	return lib.Xsqlite3_changes64(c.tls, c.db)
}

// TotalChanges returns the number of rows changed since the connection
// opened. https://sqlite.org/c3ref/total_changes.html
func (c *Conn) TotalChanges() int64 {
	if c.db == 0 {
		return 0
	}
	return lib.Xsqlite3_total_changes64(c.tls, c.db)
}

// LastInsertRowID returns the rowid of the most recent successful INSERT.
// https://sqlite.org/c3ref/last_insert_rowid.html
func (c *Conn) LastInsertRowID() int64 {
	if c.db == 0 {
		return 0
	}
	return lib.Xsqlite3_last_insert_rowid(c.tls, c.db)
}

// SetLastInsertRowID sets what LastInsertRowID returns until the next
// INSERT: a program that shares the connection between pieces of work sets
// it to 0 before one to tell afterwards whether it inserted a row.
// https://sqlite.org/c3ref/set_last_insert_rowid.html
func (c *Conn) SetLastInsertRowID(id int64) {
	if c.db == 0 {
		return
	}
	lib.Xsqlite3_set_last_insert_rowid(c.tls, c.db, id)
}

// AutoCommit reports whether the connection is outside any transaction.
// https://sqlite.org/c3ref/get_autocommit.html
func (c *Conn) AutoCommit() bool {
	if c.db == 0 {
		return true
	}
	return lib.Xsqlite3_get_autocommit(c.tls, c.db) != 0
}

// TxnState is the transaction state of a schema (https://sqlite.org/c3ref/c_txn_none.html).
type TxnState int

// Transaction states.
const (
	TxnNone  TxnState = lib.SQLITE_TXN_NONE
	TxnRead  TxnState = lib.SQLITE_TXN_READ
	TxnWrite TxnState = lib.SQLITE_TXN_WRITE
)

// TxnState returns the transaction state of schema (such as "main"), or the
// highest state over all schemas when schema is "".
// https://sqlite.org/c3ref/txn_state.html
func (c *Conn) TxnState(schema string) TxnState {
	if c.db == 0 {
		return TxnNone
	}
	var z uintptr
	if schema != "" {
		z = c.buf.cstr(c.tls, schema)
	}
	return TxnState(lib.Xsqlite3_txn_state(c.tls, c.db, z))
}

// Filename returns the file name of schema ("main" when empty), or "" for a
// temporary or in-memory database. https://sqlite.org/c3ref/db_filename.html
func (c *Conn) Filename(schema string) string {
	if c.db == 0 {
		return ""
	}
	if schema == "" {
		schema = "main"
	}
	return gostring(lib.Xsqlite3_db_filename(c.tls, c.db, c.buf.cstr(c.tls, schema)))
}

// ReadOnly reports whether schema ("main" when empty) is read-only.
// https://sqlite.org/c3ref/db_readonly.html
func (c *Conn) ReadOnly(schema string) bool {
	if c.db == 0 {
		return true
	}
	if schema == "" {
		schema = "main"
	}
	return lib.Xsqlite3_db_readonly(c.tls, c.db, c.buf.cstr(c.tls, schema)) == 1
}

// Version returns the version of the SQLite engine, such as "3.54.1".
func Version() string { return lib.SQLITE_VERSION }

// setCallbackError records err as the cause of the statement failure that a
// Go callback is about to report to SQLite.
func (c *Conn) setCallbackError(err error) {
	if c != nil && c.cbErr == nil {
		c.cbErr = err
	}
}

// dropCallbackError forgets a callback error that no failure reported by
// the time its statement was reset or finalized, so it cannot become the
// cause of a later, unrelated error. (While the statement runs the error
// stays: hooks that cannot fail a step interrupt it, and the next step
// reports the error.) A nested statement run by a callback leaves the outer
// statement's error alone.
func (c *Conn) dropCallbackError() {
	if c.depth == 0 {
		c.cbErr = nil
	}
}

func (c *Conn) takeCallbackError() error {
	err := c.cbErr
	c.cbErr = nil
	return err
}
