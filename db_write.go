package asqlite

import (
	"context"
	"sync"
	"time"

	"github.com/asqlite/asqlite/internal/worker"
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
	w := newDBWrite(wt.opts, false, wt.opts.NoTransaction)
	w.sql, w.args = sql, args
	return wt.db.submit(ctx, w, w.execFn)
}

// ExecScript is DB.ExecScript with the Writer's options (NoTransaction
// goes without saying).
func (wt Writer) ExecScript(ctx context.Context, script string, args ...any) error {
	w := newDBWrite(wt.opts, false, true)
	w.sql, w.args = script, args
	_, err := wt.db.submit(ctx, w, w.execFn)
	return err
}

// ExecMany is DB.ExecMany with the Writer's options. Without a
// transaction, each run commits by itself and a failure leaves the
// earlier runs applied.
func (wt Writer) ExecMany(ctx context.Context, sql string, argSets [][]any) (Result, error) {
	w := newDBWrite(wt.opts, false, wt.opts.NoTransaction)
	w.sql, w.argSets = sql, argSets
	return wt.db.submit(ctx, w, w.manyFn)
}

// Write is DB.Write with the Writer's options.
func (wt Writer) Write(ctx context.Context, fn func(c *sqlite.Conn) error) error {
	if fn == nil {
		return sqlite.Errorf(sqlite.ErrMisuse, "asqlite: Write with a nil function")
	}
	w := newDBWrite(wt.opts, true, wt.opts.NoTransaction)
	_, err := wt.db.submit(ctx, w, fn)
	return err
}

// dbWrite is one write on its way through the writer's queue: a function
// and how the writer runs it.
type dbWrite struct {
	worker.Job
	opts   WriteOptions
	user   bool      // the function is the caller's Go code (Write, Register)
	bare   bool      // it runs outside the writer's transactions
	queued time.Time // when it was submitted
	res    Result    // set by the function and the writer before the answer

	// What Exec, ExecScript and ExecMany run, and their functions, made
	// once per pooled write rather than once per write.
	sql            string
	args           []any
	argSets        [][]any
	execFn, manyFn func(*sqlite.Conn) error
}

var dbWritePool = sync.Pool{New: func() any {
	w := new(dbWrite)
	w.execFn = func(c *sqlite.Conn) error { return w.exec(c) }
	w.manyFn = func(c *sqlite.Conn) error { return w.execMany(c) }
	return w
}}

func newDBWrite(o WriteOptions, user, bare bool) *dbWrite {
	w := dbWritePool.Get().(*dbWrite)
	w.opts, w.user, w.bare = o, user, bare
	return w
}

// alone reports whether w never shares a group transaction.
func (w *dbWrite) alone() bool { return w.opts.Isolated || w.bare }

// exec runs the script w.sql, counting its changes.
func (w *dbWrite) exec(c *sqlite.Conn) error {
	total := c.TotalChanges()
	err := c.Exec(w.sql, w.args...)
	if c.TotalChanges() != total {
		w.res.Changes = c.Changes()
	}
	return err
}

// execMany runs the statement w.sql once per argument list, totalling the
// changes.
func (w *dbWrite) execMany(c *sqlite.Conn) error {
	s, err := c.Prep(w.sql)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, args := range w.argSets {
		before := c.TotalChanges()
		if err := s.Bind(args...); err != nil {
			return err
		}
		if err := s.Exec(); err != nil {
			return err
		}
		if c.TotalChanges() != before {
			w.res.Changes += c.Changes()
		}
	}
	return nil
}

// submit queues w to run fn and waits for its outcome.
func (db *DB) submit(ctx context.Context, w *dbWrite, fn func(*sqlite.Conn) error) (Result, error) {
	if ctx == nil {
		return Result{}, worker.ErrNilContext
	}
	if db.readOnly {
		return Result{}, errDBReadOnly
	}
	w.Set(ctx, fn)
	w.queued = time.Now()
	if err := db.w.q.Do(w, false); err != nil {
		return Result{}, err
	}
	res, err := w.res, w.Err()
	p, panicked := w.Panicked()
	w.res, w.sql, w.args, w.argSets = Result{}, "", nil, nil
	dbWritePool.Put(w)
	if panicked {
		panic(p)
	}
	return res, err
}
