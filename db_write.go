package asqlite

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// DB runs the same code as Conn and Tx.
var _ Querier = (*DB)(nil)

// Writer makes writes with options of their own; DB.Writer returns one. A
// Writer is a small value, safe for concurrent use, valid as long as its DB.
type Writer struct {
	db   *DB
	opts WriteOptions
}

// Writer returns a Writer whose writes run with o; see WriteOptions.
func (db *DB) Writer(o WriteOptions) Writer { return Writer{db: db, opts: o} }

// Exec queues sql, one statement or a script of several, with args (bound
// as sqlite.Conn.Exec does: positional ones consumed by the statements in
// order, sqlite.Named ones going to every statement that names them), and
// waits until it has committed or failed. It runs in a transaction of its
// own or in a group transaction, so a script is atomic; see DB for what
// the outcome guarantees. In the Result, LastInsertRowID is 0 when the
// write inserted no row, and Changes 0 when it changed none (the writer
// connection is shared, so SQLite's own values could be another write's).
//
// Errors: the statement's *sqlite.Error (a constraint, a syntax error...),
// the context's error (wrapping context.Canceled or DeadlineExceeded),
// ErrQueueFull, ErrReadOnly, ErrClosed, or ErrReentrant when called from
// the writer itself.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) (Result, error) {
	return db.Writer(WriteOptions{}).Exec(ctx, sql, args...)
}

// ExecScript queues a script of statements, run in order as one write but
// outside the writer's transactions, as if by the sqlite3 shell: each
// statement commits by itself, unless the script opens a transaction of
// its own (BEGIN ... COMMIT), and a failure leaves the statements before it
// applied. Use it for scripts that manage their transactions (migrations)
// or hold statements that cannot run in a transaction (VACUUM, PRAGMA
// journal_mode); for an atomic script use Exec. A script that leaves a
// transaction open is rolled back and reported as an error. args are bound
// as for Exec.
func (db *DB) ExecScript(ctx context.Context, script string, args ...any) error {
	return db.Writer(WriteOptions{}).ExecScript(ctx, script, args...)
}

// ExecMany queues the single statement sql to run once per argument list in
// argSets, as one write: all of the runs are applied or none is. Changes
// is their total, LastInsertRowID the last one's.
func (db *DB) ExecMany(ctx context.Context, sql string, argSets [][]any) (Result, error) {
	return db.Writer(WriteOptions{}).ExecMany(ctx, sql, argSets)
}

// Pragma runs "PRAGMA " + pragma, such as "user_version", "user_version = 3"
// or "table_info(t)", on the writer, in queue order and outside any
// transaction, and returns the first column of its first row as int64,
// float64, string, []byte, or nil when the pragma returns no row. A pragma
// that changes a connection setting changes the writer's only; Register
// changes every connection. On a read-only DB a reader runs it.
//
// https://sqlite.org/pragma.html
func (db *DB) Pragma(ctx context.Context, pragma string) (any, error) {
	var v any
	fn := func(c *sqlite.Conn) error {
		v = nil
		for s, err := range c.Query("PRAGMA " + pragma) {
			if err != nil {
				return err
			}
			v = s.ColumnValue(0)
			break
		}
		return nil
	}
	if db.readOnly {
		// No writer: a reader answers (and refuses to write).
		return v, db.Read(ctx, fn)
	}
	return v, db.Writer(WriteOptions{NoTransaction: true}).Write(ctx, fn)
}

// Write queues fn to run on the writer connection and waits for the
// outcome. fn runs in the write's transaction (or savepoint, in a group):
// if it returns an error or panics, its changes are rolled back and the
// error is returned (the panic is raised again in the caller); if it
// returns nil, its changes commit before Write returns nil.
//
// fn runs on the writer goroutine with ctx installed on the connection
// (c.Context() returns a context derived from ctx; when it ends, SQL is
// interrupted). fn must not keep c after it returns, must not end the
// transaction (COMMIT, ROLLBACK), and must not wait for another write of
// the same DB, which could only run after fn returns: such a call fails
// with ErrReentrant. fn may run more than once (see DB, Group commit).
// Reads in fn see the write's own uncommitted changes. (In a group, the
// writer keeps a marker in temp.user_version of its connection.)
func (db *DB) Write(ctx context.Context, fn func(c *sqlite.Conn) error) error {
	return db.Writer(WriteOptions{}).Write(ctx, fn)
}

// Exec is DB.Exec with the Writer's options.
func (wt Writer) Exec(ctx context.Context, sql string, args ...any) (Result, error) {
	w := newDBWrite(dbWriteExec, wt.opts)
	w.sql, w.args = sql, args
	return wt.db.submit(ctx, w)
}

