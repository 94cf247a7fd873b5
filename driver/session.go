package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"
	"slices"
	"sync"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

// A session is a connection of a DB held across several calls of
// database/sql: a reader for a query's rows or a read-only transaction, the
// writer for a read-write transaction. The connection belongs to the DB's
// Read or Write, so the session's work is handed to where that runs.
type session interface {
	// run runs f with the connection and returns f's error.
	run(f func(*sqlite.Conn) error) error
	// end gives the connection back, committing the transaction if asked.
	end(commit bool) error
}

// errSessionEnded is returned for work handed to a session that has ended.
var errSessionEnded = errors.New("asqlite driver: the transaction has ended")

// reader runs a DBConn's reads. DB.Read runs its function on the calling
// goroutine and gives the reader back when the function returns, so the
// function parks in a coroutine (iter.Pull) between database/sql's calls
// and each call resumes it: no goroutine hand-off per row. The coroutine
// lives as long as the DBConn, so that its stack, grown by SQLite's deep
// frames, is not grown again for every query.
//
// mu serializes the resumptions: those of the DBConn's goroutine, and the
// one of the connector that releases a reader left holding a connection
// when the sql.DB closes (shut, after which no session opens).
type reader struct {
	mu   sync.Mutex
	shut bool
	next func() (struct{}, bool)
	stop func()

	// What the next resumption does: open a session (ctx, begin), run f
	// in it, or end it; err is the outcome.
	ctx   context.Context
	begin bool
	f     func(*sqlite.Conn) error
	quit  bool
	err   error
	open  bool // a session holds a reader now

	// Sessions share the read that is open (two rows of one sql.Conn):
	// users counts them, and gen tells the read a session belongs to.
	users int
	gen   int
}

func newReader(db *asqlite.DB) *reader {
	r := &reader{}
	r.next, r.stop = iter.Pull(func(yield func(struct{}) bool) {
		for yield(struct{}{}) {
			err := db.Read(r.ctx, func(c *sqlite.Conn) error {
				// A read transaction takes its snapshot at its first read.
				if r.begin {
					if err := c.Exec("BEGIN; SELECT 1 FROM sqlite_schema LIMIT 1"); err != nil {
						return err
					}
				}
				r.open, r.users = true, 0
				r.gen++
				// An interrupted statement ends the read, whose context
				// (or time limit) has ended: DB.Read says which.
				if r.f != nil {
					if r.err = safeRun(r.f, c); errors.Is(r.err, sqlite.ErrInterrupt) {
						return r.err
					}
				}
				for yield(struct{}{}) {
					if r.quit {
						return nil
					}
					if r.err = safeRun(r.f, c); errors.Is(r.err, sqlite.ErrInterrupt) {
						return r.err
					}
				}
				return nil
			})
			r.open, r.err, r.ctx = false, err, nil
		}
	})
	r.next() // to the first yield, where the coroutine waits for work
	return r
}

// release ends the session holding the reader, if any, and stops its
// coroutine: no session opens on it after.
func (r *reader) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shut {
		return
	}
	r.shut = true
	if r.open {
		r.quit = true
		r.next()
	}
	r.stop()
}

// readSession is a session on a DBConn's reader.
type readSession struct {
	r    *reader
	gen  int // the read the session belongs to
	done bool
}

// openRead takes a reader for a session, beginning a read transaction that
// fixes its snapshot at once when begin is set, and runs first (when not
// nil) at once, in the same visit. Its error is first's; the session is
// open even then.
func (c *DBConn) openRead(ctx context.Context, begin bool, first func(*sqlite.Conn) error) (*readSession, error) {
	if c.reader == nil {
		c.reader = c.cn.newReader(c.db)
		if c.reader == nil {
			return nil, errSQLDBClosed
		}
	}
	c.cn.makeRoom(c.db)
	r := c.reader
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shut {
		return nil, errSQLDBClosed
	}
	r.ctx, r.begin, r.quit, r.err, r.f = ctx, begin, false, nil, first
	r.next()
	r.f = nil
	if !r.open {
		return nil, r.err
	}
	r.users++
	return &readSession{r: r, gen: r.gen}, r.err
}

