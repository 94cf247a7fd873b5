package asqlite

import (
	"context"
	"iter"

	"github.com/asqlite/asqlite/internal/worker"
	"github.com/asqlite/asqlite/sqlite"
)

// Query runs the query sql with args bound (as in Exec) and yields its rows.
// Each range over the returned iterator runs the query anew.
//
//	for row, err := range conn.Query(ctx, "SELECT id, name FROM t WHERE x > ?", 10) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(row.Int64(0), row.Text(1))
//	}
//
// Rows are copied out of SQLite on the worker and handed over in batches of
// [ConnOptions.BatchSize] (64 by default), so the worker is visited once per
// batch, not once per row. While the loop body works on one batch, an
// otherwise idle worker reads the next one ahead (yielding, between two
// rows, to any call that arrives). Between batches the worker
// serves other calls in turn, so the loop body may itself call c (to update
// the rows it reads, say; such a write commits at once in autocommit mode);
// since rows are read up to a batch ahead of the loop, such changes may not
// be seen by the rows already read.
//
// The *Row is valid only until the loop continues; see Row. An error ends
// the iteration with (nil, err): the query's own error after the rows before
// it, or the context's when ctx ends (checked between batches, and while the
// worker reads a batch). Breaking out of the loop, or an error, frees the
// statement: the worker finalizes (or returns to its cache) the statement
// before it serves the next call.
//
// The statement keeps a read transaction open until the iteration ends,
// which in WAL mode holds back checkpoints: do not leave an iteration
// pending longer than needed (https://sqlite.org/wal.html).
func (c *Conn) Query(ctx context.Context, sql string, args ...any) iter.Seq2[*Row, error] {
	return func(yield func(*Row, error) bool) {
		b := new(batch)
		var cur *cursor
		err := c.call(ctx, false, func(*sqlite.Conn) (err error) {
			cur, err = c.openCursor(ctx, sql, args, b)
			if err != nil {
				return err
			}
			return b.err
		})
		if err != nil && b.err == nil {
			yield(nil, err) // the query did not start
			return
		}
		b.err = err // as the guard marked it
		if cur != nil {
			defer func() {
				if cur != nil {
					c.release(cur)
				}
			}()
		}
		var row Row
		for {
			for i := 0; i < b.rows; i++ {
				b.row(&row, i)
				if !yield(&row, nil) {
					return
				}
			}
			if b.err != nil {
				cur = nil // the worker closed it
				yield(nil, b.err)
				return
			}
			if b.done {
				cur = nil
				return
			}
			var next *batch
			err := c.call(ctx, false, func(*sqlite.Conn) (err error) {
				next, err = c.fetch(cur, b)
				if err != nil {
					return err
				}
				return next.err
			})
			if next == nil {
				// Not served (the cursor stays the caller's to release),
				// or the Conn closed under it.
				yield(nil, err)
				return
			}
			b = next
			b.err = err
		}
	}
}

// cursor is an open query between two batches. Only the worker touches it,
// except that the reading goroutine holds the pointer to name it.
type cursor struct {
	stmt  *sqlite.Stmt
	ctx   context.Context // the query's context, installed while reading ahead
	cols  []string
	ahead *batch // the next batch, already read
	spare *batch // memory for reading ahead
}

// openCursor prepares sql, binds args and fills b, the first batch. A
// query that ends within it needs no cursor.
func (c *Conn) openCursor(ctx context.Context, sql string, args []any, b *batch) (*cursor, error) {
	s, err := prepBound(c.sc, sql, args)
	if err != nil {
		return nil, err
	}
	b.start(s)
	b.fill(s, c.opts.BatchSize)
	if b.done {
		s.Close()
		return nil, nil
	}
	cur := &cursor{stmt: s, ctx: ctx, cols: b.cols}
	c.cursors[cur] = struct{}{}
	c.readAhead = cur
	return cur, nil
}

// fetch returns the next batch of cur, taking back the caller's spent
// batch b. A batch begun by reading ahead is completed first. It fails
// when Close ended the cursor.
func (c *Conn) fetch(cur *cursor, b *batch) (*batch, error) {
	if next := cur.ahead; next != nil {
		cur.ahead, cur.spare = nil, b
		b = next
	} else {
		b.reset()
	}
	if cur.stmt == nil && !b.done {
		return nil, errConnClosed
	}
	if !b.done {
		b.fill(cur.stmt, c.opts.BatchSize)
	}
	if b.done {
		c.closeCursor(cur)
		return b, nil
	}
	c.readAhead = cur
	return b, nil
}

// prefetch reads rows of the next batch of the cursor that is waiting for
// it, while no call waits: it stops between two rows as soon as a call is
// queued, and carries on when the worker is idle again. It runs under the
// query's context.
func (c *Conn) prefetch() {
	cur := c.readAhead
	if cur.stmt == nil || worker.Ended(cur.ctx) {
		c.readAhead = nil
		return
	}
	b := cur.ahead
	if b == nil {
		b = cur.spare
		if b == nil {
			b = new(batch)
		}
		cur.spare = nil
		b.reset()
		b.cols, b.ncol = cur.cols, len(cur.cols)
		cur.ahead = b
	}
	c.w.Watch(c.callbacks.Load())
	c.install(cur.ctx)
	b.fillUntil(cur.stmt, c.opts.BatchSize, c.w.Waiting())
	b.err = c.guard.Err(b.err)
	c.uninstall()
	c.w.Watch(false)
	if b.done {
		// Free the statement (and its read transaction) now; the batch
		// waits for its reader.
		cur.stmt.Close()
		cur.stmt = nil
		delete(c.cursors, cur)
	}
	if b.done || b.full(c.opts.BatchSize) {
		c.readAhead = nil
	}
}

// closeCursor frees a cursor's statement.
func (c *Conn) closeCursor(cur *cursor) {
	if cur.stmt != nil {
		cur.stmt.Close()
		cur.stmt = nil
	}
	cur.ahead, cur.spare = nil, nil
	delete(c.cursors, cur)
	if c.readAhead == cur {
		c.readAhead = nil
	}
}

// release hands a cursor its reader abandoned to the worker, which frees it
// before serving the next call. It never blocks.
func (c *Conn) release(cur *cursor) {
	c.mu.Lock()
	c.garbage = append(c.garbage, cur)
	c.mu.Unlock()
	c.ngarbage.Add(1)
	c.w.Signal()
}

// collect frees the cursors released by their readers.
func (c *Conn) collect() {
	if c.ngarbage.Load() == 0 {
		return
	}
	c.mu.Lock()
	g := c.garbage
	c.garbage = nil
	c.ngarbage.Store(0)
	c.mu.Unlock()
	for _, cur := range g {
		c.closeCursor(cur)
	}
}
