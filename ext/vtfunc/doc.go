// Package vtfunc turns a Go function returning rows into a virtual table
// and table-valued function (https://sqlite.org/vtab.html#tabfunc2).
//
// The function takes the query's context and its parameters, and returns
// its rows as an iter.Seq (Register), an iter.Seq2 (Register2) or a slice
// (RegisterSlice):
//
//	err := vtfunc.Register(conn, "books", vtfunc.Table{
//		Columns: []string{"title", "year", "review"},
//		Params:  []vtfunc.Param{{Name: "flags", Required: true}, {Name: "server", Default: "example.com"}},
//	}, func(ctx context.Context, args vtfunc.Args) (iter.Seq[Book], error) {
//		return fetchBooks(ctx, args.Int("flags"), args.Text("server")), nil
//	})
//
// after which SQL reads it as a table whose parameters are HIDDEN columns,
// given positionally or by equality:
//
//	SELECT * FROM books(94, 'example2.com');
//	SELECT * FROM books WHERE flags = 94 AND server = ?;
//	SELECT title FROM books(94) WHERE year > 1950 ORDER BY review DESC;
//
// # Rows and columns
//
// Table.Columns names the columns of each row; Table.Access says how a row
// gives them (by default it follows the row's type):
//
//   - a slice or array: column i is element i (ByIndex);
//   - a struct (or pointer to one): a column is the exported field whose
//     tag `sqlite:"name"` or name (ignoring case) matches it (ByName), or
//     with ByIndex column i is the i-th exported field;
//   - a map with string keys: a column is the value at its name, NULL when
//     absent (ByName);
//   - anything else, such as an int or a string: the row is the one column.
//
// A row of interface type (iter.Seq[any]) is read by its dynamic type. A
// nil pointer or interface row has every column NULL. Columns may be left
// empty for struct rows: they are then the struct's field names or tags.
//
// Values convert like sqlite.FuncContext.Result: integers, floats, strings,
// []byte, bool (1 or 0), time.Time (as text), nil and pointers (NULL when
// nil), and named types of those. A value of another type fails the query
// with an error naming the column.
//
// With Register2, the row of a yielded pair (k, v) is k followed by the
// columns of v, so the first column is k; maps.All(m) makes a key/value
// table. An iter.Seq2[T, error] is the exception: its rows are the T values
// and a non-nil error fails the query.
//
// # Parameters
//
// Table.Params are the function's parameters: HIDDEN columns after the
// declared ones, so SELECT * leaves them out. A query gives them
// positionally, books(94, 'x'), or with = or IS in its WHERE clause,
// including through joins (books(t.flags)) and IN lists (which call the
// function once per value; write IN rather than ORs of conditions on
// parameters, which the function cannot see). A parameter the query
// leaves out takes its
// Default, or fails the query if Required. Any other constraint on a
// parameter (>, LIKE, ...) without an equality fails the query with a
// *ParamError naming it, rather than passing a value the function never
// saw. SQLite itself filters and sorts on the other columns: every row the
// function yields is checked against the WHERE clause.
//
// # Execution
//
// The function runs when a query starts scanning the table, on the
// goroutine running the statement, with the connection's context
// (sqlite.Conn.Context) at that time. Its rows are read lazily, one per
// step: a query that stops early (LIMIT, an error, a closed statement)
// stops the iterator, and the context's end stops the query between rows.
// A function that blocks (on the network, say) should watch ctx. An error
// or panic from the function or its iterator fails the statement (the
// statement's error wraps it) and leaves the connection usable.
//
// Concurrency: a registration belongs to its connection, and the function
// runs on the goroutine using the connection. A function registered on
// several connections may run on all of them at once, and must then be
// safe for that.
//
// An iter.Seq is read with iter.Pull, so its body runs on a separate
// goroutine handing control back and forth with the statement's one: it
// may use the connection (SQLite allows statements inside a scan) but must
// not keep anything past its return.
package vtfunc