func (s *readSession) run(f func(*sqlite.Conn) error) error {
	if s.done {
		return errSessionEnded
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.shut {
		return fmt.Errorf("%w: %w", errSessionEnded, errSQLDBClosed)
	}
	if s.gen != s.r.gen {
		return errSessionEnded // another read runs now
	}
	if !s.r.open {
		// The read ended under the session (its context or time limit).
		if s.r.err != nil {
			return s.r.err
		}
		return errSessionEnded
	}
	s.r.f = f
	s.r.next()
	s.r.f = nil
	return s.r.err
}

// end releases the reader; DB.Read rolls back the read transaction.
func (s *readSession) end(bool) error {
	if !s.done {
		s.done = true
		s.r.mu.Lock()
		defer s.r.mu.Unlock()
		if s.r.open && !s.r.shut && s.gen == s.r.gen {
			if s.r.users--; s.r.users == 0 {
				s.r.quit = true
				s.r.next()
			}
		}
	}
	return nil
}

// writeSession holds the writer: the DBConn's write goroutine waits in
// DB.Write, whose function serves the session's work until Commit or
// Rollback.
type writeSession struct {
	ctx     context.Context
	ready   chan struct{} // closed once the function holds the writer
	reqs    chan writeReq
	replies chan error
	exited  chan struct{} // closed once DB.Write returned, with err set
	err     error
}

type writeReq struct {
	f   func(*sqlite.Conn) error
	end endKind
}

type endKind int

const (
	endNone endKind = iota
	endCommit
	endRollback
)

var (
	errRollback = errors.New("asqlite driver: transaction rolled back")
	// errTxRetried is the answer to DB.Write running the function again
	// after the group transaction it shared failed: the statements of a
	// database/sql transaction cannot be replayed.
	errTxRetried = errors.New("asqlite driver: commit failed: the group transaction it shared failed, and nothing of it was applied")
	// errEndedBySQL answers SQL that ended its transaction itself, and the
	// Commit or Rollback that follow.
	errEndedBySQL = errors.New("asqlite driver: the SQL ended the transaction (COMMIT, END or ROLLBACK in a script): use the sql.Tx's Commit or Rollback")
	// errRolledBackBySQLite answers a statement after which SQLite rolled
	// the transaction back (INSERT OR ROLLBACK, a full disk...), and the
	// Commit after it; a Rollback then succeeds.
	errRolledBackBySQLite = errors.New("asqlite driver: SQLite rolled the transaction back")
)

// writeLoop is a DBConn's write goroutine: it runs the DB.Write of each of
// the connection's read-write transactions in turn. It lives as long as the
// DBConn, so that its stack, grown by SQLite's deep frames, is not grown
// again for every transaction.
func writeLoop(db *asqlite.DB, sessions <-chan *writeSession, closing <-chan struct{}) {
	for s := range sessions {
		runs := 0
		s.err = db.Write(s.ctx, func(c *sqlite.Conn) error {
			runs++
			if runs > 1 {
				return errTxRetried
			}
			select {
			case <-closing:
				return errSQLDBClosed
			default:
			}
			// The transaction's SQL may end it (a COMMIT in a script, maybe
			// followed by a BEGIN) or SQLite may roll it back after an
			// error: the hooks tell, and what follows must not run outside
			// it. The writer's own COMMIT or ROLLBACK comes after they are
			// removed.
			var committed, rolledBack bool
			removeC, err := c.AddCommitHook(func() bool { committed = true; return false })
			if err != nil {
				return err
			}
			defer removeC()
			removeR, err := c.AddRollbackHook(func() { rolledBack = true })
			if err != nil {
				return err
			}
			defer removeR()
			close(s.ready)
			for {
				select {
				case r := <-s.reqs:
					switch r.end {
					case endCommit:
						return nil
					case endRollback:
						return errRollback
					}
					err := safeRun(r.f, c)
					if committed || rolledBack || c.AutoCommit() {
						switch {
						case err == nil || committed:
							err = errors.Join(errEndedBySQL, err)
						default: // SQLite undid the transaction on err
							err = fmt.Errorf("%w: %w", errRolledBackBySQLite, err)
						}
						s.replies <- err
						return err
					}
					s.replies <- err
				case <-c.Context().Done():
					return fmt.Errorf("asqlite driver: transaction ended: %w", context.Cause(c.Context()))
				case <-closing:
					return fmt.Errorf("asqlite driver: transaction rolled back: %w", errSQLDBClosed)
				}
			}
		})
		s.ctx = nil
		close(s.exited)
	}
}

// openWrite waits, as long as ctx allows, for the writer and holds it.
func (c *DBConn) openWrite(ctx context.Context) (*writeSession, error) {
	if c.writes == nil {
		c.writes = make(chan *writeSession)
		go writeLoop(c.db, c.writes, c.cn.closing)
	}
	s := &writeSession{ctx: ctx, ready: make(chan struct{}), reqs: make(chan writeReq),
		replies: make(chan error), exited: make(chan struct{})}
	c.writes <- s
	select {
	case <-s.ready:
		return s, nil
	case <-s.exited:
		return nil, s.err
	}
}

func (s *writeSession) run(f func(*sqlite.Conn) error) error {
	select {
	case s.reqs <- writeReq{f: f}:
		return <-s.replies
	case <-s.exited:
		return fmt.Errorf("%w: %w", errSessionEnded, s.err)
	}
}

func (s *writeSession) end(commit bool) error {
	kind := endRollback
	if commit {
		kind = endCommit
	}
	select {
	case s.reqs <- writeReq{end: kind}:
	case <-s.exited:
	}
	<-s.exited
	if !commit && (s.err == nil || errors.Is(s.err, errRollback) || errors.Is(s.err, errRolledBackBySQLite) || errors.Is(s.err, errSQLDBClosed) || errors.Is(s.err, context.Canceled) || errors.Is(s.err, context.DeadlineExceeded)) {
		// Whatever ended it, nothing of the transaction was applied.
		return nil
	}
	return s.err
}

// safeRun runs f, turning a panic into an error so that a session's
// connection is always handed back.
func safeRun(f func(*sqlite.Conn) error, c *sqlite.Conn) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("asqlite driver: panic: %v", r)
		}
	}()
	return f(c)
}

