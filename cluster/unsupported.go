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

// Register would run fn on every connection, which is how asqlite.DB adds
// Go functions, collations, hooks and virtual tables: unsupported.
func (db *DB) Register(ctx context.Context, fn func(c *sqlite.Conn) error) error {
	return unsupported("registrations on connections (Go functions, collations, hooks, virtual tables)")
}
