package asqlite

import (
	"context"
	"iter"

	"github.com/asqlite/asqlite/internal/worker"
	"github.com/asqlite/asqlite/sqlite"
)

// Querier is what Conn and Tx have in common: code written against it runs
// the same inside and outside a transaction block.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (Result, error)
	Query(ctx context.Context, sql string, args ...any) iter.Seq2[*Row, error]
	QueryRow(ctx context.Context, sql string, args ...any) *Row
	Pragma(ctx context.Context, pragma string) (any, error)
}

var (
	_ Querier = (*Conn)(nil)
	_ Querier = (*Tx)(nil)
)

// Tx runs fn as a transaction block: BEGIN (in the mode of
// [ConnOptions.TxMode]), fn, then COMMIT if fn returned nil, ROLLBACK if it
// returned an error or panicked. The block runs on the worker as one call,
// so it is atomic with respect to other callers: no other caller's
// statement runs between its BEGIN and its COMMIT. Blocks nest with
// tx.Tx, each nested block being a savepoint that an error or panic rolls
// back alone. If the connection is already inside a transaction (opened
// with Exec("BEGIN")), the block is a savepoint in it.
//
// Tx returns fn's error, or the error of BEGIN or COMMIT. A panic in fn is
// re-raised in the caller of Tx once the block is rolled back. When ctx
// ends, the statement running in the block is interrupted and later ones
// do not start, so fn should see an error and return; the block is then
// rolled back. Tx waits for fn to return even after ctx ended.
//
// fn must use tx, not c (calling c from fn fails with [ErrReentrant]), and
// only on its own goroutine, and must not keep tx after it returns.
//
// https://sqlite.org/lang_transaction.html
func (c *Conn) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	return c.call(ctx, true, func(sc *sqlite.Conn) error {
		tx := &Tx{c: c, ctx: ctx}
		defer func() { tx.done = true }()
		return sc.Tx(c.opts.TxMode, func() error { return endedBeforeCommit(ctx, fn(tx)) })
	})
}

// Tx is a transaction block in progress, given to the function of [Conn.Tx].
// Its methods run directly on the worker (they are called from it), with
// no hand-over, and are valid only while the block's function runs and only
// on its goroutine; afterwards they fail with [ErrTxDone].
//
// Each method takes a context for its own statements; the block's context
// (the one given to [Conn.Tx]) stays in force too: a method fails at once
// when either has ended, and a statement run with the block's context, or
// with one that never ends, is interrupted when the block's context ends.
type Tx struct {
	c      *Conn
	ctx    context.Context // the block's context
	parent *Tx
	done   bool
}

// enter checks that tx may run a statement with ctx and installs ctx on
// the connection when it is not the block's own; restore undoes that.
func (tx *Tx) enter(ctx context.Context) (restore func(), err error) {
	if ctx == nil {
		return nil, worker.ErrNilContext
	}
	for t := tx; t != nil; t = t.parent {
		if t.done {
			return nil, ErrTxDone
		}
		if worker.Ended(t.ctx) {
			return nil, worker.CtxError(t.ctx, "transaction block cancelled")
		}
	}
	if worker.Ended(ctx) {
		return nil, worker.CtxError(ctx, "call not started")
	}
	if ctx == tx.ctx || ctx.Done() == nil {
		return noRestore, nil
	}
	c := tx.c
	prev, prevGuard := c.sc.Context(), c.guard
	c.install(ctx)
	return func() { c.sc.SetContext(prev); c.guard = prevGuard }, nil
}

func noRestore() {}

// Exec runs sql inside the block; see [Conn.Exec].
func (tx *Tx) Exec(ctx context.Context, sql string, args ...any) (Result, error) {
	restore, err := tx.enter(ctx)
	if err != nil {
		return Result{}, err
	}
	defer restore()
	res, err := execOn(tx.c.sc, sql, args)
	return res, tx.c.guard.Err(err)
}

// QueryRow runs a query inside the block and returns its first row; see
// [Conn.QueryRow].
func (tx *Tx) QueryRow(ctx context.Context, sql string, args ...any) *Row {
	restore, err := tx.enter(ctx)
	if err != nil {
		return &Row{err: err}
	}
	defer restore()
	r := queryRowOn(tx.c.sc, sql, args)
	r.err = tx.c.guard.Err(r.err)
	return r
}

// Pragma runs a pragma inside the block; see [Conn.Pragma].
func (tx *Tx) Pragma(ctx context.Context, pragma string) (any, error) {
	return pragmaValue(tx.QueryRow(ctx, "PRAGMA "+pragma))
}

// Query runs a query inside the block and yields its rows; see [Conn.Query].
// Being on the worker already, it steps the statement row by row as the
// loop asks for them, with nothing read ahead, so statements in the loop
// body see and affect the rows still to come as SQLite defines.
func (tx *Tx) Query(ctx context.Context, sql string, args ...any) iter.Seq2[*Row, error] {
	return func(yield func(*Row, error) bool) {
		restore, err := tx.enter(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		defer restore()
		err = eachRow(tx.c.sc, sql, args, func(r *Row) bool { return yield(r, nil) })
		if err != nil {
			yield(nil, tx.c.guard.Err(err))
		}
	}
}

// Tx runs fn as a nested block: a savepoint, released if fn returns nil,
// rolled back (alone) if fn returns an error or panics; the panic goes on
// up through the enclosing block. See [Conn.Tx].
//
// https://sqlite.org/lang_savepoint.html
func (tx *Tx) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	restore, err := tx.enter(ctx)
	if err != nil {
		return err
	}
	defer restore()
	tx.c.callbacks.Store(true)
	inner := &Tx{c: tx.c, ctx: tx.ctx, parent: tx}
	if ctx != tx.ctx && ctx.Done() != nil {
		inner.ctx = ctx
	}
	defer func() { inner.done = true }()
	return tx.c.guard.Err(tx.c.sc.Tx(tx.c.opts.TxMode, func() error { return endedBeforeCommit(inner.ctx, fn(inner)) }))
}

// endedBeforeCommit returns err, or, when the block succeeded but its
// context has ended, even with its timer not fired yet, the error that
// rolls it back: the binding's COMMIT sees only a context's Done.
func endedBeforeCommit(ctx context.Context, err error) error {
	if err == nil && worker.Ended(ctx) {
		return worker.CtxError(ctx, "transaction block's context ended before its COMMIT")
	}
	return err
}

// Run runs fn with the plain connection inside the block; see [Conn.Run].
// fn must not end the block's transaction (COMMIT or ROLLBACK).
func (tx *Tx) Run(ctx context.Context, fn func(sc *sqlite.Conn) error) error {
	restore, err := tx.enter(ctx)
	if err != nil {
		return err
	}
	defer restore()
	tx.c.callbacks.Store(true)
	return tx.c.guard.Err(fn(tx.c.sc))
}