// withContext makes f run with ctx installed on the session's connection
// too, so that a statement whose own context ends is interrupted; the
// session's context (the transaction's) keeps applying.
func withContext(ctx context.Context, f func(*sqlite.Conn) error) func(*sqlite.Conn) error {
	if ctx.Done() == nil {
		return f
	}
	return func(c *sqlite.Conn) error {
		outer := c.Context()
		if outer == ctx {
			return f(c)
		}
		inner, cancel := context.WithCancelCause(ctx)
		stop := context.AfterFunc(outer, func() { cancel(context.Cause(outer)) })
		prev := c.SetContext(inner)
		defer func() {
			c.SetContext(prev)
			stop()
			cancel(nil)
		}()
		return f(c)
	}
}

// columns answers database/sql's questions about result columns.
type columns struct {
	cols []string
	decl []string
}

func (c *columns) Columns() []string                       { return c.cols }
func (c *columns) ColumnTypeDatabaseTypeName(i int) string { return c.decl[i] }
func (c *columns) ColumnTypeScanType(i int) reflect.Type   { return scanType(c.decl[i]) }

// sessionRows reads a statement that runs on a session's connection. Rows
// are copied out in batches, so that the session is visited once per batch
// rather than once per row.
//
// Rows on a reader of their own, parked between database/sql's calls, can
// be spilled by another goroutine (mu): read to the end into memory, their
// reader given back, for a query that finds no reader idle.
type sessionRows struct {
	columns
	mu     sync.Mutex
	cn     *DBConnector // where the rows are listed while they park a reader
	s      session
	own    bool // the session is the rows' own: ended with them
	in     *rows
	fill   func(*sqlite.Conn) error
	batch  []driver.Value // rows read ahead, len(cols) values each
	pos    int
	err    error // what ended the statement (io.EOF at the end), after batch
	closed bool
}

// rowBatch is how many rows a sessionRows reads at each visit.
const rowBatch = 64

var (
	_ driver.Rows                           = (*sessionRows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*sessionRows)(nil)
	_ driver.RowsColumnTypeScanType         = (*sessionRows)(nil)
)

// startSessionRows prepares query on s's connection, takes its first step
// and reads the first batch. When own is set, s is a reader of the rows'
// own: a statement that writes fails with errWrites, and any failure ends s.
// (The DB mode's queries outside transactions start their rows in the visit
// that opens the reader: see DBConn.QueryContext.)
func startSessionRows(ctx context.Context, s session, own bool, timeFmt sqlite.TimeFormat, query string, bound []any) (driver.Rows, error) {
	r, start := newSessionRows(own, timeFmt, query, bound)
	if err := s.run(withContext(ctx, start)); err != nil {
		if own {
			s.end(false)
		}
		return nil, err
	}
	r.s = s
	return r, nil
}

