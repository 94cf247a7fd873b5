package asqlite

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite/internal/worker"
	"github.com/asqlite/asqlite/sqlite"
)

// ErrTimeLimit is wrapped by the error of a read stopped by its time limit
// ([Options.ReadTimeLimit], [ReadOptions.TimeLimit]), beside
// context.DeadlineExceeded.
var ErrTimeLimit = errors.New("asqlite: read time limit reached")

// dbReader is one connection of the reader pool.
type dbReader struct {
	conn    *sqlite.Conn
	applied int // registrations applied to conn
	guard   worker.Guard
	limitAt time.Time // when the read's time limit passes (zero: no limit of its own)

	mu     sync.Mutex
	cancel context.CancelFunc // ends the read in progress, for Close
	busy   atomic.Bool        // a read is in progress
	direct bool               // the read runs SQL only: no context of its own, no interrupt registration
	dctx   directCtx          // the context a direct read installs
}

// directCtx is what a direct read installs on its connection: the caller's
// context, with the read's deadline (its time limit's, when that comes
// first), which Err reports as passed by the clock. Unlike a context with
// a deadline of its own it costs no timer: nothing waits on its Done for
// the limit (the guard stops running SQL, busy waits watch the deadline).
type directCtx struct {
	context.Context
	deadline time.Time // zero when none
}

func (d *directCtx) Deadline() (time.Time, bool) { return d.deadline, !d.deadline.IsZero() }