// ExecScript is DB.ExecScript with the Writer's options (NoTransaction
// goes without saying).
func (wt Writer) ExecScript(ctx context.Context, script string, args ...any) error {
	w := newDBWrite(dbWriteScript, wt.opts)
	w.sql, w.args = script, args
	_, err := wt.db.submit(ctx, w)
	return err
}

// ExecMany is DB.ExecMany with the Writer's options. Without a
// transaction, each run commits by itself and a failure leaves the
// earlier runs applied.
func (wt Writer) ExecMany(ctx context.Context, sql string, argSets [][]any) (Result, error) {
	w := newDBWrite(dbWriteMany, wt.opts)
	w.sql, w.argSets = sql, argSets
	return wt.db.submit(ctx, w)
}

// Write is DB.Write with the Writer's options.
func (wt Writer) Write(ctx context.Context, fn func(c *sqlite.Conn) error) error {
	if fn == nil {
		return sqlite.Errorf(sqlite.ErrMisuse, "asqlite: Write with a nil function")
	}
	w := newDBWrite(dbWriteFunc, wt.opts)
	w.fn = fn
	_, err := wt.db.submit(ctx, w)
	return err
}

// dbWriteKind says what a queued write does.
type dbWriteKind uint8

const (
	dbWriteExec     dbWriteKind = iota // statements, args
	dbWriteScript                      // statements, args, no transaction
	dbWriteMany                        // one statement, many arg lists
	dbWriteFunc                        // a Go function
	dbWriteRegister                    // a registration (see Register)
)

// States of a queued write. The caller may abandon it only while it is
// queued; once the writer has taken it, the caller waits for the answer.
const (
	dbQueued int32 = iota
	dbTaken
	dbAbandoned
)

// dbWrite is one write on its way through the queue.
type dbWrite struct {
	db      *DB
	ctx     context.Context
	kind    dbWriteKind
	opts    WriteOptions
	sql     string
	args    []any
	argSets [][]any
	fn      func(*sqlite.Conn) error
	queued  time.Time

	state atomic.Int32

	// Set by the writer before it signals done.
	res      Result
	err      error
	panicked any
	done     chan struct{}
}

var dbWritePool = sync.Pool{New: func() any { return &dbWrite{done: make(chan struct{}, 1)} }}

func newDBWrite(kind dbWriteKind, o WriteOptions) *dbWrite {
	w := dbWritePool.Get().(*dbWrite)
	w.kind, w.opts = kind, o
	return w
}

// recycle returns w to the pool once nobody refers to it anymore.
func (w *dbWrite) recycle() {
	*w = dbWrite{done: w.done}
	dbWritePool.Put(w)
}

// dbWriterKey marks the contexts the writer installs, so that a call made
// with one of them (from a Go function SQL calls during a write, say) is
// known to come from the writer.
type dbWriterKey struct{}

// submit queues w and waits for its outcome.
func (db *DB) submit(ctx context.Context, w *dbWrite) (Result, error) {
	if ctx == nil {
		return Result{}, errNilContext
	}
	if db.readOnly {
		return Result{}, errDBReadOnly
	}
	if ctx.Err() != nil {
		return Result{}, ctxError(ctx, "write not queued")
	}
	if db.reentrant(ctx) {
		return Result{}, ErrReentrant
	}
	w.db, w.ctx = db, ctx
	w.queued = time.Now()

	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return Result{}, errDBClosed
	}
	select {
	case db.queue <- w:
	default:
		if db.opts.FailWhenQueueFull {
			db.mu.RUnlock()
			db.stats.queueFull.Add(1)
			return Result{}, ErrQueueFull
		}
		db.stats.queueWaits.Add(1)
		select {
		case db.queue <- w:
		case <-ctx.Done():
			db.mu.RUnlock()
			return Result{}, ctxError(ctx, "write waiting for room in the queue")
		}
	}
	db.mu.RUnlock()

	select {
	case <-w.done:
	case <-ctx.Done():
		if w.state.CompareAndSwap(dbQueued, dbAbandoned) {
			// The writer will skip it; it is not recycled.
			db.stats.abandoned.Add(1)
			return Result{}, ctxError(ctx, "write waiting in the queue")
		}
		// The writer has it: its SQL is being interrupted and the answer
		// will say exactly what happened.
		<-w.done
	}
	res, err, p := w.res, w.err, w.panicked
	w.recycle()
	if p != nil {
		panic(p)
	}
	return res, err
}

// reentrant reports whether a write made with ctx would wait for the writer
// while running on it.
func (db *DB) reentrant(ctx context.Context) bool {
	if v, ok := ctx.Value(dbWriterKey{}).(*DB); ok && v == db {
		return true
	}
	// A function given to Write may call the DB with an outer context: on
	// the writer goroutine itself, that call would never be answered.
	return db.w != nil && db.w.inUserCode.Load() && goid() == db.w.goid.Load()
}
