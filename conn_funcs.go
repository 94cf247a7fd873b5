package asqlite

import (
	"context"

	"github.com/asqlite/asqlite/sqlite"
)

// Registering Go code with a Conn
//
// Functions, collations and virtual table modules are registered on the
// worker, as a call like any other (so ctx bounds the wait), and SQLite
// then runs them on the worker while it runs the SQL of later calls. A
// function receives the context of the call whose SQL invoked it through
// sqlite.FuncContext.Context: when that context ends, the statement is
// being cancelled, and a function that blocks should return
// (returning ctx.Err() fails the statement with an error satisfying
// errors.Is(err, context.Canceled) or context.DeadlineExceeded).
//
// Registered code runs on the worker, so it must not call its own Conn:
// such calls fail with ErrReentrant. To run SQL from a function, use the
// connection it is given (FuncContext.Conn), as SQLite allows.

// CreateFunction registers fn as the scalar SQL function name taking nArg
// arguments (-1 for any number), as sqlite.Conn.CreateFunction does. A nil
// fn removes the function.
//
// https://sqlite.org/c3ref/create_function.html
func (c *Conn) CreateFunction(ctx context.Context, name string, nArg int, flags sqlite.FuncFlags, fn sqlite.ScalarFunc) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error { return sc.CreateFunction(name, nArg, flags, fn) })
}

// CreateAggregate registers an aggregate SQL function; newAgg makes the
// state of one group. See sqlite.Conn.CreateAggregate.
//
// https://sqlite.org/c3ref/create_function.html
func (c *Conn) CreateAggregate(ctx context.Context, name string, nArg int, flags sqlite.FuncFlags, newAgg func() sqlite.AggregateFunc) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error { return sc.CreateAggregate(name, nArg, flags, newAgg) })
}

// CreateWindowFunction registers an aggregate window function. See
// sqlite.Conn.CreateWindowFunction.
//
// https://sqlite.org/c3ref/create_function.html
func (c *Conn) CreateWindowFunction(ctx context.Context, name string, nArg int, flags sqlite.FuncFlags, newWin func() sqlite.WindowFunc) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error { return sc.CreateWindowFunction(name, nArg, flags, newWin) })
}

// CreateCollation registers cmp as the collating sequence name (COLLATE
// name in SQL); a nil cmp removes it. See sqlite.Conn.CreateCollation.
//
// https://sqlite.org/c3ref/create_collation.html
func (c *Conn) CreateCollation(ctx context.Context, name string, cmp func(a, b string) int) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error { return sc.CreateCollation(name, cmp) })
}

// CreateModule registers the virtual table module m under name, for
// CREATE VIRTUAL TABLE ... USING name. Its methods run on the worker; the
// context of the triggering call is sqlite.Conn.Context of the connection
// they are given. See sqlite.Conn.CreateModule.
//
// https://sqlite.org/c3ref/create_module.html
func (c *Conn) CreateModule(ctx context.Context, name string, m sqlite.Module) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error { return sc.CreateModule(name, m) })
}

// CreateEponymousModule registers m as an eponymous-only virtual table
// (a table-valued function usable without CREATE VIRTUAL TABLE). See
// sqlite.Conn.CreateEponymousModule.
//
// https://sqlite.org/vtab.html#epovtab
func (c *Conn) CreateEponymousModule(ctx context.Context, name string, m sqlite.Module) error {
	return c.Run(ctx, func(sc *sqlite.Conn) error { return sc.CreateEponymousModule(name, m) })
}