func (d *directCtx) Err() error {
	if err := d.Context.Err(); err != nil {
		return err
	}
	if !d.deadline.IsZero() && !time.Now().Before(d.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// cancelRead ends the read in progress, if any, and reports whether there
// was one.
func (r *dbReader) cancelRead() bool {
	if !r.busy.Load() {
		return false
	}
	r.mu.Lock()
	cancel := r.cancel
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	// A direct read has no context to cancel: its guard sees the DB
	// cancelled at the next progress callback, the interrupt stops the
	// statement running now.
	r.conn.Interrupt()
	return true
}

// Reader makes reads with limits of their own; [DB.Reader] returns one. A
// Reader is a small value, safe for concurrent use, valid as long as its DB.
type Reader struct {
	db        *DB
	timeLimit time.Duration
	maxRows   int
}

// Reader returns a Reader whose reads have the limits of o, the DB's
// defaults where o leaves them zero.
func (db *DB) Reader(o ReadOptions) Reader {
	rd := Reader{db: db, timeLimit: db.opts.ReadTimeLimit, maxRows: db.opts.MaxRows}
	if o.TimeLimit != 0 {
		rd.timeLimit = o.TimeLimit
	}
	if o.MaxRows != 0 {
		rd.maxRows = o.MaxRows
	}
	return rd
}

// Read runs fn with a reader connection of the pool, on the calling
// goroutine, and returns its error. The connection sees the last committed
// state of the database (each statement a fresh snapshot, unless fn opens
// a read transaction with BEGIN, which is rolled back after fn). It is
// query_only: statements that would write fail with SQLITE_READONLY.
//
// The read waits for a free reader as long as ctx allows. While fn runs,
// the connection's context is ctx limited by the read's time limit: when
// either ends, running SQL is interrupted and c.Context() is done. A read
// stopped by its time limit fails with an error wrapping both [ErrTimeLimit]
// and context.DeadlineExceeded. fn must not keep c after it returns. A
// panic in fn releases the connection and continues in the caller.
//
// Errors: fn's error, the context's, or [ErrClosed].
func (db *DB) Read(ctx context.Context, fn func(c *sqlite.Conn) error) error {
	return db.Reader(ReadOptions{}).Read(ctx, fn)
}

// Query runs the query sql with args (bound as in Exec) on a reader and
// yields its rows. The rows are read on the calling goroutine, straight
// from the reader connection; the *Row is valid only until the loop
// continues (see Row). An error ends the iteration with (nil, err). The
// reader is held for the whole iteration, which the read's time limit
// bounds, and given back when the loop ends, however it ends. Nothing runs
// until the iteration starts, and each range runs the query anew.
//
//	for row, err := range db.Query(ctx, "SELECT id, name FROM users WHERE age > ?", 30) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(row.Int64(0), row.Text(1))
//	}
func (db *DB) Query(ctx context.Context, sql string, args ...any) iter.Seq2[*Row, error] {
	return db.Reader(ReadOptions{}).Query(ctx, sql, args...)
}

// QueryRow runs the query sql with args on a reader and returns its first
// row, which the caller keeps. It never returns nil: when the query fails
// or returns no row, the Row carries the error ([ErrNoRows] for no row),
// which [Row.Err] and [Row.Scan] report.
//
//	var n int
//	err := db.QueryRow(ctx, "SELECT count(*) FROM t WHERE x > ?", 10).Scan(&n)
func (db *DB) QueryRow(ctx context.Context, sql string, args ...any) *Row {
	return db.Reader(ReadOptions{}).QueryRow(ctx, sql, args...)
}

// QueryRows runs the query sql with args on a reader and returns all its
// rows, at most the DB's MaxRows of them (see Reader), with Truncated set
// when there were more: the web application's capped result.
func (db *DB) QueryRows(ctx context.Context, sql string, args ...any) (*RowSet, error) {
	return db.Reader(ReadOptions{}).QueryRows(ctx, sql, args...)
}

// RowSet is the complete result of a query made with QueryRows.
type RowSet struct {
	Columns []string
	// Rows holds the rows, each value an int64, float64, string, []byte
	// or nil, following its storage class.
	Rows [][]any
	// Truncated reports that the query had more rows than the row cap:
	// Rows holds the first ones.
	Truncated bool
}

// Limits returns the Reader's limits, the DB's defaults filled in: a
// TimeLimit or MaxRows of 0 or less means none. Code that reads rows
// itself, through Read, uses MaxRows to cap them as QueryRows does.
func (rd Reader) Limits() ReadOptions {
	return ReadOptions{TimeLimit: rd.timeLimit, MaxRows: rd.maxRows}
}

// Read is [DB.Read] with the Reader's limits.
func (rd Reader) Read(ctx context.Context, fn func(c *sqlite.Conn) error) (err error) {
	r, rctx, err := rd.acquire(ctx, false)
	if err != nil {
		return err
	}
	defer func() { err = rd.release(r, rctx, ctx, err) }()
	return fn(r.conn)
}

// readSQL is Read for the package's own functions, which only run SQL.
func (rd Reader) readSQL(ctx context.Context, fn func(c *sqlite.Conn) error) (err error) {
	r, rctx, err := rd.acquire(ctx, true)
	if err != nil {
		return err
	}
	defer func() { err = rd.release(r, rctx, ctx, err) }()
	if err := r.halt(errDBNotStarted); err != nil {
		return err
	}
	return fn(r.conn)
}

// halt answers err when a direct read must stop: its context has ended or
// its deadline has passed. A direct read has no timer for its time limit,
// so the guard, which runs only while SQLite works, is asked as the read
// starts (as the binding refuses a statement whose context has ended) and
// between two rows.
func (r *dbReader) halt(err error) error {
	if r.direct && r.guard.Check(r.conn) {
		return err
	}
	return nil
}

var (
	errDBNotStarted error = sqlite.Errorf(sqlite.ErrInterrupt, "interrupted: the read's deadline passed before it started")
	errDBStopped    error = sqlite.Errorf(sqlite.ErrInterrupt, "interrupted: the read's context ended or its deadline passed between two rows")
)

// Query is [DB.Query] with the Reader's limits.
func (rd Reader) Query(ctx context.Context, sql string, args ...any) iter.Seq2[*Row, error] {
	return func(yield func(*Row, error) bool) {
		r, rctx, err := rd.acquire(ctx, true)
		if err != nil {
			yield(nil, err)
			return
		}
		var stop bool
		func() {
			defer func() { err = rd.release(r, rctx, ctx, err) }()
			if err = r.halt(errDBNotStarted); err != nil {
				return
			}
			// The stepper rather than eachRow, whose callback would cost
			// one more allocation per query.
			var st stepper
			if err = st.open(r.conn, sql, args); err != nil {
				return
			}
			defer st.close()
			var row Row
			for {
				var ok bool
				if ok, err = st.next(&row); !ok {
					return
				}
				if !yield(&row, nil) {
					stop = true
					return
				}
				if err = r.halt(errDBStopped); err != nil {
					return
				}
			}
		}()
		if err != nil && !stop {
			yield(nil, err)
		}
	}
}

// QueryRow is [DB.QueryRow] with the Reader's limits.
func (rd Reader) QueryRow(ctx context.Context, sql string, args ...any) *Row {
	var out *Row
	err := rd.readSQL(ctx, func(c *sqlite.Conn) error {
		out = queryRowOn(c, sql, args)
		return out.err
	})
	if err != nil && (out == nil || err != out.err) {
		return &Row{err: err}
	}
	return out
}

// QueryRows is [DB.QueryRows] with the Reader's limits; a negative MaxRows
// means no cap.
func (rd Reader) QueryRows(ctx context.Context, sql string, args ...any) (*RowSet, error) {
	rs := &RowSet{}
	err := rd.readSQL(ctx, func(c *sqlite.Conn) error {
		s, err := prepBound(c, sql, args)
		if err != nil {
			return err
		}
		defer s.Close()
		rs.Columns = s.ColumnNames()
		n := len(rs.Columns)
		for {
			row, err := s.Step()
			if err != nil {
				return err
			}
			if !row {
				return nil
			}
			if rd.maxRows > 0 && len(rs.Rows) == rd.maxRows {
				rs.Truncated = true
				return nil
			}
			vals := make([]any, n)
			for i := range vals {
				vals[i] = s.ColumnValue(i)
			}
			rs.Rows = append(rs.Rows, vals)
		}
	})
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// acquire takes a reader from the pool and sets the read up. sqlOnly says
// the read runs only the package's SQL: unless Go callbacks are registered
// (which need the context), no context is installed then, and the guard
// alone enforces the caller's context and the time limit, sparing a timer
// and two context registrations per read.
func (rd Reader) acquire(ctx context.Context, sqlOnly bool) (*dbReader, context.Context, error) {
	db := rd.db
	if ctx == nil {
		return nil, nil, worker.ErrNilContext
	}
	var r *dbReader
	select {
	case r = <-db.readers:
	default:
		start := time.Now()
		select {
		case r = <-db.readers:
		case <-db.quit:
			return nil, nil, errDBClosed
		case <-ctx.Done():
			return nil, nil, worker.CtxError(ctx, "read waiting for a connection")
		}
		db.stats.readWaits.Add(1)
		db.stats.readWaitNs.Add(int64(time.Since(start)))
	}
	select {
	case <-db.quit:
		db.readers <- r
		return nil, nil, errDBClosed
	default:
	}
	if worker.Ended(ctx) {
		db.readers <- r
		return nil, nil, worker.CtxError(ctx, "read not started")
	}
	if err := db.applyRegistrations(r); err != nil {
		db.readers <- r
		return nil, nil, err
	}
	// The time limit is a deadline, unless the caller's comes first.
	r.limitAt = time.Time{}
	deadline, hasDeadline := ctx.Deadline()
	if rd.timeLimit > 0 {
		if at := time.Now().Add(rd.timeLimit); !hasDeadline || at.Before(deadline) {
			r.limitAt, deadline = at, at
		}
	}
	r.busy.Store(true)
	r.direct = sqlOnly && !db.callbacks.Load()
	if r.direct {
		r.guard.Arm(ctx, nil)
		r.guard.Deadline = deadline
		// Installed without an interrupt registration: statements check
		// its Done as they start and step, busy waits its deadline too.
		r.dctx = directCtx{Context: ctx, deadline: deadline}
		r.conn.SetInterruptOnDone(false)
		r.conn.SetContext(&r.dctx)
		return r, ctx, nil
	}
	var rctx context.Context
	var cancel context.CancelFunc
	if !r.limitAt.IsZero() {
		rctx, cancel = context.WithDeadlineCause(ctx, r.limitAt, ErrTimeLimit)
	} else {
		rctx, cancel = context.WithCancel(ctx)
	}
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	live := worker.NewLiveCtx(rctx, nil, nil)
	r.conn.SetContext(live)
	r.guard.Arm(rctx, live)
	return r, rctx, nil
}

// release gives r back to the pool and returns the read's error, marked
// when the read's own time limit stopped it.
func (rd Reader) release(r *dbReader, rctx, ctx context.Context, err error) error {
	c := r.conn
	hit := r.guard.Hit
	r.guard.Disarm()
	c.SetContext(context.Background())
	if r.direct {
		c.SetInterruptOnDone(true)
		r.dctx = directCtx{}
	}
	if !c.AutoCommit() {
		c.Exec("ROLLBACK")
	}
	closing := rd.db.cancelled.Load()
	// Stopped by its context or limit: also when the limit had passed before
	// a statement started, its timer not fired yet (the connection's
	// context reports a passed deadline at once).
	ended := worker.Ended(rctx) || !r.limitAt.IsZero() && !time.Now().Before(r.limitAt)
	stopped := err != nil && (hit || rctx.Err() != nil ||
		ended && (errors.Is(err, sqlite.ErrInterrupt) || errors.Is(err, context.DeadlineExceeded)) ||
		closing && errors.Is(err, sqlite.ErrInterrupt))
	limited := stopped && !r.limitAt.IsZero() && !time.Now().Before(r.limitAt) && ctx.Err() == nil
	if !r.direct {
		r.mu.Lock()
		r.cancel()
		r.cancel = nil
		r.mu.Unlock()
	}
	r.busy.Store(false)
	rd.db.readers <- r
	st := &rd.db.stats
	st.reads.Add(1)
	if err != nil && !errors.Is(err, ErrNoRows) {
		st.readErrors.Add(1)
	}
	switch {
	case limited:
		st.timeLimited.Add(1)
		return &dbLimitError{err: err, limit: rd.timeLimit}
	case stopped && closing && ctx.Err() == nil && !errors.Is(err, errDBClosed):
		// Close gave up on the read: its context, cancelled by Close,
		// is not the caller's.
		return fmt.Errorf("%w: %w", err, errDBClosed)
	case !stopped || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %w", err, ctx.Err())
	case closing:
		return fmt.Errorf("%w: %w", err, errDBClosed)
	}
	d, _ := ctx.Deadline()
	return worker.DeadlineErr(err, d)
}

// dbLimitError is the error of a read stopped by its time limit.
type dbLimitError struct {
	err   error
	limit time.Duration
}

func (e *dbLimitError) Error() string {
	return fmt.Sprintf("asqlite: read stopped by its time limit of %v: %v", e.limit, e.err)
}

func (e *dbLimitError) Unwrap() []error {
	return []error{ErrTimeLimit, context.DeadlineExceeded, e.err}
}
