package asqlite

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite/internal/worker"
	"github.com/asqlite/asqlite/sqlite"
)

// DB is a database opened for a concurrent program: one writer connection
// fed by a queue and a pool of read-only reader connections, in WAL mode so
// that reads never wait for writes. It is the SQLite layer of a web
// application, done right: no "database is locked", no lost update, a
// context on every call.
//
// A DB is safe for concurrent use by any number of goroutines.
//
// # Writes
//
// [DB.Exec], [DB.ExecScript], [DB.ExecMany] and [DB.Write] queue a write
// for the writer goroutine, which owns the only writing connection, and
// wait for its outcome. Writes run one at a time in queue order, so they never fail with
// SQLITE_BUSY among themselves. Each runs in its own BEGIN IMMEDIATE
// transaction unless [WriteOptions.NoTransaction] says otherwise.
//
// The queue holds [Options.QueueSize] writes. When it is full, a write waits
// for room (until its context ends) or, with [Options.FailWhenQueueFull],
// fails at once with [ErrQueueFull].
//
// # Group commit
//
// Writes that are queued together share one transaction, and so one COMMIT
// and one fsync, which is what makes many small writes fast. Each write
// after the first of a group runs inside its own SAVEPOINT: a write that
// fails is rolled back alone and its caller gets its error at once; the
// others go on. The callers of the successful writes hear "done" only after
// the shared COMMIT succeeded. If the shared transaction fails as a whole —
// the COMMIT fails (I/O error, disk full, a deferred foreign key), or SQLite
// rolls the whole transaction back in the middle (SQLITE_FULL, an
// interrupted INSERT) — nothing of it was applied, and each write that was
// still waiting is run again in a transaction of its own, whose outcome is
// what its caller gets. A write is thus applied exactly once or not at all,
// and reported committed only when it is. A group holds at most
// [Options.MaxBatch] writes and takes no new write once it has been open for
// [Options.MaxBatchDelay]. [Options.DisableGroupCommit] turns grouping off.
//
// Because of such a retry, the function given to Write may run more than
// once; only its last run's database changes remain, but other effects it
// has are repeated, so keep it free of them (or idempotent).
//
// # Reads
//
// [DB.Read], [DB.Query], [DB.QueryRow] and [DB.QueryRows] run on a reader
// connection taken from the pool, on the calling goroutine (no hand-off),
// and return the same [Row] as [Conn]. Readers see the last committed state, and never wait for the
// writer; a read that must see uncommitted work of a write belongs in that
// write's function. Each read has a time limit ([Options.ReadTimeLimit], 1s by
// default), enforced like a context deadline: the SQL is interrupted and Go
// functions see their context end. QueryRows caps the rows it returns
// ([Options.MaxRows]) and says when it truncated them. Reader returns a handle
// with other limits for the calls that need them. Pragma runs on the
// writer, in queue order.
//
// # Contexts
//
// Every call takes a context. A write whose context ends while it is queued
// never runs and returns the context's error at once. Once the writer has
// started it, its SQL is interrupted, its function sees the context end,
// and the caller waits for the writer's answer, which is then exact: an
// error means nothing of the write was applied, nil means it committed. A
// write whose context ends while it waits for its group's COMMIT is still
// committed and reports nil.
//
// # Special databases
//
// The path ":memory:" (or "") opens a private temporary database that lives
// as long as the DB: a WAL database in a temporary directory (in /dev/shm,
// a memory file system, when it exists), removed by Close, with
// synchronous=OFF unless [Options.Synchronous] says otherwise. A true in-memory
// database cannot be used because SQLite's in-memory databases have no WAL:
// their readers would wait for every write transaction. Shared-memory URIs
// ("file:/x?vfs=memdb", "mode=memory&cache=shared") are opened as given,
// with the locking of a rollback journal.
//
// A read-only database ([Options.ReadOnly], a file the process may not
// write, "?mode=ro" or "?immutable=1") has no writer: writes fail with
// [ErrReadOnly].
//
// # Closing
//
// Close stops taking calls, lets the queued writes and running reads
// finish, checkpoints the WAL, runs PRAGMA optimize and closes every
// connection. CloseContext does the same until its context ends, then
// cancels what remains.
type DB struct {
	path     string // as given to Open
	name     string // what connections open
	tmpDir   string // private temporary database directory, removed by Close
	opts     Options
	readOnly bool

	// Writes.
	quit      chan struct{} // closed when Close starts
	cancelled atomic.Bool   // Close gave up draining: fail what is queued
	w         *dbWriter     // nil for a read-only database
	wdone     chan struct{} // closed when the writer goroutine exits

	// Reads.
	readers chan *dbReader
	all     []*dbReader

	// Registrations applied to every connection (see Register).
	regMu  sync.Mutex
	regs   []func(*sqlite.Conn) error
	regGen atomic.Int64
	// callbacks says the connections may run Go code of the user's
	// (a ConnectHook, registrations) while SQL runs.
	callbacks atomic.Bool
	// roRegMu serializes Register on a read-only DB.
	roRegMu sync.Mutex

	stats dbCounters

	closeOnce sync.Once
	closeErr  error
}

