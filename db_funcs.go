package asqlite

import (
	"context"

	"github.com/asqlite/asqlite/sqlite"
)

// Registering Go code with a DB
//
// Functions, collations and virtual table modules registered with a DB are
// registered on every connection it has and will have (see Register): the
// writer, in queue order with the writes, and each reader before its next
// read. The same Go value then serves several connections, each from one
// goroutine at a time but different connections at the same time, so it
// must be safe for concurrent use. A function receives the context of the
// read or write whose SQL invoked it through sqlite.FuncContext.Context.
//
// Code running on the writer must not wait for another write of the same
// DB: such calls fail with ErrReentrant. To run SQL from a function, use
// the connection it is given (FuncContext.Conn), as SQLite allows.

// CreateFunction registers fn as the scalar SQL function name taking nArg
// arguments (-1 for any number) on every connection of the DB, as
// sqlite.Conn.CreateFunction does. A nil fn removes the function.
//
// https://sqlite.org/c3ref/create_function.html
func (db *DB) CreateFunction(ctx context.Context, name string, nArg int, flags sqlite.FuncFlags, fn sqlite.ScalarFunc) error {
	return db.Register(ctx, func(c *sqlite.Conn) error { return c.CreateFunction(name, nArg, flags, fn) })
}

// CreateAggregate registers an aggregate SQL function on every connection
// of the DB; newAgg makes the state of one group. See
// sqlite.Conn.CreateAggregate.
//
// https://sqlite.org/c3ref/create_function.html
func (db *DB) CreateAggregate(ctx context.Context, name string, nArg int, flags sqlite.FuncFlags, newAgg func() sqlite.AggregateFunc) error {
	return db.Register(ctx, func(c *sqlite.Conn) error { return c.CreateAggregate(name, nArg, flags, newAgg) })
}

// CreateWindowFunction registers an aggregate window function on every
// connection of the DB. See sqlite.Conn.CreateWindowFunction.
//
// https://sqlite.org/c3ref/create_function.html
func (db *DB) CreateWindowFunction(ctx context.Context, name string, nArg int, flags sqlite.FuncFlags, newWin func() sqlite.WindowFunc) error {
	return db.Register(ctx, func(c *sqlite.Conn) error { return c.CreateWindowFunction(name, nArg, flags, newWin) })
}

// CreateCollation registers cmp as the collating sequence name (COLLATE
// name in SQL) on every connection of the DB; a nil cmp removes it. See
// sqlite.Conn.CreateCollation.
//
// https://sqlite.org/c3ref/create_collation.html
func (db *DB) CreateCollation(ctx context.Context, name string, cmp func(a, b string) int) error {
	return db.Register(ctx, func(c *sqlite.Conn) error { return c.CreateCollation(name, cmp) })
}

// CreateModule registers the virtual table module m under name on every
// connection of the DB, for CREATE VIRTUAL TABLE ... USING name (run it
// through a write: the table's schema lives in the database, and the
// readers find the module when they read it). See sqlite.Conn.CreateModule.
//
// https://sqlite.org/c3ref/create_module.html
func (db *DB) CreateModule(ctx context.Context, name string, m sqlite.Module) error {
	return db.Register(ctx, func(c *sqlite.Conn) error { return c.CreateModule(name, m) })
}

// CreateEponymousModule registers m as an eponymous-only virtual table (a
// table-valued function usable without CREATE VIRTUAL TABLE) on every
// connection of the DB. See sqlite.Conn.CreateEponymousModule.
//
// https://sqlite.org/vtab.html#epovtab
func (db *DB) CreateEponymousModule(ctx context.Context, name string, m sqlite.Module) error {
	return db.Register(ctx, func(c *sqlite.Conn) error { return c.CreateEponymousModule(name, m) })
}