// newSessionRows returns rows and the function that starts them on a
// session's connection.
func newSessionRows(own bool, timeFmt sqlite.TimeFormat, query string, bound []any) (*sessionRows, func(*sqlite.Conn) error) {
	r := &sessionRows{own: own}
	r.fill = func(*sqlite.Conn) error {
		n := len(r.cols)
		// The first batch is of two rows: enough for a query of one row
		// to meet its end in the visit that starts it, without paying for
		// a full batch.
		size := rowBatch
		if r.batch == nil {
			size = 2
		}
		if cap(r.batch) < size*n {
			r.batch = make([]driver.Value, 0, size*n)
		}
		r.batch, r.pos = r.batch[:0], 0
		for range size {
			row := r.batch[len(r.batch) : len(r.batch)+n]
			if err := r.in.Next(row); err != nil {
				r.err = err
				// The statement is done: finalize it now, not in one
				// more visit from Close.
				r.in.Close()
				if errors.Is(err, sqlite.ErrInterrupt) {
					return err // for the session to say why
				}
				break
			}
			r.batch = r.batch[:len(r.batch)+n]
		}
		return nil
	}
	return r, func(c *sqlite.Conn) error {
		st, err := c.Prep(query)
		if err != nil {
			return err
		}
		if own && !st.ReadOnly() {
			st.Close()
			return errWrites
		}
		if err := st.Bind(bound...); err != nil {
			st.Close()
			return err
		}
		in, err := startRows(&rows{raw: c, timeFmt: timeFmt, s: st, closeStmt: true})
		if err != nil {
			return err
		}
		r.in, r.cols, r.decl = in, in.cols, in.declTypes()
		return r.fill(c)
	}
}

func (r *sessionRows) Next(dest []driver.Value) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return io.EOF
	}
	if r.pos == len(r.batch) {
		if r.err == nil {
			if err := r.s.run(r.fill); err != nil {
				r.err = err
			}
			if r.err != nil && r.own {
				// The statement is done: the reader goes back now, not
				// once the batch is read.
				r.release()
			}
		}
		if r.pos == len(r.batch) {
			if r.own {
				// Give the reader back as soon as the rows are done.
				r.close()
			}
			return r.err
		}
	}
	n := copy(dest, r.batch[r.pos:r.pos+len(r.cols)])
	r.pos += n
	return nil
}

func (r *sessionRows) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.close()
}

func (r *sessionRows) close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.cn != nil {
		r.cn.unpark(r)
	}
	var err error
	if r.err == nil {
		err = r.s.run(func(*sqlite.Conn) error { return r.in.Close() })
	}
	if r.own {
		r.s.end(false)
	}
	if errors.Is(err, errSessionEnded) {
		return nil
	}
	return err
}

// spill reads what is left of the rows into memory and gives their reader
// back, unless they are done already.
func (r *sessionRows) spill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.err != nil {
		r.release()
		return
	}
	err := r.s.run(func(*sqlite.Conn) error {
		n := len(r.cols)
		rest := slices.Clone(r.batch[r.pos:])
		for {
			rest = slices.Grow(rest, n)
			if err := r.in.Next(rest[len(rest) : len(rest)+n]); err != nil {
				r.err = err
				r.in.Close()
				r.batch, r.pos = rest, 0
				if errors.Is(err, sqlite.ErrInterrupt) {
					return err // for the session to say why
				}
				return nil
			}
			rest = rest[:len(rest)+n]
		}
	})
	if r.err == nil {
		r.err = err
	}
	r.release()
}

// release gives back the reader of rows whose statement is done.
func (r *sessionRows) release() {
	r.s.end(false)
	if r.cn != nil {
		r.cn.unpark(r)
	}
}

// bufferedRows are rows read in full before the query returned.
type bufferedRows struct {
	columns
	rows [][]driver.Value
}

func (b *bufferedRows) Next(dest []driver.Value) error {
	if len(b.rows) == 0 {
		return io.EOF
	}
	copy(dest, b.rows[0])
	b.rows = b.rows[1:]
	return nil
}

func (b *bufferedRows) Close() error {
	b.rows = nil
	return nil
}
