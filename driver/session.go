package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"

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

// readSession holds a reader. DB.Read runs its function on the calling
// goroutine, so the session runs it in a coroutine (iter.Pull) that
// resumes for each piece of work: no goroutine hand-off per row.
type readSession struct {
	next func() (struct{}, bool)
	stop func()
	f    func(*sqlite.Conn) error
	err  error
	done bool
}

// openRead takes a reader for the session, beginning a read transaction
// that fixes its snapshot at once when begin is set.
func openRead(ctx context.Context, db *asqlite.DB, begin bool) (*readSession, error) {
	s := &readSession{}
	s.next, s.stop = iter.Pull(func(yield func(struct{}) bool) {
		err := db.Read(ctx, func(c *sqlite.Conn) error {
			// A read transaction takes its snapshot at its first read.
			if begin {
				if err := c.Exec("BEGIN; SELECT 1 FROM sqlite_schema LIMIT 1"); err != nil {
					return err
				}
			}
			for yield(struct{}{}) {
				s.err = safeRun(s.f, c)
			}
			return nil
		})
		if err != nil {
			s.err = err
		}
	})
	if _, ok := s.next(); !ok {
		s.done = true
		return nil, s.err
	}
	return s, nil
}

func (s *readSession) run(f func(*sqlite.Conn) error) error {
	if s.done {
		return errSessionEnded
	}
	s.f = f
	if _, ok := s.next(); !ok {
		s.done = true
	}
	s.f = nil
	return s.err
}

// end releases the reader; DB.Read rolls back the read transaction.
func (s *readSession) end(bool) error {
	if !s.done {
		s.done = true
		s.stop()
	}
	return nil
}

// writeSession holds the writer: a goroutine waits in DB.Write, whose
// function serves the session's work until Commit or Rollback.
type writeSession struct {
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
)

// openWrite waits, as long as ctx allows, for the writer and holds it.
func openWrite(ctx context.Context, db *asqlite.DB) (*writeSession, error) {
	s := &writeSession{reqs: make(chan writeReq), replies: make(chan error), exited: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(s.exited)
		runs := 0
		s.err = db.Write(ctx, func(c *sqlite.Conn) error {
			runs++
			if runs > 1 {
				return errTxRetried
			}
			close(ready)
			for {
				select {
				case r := <-s.reqs:
					switch r.end {
					case endCommit:
						return nil
					case endRollback:
						return errRollback
					}
					s.replies <- safeRun(r.f, c)
				case <-c.Context().Done():
					return fmt.Errorf("asqlite driver: transaction ended: %w", context.Cause(c.Context()))
				}
			}
		})
	}()
	select {
	case <-ready:
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
	if !commit && (s.err == nil || errors.Is(s.err, errRollback) || errors.Is(s.err, context.Canceled) || errors.Is(s.err, context.DeadlineExceeded)) {
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

// sessionRows reads a statement that runs on a session's connection.
type sessionRows struct {
	columns
	s      session
	own    bool // the session is the rows' own: ended with them
	in     *rows
	dest   []driver.Value
	step   func(*sqlite.Conn) error
	closed bool
}

var (
	_ driver.Rows                           = (*sessionRows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*sessionRows)(nil)
	_ driver.RowsColumnTypeScanType         = (*sessionRows)(nil)
)

// startSessionRows prepares query on s's connection and takes its first
// step. When own is set, s is a reader of the rows' own: a statement that
// writes fails with errWrites, and any failure ends s.
func startSessionRows(ctx context.Context, s session, own bool, timeFmt sqlite.TimeFormat, query string, bound []any) (driver.Rows, error) {
	r := &sessionRows{s: s, own: own}
	err := s.run(withContext(ctx, func(c *sqlite.Conn) error {
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
		return nil
	}))
	if err != nil {
		if own {
			s.end(false)
		}
		return nil, err
	}
	r.step = func(*sqlite.Conn) error { return r.in.Next(r.dest) }
	return r, nil
}

func (r *sessionRows) Next(dest []driver.Value) error {
	if r.closed {
		return io.EOF
	}
	r.dest = dest
	err := r.s.run(r.step)
	r.dest = nil
	if err != nil && r.own {
		// Give the reader back as soon as the rows are done.
		r.Close()
	}
	return err
}

func (r *sessionRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.s.run(func(*sqlite.Conn) error { return r.in.Close() })
	if r.own {
		r.s.end(false)
	}
	if errors.Is(err, errSessionEnded) {
		return nil
	}
	return err
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
