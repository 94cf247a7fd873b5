package asqlite

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/asqlite/asqlite/internal/worker"
	"github.com/asqlite/asqlite/sqlite"
)

// Conn is one SQLite connection with a goroutine of its own, the worker,
// which serves the calls that arrive while the connection is busy. A call
// that runs only SQL ([Conn.Exec], [Conn.QueryRow], [Conn.Pragma]) and
// finds the connection idle runs on its caller's goroutine instead, sparing
// the hand-over; that stops once user code has had the [*sqlite.Conn]
// ([Conn.Run], [Tx.Run]), since a Go callback registered there and calling
// back into the Conn could then not be recognised. Either way one goroutine
// at a time uses the connection.
//
// Every method is safe for concurrent use by any number of goroutines. Calls
// run one at a time, in the order they arrive (first come, first served);
// each takes a context that bounds it in every phase:
//
//   - queued: a call whose context ends while it waits for the worker never
//     runs and returns at once;
//   - running SQL: the statement is stopped within some thousands of
//     virtual machine steps and fails; only the cancelled call's own
//     statements stop, never those of an iteration paused between batches
//     (SQLite's own rule aside: rolling back a transaction that changed the
//     schema aborts every statement of the connection, paused iterations
//     included, with SQLITE_ABORT_ROLLBACK);
//   - running Go code: functions, hooks and virtual tables get the call's
//     context ([sqlite.FuncContext.Context], [sqlite.Conn.Context]) and
//     should return when it ends.
//
// Either way the error satisfies errors.Is(err, context.Canceled) or
// errors.Is(err, context.DeadlineExceeded), and the connection stays
// usable: the next call runs normally. What a cancelled call leaves behind:
//
//   - an autocommit statement (Exec of one statement, a query) leaves
//     nothing: SQLite undoes a statement that fails;
//   - a call that opened a transaction and failed (a script "BEGIN; ...;
//     COMMIT" cancelled half way, a Run function returning an error with a
//     transaction open) has that transaction rolled back by the worker
//     before the next call;
//   - inside Tx, the cancelled statement fails, the block's function gets
//     its error, and the block (only that block: a nested block is a
//     savepoint) is rolled back; a block whose context ends before its
//     COMMIT is rolled back too;
//   - a transaction the caller opened with Exec("BEGIN") and left open is
//     kept, except that SQLite itself rolls a transaction back when a write
//     in it is interrupted (https://sqlite.org/c3ref/interrupt.html).
//
// A running call returns its real outcome, even after its context ended:
// an error means the call applied nothing (beyond what the list above
// says), nil that it was applied, as when a statement calling a slow Go
// function completes after its deadline. A Go function that ignores its
// context thus delays its caller, and Run and Tx wait for their function,
// which may share memory with the caller: functions must watch their
// context. The context they get reports an expired deadline as soon as it
// has passed, before its timer fires.
//
// A call made from the worker itself (a Go function or hook calling back
// into its Conn, or Run's function calling Conn methods) fails at once with
// [ErrReentrant] instead of deadlocking; see [ErrReentrant] for how it is
// recognised.
//
// Close the Conn when done; see [Conn.Close] for what happens to calls in
// flight.
type Conn struct {
	w          *worker.Worker[*call]
	exited     chan struct{} // closed by the worker when it is done
	closeErr   error
	queuedHook atomic.Pointer[func()] // tests: a call is about to wait in the queue

	opts ConnOptions

	mu       sync.Mutex
	garbage  []*cursor // cursors abandoned by their readers
	ngarbage atomic.Int32

	// callbacks is set once user code has had the *sqlite.Conn (Run, Tx's
	// Run): Go callbacks may be registered, which could call back into the
	// Conn from a direct call, where that could not be recognised.
	callbacks atomic.Bool

	// State of the goroutine holding the connection (the worker, or a
	// caller running a call directly).
	sc        *sqlite.Conn
	cursors   map[*cursor]struct{}
	readAhead *cursor      // cursor whose next batch the idle worker reads
	serving   *call        // call the worker serves (see goexit)
	guard     worker.Guard // stops the running call's SQL
}