// ErrQueueFull is returned by a write when the DB's queue is full and
// [Options.FailWhenQueueFull] is set.
var ErrQueueFull = worker.ErrQueueFull

// ErrReadOnly is reported by every write to a DB opened read-only. The
// error returned matches the code SQLITE_READONLY too, so
// errors.Is(err, [sqlite.ErrReadOnly]) holds as well.
var ErrReadOnly = errors.New("asqlite: database is read-only")

var errDBReadOnly error = &dbCodeError{code: sqlite.ErrReadOnly, err: ErrReadOnly}
var errDBClosed error = &wrapError{msg: "asqlite: database is closed", err: ErrClosed}

// dbCodeError is a sentinel that also matches an [sqlite.ErrorCode].
type dbCodeError struct {
	code sqlite.ErrorCode
	err  error
}

func (e *dbCodeError) Error() string   { return e.err.Error() }
func (e *dbCodeError) Unwrap() []error { return []error{e.err, e.code} }

// Open opens the database at path (a file name, a URI such as
// "file:x.db?mode=ro", or ":memory:") with one writer connection and
// opts.Readers reader connections, and starts the writer goroutine. A nil
// opts means the defaults of Options.
//
// The writer sets the database to WAL mode and configures each connection:
// synchronous (writer), foreign keys, a busy timeout that respects the
// call's context, double-quoted string literals off, the statement cache,
// journal_size_limit (writer) and query_only (readers), then runs
// opts.ConnectHook. ctx bounds the opening; it is not kept.
//
// Errors: the file cannot be opened or is not a database (an [*sqlite.Error]),
// the hook failed, or ctx ended.
func Open(ctx context.Context, path string, opts *Options) (*DB, error) {
	if ctx == nil {
		return nil, worker.ErrNilContext
	}
	if err := ctx.Err(); err != nil {
		return nil, worker.CtxError(ctx, "open")
	}
	o := opts.withDefaults()
	db := &DB{path: path, name: path, opts: o, readOnly: o.ReadOnly, quit: make(chan struct{})}
	if dbPrivateMemory(path) {
		dir, err := dbTempDir()
		if err != nil {
			return nil, fmt.Errorf("asqlite: creating the private database for %q: %w", path, err)
		}
		db.tmpDir = dir
		db.name = filepath.Join(dir, "memory.db")
		db.readOnly = false
		if opts == nil || opts.Synchronous == 0 {
			db.opts.Synchronous = sqlite.SyncOff
		}
	}
	db.callbacks.Store(o.ConnectHook != nil)
	ok := false
	defer func() {
		if !ok {
			db.closeConns()
		}
	}()
	if !db.readOnly {
		c, err := db.connect(ctx, false)
		if err != nil {
			return nil, err
		}
		if c.ReadOnly("main") {
			// The file, its directory or the URI allow no writing.
			c.Close()
			db.readOnly = true
		} else {
			db.w = newDBWriter(db, c)
		}
	}
	db.readers = make(chan *dbReader, o.Readers)
	for range o.Readers {
		c, err := db.connect(ctx, true)
		if err != nil {
			return nil, err
		}
		r := &dbReader{conn: c}
		r.guard.Stop = &db.cancelled
		r.guard.Install(c)
		db.all = append(db.all, r)
		db.readers <- r
	}
	if db.w != nil {
		db.wdone = make(chan struct{})
		go db.w.start()
	}
	ok = true
	return db, nil
}

// dbPrivateMemory reports whether path names a private in-memory database,
// which each connection would see as a different, empty database.
func dbPrivateMemory(path string) bool {
	if path == "" || path == ":memory:" {
		return true
	}
	rest, isURI := strings.CutPrefix(path, "file:")
	if !isURI {
		return false
	}
	file, query, _ := strings.Cut(rest, "?")
	q, _ := url.ParseQuery(query)
	if q.Get("cache") == "shared" || q.Get("vfs") != "" {
		return false
	}
	return file == ":memory:" || q.Get("mode") == "memory"
}

