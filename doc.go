// Package asqlite gives concurrent Go programs all of SQLite, safely: any
// goroutine may call, every call takes a context.Context that is honoured
// while the call waits, while its SQL runs and while Go callbacks run, and
// the connection stays usable after a cancelled call.
//
// # The model
//
// SQLite connections are not safe for concurrent use, and SQLite runs one
// statement of a connection at a time. Package [sqlite] (the binding)
// exposes that plain connection. Package asqlite puts each connection behind a
// goroutine of its own, the worker, and lets one goroutine at a time use
// it:
//
//   - [Conn] is one connection and its worker. Calls from any number of
//     goroutines are served one at a time, first come first served (a short
//     call finding the connection idle runs on its caller's goroutine). Query
//     results travel from the worker in batches of rows, not row by row.
//     Transaction blocks ([Conn.Tx]) and arbitrary code ([Conn.Run]) run on
//     the worker as one call, so nothing else interleaves with them.
//   - [DB] (one writer connection and a pool of readers, for applications
//     with many concurrent readers and writers) is built from the same
//     pieces: its writer is the same worker as a Conn's, serving writes in
//     groups that share a transaction; its readers stop SQL with the same
//     guard; it shares [Row], [Result] and the errors of this package.
//
// # Go code in SQLite
//
// Go functions, collations, hooks and virtual tables are registered with
// the binding's methods, through one door: [Conn.Run] for a Conn,
// [DB.Register] for every connection of a DB.
//
//	err := conn.Run(ctx, func(sc *sqlite.Conn) error {
//		return sc.CreateFunction("slugify", 1, sqlite.Deterministic, slugify)
//	})
//
// They run on the worker, and receive the context of the call whose SQL
// triggered them: [sqlite.FuncContext.Context] in a function,
// [sqlite.Conn.Context] in a hook or virtual table:
//
//	err := conn.Run(ctx, func(sc *sqlite.Conn) error {
//		_, err := sc.AddUpdateHook(func(op sqlite.Op, schema, table string, rowid int64) {
//			log.Println(requestID(sc.Context()), op, table, rowid)
//		})
//		return err
//	})
//
// # Contexts
//
// A call whose context ends before the worker takes it never runs and
// returns at once. A running call has its own statements stopped (never
// those of another call, such as an iteration paused between batches), and
// Go callbacks see their context end, as soon as its deadline has passed;
// the caller waits for the call's real outcome. A failed call's error then
// satisfies errors.Is(err, context.Canceled) or
// errors.Is(err, context.DeadlineExceeded). [Conn]'s documentation says
// what a cancelled call leaves behind.
//
// # Rows
//
// [Conn.Query] returns an iterator (iter.Seq2[*Row, error]);
// [Conn.QueryRow] returns the first row. A [Row] holds copies of the
// values, read with typed accessors ([Row.Int64], [Row.Float], [Row.Text],
// [Row.Bytes], ...) or [Row.Scan] into pointers.
//
// # Errors
//
// Errors from SQLite are [*sqlite.Error] values carrying the result code,
// matched with errors.Is(err, [sqlite.ErrConstraint]) and the like. This
// package adds [ErrClosed], [ErrReentrant], [ErrNoRows] and [ErrTxDone].
package asqlite
