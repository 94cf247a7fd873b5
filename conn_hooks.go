package asqlite

import (
	"context"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// Hooks registered through a Conn run on its worker, inside the statement
// that triggers them, and receive that statement's call context as their
// first argument: the context of the Exec, Query, Tx or Run whose SQL
// caused the change. Like functions they must not call their own Conn
// (ErrReentrant) and must not run SQL that modifies the database. Each
// Set method replaces the hook it sets; a nil function removes it. The
// registration itself is a call: ctx bounds the wait for the worker.

// SetUpdateHook registers fn to be called for every row inserted, updated
// or deleted in a rowid table (sqlite.Conn.SetUpdateHook).
//
// https://sqlite.org/c3ref/update_hook.html
func (c *Conn) SetUpdateHook(ctx context.Context, fn func(ctx context.Context, op sqlite.Op, schema, table string, rowid int64)) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error {
		if fn == nil {
			sc.SetUpdateHook(nil)
			return nil
		}
		sc.SetUpdateHook(func(op sqlite.Op, schema, table string, rowid int64) {
			fn(sc.Context(), op, schema, table, rowid)
		})
		return nil
	})
}

// SetPreUpdateHook registers fn to be called before each row change, with
// the values before and after it (sqlite.Conn.SetPreUpdateHook). It fails
// with sqlite.ErrMisuse while a session records changes on the connection.
//
// https://sqlite.org/c3ref/preupdate_blobwrite.html
func (c *Conn) SetPreUpdateHook(ctx context.Context, fn func(ctx context.Context, u *sqlite.PreUpdate)) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error {
		if fn == nil {
			return sc.SetPreUpdateHook(nil)
		}
		return sc.SetPreUpdateHook(func(u *sqlite.PreUpdate) { fn(sc.Context(), u) })
	})
}

// SetCommitHook registers fn to be called when a transaction is about to
// commit; returning true turns the commit into a rollback
// (sqlite.Conn.SetCommitHook).
//
// https://sqlite.org/c3ref/commit_hook.html
func (c *Conn) SetCommitHook(ctx context.Context, fn func(ctx context.Context) (rollback bool)) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error {
		if fn == nil {
			sc.SetCommitHook(nil)
			return nil
		}
		sc.SetCommitHook(func() bool { return fn(sc.Context()) })
		return nil
	})
}

// SetRollbackHook registers fn to be called when a transaction is rolled
// back (sqlite.Conn.SetRollbackHook).
//
// https://sqlite.org/c3ref/commit_hook.html
func (c *Conn) SetRollbackHook(ctx context.Context, fn func(ctx context.Context)) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error {
		if fn == nil {
			sc.SetRollbackHook(nil)
			return nil
		}
		sc.SetRollbackHook(func() { fn(sc.Context()) })
		return nil
	})
}

// SetBusyTimeout makes statements that find the database locked by another
// connection retry for up to d before failing with sqlite.ErrBusy; the wait
// also ends when the call's context ends (sqlite.Conn.SetBusyTimeout).
// d <= 0 removes it.
//
// https://sqlite.org/c3ref/busy_timeout.html
func (c *Conn) SetBusyTimeout(ctx context.Context, d time.Duration) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error {
		sc.SetBusyTimeout(d)
		return nil
	})
}