// readOnlyURI returns name for a read-only connection: a URI asking for
// mode=rw or rwc would make SQLite refuse to open it read-only ("access
// mode not allowed"), so it asks for mode=ro instead.
func readOnlyURI(name string) string {
	rest, isURI := strings.CutPrefix(name, "file:")
	if !isURI {
		return name
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	if !hasQuery {
		return name
	}
	query, fragment, hasFragment := strings.Cut(query, "#")
	params := strings.Split(query, "&")
	for i, p := range params {
		if p == "mode=rw" || p == "mode=rwc" {
			params[i] = "mode=ro"
		}
	}
	name = "file:" + path + "?" + strings.Join(params, "&")
	if hasFragment {
		name += "#" + fragment
	}
	return name
}

// dbTempDir makes a directory for a private database, in memory when the
// system has a memory file system.
func dbTempDir() (string, error) {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "asqlite-"); err == nil {
			return dir, nil
		}
	}
	return os.MkdirTemp("", "asqlite-")
}

// connect opens and configures one connection of the DB.
func (db *DB) connect(ctx context.Context, readOnly bool) (*sqlite.Conn, error) {
	flags, name := sqlite.OpenReadWrite|sqlite.OpenCreate, db.name
	if readOnly {
		flags, name = sqlite.OpenReadOnly, readOnlyURI(name)
	}
	c, err := sqlite.Open(name, flags)
	if err != nil {
		return nil, err
	}
	// Deferred, so that a panic or runtime.Goexit in the user's code that
	// configure runs does not leak the connection.
	configured := false
	defer func() {
		if !configured {
			c.Close()
		}
	}()
	c.SetContext(ctx)
	if err := db.configure(c, readOnly); err != nil {
		return nil, err
	}
	configured = true
	c.SetContext(context.Background())
	return c, nil
}

// configure applies the DB's settings, its ConnectHook and its
// registrations to a freshly opened connection.
func (db *DB) configure(c *sqlite.Conn, readOnly bool) error {
	o := &db.opts
	c.SetBusyTimeout(o.BusyTimeout)
	fail := func(what string, err error) error {
		return fmt.Errorf("asqlite: configuring a connection to %s: %s: %w", db.path, what, err)
	}
	if err := c.SetForeignKeys(!o.DisableForeignKeys); err != nil {
		return fail("foreign keys", err)
	}
	// Double-quoted strings are identifiers, never string literals.
	for _, op := range []sqlite.DBConfig{sqlite.DBConfigDQSDML, sqlite.DBConfigDQSDDL} {
		if _, err := c.SetDBConfig(op, false); err != nil {
			return fail("double-quoted strings", err)
		}
	}
	if readOnly {
		if err := c.SetPragma("query_only", true); err != nil {
			return fail("query_only", err)
		}
	} else if !c.ReadOnly("main") {
		if _, err := c.SetJournalMode(sqlite.JournalWAL); err != nil {
			return fail("WAL mode", err)
		}
		if err := c.SetSynchronous(o.Synchronous); err != nil {
			return fail("synchronous", err)
		}
		if err := c.SetPragma("journal_size_limit", max(o.JournalSizeLimit, -1)); err != nil {
			return fail("journal_size_limit", err)
		}
	}
	c.SetCacheSize(max(o.StatementCache, 0))
	if o.ConnectHook != nil {
		if err := o.ConnectHook(c, readOnly); err != nil {
			return fmt.Errorf("asqlite: connect hook: %w", err)
		}
	}
	db.regMu.Lock()
	regs := db.regs
	db.regMu.Unlock()
	for _, fn := range regs {
		if err := fn(c); err != nil {
			return fmt.Errorf("asqlite: registration: %w", err)
		}
	}
	return nil
}

// Path returns the path the DB was opened with.
func (db *DB) Path() string { return db.path }

// ReadOnly reports whether the DB has no writer (see [Options.ReadOnly]).
func (db *DB) ReadOnly() bool { return db.readOnly }

// Close closes the DB gracefully: new calls fail with [ErrClosed], queued
// writes run and complete, running reads finish, then the WAL is
// checkpointed (TRUNCATE), PRAGMA optimize runs (unless disabled) and every
// connection closes. No goroutine of the DB remains. Close may be called
// any number of times, from any goroutine: every call waits for the end and
// returns the same error, as [Conn.Close] does. Called from inside the DB (a Write or Read function, a Go
// function SQL calls during a write, the body of a Query loop), where it
// would wait for itself, Close fails with [ErrReentrant] and closes nothing.
// It is CloseContext with a context that never ends.
//
// https://sqlite.org/c3ref/close.html
func (db *DB) Close() error { return db.CloseContext(context.Background()) }

