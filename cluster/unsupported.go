package cluster

import (
	"context"

	"github.com/asqlite/asqlite/sqlite"
)

// The methods below are asqlite.DB's for what needs Go code or the SQLite
// connection inside the process that runs SQLite. On a cluster SQLite runs
// on the leader, in another process, so each returns an *UnsupportedError.

// Read would run fn with a reader's *sqlite.Conn (hooks, blob I/O,
// sessions, backup): unsupported.
func (db *DB) Read(ctx context.Context, fn func(c *sqlite.Conn) error) error {
	return unsupported("functions given a *sqlite.Conn (hooks, blob I/O, sessions, backup)")
}

// Register would run fn on every connection: unsupported.
func (db *DB) Register(ctx context.Context, fn func(c *sqlite.Conn) error) error {
	return unsupported("registrations on connections (Register)")
}

// CreateFunction would add a Go SQL function: unsupported.
func (db *DB) CreateFunction(ctx context.Context, name string, nArg int, flags sqlite.FuncFlags, fn sqlite.ScalarFunc) error {
	return unsupported("Go functions")
}

// CreateAggregate would add a Go aggregate function: unsupported.
func (db *DB) CreateAggregate(ctx context.Context, name string, nArg int, flags sqlite.FuncFlags, newAgg func() sqlite.AggregateFunc) error {
	return unsupported("Go aggregate functions")
}

// CreateWindowFunction would add a Go window function: unsupported.
func (db *DB) CreateWindowFunction(ctx context.Context, name string, nArg int, flags sqlite.FuncFlags, newWin func() sqlite.WindowFunc) error {
	return unsupported("Go window functions")
}

// CreateCollation would add a Go collation: unsupported.
func (db *DB) CreateCollation(ctx context.Context, name string, cmp func(a, b string) int) error {
	return unsupported("Go collations")
}

// CreateModule would add a Go virtual table module: unsupported.
func (db *DB) CreateModule(ctx context.Context, name string, m sqlite.Module) error {
	return unsupported("Go virtual tables")
}

// CreateEponymousModule would add a Go eponymous virtual table: unsupported.
func (db *DB) CreateEponymousModule(ctx context.Context, name string, m sqlite.Module) error {
	return unsupported("Go virtual tables")
}
