// Package trace shows what a block of database work does, statement by
// statement: each statement as it starts, how long it ran, the rows it
// returned and changed, the costlier of its counters (full scan steps,
// sorts, automatic index rows, virtual machine steps, memory), the
// statements virtual tables and triggers run inside it, the rows it
// inserted, deleted and updated with their values, and the transactions
// that began, committed and rolled back.
//
// Start begins tracing a connection and returns the function that stops
// it; Do traces a function. Both print to an io.Writer, in a format meant
// for people:
//
//	> insert into multi values(?)
//	  INS 1 (0)
//	    Time: 27.1µs  Changes: 1
//	> SELECT narg FROM pragma_function_list WHERE name='pow'
//	V PRAGMA function_list
//	    Time: 501.3µs  Rows: 188  VmStep: 1,320  Mem: 78.3KB
//	< SELECT narg FROM pragma_function_list WHERE name='pow'
//	    Time: 1.1ms  Rows: 1  VmStep: 575
//
// A line starting with ">" is a statement starting, "V" one run by a
// virtual table (or a Go function) on behalf of the statement running, "T"
// a trigger starting; "<" repeats the text of a statement whose figures
// follow other lines. INS, DEL and UPD lines are row changes, indented by
// trigger depth; "!BEGIN", "!COMMIT" and "!ROLLBACK" mark transactions.
//
// Programs get the same information as Event values through
// Options.OnEvent, with or without a writer.
//
// # Concurrency
//
// A trace observes one *sqlite.Conn and follows its rule: Start, the stop
// function and the work traced run on the goroutine driving the
// connection (with asqlite.Conn, inside Run: start the trace in one Run
// call, stop it in another, and everything the connection runs in between
// is traced). The writer and OnEvent are called on that goroutine, inside
// the statement being traced; they must not use the connection.
//
// Tracing uses the connection's hooks through the Add functions of package
// sqlite (AddTrace, AddCommitHook, ...), so it does not displace hooks the
// program installed, and several traces may run at once.
package trace