// ConnOptions tune OpenConn. The zero value (or a nil *ConnOptions) gives
// the defaults.
type ConnOptions struct {
	// Flags are the open flags (sqlite.Open). Zero means read-write,
	// creating the database if needed.
	Flags sqlite.OpenFlags

	// BatchSize is how many rows Query copies out of SQLite and hands to
	// the reading goroutine at once (fewer when the rows hold more than a
	// MiB of text and blobs). Zero means 64.
	BatchSize int

	// TxMode is how Tx begins a transaction (sqlite.Deferred by default;
	// sqlite.Immediate takes the write lock at once).
	TxMode sqlite.TxMode
}

// DefaultBatchSize is the number of rows Query hands over at once unless
// [ConnOptions.BatchSize] says otherwise.
const DefaultBatchSize = 64

func (o *ConnOptions) resolve() ConnOptions {
	var r ConnOptions
	if o != nil {
		r = *o
	}
	if r.BatchSize <= 0 {
		r.BatchSize = DefaultBatchSize
	}
	return r
}

// OpenConn opens the database at path (a file name, a URI such as
// "file:x.db?mode=ro", or ":memory:"; see sqlite.Open) on a new worker
// goroutine. A nil opts means the defaults.
//
// If ctx ends before the database is open, OpenConn returns the context's
// error and the worker closes the connection as soon as the open completes.
// Errors opening the database are [*sqlite.Error] values ([sqlite.ErrCantOpen],
// [sqlite.ErrNotADB], ...).
//
// https://sqlite.org/c3ref/open.html
func OpenConn(ctx context.Context, path string, opts *ConnOptions) (*Conn, error) {
	if ctx == nil {
		return nil, worker.ErrNilContext
	}
	if ctx.Err() != nil {
		return nil, worker.CtxError(ctx, "opening "+path)
	}
	c := &Conn{
		exited:  make(chan struct{}),
		opts:    opts.resolve(),
		cursors: make(map[*cursor]struct{}),
	}
	c.newWorker()
	opened := make(chan error, 1)
	go c.start(path, opened)
	select {
	case err := <-opened:
		if err != nil {
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		c.beginClose() // the worker closes the connection once open
		return nil, worker.CtxError(ctx, "opening "+path)
	}
}

// Close closes the connection:
//
//   - new calls, and calls still queued, fail with [ErrClosed] without
//     running;
//   - the call running now, if any, is allowed to finish, and Close waits
//     for it (cancel its context to make it stop sooner);
//   - iterations between two batches are ended: their next batch reports
//     [ErrClosed];
//   - then the connection is closed (finalizing its statements) and the
//     worker goroutine exits before Close returns.
//
// Close may be called from any goroutine and any number of times; every
// call waits for the end and returns the same error, that of closing the
// SQLite connection. Called from the worker itself (from a callback) it
// fails with [ErrReentrant].
//
// https://sqlite.org/c3ref/close.html
func (c *Conn) Close() error {
	if c.w.OnWorker() {
		select {
		case <-c.exited:
		default:
			return ErrReentrant
		}
	}
	c.beginClose()
	<-c.exited
	return c.closeErr
}

// beginClose stops accepting calls and fails the queued ones. It does not
// wait.
func (c *Conn) beginClose() {
	c.w.Close()
	c.w.Cancel()
}

// Result reports what an Exec did.
type Result struct {
	// LastInsertRowID is the rowid of the most recent successful INSERT on
	// the connection, as it was right after the statements ran
	// (https://sqlite.org/c3ref/last_insert_rowid.html).
	LastInsertRowID int64
	// Changes is the number of rows inserted, updated or deleted by the
	// last INSERT, UPDATE or DELETE statement that ran
	// (https://sqlite.org/c3ref/changes.html).
	Changes int64
}

// Exec runs sql, one statement or a script of several, discarding any
// rows. Arguments are bound as [sqlite.Conn.Exec] does: positional ones are
// consumed by the statements in order, [sqlite.Named] ones go to every
// statement that names them. The Result is read on the worker right after
// the statements ran, so other callers' statements cannot change it.
//
// Errors from SQLite are [*sqlite.Error] values; see Conn for the errors
// and the transaction state of a cancelled call.
//
// https://sqlite.org/c3ref/exec.html
func (c *Conn) Exec(ctx context.Context, sql string, args ...any) (Result, error) {
	var res Result
	err := c.call(ctx, false, func(sc *sqlite.Conn) (err error) {
		res, err = execOn(sc, sql, args)
		return err
	})
	return res, err
}

// QueryRow runs the query sql and returns its first row, which the caller
// keeps. It never returns nil: when the query fails or returns no row, the
// Row carries the error ([ErrNoRows] for no row), which [Row.Err] and [Row.Scan]
// report. Further rows are not read.
//
//	var n int
//	err := conn.QueryRow(ctx, "SELECT count(*) FROM t WHERE x > ?", 10).Scan(&n)
func (c *Conn) QueryRow(ctx context.Context, sql string, args ...any) *Row {
	var row *Row
	err := c.call(ctx, false, func(sc *sqlite.Conn) error {
		row = queryRowOn(sc, sql, args)
		if row.err == ErrNoRows {
			return nil
		}
		return row.err
	})
	if err != nil {
		return &Row{err: err}
	}
	return row
}

// Pragma runs "PRAGMA " + pragma, such as "journal_mode", "user_version = 3"
// or "table_info(t)", and returns the first column of its first row as
// int64, float64, string, []byte, or nil when the pragma returns no row.
// For pragmas returning several rows use Query, or the pragma's table-valued
// function (SELECT * FROM pragma_table_info('t')).
//
// https://sqlite.org/pragma.html
func (c *Conn) Pragma(ctx context.Context, pragma string) (any, error) {
	return pragmaValue(c.QueryRow(ctx, "PRAGMA "+pragma))
}

func pragmaValue(r *Row) (any, error) {
	if r.err == ErrNoRows {
		return nil, nil
	}
	if r.err != nil {
		return nil, r.err
	}
	return r.Value(0), nil
}

// Run runs fn on the worker with the plain connection and returns fn's
// error. The call is served in turn like any other, and no other call runs
// until fn returns, so fn may do many things at once: a schema upgrade, a
// dump, an analysis. ctx is installed on the connection while fn runs:
// when it ends, fn's SQL is interrupted and sc.Context() reports it.
//
// fn must not keep sc, nor use it from other goroutines, nor close it; and
// it must return once ctx ends, because Run waits for it. Inside fn, use
// sc, not c (calling c from fn fails with [ErrReentrant]). If fn returns an
// error with a transaction open that it opened, the worker rolls that
// transaction back. A panic in fn is re-raised in the caller of Run, after
// the worker recovered it.
//
// Run is also how Go code is registered with the connection: functions,
// collations, hooks, virtual table modules, settings such as the busy
// timeout, all with the binding's own methods:
//
//	err := c.Run(ctx, func(sc *sqlite.Conn) error {
//		return sc.CreateFunction("slugify", 1, sqlite.Deterministic, slugify)
//	})
//
// SQLite then runs that code on the worker, inside the statements of later
// calls, with each call's context installed: a function reads it from
// [sqlite.FuncContext.Context], and a hook or virtual table from
// [sqlite.Conn.Context] of the connection it was registered on (a callback
// may use sc for that: it runs on the worker, which holds sc). When that
// context ends the statement is being cancelled, and code that blocks
// should return (returning ctx.Err() fails the statement with an error
// satisfying errors.Is(err, context.Canceled) or
// context.DeadlineExceeded). Registered code must not call c (such calls
// fail with [ErrReentrant]); to run SQL it uses the connection it is given
// ([sqlite.FuncContext.Conn]), as SQLite allows. Call the remove function
// of a hook through Run too.
func (c *Conn) Run(ctx context.Context, fn func(sc *sqlite.Conn) error) error {
	return c.call(ctx, true, fn)
}
