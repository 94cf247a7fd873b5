package trace_test

import (
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/asqlite/asqlite/ext/trace"
	"github.com/asqlite/asqlite/sqlite"
)

// untimed writes to w with the durations replaced by "T", so that the
// examples' output is the same on every run.
type untimed struct{ w io.Writer }

func (u untimed) Write(p []byte) (int, error) {
	u.w.Write(regexp.MustCompile(`Time: [0-9.]+(ns|µs|ms|s)`).ReplaceAll(p, []byte("Time: T")))
	return len(p), nil
}

func ExampleDo() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()

	opts := &trace.Options{Changes: trace.ChangeValues, Transactions: true}
	err := trace.Do(conn, untimed{os.Stdout}, opts, func() error {
		return conn.Tx(sqlite.Deferred, func() error {
			if err := conn.Exec("CREATE TABLE t(x, y)"); err != nil {
				return err
			}
			if err := conn.Exec("INSERT INTO t VALUES (1, 'one'), (2, 'two')"); err != nil {
				return err
			}
			return conn.Exec("UPDATE t SET y = 'deux' WHERE x = 2")
		})
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// > BEGIN
	//     Time: T
	//  !BEGIN
	// > CREATE TABLE t(x, y)
	//     Time: T
	// > INSERT INTO t VALUES (1, 'one'), (2, 'two')
	//   INS 1 (1, 'one')
	//   INS 2 (2, 'two')
	//     Time: T  Changes: 2
	// > UPDATE t SET y = 'deux' WHERE x = 2
	//   UPD 2 (..., 'deux')
	//     Time: T  Changes: 1
	// > COMMIT
	//  !COMMIT
	//     Time: T
}

// Start and stop a trace around work done elsewhere; statements a virtual
// table runs are marked V.
func ExampleStart() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()

	conn.Exec("CREATE TABLE t(a, b)")

	stop, err := trace.Start(conn, untimed{os.Stdout}, &trace.Options{
		VTables:    true,
		Thresholds: &trace.Thresholds{VMSteps: 1 << 30, MemUsed: 1 << 30},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for row, err := range conn.Query("SELECT group_concat(name) FROM pragma_table_info('t')") {
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Println("columns:", row.ColumnText(0))
	}
	stop()
	// Output:
	// > SELECT group_concat(name) FROM pragma_table_info('t')
	// V PRAGMA table_info='t'
	//     Time: T  Rows: 2
	// columns: a,b
	// < SELECT group_concat(name) FROM pragma_table_info('t')
	//     Time: T  Rows: 1
}

// Programs read the trace as events: here, the statements slower than
// nothing at all, with the rows they returned.
func ExampleOptions_onEvent() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()

	opts := &trace.Options{OnEvent: func(e trace.Event) {
		if e.Kind == trace.StmtEnd && e.Duration > 0 {
			fmt.Printf("%s: %d rows, %d VM steps\n", e.SQL, e.Rows, e.Counters.VMSteps)
		}
	}}
	trace.Do(conn, nil, opts, func() error {
		return conn.Exec("SELECT 1 UNION ALL SELECT 2")
	})
	// Output:
	// SELECT 1 UNION ALL SELECT 2: 2 rows, 7 VM steps
}