// CloseContext closes the DB like Close while ctx lasts. If ctx ends first
// (or has ended), Close stops draining: writes still queued fail with
// [ErrClosed] without running, SQL running on any connection is interrupted,
// reads see their context end, and CloseContext waits for the calls
// already running to return (a Go function that ignores its context keeps
// them running) before closing everything. The error reports a failed
// final checkpoint or close, not ctx's end.
func (db *DB) CloseContext(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if db.inside() {
		return ErrReentrant
	}
	db.closeOnce.Do(func() { db.closeErr = db.close(ctx) })
	return db.closeErr
}

// inside reports whether the calling goroutine runs code of the DB's own:
// the writer (a Write function, a Go function its SQL calls) or a read's
// (Read's function, Query's loop body, a Go function a read calls).
// Closing from there would wait for itself.
//
// A read runs on the caller's goroutine, whose identity costs a
// microsecond to learn: too much for every read. So Close, when a read is
// in progress, looks for the read methods' frames on its own stack
// instead. Frames do not tell which DB they read: a Close of this DB from
// inside a read of another one, while this one also has a read in
// progress, is refused too.
func (db *DB) inside() bool {
	if db.w != nil && db.w.q.OnWorker() {
		return true
	}
	reading := false
	for _, r := range db.all {
		reading = reading || r.busy.Load()
	}
	if !reading {
		return false
	}
	pcs := make([]uintptr, 128)
	n := runtime.Callers(2, pcs)
	for n == len(pcs) { // a deep stack: the frames sought are at its bottom
		pcs = make([]uintptr, 2*len(pcs))
		n = runtime.Callers(2, pcs)
	}
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.File == readFile {
			return true
		}
		if !more {
			return false
		}
	}
}

// readFile is the file of the read methods, whose frames lie below the
// caller's code of a read (Read's function, Query's loop body). Frames are
// matched by file, not function name: names change when a closure is
// inlined into its caller.
var readFile, _ = runtime.FuncForPC(reflect.ValueOf(Reader.Read).Pointer()).FileLine(reflect.ValueOf(Reader.Read).Pointer())

func (db *DB) close(ctx context.Context) error {
	cancelled := make(chan struct{})
	stopCancel := context.AfterFunc(ctx, func() {
		db.cancel()
		close(cancelled)
	})

	close(db.quit)
	if db.w != nil {
		// No more submissions; the writer runs what is queued.
		db.w.q.Close()
		<-db.wdone
	}
	// Wait for every reader to come back.
	for range len(db.all) {
		<-db.readers
	}
	if !stopCancel() {
		<-cancelled
	}
	return db.closeConns()
}

// cancel makes Close give up draining. It returns when the writer goroutine
// and every read have finished.
func (db *DB) cancel() {
	db.cancelled.Store(true)
	if db.w != nil {
		db.w.q.Cancel()
	}
	// Interrupting is lossy (it only stops a statement that is running),
	// so keep at it until everything has returned.
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		busy := false
		if db.w != nil {
			select {
			case <-db.wdone:
			default:
				busy = true
				db.w.interrupt()
			}
		}
		for _, r := range db.all {
			if r.cancelRead() {
				busy = true
			}
		}
		if !busy {
			return
		}
		<-t.C
	}
}

// closeConns finishes the writer's work and closes every connection. It
// runs when no goroutine uses them anymore.
func (db *DB) closeConns() error {
	var errs []error
	for _, r := range db.all {
		errs = append(errs, r.conn.Close())
	}
	if w := db.w; w != nil && w.conn != nil {
		c := w.conn
		c.SetContext(context.Background())
		if !c.AutoCommit() {
			c.Exec("ROLLBACK")
		}
		if err := c.Exec("PRAGMA main.wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, fmt.Errorf("asqlite: final checkpoint: %w", err))
		} else {
			db.stats.checkpoints.Add(1)
		}
		if !db.opts.DisableOptimizeOnClose {
			if err := c.Exec("PRAGMA optimize"); err != nil {
				errs = append(errs, fmt.Errorf("asqlite: PRAGMA optimize: %w", err))
			}
		}
		errs = append(errs, c.Close())
	}
	if db.tmpDir != "" {
		errs = append(errs, os.RemoveAll(db.tmpDir))
	}
	return errors.Join(errs...)
}
