package cluster

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

// Query runs the query sql with args on the leader and yields its rows, as
// asqlite.DB.Query does: each Row is valid until the loop continues. The
// read has Options.ReadTimeLimit as its time limit; a read stopped by it
// fails with an error wrapping asqlite.ErrTimeLimit. A read that finds no
// leader (during an election) tries again until then.
func (db *DB) Query(ctx context.Context, sql string, args ...any) iter.Seq2[*asqlite.Row, error] {
	return func(yield func(*asqlite.Row, error) bool) {
		rctx, cancel, err := db.readCtx(ctx, args)
		if err != nil {
			yield(nil, err)
			return
		}
		defer cancel()
		for pause := 5 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
			started := false
			var lost error
			queryRows(rctx, db.sql.QueryContext, sql, args, func(r *asqlite.Row, err error) bool {
				if err != nil && !started && transient(err) && rctx.Err() == nil {
					lost = err
					return false
				}
				started = true
				return yield(r, db.readError(ctx, rctx, err))
			})
			if lost == nil {
				return
			}
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-rctx.Done():
				t.Stop()
				yield(nil, db.readError(ctx, rctx, lost))
				return
			}
		}
	}
}

// QueryRow runs the query and returns its first row; the Row's Err is
// asqlite.ErrNoRows when there is none.
func (db *DB) QueryRow(ctx context.Context, sql string, args ...any) *asqlite.Row {
	return firstRow(db.Query(ctx, sql, args...))
}

// QueryRows runs the query and returns all its rows, at most
// Options.MaxRows of them (0: no cap), with Truncated set when there were
// more.
func (db *DB) QueryRows(ctx context.Context, sql string, args ...any) (*asqlite.RowSet, error) {
	rs := &asqlite.RowSet{Rows: [][]any{}}
	for r, err := range db.Query(ctx, sql, args...) {
		if err != nil {
			return nil, err
		}
		if rs.Columns == nil {
			rs.Columns = r.Columns()
		}
		if db.opts.MaxRows > 0 && len(rs.Rows) == db.opts.MaxRows {
			rs.Truncated = true
			break
		}
		rs.Rows = append(rs.Rows, r.Values())
	}
	return rs, nil
}

// readCtx checks a read's arguments and gives it its time limit.
func (db *DB) readCtx(ctx context.Context, args []any) (context.Context, context.CancelFunc, error) {
	if ctx == nil {
		return nil, nil, sqlite.Errorf(sqlite.ErrMisuse, "cluster: nil context")
	}
	if err := checkArgs(args); err != nil {
		return nil, nil, err
	}
	db.mu.RLock()
	closed := db.closed
	db.mu.RUnlock()
	if closed {
		return nil, nil, errDBClosed
	}
	if ctx.Err() != nil {
		return nil, nil, ctxError(ctx, "read")
	}
	if db.opts.ReadTimeLimit < 0 {
		rctx, cancel := context.WithCancel(ctx)
		return rctx, cancel, nil
	}
	rctx, cancel := context.WithTimeoutCause(ctx, db.opts.ReadTimeLimit, asqlite.ErrTimeLimit)
	return rctx, cancel, nil
}

// readError names the limit that stopped a read.
func (db *DB) readError(ctx, rctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", err, ctxError(ctx, "read"))
	}
	if rctx.Err() != nil {
		return fmt.Errorf("cluster: read stopped by its time limit of %v: %w: %w", db.opts.ReadTimeLimit, asqlite.ErrTimeLimit, err)
	}
	return err
}

// queryRows runs a query through query and yields its rows as asqlite Rows.
func queryRows(ctx context.Context, query func(context.Context, string, ...any) (*sql.Rows, error),
	text string, args []any, yield func(*asqlite.Row, error) bool) {
	rows, err := query(ctx, text, args...)
	if err != nil {
		yield(nil, sqlError(err))
		return
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		yield(nil, sqlError(err))
		return
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			yield(nil, err)
			return
		}
		for i, v := range vals {
			if t, ok := v.(time.Time); ok {
				// dqlite parses DATETIME columns; give back SQLite's text.
				vals[i] = t.Format("2006-01-02 15:04:05.999999999-07:00")
			}
		}
		r, err := asqlite.NewRow(cols, vals)
		if err != nil {
			yield(nil, err)
			return
		}
		if !yield(r, nil) {
			return
		}
	}
	if err := rows.Err(); err != nil {
		yield(nil, sqlError(err))
	}
}

// firstRow returns the first row of rows, or a Row reporting the error or
// asqlite.ErrNoRows.
func firstRow(rows iter.Seq2[*asqlite.Row, error]) *asqlite.Row {
	for r, err := range rows {
		if err != nil {
			return asqlite.ErrorRow(err)
		}
		return r
	}
	return asqlite.ErrorRow(asqlite.ErrNoRows)
}
