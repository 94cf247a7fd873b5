// Package sqlite is a Go binding of the SQLite C API over the pure-Go
// engine modernc.org/sqlite/lib (SQLite translated to Go; no cgo).
//
// A [Conn] is one database connection. It is not safe for concurrent use:
// one goroutine at a time calls its methods, as with the C API in
// multi-thread mode. (Package asqlite builds goroutine-safe layers on top:
// asqlite.Conn gives a connection its own goroutine, asqlite.DB adds a write
// queue and a pool of readers.) The only exceptions are [Conn.Interrupt] and
// the context installed with [Conn.SetContext]: any goroutine may end that
// context to stop what the connection is running.
//
// The API follows the C API closely enough that SQLite's documentation
// applies — each symbol links the page it wraps — while speaking Go:
//
//   - Statements are prepared ([Conn.Prepare], or the cached [Conn.Prep]),
//     bound by index or name ([Stmt.BindInt64], [Stmt.Bind] with
//     [NamedArg]), stepped ([Stmt.Step]) and read with typed accessors
//     ([Stmt.ColumnText], ...). [Conn.Exec] runs scripts; [Conn.Query]
//     yields rows as an iterator.
//   - Errors are [*Error] values with the extended result code, the message
//     and the position in the SQL; [ErrorCode] constants are sentinels for
//     errors.Is, so errors.Is(err, [ErrConstraint]) matches every constraint
//     failure and errors.Is(err, [ErrConstraintUnique]) only that one.
//   - [Conn.Tx] runs a function in a transaction, nesting through
//     savepoints, and rolls back on error or panic.
//   - [Conn.SetContext] installs the context of the work that follows: its
//     end interrupts running SQL, and Go functions, hooks and virtual tables
//     see it ([FuncContext.Context], [Conn.Context]), so cancellation
//     reaches everything the connection does.
//   - Hooks have one shape: [Conn.AddUpdateHook], [Conn.AddCommitHook],
//     [Conn.AddRollbackHook], [Conn.AddPreUpdateHook], [Conn.AddWALHook],
//     [Conn.AddTrace] and [Conn.AddProgressHandler] each add a function
//     and return (remove func(), err error). SQLite has one slot per hook;
//     the binding shares it between any number of functions, called in the
//     order they were added, so code watching a connection for its caller
//     never displaces the caller's own hooks. err reports a closed
//     connection ([ErrClosed]) or a nil function ([ErrMisuse]) (and, for the pre-update hook, a
//     [Session] holding SQLite's slot); remove is never nil, and calling it
//     again, or after Close, does nothing. The busy handler and the
//     authorizer answer SQLite's question, which takes a single answer, so
//     they keep SQLite's single slot: [Conn.SetBusyHandler],
//     [Conn.SetBusyTimeout] and [Conn.SetAuthorizer] replace what was set.
//
// Closing a Conn releases everything it owns; using anything after
// [Conn.Close] returns an error wrapping [ErrClosed], never a crash.
package sqlite
